"""Shorts tab: find the best moments of a long video, render vertical clips, adjust them on the transcript."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
)

from ..labels import ASPECTS, QUALITIES, STRATEGIES, fill_combo
from ..widgets.common import VIDEO_FILTER, hint, row_of
from ..widgets.face_follow import FaceFollowControls
from ..widgets.field_errors import FieldErrors, error_label
from ..widgets.recent_jobs import job_outputs
from ..widgets.source_field import SourceField, link_error
from ..widgets.speakers import ShortsSpeakerOptions
from ..workers import run_in_background
from .base import BaseTab
from .shorts_actions import FINAL_STATES, ShortsActionsMixin
from .shorts_clips import ShortsClipsMixin
from .shorts_styles import ShortsStylesMixin


class ShortsTab(ShortsActionsMixin, ShortsClipsMixin, ShortsStylesMixin, BaseTab):
    """The options form here; the results grid and clip editor in ``shorts_clips``, the
    actions on a finished run in ``shorts_actions``."""

    name = "shorts"

    def __init__(self, client, settings, parent=None):
        super().__init__(client, settings, parent)
        right = QSplitter(Qt.Vertical)
        right.addWidget(self._build_results())
        right.addWidget(self._build_style_panel())
        right.addWidget(self._build_clip_editor())
        right.setSizes([380, 120, 300])
        split = QSplitter()
        split.addWidget(self._build_form())
        split.addWidget(right)
        split.setSizes([400, 880])
        QVBoxLayout(self).addWidget(split)

        self.job_id: str | None = None
        #: Re-render and export jobs started here: job id -> (kind, clip id).
        self.side_jobs: dict[str, tuple[str, str]] = {}
        self.manifest_path: str | None = None
        self.manifest: dict = {}
        self.index = None  # media_core.shorts.transcript_view.TranscriptIndex of the run
        self._index_for: str | None = None
        self._updating = False
        self.client.progress.connect(self._on_progress)
        self.client.stateChanged.connect(self._on_state)
        self._update_buttons()

    def _build_clip_fields(self) -> None:
        self.input = SourceField(self.tr("Drop a long video (talk, podcast, stream) or paste its link…"), VIDEO_FILTER)
        self.count = QSpinBox()
        self.count.setRange(1, 20)
        self.count.setValue(3)
        self.min_len = QDoubleSpinBox()
        self.min_len.setRange(5, 600)
        self.min_len.setValue(20)
        self.min_len.setSuffix(" s")
        self.max_len = QDoubleSpinBox()
        self.max_len.setRange(5, 600)
        self.max_len.setValue(60)
        self.max_len.setSuffix(" s")
        self.aspect = QComboBox()
        fill_combo(self.aspect, ASPECTS)
        self.strategy = QComboBox()
        fill_combo(self.strategy, STRATEGIES)
        self.captions = QCheckBox(self.tr("Burn in captions"))
        self.captions.setChecked(True)
        self.preset = QComboBox()
        from media_core.styles import preset_names

        self.preset.addItems(preset_names())
        self.captions.toggled.connect(self.preset.setEnabled)

    def _build_output_fields(self) -> None:
        self.quality = QComboBox()
        fill_combo(self.quality, QUALITIES)
        self.trim = QCheckBox(self.tr("Trim long silences inside clips"))
        self.tighten = QCheckBox(self.tr("Tighten: cut filler words and long pauses inside clips"))
        self.prompt = QLineEdit()
        self.prompt.setPlaceholderText(self.tr("Optional: “moments where I talk about pricing”"))
        self.prompt_hint = hint("")
        self.use_llm = QCheckBox(self.tr("Rank with the AI model from Settings"))
        self._update_scoring_hints()
        self.error = error_label()
        self.errors = FieldErrors(self.error)
        self.go = QPushButton(self.tr("Find shorts"))
        self.go.setObjectName("primary")
        self.go.clicked.connect(self.submit)
        self.stage = hint(
            self.tr("Reframe transcribes the video, scores every complete thought and renders the best ones.")
        )
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.hide()

    def _build_form(self) -> QGroupBox:
        self._build_clip_fields()
        self._build_output_fields()
        lengths = row_of(self.min_len, QLabel("–"), self.max_len)
        cap_row = row_of(self.captions, self.preset)
        wrap = self.errors.wrap
        box = QGroupBox(self.tr("Shorts"))
        form = QFormLayout(box)
        form.addRow(self.tr("Input"), wrap("input", self.input))
        form.addRow(self.tr("Clips"), wrap("num_clips", self.count))
        form.addRow(self.tr("Length"), wrap("min_duration", lengths, "max_duration"))
        form.addRow(self.tr("Aspect"), wrap("aspect", self.aspect))
        form.addRow(self.tr("Reframe"), wrap("strategy", self.strategy))
        self.faces = FaceFollowControls(lambda: (self.input.path(), self.aspect.currentData(), None))
        form.addRow("", wrap("follow_faces", self.faces, "split_speakers", "layout"))
        form.addRow(self.tr("Quality"), wrap("output_height", self.quality))
        form.addRow(self.tr("Captions"), wrap("captions", cap_row, "style"))
        form.addRow("", wrap("trim_silences", self.trim))
        form.addRow("", wrap("tighten", self.tighten))
        self.speakers = ShortsSpeakerOptions()
        form.addRow(self.tr("Speakers"), wrap("prefer_speaker", self.speakers, "speakers", "diarize"))
        form.addRow(self.tr("Prompt"), wrap("prompt", self.prompt))
        form.addRow("", self.prompt_hint)
        form.addRow("", wrap("scorer", self.use_llm))
        form.addRow(self.error)
        form.addRow(self.stage)
        form.addRow(self.bar)
        form.addRow("", self.go)
        return box

    # -- options -------------------------------------------------------------------------
    def _update_scoring_hints(self) -> None:
        """Ask the engine (off the UI thread: its shorts package loads numpy and PyAV) which
        prompt matching and AI ranking this machine offers, then say so next to the options."""

        def work():
            from media_core.settings import engine_settings, offline_mode
            from media_core.shorts import embeddings

            return embeddings.is_available(), engine_settings().shorts_llm, offline_mode()

        run_in_background(work, self._show_scoring_hints)

    def _show_scoring_hints(self, state) -> None:
        meaning, llm, offline = state
        if meaning:
            self.prompt_hint.setText(self.tr("The prompt is matched by meaning, on this computer."))
        else:
            self.prompt_hint.setText(
                self.tr("The prompt is matched by its words (the offline meaning model is not installed).")
            )
        usable = llm.configured and not offline
        self.use_llm.setEnabled(usable)
        if not usable:
            self.use_llm.setChecked(False)
        self.use_llm.setToolTip(
            self.tr("Asks {0} ({1}) to score the best candidates.").format(llm.model or "the model", llm.base_url)
            if usable
            else self.tr("Set an AI endpoint for Shorts in Settings (and leave offline mode) to use this.")
        )

    def showEvent(self, event) -> None:  # settings may have changed while another tab was shown
        self._update_scoring_hints()
        super().showEvent(event)

    def accept_file(self, path: str, kind: str) -> bool:
        if kind == "video":
            self.input.set_path(path)
            return True
        return False

    def options(self) -> dict:
        return {
            "count": self.count.value(),
            "min": self.min_len.value(),
            "max": self.max_len.value(),
            "aspect": self.aspect.currentData(),
            "strategy": self.strategy.currentData(),
            "captions": self.captions.isChecked(),
            "preset": self.preset.currentText(),
            "trim": self.trim.isChecked(),
            "tighten": self.tighten.isChecked(),
            "quality": self.quality.currentData(),
            "llm": self.use_llm.isChecked(),
            **self.faces.options(),
            **self.speakers.options(),
        }

    def restore_options(self, o: dict) -> None:
        self.count.setValue(o.get("count", 3))
        self.min_len.setValue(o.get("min", 20))
        self.max_len.setValue(o.get("max", 60))
        for combo, key in ((self.aspect, "aspect"), (self.strategy, "strategy"), (self.quality, "quality")):
            idx = combo.findData(o.get(key))
            if idx >= 0:
                combo.setCurrentIndex(idx)
        self.captions.setChecked(o.get("captions", True))
        if o.get("preset"):
            self.preset.setCurrentText(o["preset"])
        self.trim.setChecked(o.get("trim", False))
        self.tighten.setChecked(bool(o.get("tighten", False)))
        self.use_llm.setChecked(bool(o.get("llm")) and self.use_llm.isEnabled())
        self.speakers.restore(o)
        self.faces.restore_options(o)

    def job_params(self) -> dict:
        """{"input": path, **ShortsRequest fields} (media_core.jobs.builtin shorts_job)."""
        params = {
            "input": self.input.path(),
            "num_clips": self.count.value(),
            "min_duration": self.min_len.value(),
            "max_duration": self.max_len.value(),
            "aspect": self.aspect.currentData(),
            "strategy": self.strategy.currentData(),
            "captions": self.captions.isChecked(),
            "style": self.preset.currentText() or None,
            "trim_silences": self.trim.isChecked(),
            "tighten": self.tighten.isChecked(),
            "prompt": self.prompt.text().strip() or None,
            "scorer": "llm" if self.use_llm.isChecked() else "heuristic",
            "output_height": self.quality.currentData(),
            **self.faces.shorts_fields(),
            # The engine makes a new "<video> shorts N" folder here for every run.
            "output_root": self.output_dir(),
        }
        if self.threads():
            params["transcription"] = {"threads": self.threads()}
        params.update(self.speakers.job_params())
        return params

    def submit(self) -> str | None:
        self.errors.clear()
        path = self.input.path()
        problem = self.input.problem(self.tr("Choose a video or paste its link first."))
        if problem:
            self.errors.show_field("input", problem)
            return None
        if self.min_len.value() >= self.max_len.value():
            self.errors.show_field("min_duration", self.tr("The shortest length must be below the longest."))
            return None
        try:
            self.job_id = self.client.submit("shorts", self.job_params())
        except Exception as exc:  # InvalidParameterError: shown under its fields
            self.errors.show(exc)
            return None
        self.bar.setValue(0)
        self.bar.show()
        self.stage.setText(self.tr("Queued…"))
        if not self.input.is_link():
            self.fileUsed.emit(path)
        return self.job_id

    # -- jobs ----------------------------------------------------------------------------
    def _on_progress(self, job_id: str, fraction: float, stage: str) -> None:
        if job_id == self.job_id or job_id in self.side_jobs:
            self.bar.show()
            self.bar.setValue(int(fraction * 1000))
            if stage:
                self.stage.setText(stage)

    def _on_state(self, job_id: str, state: str) -> None:
        if state not in FINAL_STATES:
            return
        if job_id in self.side_jobs:
            kind, clip_id = self.side_jobs.pop(job_id)
            self._side_job_done(job_id, state, kind, clip_id)
            return
        if job_id != self.job_id:
            return
        self.bar.hide()
        job = self.client.get(job_id)
        if state != "succeeded":
            self.stage.setText(f"{state}: {getattr(job, 'error', '') or ''}")
            if (message := link_error(job)) is not None:
                self.errors.clear()
                self.errors.show_field("input", message)
            return
        manifest = (job.result or {}).get("manifest") or job_outputs(job).get("manifest")
        if manifest:
            self.load_manifest(manifest)
        self.stage.setText(self.tr("{0} clips ready").format(self.results.count()))
