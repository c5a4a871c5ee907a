"""Captions tab: drop a file, pick a model, get subtitles (and a transcript to browse)."""

from __future__ import annotations

import bisect
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..widgets.common import MEDIA_FILTER, Collapsible, FileField, fmt_duration, hint
from ..widgets.player import PreviewPlayer
from ..widgets.recent_jobs import RecentJobsPanel, job_outputs
from ..widgets.speakers import SpeakerList, SpeakerOptions, speaker_tag
from ..workers import run_in_background
from .base import BaseTab

LANGUAGES = [
    ("auto", "Detect automatically"),
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
    ("nl", "Dutch"),
    ("ja", "Japanese"),
    ("zh", "Chinese"),
    ("ko", "Korean"),
    ("ru", "Russian"),
    ("ar", "Arabic"),
    ("hi", "Hindi"),
    ("pl", "Polish"),
    ("tr", "Turkish"),
]

BACKENDS = [("faster-whisper", "faster-whisper (CTranslate2)"), ("whisper.cpp", "whisper.cpp (ggml)")]
FORMATS = ["srt", "vtt", "ass", "txt", "json"]
TRANSLATE_TARGETS = [
    ("", "No translation"),
    ("es", "Spanish"),
    ("en", "English"),
    ("fr", "French"),
    ("de", "German"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
]


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
        self.backend.setToolTip(
            self.tr(
                "faster-whisper is the fastest on a CPU and supports word timestamps.\n"
                "whisper.cpp needs ggml model files and is useful on machines without AVX."
            )
        )
        self.model = QComboBox()
        self.model.setToolTip(
            self.tr(
                "Bigger models make fewer mistakes but take longer.\n"
                "tiny/base: quick drafts and clear speech. small: noisy audio, accents.\n"
                "medium/large: best accuracy, slow without a GPU. '.en' models are English-only\n"
                "and a little more accurate for English."
            )
        )
        self._fill_models()
        self.model.currentIndexChanged.connect(self._update_estimate_label)
        self.backend.currentIndexChanged.connect(self._update_estimate_label)
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
        self.diarize = SpeakerOptions()

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
        self.initial_prompt.setPlaceholderText(self.tr('Names and jargon the speaker uses, e.g. "Reframe, libass"'))
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

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search the transcript…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter_transcript)
        self.transcript = QListWidget()
        self.transcript.setWordWrap(True)
        self.transcript.setToolTip(self.tr("Click a line to play the video from there."))
        self.transcript.itemClicked.connect(self.seek_to_item)
        self.player = PreviewPlayer()
        self.player.positionChanged.connect(self._follow_playback)
        viewer = QSplitter(Qt.Vertical)
        transcript_box = QWidget()
        tl = QVBoxLayout(transcript_box)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.search)
        tl.addWidget(self.transcript, 1)
        self.speaker_list = SpeakerList()
        self.speaker_list.renamed.connect(lambda: self.show_result(self._shown_job))
        tl.addWidget(self.speaker_list)
        viewer.addWidget(self.player)
        viewer.addWidget(transcript_box)
        viewer.setSizes([300, 220])

        right = QSplitter(Qt.Vertical)
        right.addWidget(self.recent)
        right.addWidget(viewer)
        right.setSizes([200, 520])
        split = QSplitter()
        split.addWidget(options_box)
        split.addWidget(right)
        split.setSizes([560, 700])
        lay = QVBoxLayout(self)
        lay.addWidget(split)

        self._duration: float | None = None
        self._load_seq = 0
        self._shown_job = ""
        self._segment_starts: list[float] = []
        self._estimate_timer = QTimer(self, singleShot=True, interval=300)
        self._estimate_timer.timeout.connect(self._probe_duration)

    # -- models -------------------------------------------------------------------
    def _fill_models(self, models=None) -> None:
        """Model names with size/speed hints; installed ones get a ✓.

        Filled at once from the engine's list of known models, then refreshed from the
        model manager on a worker thread (it scans the models folder for what is installed).
        """
        from media_core.model_store import KNOWN_MODELS, ModelInfo

        refresh = models is None
        if refresh:
            models = [
                ModelInfo(
                    name=k.name,
                    installed=False,
                    source="hub",
                    size_bytes=k.size_bytes,
                    rtf=k.rtf,
                    description=k.description,
                )
                for k in KNOWN_MODELS.values()
            ]
        current = self.model.currentData() or self.settings.default_model
        self.model.blockSignals(True)
        self.model.clear()
        for m in models:
            if m.kind != "faster-whisper":
                continue
            mark = "✓ " if m.installed else ""
            size = f"{m.size_bytes / 1e6:.0f} MB" if m.size_bytes else ""
            details = ", ".join(x for x in (size, m.description) if x)
            self.model.addItem(f"{mark}{m.name}" + (f" — {details}" if details else ""), m.name)
        self.model.setCurrentIndex(max(0, self.model.findData(current)))
        self.model.blockSignals(False)
        if refresh:

            def work():
                from media_core import model_store

                return model_store.list_models()

            run_in_background(work, self._fill_models, lambda exc: None)

    # -- drops / options ----------------------------------------------------------
    def accept_file(self, path: str, kind: str) -> bool:
        if kind in ("video", "audio"):
            self.input.set_path(path)
            return True
        return False

    def options(self) -> dict:
        return {
            "language": self.language.currentData(),
            "backend": self.backend.currentData(),
            "model": self.model.currentData(),
            "formats": [f for f, b in self.formats.items() if b.isChecked()],
            "max_chars": self.max_chars.value(),
            "max_lines": self.max_lines.value(),
            "translate_to": self.translate_to.currentData() or None,
            "vad": self.vad.isChecked(),
            "word_timestamps": self.word_timestamps.isChecked(),
            "beam_size": self.beam_size.value(),
            "initial_prompt": self.initial_prompt.text() or None,
            "max_duration": self.max_duration.value(),
            **self.diarize.options(),
        }

    def restore_options(self, o: dict) -> None:
        for combo, key in (
            (self.language, "language"),
            (self.backend, "backend"),
            (self.model, "model"),
            (self.translate_to, "translate_to"),
        ):
            if key in o:
                idx = combo.findData(o[key] or "")
                if idx >= 0:
                    combo.setCurrentIndex(idx)
        if "formats" in o:
            for f, box in self.formats.items():
                box.setChecked(f in o["formats"])
        for spin, key in (
            (self.max_chars, "max_chars"),
            (self.max_lines, "max_lines"),
            (self.beam_size, "beam_size"),
            (self.max_duration, "max_duration"),
        ):
            if key in o:
                spin.setValue(o[key])
        self.vad.setChecked(o.get("vad", True))
        self.word_timestamps.setChecked(o.get("word_timestamps", True))
        self.initial_prompt.setText(o.get("initial_prompt") or "")
        self.diarize.restore(o)

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
        from media_core.transcription.speed import estimate_seconds

        estimate = estimate_seconds(
            self._duration,
            self.model.currentData() or "",
            backend=self.backend.currentData() or "faster-whisper",
            threads=self.threads(),
        )
        if estimate is None:
            self.estimate.setText(self.tr("Audio {0}").format(fmt_duration(self._duration)))
        elif estimate[1]:
            self.estimate.setText(
                self.tr("Audio {0} · about {1} on this computer").format(
                    fmt_duration(self._duration), fmt_duration(estimate[0])
                )
            )
        else:
            self.estimate.setText(
                self.tr("Audio {0} · roughly {1} (measured after your first job)").format(
                    fmt_duration(self._duration), fmt_duration(estimate[0])
                )
            )

    # -- submit -------------------------------------------------------------------
    def job_params(self) -> dict:
        o = self.options()
        return {
            "input": self.input.path(),
            "output_dir": self.output_dir(),
            "language": None if o["language"] == "auto" else o["language"],
            "backend": o["backend"],
            "model": o["model"],
            "formats": o["formats"],
            "max_chars_per_line": o["max_chars"],
            "max_lines": o["max_lines"],
            "max_duration": o["max_duration"],
            "translate_to": o["translate_to"],
            "vad": o["vad"],
            "word_timestamps": o["word_timestamps"],
            "beam_size": o["beam_size"],
            "initial_prompt": o["initial_prompt"],
            **self.diarize.job_params(),
        }

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
        if state == "succeeded":
            self.show_result(job_id)

    def show_result(self, job_id: str) -> None:
        """Load a finished captions job: its transcript in the list, its media in the player."""
        job = self.client.get(job_id)
        outputs = job_outputs(job)
        media = (getattr(job, "params", {}) or {}).get("input", "")
        subs = outputs.get("srt") or outputs.get("vtt") or outputs.get("ass")
        transcript = outputs.get("json")
        self._load_seq += 1
        seq = self._load_seq
        self._shown_job = job_id

        def work():
            from media_core.models import Transcript
            from media_core.subtitles import read_subtitles

            segments = (
                Transcript.model_validate_json(Path(transcript).read_text(encoding="utf-8")).segments
                if transcript
                else []
            )
            return segments, (read_subtitles(subs) if subs else [])

        def done(result):
            if seq != self._load_seq:
                return  # a newer job's result is loading
            segments, cues = result
            self.transcript.clear()
            self._segment_starts = [seg.start for seg in segments]
            for seg in segments:
                item = QListWidgetItem(f"{fmt_duration(seg.start)}  {speaker_tag(seg.speaker)}{seg.text.strip()}")
                item.setData(Qt.UserRole, seg.start)
                item.setData(Qt.UserRole + 1, seg.end)
                self.transcript.addItem(item)
            self.speaker_list.load(outputs, getattr(job, "params", {}) or {})
            if media and Path(media).is_file():
                self.player.load(media, cues)
            self._filter_transcript(self.search.text())

        run_in_background(work, done, lambda exc: self.error.setText(str(exc)))

    def _filter_transcript(self, text: str) -> None:
        text = text.lower().strip()
        for i in range(self.transcript.count()):
            item = self.transcript.item(i)
            item.setHidden(bool(text) and text not in item.text().lower())

    def seek_to_item(self, item: QListWidgetItem) -> None:
        """Click-to-seek: the player jumps to that line (a hair after its start, so the
        cue is already on screen) and keeps its play/pause state."""
        self.player.seek(float(item.data(Qt.UserRole)) + 0.05)

    def _follow_playback(self, ms: int) -> None:
        """Highlight the transcript line being spoken."""
        t = ms / 1000
        i = bisect.bisect_right(self._segment_starts, t) - 1
        if i < 0:
            return
        item = self.transcript.item(i)
        if item is not None and t < item.data(Qt.UserRole + 1) and item is not self.transcript.currentItem():
            self.transcript.setCurrentItem(item)
            self.transcript.scrollToItem(item)
