"""Captions tab: drop a file, pick a model, get subtitles (and a transcript to browse)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..labels import LANGUAGES, TRANSLATE_TARGETS, fill_combo
from ..widgets.common import MEDIA_FILTER, Collapsible, fmt_duration, hint
from ..widgets.field_errors import FieldErrors, error_label
from ..widgets.language_picker import LanguagePicker
from ..widgets.model_combo import ModelCombo
from ..widgets.recent_jobs import RecentJobsPanel, job_outputs
from ..widgets.source_field import SourceField, link_error, local_media
from ..widgets.speakers import SpeakerList, SpeakerOptions
from ..widgets.transcript_viewer import TranscriptViewer
from ..workers import run_in_background
from .base import BaseTab

BACKENDS = [("faster-whisper", "faster-whisper (CTranslate2)"), ("whisper.cpp", "whisper.cpp (ggml)")]
FORMATS = ["srt", "vtt", "ass", "txt", "json", "rttm"]


class CaptionsTab(BaseTab):
    name = "captions"

    def __init__(self, client, settings, parent=None):
        super().__init__(client, settings, parent)
        self.error = error_label()
        self.errors = FieldErrors(self.error)
        self.recent = RecentJobsPanel(self.client)
        self.recent.jobFinished.connect(self._on_job_finished)
        self.viewer = TranscriptViewer()
        # The viewer's parts, as the window (Ctrl+F), tests and screenshots reach them.
        self.search, self.transcript, self.player = self.viewer.search, self.viewer.transcript, self.viewer.player
        self.speaker_list = SpeakerList()
        self.speaker_list.renamed.connect(lambda: self.show_result(self._shown_job))
        self.viewer.add_below_transcript(self.speaker_list)
        self._shown_job = ""
        right = QSplitter(Qt.Vertical)
        right.addWidget(self.recent)
        right.addWidget(self.viewer)
        right.setSizes([200, 520])
        split = QSplitter()
        split.addWidget(self._build_options())
        split.addWidget(right)
        split.setSizes([560, 700])
        QVBoxLayout(self).addWidget(split)

        self._duration: float | None = None
        self._load_seq = 0
        self._estimate_timer = QTimer(self, singleShot=True, interval=300)
        self._estimate_timer.timeout.connect(self._probe_duration)

    def _build_options(self) -> QGroupBox:
        self.estimate = hint("")
        self.submit_btn = QPushButton(self.tr("Generate captions"))
        self.submit_btn.setObjectName("primary")
        self.submit_btn.clicked.connect(self.submit)
        submit_row = QHBoxLayout()
        submit_row.addWidget(self.estimate, 1)
        submit_row.addWidget(self.submit_btn)
        box = QGroupBox(self.tr("Captions"))
        ol = QVBoxLayout(box)
        ol.addLayout(self._build_form())
        ol.addWidget(Collapsible(self.tr("Advanced options"), self._build_advanced()))
        ol.addWidget(self.error)
        ol.addStretch(1)
        ol.addLayout(submit_row)
        return box

    def _build_engine_fields(self) -> None:
        self.language = QComboBox()
        fill_combo(self.language, LANGUAGES)
        self.backend = QComboBox()
        for key, text in BACKENDS:
            self.backend.addItem(text, key)
        self.backend.setToolTip(
            self.tr(
                "faster-whisper is the fastest on a CPU and supports word timestamps.\n"
                "whisper.cpp needs ggml model files and is useful on machines without AVX."
            )
        )
        self.model = ModelCombo(self.settings.default_model)
        self.model.setToolTip(
            self.tr(
                "Bigger models make fewer mistakes but take longer.\n"
                "tiny/base: quick drafts and clear speech. small: noisy audio, accents.\n"
                "medium/large: best accuracy, slow without a GPU. '.en' models are English-only\n"
                "and a little more accurate for English."
            )
        )
        self.model.currentIndexChanged.connect(self._update_estimate_label)
        self.backend.currentIndexChanged.connect(self._update_estimate_label)

    def _build_form(self) -> QFormLayout:
        self.input = SourceField(
            self.tr("Drop a video or audio file, or paste a link (YouTube, Vimeo, .mp4)…"), MEDIA_FILTER
        )
        self.input.pathChanged.connect(self._schedule_estimate)
        self._build_engine_fields()
        self.formats = {fmt: QCheckBox(fmt.upper()) for fmt in FORMATS}
        for fmt in ("srt", "vtt", "json"):
            self.formats[fmt].setChecked(True)
        fmt_row = QWidget()
        fl = QHBoxLayout(fmt_row)
        fl.setContentsMargins(0, 0, 0, 0)
        for box in self.formats.values():
            fl.addWidget(box)
        fl.addStretch(1)
        self.max_chars = QSpinBox()
        self.max_chars.setRange(10, 120)
        self.max_chars.setValue(42)
        self.max_chars.setSuffix(self.tr(" chars/line"))
        self.max_lines = QSpinBox()
        self.max_lines.setRange(1, 3)
        self.max_lines.setValue(2)
        self.max_lines.setSuffix(self.tr(" lines"))
        limits = QWidget()
        ll = QHBoxLayout(limits)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.max_chars)
        ll.addWidget(self.max_lines)
        ll.addStretch(1)
        self.translate_to = LanguagePicker(TRANSLATE_TARGETS, self.tr("No translation"))
        self.diarize = SpeakerOptions()
        # RTTM holds speaker turns only, so it is offered once speakers are labelled.
        self.formats["rttm"].setToolTip(self.tr("Who speaks when (NIST RTTM), for other tools; needs Label speakers."))
        self.formats["rttm"].setEnabled(False)
        self.diarize.enabled.toggled.connect(self.formats["rttm"].setEnabled)
        wrap = self.errors.wrap
        form = QFormLayout()
        form.addRow(self.tr("Input"), wrap("input", self.input))
        form.addRow(self.tr("Language"), wrap("language", self.language))
        form.addRow(self.tr("Engine"), wrap("backend", self.backend))
        form.addRow(self.tr("Model"), wrap("model", self.model))
        form.addRow(self.tr("Formats"), wrap("formats", fmt_row))
        form.addRow(self.tr("Line limits"), wrap("max_chars_per_line", limits, "max_lines"))
        form.addRow(self.tr("Translate to"), wrap("translate_to", self.translate_to))
        form.addRow("", self.diarize)
        return form

    def _build_advanced(self) -> QWidget:
        """Advanced options, collapsed by default: most people never need them."""
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
        adv = QWidget()
        wrap = self.errors.wrap
        form = QFormLayout(adv)
        form.addRow(self.vad)
        form.addRow(self.word_timestamps)
        form.addRow(self.tr("Beam size"), wrap("beam_size", self.beam_size))
        form.addRow(self.tr("Prompt"), wrap("initial_prompt", self.initial_prompt))
        form.addRow(self.tr("Longest subtitle"), wrap("max_duration", self.max_duration))
        return adv

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
            "formats": self._chosen_formats(),
            "max_chars": self.max_chars.value(),
            "max_lines": self.max_lines.value(),
            "translate_to": self.translate_to.values(),
            "vad": self.vad.isChecked(),
            "word_timestamps": self.word_timestamps.isChecked(),
            "beam_size": self.beam_size.value(),
            "initial_prompt": self.initial_prompt.text() or None,
            "max_duration": self.max_duration.value(),
            **self.diarize.options(),
        }

    def _chosen_formats(self) -> list[str]:
        return [f for f, b in self.formats.items() if b.isChecked() and b.isEnabled()]

    def restore_options(self, o: dict) -> None:
        for combo, key in (
            (self.language, "language"),
            (self.backend, "backend"),
            (self.model, "model"),
        ):
            if key in o:
                idx = combo.findData(o[key] or "")
                if idx >= 0:
                    combo.setCurrentIndex(idx)
        self.translate_to.set_values(o.get("translate_to"))
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

    def transcribe(self, path: str) -> str | None:
        """Submit a captions job for ``path`` with this tab's settings (another tab asked)."""
        self.input.set_path(path)
        return self.submit()

    def _input_problem(self) -> tuple[str, str] | None:
        """(field, message) for what must be fixed before a job can be submitted."""
        problem = self.input.problem(self.tr("Choose a video or audio file, or paste a link, first."))
        if problem:
            return "input", problem
        if not self._chosen_formats():
            return "formats", self.tr("Pick at least one output format.")
        return None

    def submit(self) -> str | None:
        self.errors.clear()
        problem = self._input_problem()
        if problem is not None:
            self.errors.show_field(*problem)
            return None
        path = self.input.path()
        try:
            job_id = self.client.submit("captions", self.job_params())
        except Exception as exc:  # InvalidParameterError from validation: shown by its fields
            self.errors.show(exc)
            return None
        self.recent.add_job(job_id, self.tr("Captions · {0}").format(path if self.input.is_link() else Path(path).name))
        if not self.input.is_link():
            self.fileUsed.emit(path)
        return job_id

    # -- results ------------------------------------------------------------------
    def _on_job_finished(self, job_id: str, state: str) -> None:
        if state == "succeeded":
            self.show_result(job_id)
        elif (message := link_error(self.client.get(job_id))) is not None:
            self.errors.clear()
            self.errors.show_field("input", message)

    def show_result(self, job_id: str) -> None:
        """Load a finished captions job: its transcript in the list, its media in the player."""
        job = self.client.get(job_id)
        outputs = job_outputs(job)
        media = local_media((getattr(job, "params", {}) or {}).get("input", ""))
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
            self.viewer.show_transcript(segments, media if media and Path(media).is_file() else None, cues)
            self.speaker_list.load(outputs, getattr(job, "params", {}) or {})

        run_in_background(work, done, lambda exc: self.error.setText(str(exc)))
