"""Captions tab: drop a file, pick a model, get subtitles (and a transcript to browse)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSpinBox,
                               QSplitter, QVBoxLayout, QWidget, QDoubleSpinBox)

from ..widgets.common import MEDIA_FILTER, Collapsible, FileField, fmt_duration, hint
from ..widgets.recent_jobs import RecentJobsPanel, job_outputs
from ..workers import run_in_background
from .base import BaseTab

LANGUAGES = [("auto", "Detect automatically"), ("en", "English"), ("es", "Spanish"), ("fr", "French"),
             ("de", "German"), ("it", "Italian"), ("pt", "Portuguese"), ("nl", "Dutch"),
             ("ja", "Japanese"), ("zh", "Chinese"), ("ko", "Korean"), ("ru", "Russian"),
             ("ar", "Arabic"), ("hi", "Hindi"), ("pl", "Polish"), ("tr", "Turkish")]

#: Size / speed hints shown beside the model names; the RTF (seconds of work per second of
#: audio on one CPU thread) feeds the time estimate. tiny.en was measured on this class of
#: machine (0.13); the others scale with the model's parameter count.
MODEL_HINTS = {
    "tiny.en": ("75 MB", 0.13, "fastest, English only, good on clear speech"),
    "tiny": ("75 MB", 0.14, "fastest, any language, more mistakes"),
    "base.en": ("145 MB", 0.25, "fast, English only"),
    "base": ("145 MB", 0.27, "fast, any language: a good default"),
    "small": ("480 MB", 0.8, "slower, clearly better on accents and noise"),
    "medium": ("1.5 GB", 2.2, "slow on CPU; best accuracy you can run without a GPU"),
    "large-v3": ("3 GB", 4.5, "very slow on CPU; GPU recommended"),
}
BACKENDS = [("faster-whisper", "faster-whisper (CTranslate2)"), ("whisper.cpp", "whisper.cpp (ggml)")]
FORMATS = ["srt", "vtt", "ass", "txt", "json"]
TRANSLATE_TARGETS = [("", "No translation"), ("es", "Spanish"), ("en", "English"), ("fr", "French"),
                     ("de", "German"), ("it", "Italian"), ("pt", "Portuguese")]


class CaptionsTab(BaseTab):
    name = "captions"

    def __init__(self, window, parent=None):
        super().__init__(window, parent)
        self.input = FileField(self.tr("Drop a video or audio file here, or browse…"), MEDIA_FILTER)
        self.input.pathChanged.connect(self._schedule_estimate)
        self.language = QComboBox()
        for code, label in LANGUAGES:
            self.language.addItem(self.tr(label), code)
        self.backend = QComboBox()
        for key, label in BACKENDS:
            self.backend.addItem(label, key)
        self.backend.setToolTip(self.tr(
            "faster-whisper is the fastest on a CPU and supports word timestamps.\n"
            "whisper.cpp needs ggml model files and is useful on machines without AVX."))
        self.model = QComboBox()
        self._model_rtf: dict[str, float] = {}
        self.model.setToolTip(self.tr(
            "Bigger models make fewer mistakes but take longer.\n"
            "tiny/base: quick drafts and clear speech. small: noisy audio, accents.\n"
            "medium/large: best accuracy, slow without a GPU. '.en' models are English-only\n"
            "and a little more accurate for English."))
        self._fill_models()
        self.model.currentIndexChanged.connect(self._update_estimate_label)
        self.formats = {fmt: QCheckBox(fmt.upper()) for fmt in FORMATS}
        for fmt in ("srt", "vtt", "json"):
            self.formats[fmt].setChecked(True)
        fmt_row = QHBoxLayout()
        for box in self.formats.values():
            fmt_row.addWidget(box)
        fmt_row.addStretch(1)
        self.max_chars = QSpinBox()
        self.max_chars.setRange(10, 120)
        self.max_chars.setValue(42)
        self.max_chars.setSuffix(self.tr(" chars/line"))
        self.max_lines = QSpinBox()
        self.max_lines.setRange(1, 3)
        self.max_lines.setValue(2)
        self.max_lines.setSuffix(self.tr(" lines"))
        limits = QHBoxLayout()
        limits.addWidget(self.max_chars)
        limits.addWidget(self.max_lines)
        limits.addStretch(1)
        self.translate_to = QComboBox()
        for code, label in TRANSLATE_TARGETS:
            self.translate_to.addItem(self.tr(label), code)
        self.diarize = QCheckBox(self.tr("Label speakers (diarization)"))
        self.diarize.setEnabled(False)
        self.diarize.setToolTip(self.tr("Speaker labels are not available yet: no speaker model ships "
                                        "with Reframe. This will be enabled when one does."))

        # Advanced options, collapsed by default: most people never need them.
        adv = QWidget()
        adv_form = QFormLayout(adv)
        self.vad = QCheckBox(self.tr("Skip silence (voice activity detection)"))
        self.vad.setChecked(True)
        self.word_timestamps = QCheckBox(self.tr("Word timestamps (needed for word highlighting)"))
        self.word_timestamps.setChecked(True)
        self.beam_size = QSpinBox()
        self.beam_size.setRange(1, 10)
        self.beam_size.setValue(5)
        self.initial_prompt = QLineEdit()
        self.initial_prompt.setPlaceholderText(self.tr("Names and jargon the speaker uses, e.g. \"Reframe, libass\""))
        self.max_duration = QDoubleSpinBox()
        self.max_duration.setRange(1.0, 10.0)
        self.max_duration.setValue(6.0)
        self.max_duration.setSuffix(" s")
        adv_form.addRow(self.vad)
        adv_form.addRow(self.word_timestamps)
        adv_form.addRow(self.tr("Beam size"), self.beam_size)
        adv_form.addRow(self.tr("Prompt"), self.initial_prompt)
        adv_form.addRow(self.tr("Longest subtitle"), self.max_duration)

        form = QFormLayout()
        form.addRow(self.tr("Input"), self.input)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Engine"), self.backend)
        form.addRow(self.tr("Model"), self.model)
        form.addRow(self.tr("Formats"), fmt_row)
        form.addRow(self.tr("Line limits"), limits)
        form.addRow(self.tr("Translate to"), self.translate_to)
        form.addRow("", self.diarize)
        self.estimate = hint("")
        self.submit_btn = QPushButton(self.tr("Generate captions"))
        self.submit_btn.setObjectName("primary")
        self.submit_btn.clicked.connect(self.submit)
        self.error = QLabel()
        self.error.setStyleSheet("color: #d9443a;")
        self.error.setWordWrap(True)
        submit_row = QHBoxLayout()
        submit_row.addWidget(self.estimate, 1)
        submit_row.addWidget(self.submit_btn)

        options_box = QGroupBox(self.tr("Captions"))
        ol = QVBoxLayout(options_box)
        ol.addLayout(form)
        ol.addWidget(Collapsible(self.tr("Advanced options"), adv))
        ol.addWidget(self.error)
        ol.addStretch(1)
        ol.addLayout(submit_row)

        self.recent = RecentJobsPanel(self.client)
        self.recent.jobFinished.connect(self._on_job_finished)

        # Transcript viewer + frame preview (QtMultimedia is not part of PySide6-Essentials,
        # so "seek" shows the frame at that moment with the subtitle burned in).
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search the transcript…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter_transcript)
        self.transcript = QListWidget()
        self.transcript.setWordWrap(True)
        self.transcript.itemClicked.connect(self._seek)
        self.preview = QLabel(self.tr("Click a line of the transcript to see that moment."))
        self.preview.setAlignment(Qt.AlignCenter)
        self.preview.setMinimumHeight(180)
        self.preview.setObjectName("hint")
        viewer = QWidget()
        vl = QVBoxLayout(viewer)
        vl.setContentsMargins(0, 0, 0, 0)
        vl.addWidget(self.preview, 2)
        vl.addWidget(self.search)
        vl.addWidget(self.transcript, 3)

        right = QSplitter(Qt.Vertical)
        right.addWidget(self.recent)
        right.addWidget(viewer)
        right.setSizes([260, 440])
        split = QSplitter()
        split.addWidget(options_box)
        split.addWidget(right)
        split.setSizes([560, 700])
        lay = QVBoxLayout(self)
        lay.addWidget(split)

        self._duration: float | None = None
        self._media_path = ""
        self._subs_for_preview = ""
        self._preview_seq = 0
        self._estimate_timer = QTimer(self, singleShot=True, interval=300)
        self._estimate_timer.timeout.connect(self._probe_duration)

    # -- models -------------------------------------------------------------------
    def _fill_models(self, installed: set[str] | None = None, infos: dict | None = None) -> None:
        """Model names with size/speed hints; installed ones get a ✓.

        Filled at once from the static hints, then refreshed from the model manager on a
        worker thread (it scans the models folder), so the window never waits for it.
        """
        current = self.model.currentData() or self.settings.default_model
        self.model.blockSignals(True)
        self.model.clear()
        for name, (size, rtf, text) in MODEL_HINTS.items():
            info = (infos or {}).get(name)
            if info is not None:
                size = f"{(info.size_bytes or 0) / 1e6:.0f} MB" if info.size_bytes else size
                text = info.description or text
            mark = "✓ " if installed and name in installed else ""
            self.model.addItem(f"{mark}{name} — {size}, {text}", name)
        for name in sorted((installed or set()) - set(MODEL_HINTS)):  # the user's own models
            self.model.addItem(f"✓ {name}", name)
        self.model.setCurrentIndex(max(0, self.model.findData(current)))
        self.model.blockSignals(False)
        if installed is None:
            def work():
                from media_core import model_store

                return model_store.list_models()

            def done(models):
                self._model_rtf = {m.name: m.rtf for m in models if m.rtf}
                self._fill_models({m.name for m in models if m.installed}, {m.name: m for m in models})

            run_in_background(work, done, lambda exc: None)

    # -- drops / options ----------------------------------------------------------
    def accept_file(self, path: str, kind: str) -> bool:
        if kind in ("video", "audio"):
            self.input.set_path(path)
            return True
        return False

    def options(self) -> dict:
        return {"language": self.language.currentData(), "backend": self.backend.currentData(),
                "model": self.model.currentData(),
                "formats": [f for f, b in self.formats.items() if b.isChecked()],
                "max_chars": self.max_chars.value(), "max_lines": self.max_lines.value(),
                "translate_to": self.translate_to.currentData() or None,
                "vad": self.vad.isChecked(), "word_timestamps": self.word_timestamps.isChecked(),
                "beam_size": self.beam_size.value(), "initial_prompt": self.initial_prompt.text() or None,
                "max_duration": self.max_duration.value()}

    def restore_options(self, o: dict) -> None:
        for combo, key in ((self.language, "language"), (self.backend, "backend"), (self.model, "model"),
                           (self.translate_to, "translate_to")):
            if key in o:
                idx = combo.findData(o[key] or "")
                if idx >= 0:
                    combo.setCurrentIndex(idx)
        if "formats" in o:
            for f, box in self.formats.items():
                box.setChecked(f in o["formats"])
        for spin, key in ((self.max_chars, "max_chars"), (self.max_lines, "max_lines"),
                          (self.beam_size, "beam_size"), (self.max_duration, "max_duration")):
            if key in o:
                spin.setValue(o[key])
        self.vad.setChecked(o.get("vad", True))
        self.word_timestamps.setChecked(o.get("word_timestamps", True))
        self.initial_prompt.setText(o.get("initial_prompt") or "")

    # -- estimate -----------------------------------------------------------------
    def _schedule_estimate(self) -> None:
        self._duration = None
        self.estimate.setText("")
        self._estimate_timer.start()

    def _probe_duration(self) -> None:
        path = self.input.path()
        if not path or not Path(path).is_file():
            return

        def work():
            from media_core.probe import probe

            return path, probe(path).duration

        def done(result):
            probed, duration = result
            if probed == self.input.path():
                self._duration = duration
                self._update_estimate_label()

        run_in_background(work, done, lambda exc: self.estimate.setText(str(exc)))

    def _update_estimate_label(self) -> None:
        if not self._duration:
            return
        name = self.model.currentData()
        rtf = self._model_rtf.get(name) or MODEL_HINTS.get(name, ("", 1.0, ""))[1]
        seconds = self._duration * rtf + 3  # + model load
        self.estimate.setText(self.tr("Audio {0} · about {1} on this computer").format(
            fmt_duration(self._duration), fmt_duration(seconds)))

    # -- submit -------------------------------------------------------------------
    def job_params(self) -> dict:
        o = self.options()
        return {"input": self.input.path(), "output_dir": self.output_dir(),
                "language": None if o["language"] == "auto" else o["language"],
                "backend": o["backend"], "model": o["model"], "formats": o["formats"],
                "max_chars_per_line": o["max_chars"], "max_lines": o["max_lines"],
                "max_duration": o["max_duration"], "translate_to": o["translate_to"],
                "vad": o["vad"], "word_timestamps": o["word_timestamps"], "beam_size": o["beam_size"],
                "initial_prompt": o["initial_prompt"], "threads": self.threads()}

    def submit(self) -> str | None:
        self.error.clear()
        path = self.input.path()
        if not path:
            self.error.setText(self.tr("Choose a video or audio file first."))
            return None
        if not Path(path).is_file():
            self.error.setText(self.tr("File not found: {0}").format(path))
            return None
        if not any(b.isChecked() for b in self.formats.values()):
            self.error.setText(self.tr("Pick at least one output format."))
            return None
        try:
            job_id = self.client.submit("captions", self.job_params())
        except Exception as exc:  # a ReframeError from validation: show it, keep the window alive
            self.error.setText(str(exc))
            return None
        self.recent.add_job(job_id, self.tr("Captions · {0}").format(Path(path).name))
        self.window_.remember_file(path)
        return job_id

    # -- results ------------------------------------------------------------------
    def _on_job_finished(self, job_id: str, state: str) -> None:
        if state != "succeeded":
            return
        job = self.client.get(job_id)
        outputs = job_outputs(job)
        self._media_path = (getattr(job, "params", {}) or {}).get("input", "")
        self._subs_for_preview = outputs.get("srt") or outputs.get("ass") or outputs.get("vtt") or ""
        if "json" in outputs:
            self.load_transcript(outputs["json"])

    def load_transcript(self, json_path: str) -> None:
        from media_core.models import Transcript

        transcript = Transcript.model_validate_json(Path(json_path).read_text(encoding="utf-8"))
        self.transcript.clear()
        for seg in transcript.segments:
            item = QListWidgetItem(f"{fmt_duration(seg.start)}  {seg.text.strip()}")
            item.setData(Qt.UserRole, seg.start + 0.05)
            self.transcript.addItem(item)

    def _filter_transcript(self, text: str) -> None:
        text = text.lower().strip()
        for i in range(self.transcript.count()):
            item = self.transcript.item(i)
            item.setHidden(bool(text) and text not in item.text().lower())

    def _seek(self, item: QListWidgetItem) -> None:
        """Show the frame at that moment, with the subtitle, rendered off the UI thread."""
        if not self._media_path:
            return
        t = float(item.data(Qt.UserRole))
        self._preview_seq += 1
        seq, media, subs = self._preview_seq, self._media_path, self._subs_for_preview

        def work():
            from media_core.paths import cache_dir
            from media_core.render.operations import preview_frame

            out = cache_dir() / "previews" / f"captions-{os.getpid()}-{seq}.png"
            out.parent.mkdir(parents=True, exist_ok=True)
            preview_frame(media, t, out, subtitles=subs or None)
            try:
                return out.read_bytes()
            finally:
                out.unlink(missing_ok=True)

        def done(result):
            if seq != self._preview_seq:
                return  # a newer click superseded this one
            pix = QPixmap()
            pix.loadFromData(result)
            self.preview.setPixmap(pix.scaled(self.preview.size(), Qt.KeepAspectRatio, Qt.SmoothTransformation))

        run_in_background(work, done, lambda exc: self.preview.setText(str(exc)))

