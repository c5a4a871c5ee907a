"""Utilities → Tighten: cut filler words, picked words and long pauses out of a talking-head
video by editing its transcript, with the list of cuts before anything is rendered; the render
is a ``transcript_cut`` job (media_core.transcript_edit)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..widgets.common import VIDEO_FILTER, FileField, hint, output_path
from ..widgets.field_errors import FieldErrors, error_label
from ..widgets.word_picker import WordPicker
from ..workers import run_in_background

SubmitFn = Callable[[str, dict, str, FieldErrors], "str | None"]


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.split(",") if w.strip()]


class TightenPage(QWidget):
    """``submit(job_type, params, title, errors)`` is the Utilities tab's submit (recent jobs panel)."""

    #: The cut list was (re)computed.
    planUpdated = Signal()

    def __init__(self, submit: SubmitFn, output_dir: Callable[[], str], model: Callable[[], str], parent=None):
        super().__init__(parent)
        self._submit, self._output_dir, self._model = submit, output_dir, model
        self._seq = 0
        self._source: dict | None = None  # transcript, audio, duration, fps of the video in hand
        self.plan = None
        self._timer = QTimer(self, singleShot=True, interval=300)
        self._timer.timeout.connect(self.replan)
        lay = QVBoxLayout(self)
        lay.addLayout(self._build_inputs())
        split = QSplitter()
        split.addWidget(self._build_words())
        split.addWidget(self._build_cuts())
        split.setSizes([520, 320])
        lay.addWidget(split, 1)
        lay.addLayout(self._build_actions())

    def _build_inputs(self) -> QFormLayout:
        self.video = FileField(self.tr("Talking-head video…"), VIDEO_FILTER)
        self.video.pathChanged.connect(self._forget)
        self.find_btn = QPushButton(self.tr("Find words"))
        self.find_btn.setToolTip(self.tr("Transcribe the video (with the default model) and list the cuts"))
        self.find_btn.clicked.connect(self.find_words)
        row = QHBoxLayout()
        row.addWidget(self.video, 1)
        row.addWidget(self.find_btn)
        self.remove_fillers = QCheckBox(self.tr("Cut filler words"))
        self.remove_fillers.setChecked(True)
        self.fillers = QLineEdit()
        self.fillers.setPlaceholderText(self.tr("the language's list (um, uh, you know, …)"))
        self.extra_fillers = QLineEdit()
        self.extra_fillers.setPlaceholderText(self.tr("e.g. like, so"))
        self.shorten_pauses = QCheckBox(self.tr("Shorten pauses longer than"))
        self.shorten_pauses.setChecked(True)
        self.max_pause = self._seconds(1.0, 0.1, 30.0)
        self.keep_pause = self._seconds(0.3, 0.0, 5.0)
        pauses = QHBoxLayout()
        pauses.addWidget(self.shorten_pauses)
        pauses.addWidget(self.max_pause)
        pauses.addWidget(QLabel(self.tr("to")))
        pauses.addWidget(self.keep_pause)
        pauses.addStretch(1)
        self.error = error_label()
        self.errors = FieldErrors(self.error)
        wrap = self.errors.wrap
        form = QFormLayout()
        form.addRow(self.tr("Video"), wrap("input", self._boxed(row)))
        form.addRow("", wrap("remove_fillers", self.remove_fillers))
        form.addRow(self.tr("Fillers"), wrap("fillers", self.fillers))
        form.addRow(self.tr("Also cut"), wrap("extra_fillers", self.extra_fillers))
        form.addRow(self.tr("Pauses"), wrap("max_pause", self._boxed(pauses), "keep_pause"))
        for signal in (
            self.remove_fillers.toggled,
            self.fillers.textChanged,
            self.extra_fillers.textChanged,
            self.shorten_pauses.toggled,
            self.max_pause.valueChanged,
            self.keep_pause.valueChanged,
        ):
            signal.connect(self._timer.start)
        return form

    def _build_words(self) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(hint(self.tr("Transcript: select words to cut them. Struck-through orange words are fillers.")))
        self.picker = WordPicker()
        self.picker.picksChanged.connect(self._timer.start)
        lay.addWidget(self.picker, 1)
        return box

    def _build_cuts(self) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(hint(self.tr("Cuts")))
        self.cuts = QListWidget()
        lay.addWidget(self.cuts, 1)
        self.summary = hint("")
        lay.addWidget(self.summary)
        return box

    def _build_actions(self) -> QHBoxLayout:
        self.status = hint("")
        self.render_btn = QPushButton(self.tr("Render tightened video"))
        self.render_btn.setObjectName("primary")
        self.render_btn.clicked.connect(self.submit)
        row = QHBoxLayout()
        row.addWidget(self.error)
        row.addWidget(self.status, 1)
        row.addWidget(self.render_btn)
        return row

    @staticmethod
    def _seconds(value: float, low: float, high: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(low, high)
        spin.setSingleStep(0.1)
        spin.setValue(value)
        spin.setSuffix(" s")
        return spin

    @staticmethod
    def _boxed(layout) -> QWidget:
        box = QWidget()
        layout.setContentsMargins(0, 0, 0, 0)
        box.setLayout(layout)
        return box

    # -- options -------------------------------------------------------------------
    def cut_options(self) -> dict:
        """The CutOptions fields of the form (also the job's)."""
        return {
            "remove_fillers": self.remove_fillers.isChecked(),
            "fillers": _words(self.fillers.text()) or None,
            "extra_fillers": _words(self.extra_fillers.text()),
            "remove_words": self.picker.picked(),
            "max_pause": self.max_pause.value() if self.shorten_pauses.isChecked() else None,
            "keep_pause": self.keep_pause.value(),
        }

    def _forget(self) -> None:
        self._seq += 1
        self._source, self.plan = None, None
        self.picker.set_words([])
        self.cuts.clear()
        self.summary.setText("")

    # -- transcript and cut list -----------------------------------------------------
    def find_words(self) -> None:
        video = self.video.path()
        if not video or not Path(video).is_file():
            self.status.setText(self.tr("Choose a video first."))
            return
        self._seq += 1
        seq, model = self._seq, self._model()
        self.find_btn.setEnabled(False)
        self.status.setText(self.tr("Transcribing…"))
        run_in_background(lambda: _load_source(video, model), lambda source: self._loaded(seq, source), self._failed)

    def _loaded(self, seq: int, source: dict) -> None:
        self.find_btn.setEnabled(True)
        if seq != self._seq:
            return
        self._source = source
        self.picker.set_words(source["transcript"].words)
        self.status.setText("")
        self.replan()

    def _failed(self, exc: BaseException) -> None:
        self.find_btn.setEnabled(True)
        self.status.setText(str(exc))

    def replan(self) -> None:
        if self._source is None:
            return
        from pydantic import ValidationError

        from media_core.transcript_edit import CutOptions, plan_cuts

        try:
            options = CutOptions.model_validate(self.cut_options())
        except ValidationError as exc:
            self.status.setText(exc.errors()[0]["msg"])
            return
        s = self._source
        words = s["transcript"].words
        self.plan = plan_cuts(
            words, s["duration"], options, language=s["transcript"].language, audio=s["audio"], fps=s["fps"]
        )
        self._show_plan(self.plan)

    def _show_plan(self, plan) -> None:
        self.cuts.clear()
        reasons = {"filler": self.tr("filler"), "selected": self.tr("picked"), "pause": self.tr("pause")}
        picked = set(self.picker.picked())
        fillers: list[int] = []
        for removal in plan.removals:
            what = (
                f"“{removal.text}”"
                if removal.text
                else self.tr("{0:.1f} s of silence").format(removal.end - removal.start)
            )
            self.cuts.addItem(f"{removal.start:7.2f}–{removal.end:7.2f} s  {reasons[removal.reason]}  {what}")
            fillers += [i for i in removal.words if i not in picked]  # a filler next to picked words joins their cut
        self.picker.mark_fillers(fillers)
        self.summary.setText(
            self.tr("{0} cuts, {1:.1f} s removed: {2:.1f} s of {3:.1f} s").format(
                len(plan.removals), plan.removed, plan.output_duration, plan.duration
            )
        )
        self.status.setText("")
        self.planUpdated.emit()

    # -- render ------------------------------------------------------------------------
    def submit(self) -> str | None:
        self.errors.clear()
        video = self.video.path()
        if not video:
            self.error.setText(self.tr("Choose a video first."))
            return None
        params = {"input": video, "output": output_path(self._output_dir(), video, "tightened", "mp4")}
        params.update(self.cut_options())
        if self._source is not None:
            params["transcript"] = str(self._source["transcript_path"])
        else:
            params["transcription"] = {"model": self._model()}
        return self._submit("transcript_cut", params, self.tr("Tighten · {0}").format(Path(video).name), self.errors)


def _load_source(video: str, model: str) -> dict:
    """Worker thread: the transcript (saved, so the job cuts by the same words) and the audio.
    A captions JSON beside the video (``reframe captions --formats json``) is used as it is."""
    from media_core.audio import decode_audio
    from media_core.paths import cache_dir
    from media_core.probe import probe
    from media_core.transcript_edit import preview_cuts
    from media_core.transcription import TranscriptionConfig

    folder = cache_dir() / "tighten"
    folder.mkdir(parents=True, exist_ok=True)
    preview = preview_cuts(
        video,
        transcript_path=_captions_json(Path(video)),
        save_transcript=folder / f"{Path(video).stem}-{os.getpid()}.words.json",
        transcription=TranscriptionConfig(model=model),
    )
    info = probe(video)
    return {
        "transcript": preview.transcript,
        "transcript_path": preview.transcript_path,
        "audio": decode_audio(video),
        "duration": info.duration,
        "fps": info.video.fps if info.has_video and info.video else None,
    }


def _captions_json(video: Path) -> Path | None:
    """``<video>.json`` when it is a transcript with word times (a captions JSON export)."""
    from pydantic import ValidationError

    from media_core.models import Transcript

    sidecar = video.with_suffix(".json")
    if not sidecar.is_file():
        return None
    try:
        transcript = Transcript.model_validate_json(sidecar.read_text(encoding="utf-8"))
    except (ValidationError, OSError, UnicodeDecodeError):
        return None
    return sidecar if transcript.words else None
