"""Utilities tab: merge audio, translate subtitles, edit subtitles, cut/reframe."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..widgets.common import AUDIO_FILTER, SUBTITLE_FILTER, VIDEO_FILTER, FileField, hint, output_path
from ..widgets.face_follow import FaceFollowControls
from ..widgets.recent_jobs import RecentJobsPanel
from ..widgets.subtitle_model import SubtitleTableModel
from ..workers import run_in_background
from .base import BaseTab
from .captions import LANGUAGES, TRANSLATE_TARGETS

ASPECTS = [
    ("", "Keep"),
    ("9:16", "9:16 vertical"),
    ("1:1", "1:1 square"),
    ("4:5", "4:5 portrait"),
    ("16:9", "16:9 landscape"),
]
STRATEGIES = [("crop", "Crop at the centre of interest"), ("blur_bg", "Blurred background"), ("pad", "Pad with bars")]


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #d9443a;")
    return label


class UtilitiesTab(BaseTab):
    name = "utilities"

    def __init__(self, window, parent=None):
        super().__init__(window, parent)
        self.sections = QTabWidget()
        self.sections.setDocumentMode(True)
        self.sections.addTab(self._merge_page(), self.tr("Merge audio"))
        self.sections.addTab(self._translate_page(), self.tr("Translate subtitles"))
        self.sections.addTab(self._editor_page(), self.tr("Subtitle editor"))
        self.sections.addTab(self._cut_page(), self.tr("Cut / reframe"))
        self.recent = RecentJobsPanel(self.client)
        split = QSplitter()
        split.addWidget(self.sections)
        split.addWidget(self.recent)
        split.setSizes([840, 420])
        QVBoxLayout(self).addWidget(split)

    # -- merge --------------------------------------------------------------------
    def _merge_page(self) -> QWidget:
        page = QWidget()
        self.merge_video = FileField(self.tr("Video…"), VIDEO_FILTER)
        self.merge_audio = FileField(self.tr("Audio (music, voice-over)…"), AUDIO_FILTER)
        self.merge_offset = QDoubleSpinBox()
        self.merge_offset.setRange(-3600, 3600)
        self.merge_offset.setSuffix(" s")
        self.merge_offset.setToolTip(self.tr("Positive: the audio starts later than the video."))
        self.merge_mode = QComboBox()
        self.merge_mode.addItem(self.tr("Replace the original audio"), "replace")
        self.merge_mode.addItem(self.tr("Mix with the original audio"), "mix")
        self.merge_duck = QCheckBox(self.tr("Duck the music under speech"))
        self.merge_loudness = QCheckBox(self.tr("Normalise loudness (−14 LUFS, for social media)"))
        self.merge_loudness.setChecked(True)
        self.merge_error = _error_label()
        go = QPushButton(self.tr("Merge"))
        go.setObjectName("primary")
        go.clicked.connect(self.submit_merge)
        form = QFormLayout(page)
        form.addRow(self.tr("Video"), self.merge_video)
        form.addRow(self.tr("Audio"), self.merge_audio)
        form.addRow(self.tr("Offset"), self.merge_offset)
        form.addRow(self.tr("Mode"), self.merge_mode)
        form.addRow("", self.merge_duck)
        form.addRow("", self.merge_loudness)
        form.addRow(self.merge_error)
        form.addRow("", go)
        return page

    def submit_merge(self) -> str | None:
        video, audio = self.merge_video.path(), self.merge_audio.path()
        if not video or not audio:
            self.merge_error.setText(self.tr("Choose both a video and an audio file."))
            return None
        self.merge_error.clear()
        params = {
            "input": video,
            "audio": audio,
            "out": output_path(self.output_dir(), video, "merged"),
            "offset": self.merge_offset.value(),
            "mode": self.merge_mode.currentData(),
            "ducking": self.merge_duck.isChecked(),
            "loudness_normalize": self.merge_loudness.isChecked(),
        }
        return self._submit("merge_av", params, self.tr("Merge · {0}").format(Path(video).name), self.merge_error)

    # -- translate ----------------------------------------------------------------
    def _translate_page(self) -> QWidget:
        page = QWidget()
        self.tr_input = FileField(self.tr("Subtitle file to translate…"), SUBTITLE_FILTER)
        self.tr_source = QComboBox()
        for code, label in LANGUAGES:
            self.tr_source.addItem(self.tr(label), code)
        self.tr_target = QComboBox()
        for code, label in TRANSLATE_TARGETS[1:]:
            self.tr_target.addItem(self.tr(label), code)
        self.tr_bilingual = QCheckBox(self.tr("Bilingual: keep the original line above the translation"))
        self.tr_engine = QComboBox()
        self.tr_engine.addItem(self.tr("Best available offline engine"), "auto")
        self.tr_engine.addItem("Apertium (offline, rule-based)", "apertium")
        self.tr_engine.addItem("Argos Translate (offline)", "argos")
        self.tr_engine.addItem(self.tr("Cloud (needs an API key in Settings)"), "cloud")
        self.tr_error = _error_label()
        go = QPushButton(self.tr("Translate"))
        go.setObjectName("primary")
        go.clicked.connect(self.submit_translate)
        form = QFormLayout(page)
        form.addRow(self.tr("Subtitles"), self.tr_input)
        form.addRow(self.tr("From"), self.tr_source)
        form.addRow(self.tr("To"), self.tr_target)
        form.addRow(self.tr("Engine"), self.tr_engine)
        form.addRow("", self.tr_bilingual)
        form.addRow(self.tr_error)
        form.addRow("", go)
        return page

    def submit_translate(self) -> str | None:
        path = self.tr_input.path()
        if not path:
            self.tr_error.setText(self.tr("Choose a subtitle file."))
            return None
        self.tr_error.clear()
        src = self.tr_source.currentData()
        tgt = self.tr_target.currentData()
        # Offline mode is not passed: the engine applies its own setting to every job.
        params = {
            "input": path,
            "tgt": tgt,
            "src": None if src == "auto" else src,
            "backend": self.tr_engine.currentData(),
            "bilingual": self.tr_bilingual.isChecked(),
            "out": output_path(self.output_dir(), path, tgt, Path(path).suffix.lstrip(".") or "srt"),
        }
        return self._submit(
            "translate_subtitles", params, self.tr("Translate · {0}").format(Path(path).name), self.tr_error
        )

    # -- editor -------------------------------------------------------------------
    def _editor_page(self) -> QWidget:
        page = QWidget()
        self.ed_path = FileField(self.tr("Open a subtitle file to edit…"), SUBTITLE_FILTER)
        self.ed_path.pathChanged.connect(self._load_editor)
        self.ed_model = SubtitleTableModel()
        self.ed_table = QTableView()
        self.ed_table.setModel(self.ed_model)
        self.ed_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
        self.ed_table.setSelectionBehavior(QTableView.SelectRows)
        self.ed_table.setAlternatingRowColors(True)
        self.ed_table.setWordWrap(True)
        self.ed_shift = QSpinBox()
        self.ed_shift.setRange(-600_000, 600_000)
        self.ed_shift.setSingleStep(100)
        self.ed_shift.setValue(500)
        self.ed_shift.setSuffix(" ms")
        shift_all = QPushButton(self.tr("Shift all"))
        shift_all.clicked.connect(lambda: self.shift(selected_only=False))
        shift_sel = QPushButton(self.tr("Shift selected"))
        shift_sel.clicked.connect(lambda: self.shift(selected_only=True))
        save_as = QPushButton(self.tr("Save as…"))
        save_as.setObjectName("primary")
        save_as.clicked.connect(self._save_as)
        self.ed_status = hint("")
        self.ed_model.dataChanged.connect(lambda *_: self.ed_status.setText(""))
        self.ed_model.dataChanged.connect(lambda top, *_: self.ed_table.resizeRowToContents(top.row()))
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Shift by")))
        row.addWidget(self.ed_shift)
        row.addWidget(shift_all)
        row.addWidget(shift_sel)
        row.addStretch(1)
        row.addWidget(save_as)
        lay = QVBoxLayout(page)
        lay.addWidget(self.ed_path)
        lay.addWidget(self.ed_table, 1)
        lay.addLayout(row)
        lay.addWidget(self.ed_status)
        # Rejected edits explain themselves instead of silently reverting.
        self.ed_table.itemDelegate().closeEditor.connect(self._editor_closed)
        return page

    def _editor_closed(self, *_):
        if self.ed_model.last_error:
            self.ed_status.setText(self.ed_model.last_error)

    def _load_editor(self, path: str) -> None:
        if not path or not Path(path).is_file():
            return

        def work():
            from media_core.subtitles import read_subtitles

            return path, read_subtitles(path)

        def done(result):
            loaded, lines = result
            if loaded == self.ed_path.path():
                self.ed_model.set_lines(lines)
                self.ed_table.resizeColumnsToContents()
                self.ed_table.resizeRowsToContents()  # two-line cues show both lines
                self.ed_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
                self.ed_status.setText(self.tr("{0} cues").format(len(lines)))

        run_in_background(work, done, lambda exc: self.ed_status.setText(str(exc)))

    def shift(self, *, selected_only: bool) -> None:
        from media_core.subtitles import shift_lines

        indices = None
        if selected_only:
            indices = sorted({i.row() for i in self.ed_table.selectionModel().selectedRows()})
            if not indices:
                self.ed_status.setText(self.tr("Select the lines to shift first."))
                return
        try:
            self.ed_model.replace_all(shift_lines(self.ed_model.lines, self.ed_shift.value(), indices=indices))
        except Exception as exc:  # e.g. a shift before 0:00: the engine says why
            self.ed_status.setText(str(exc))
            return
        self.ed_table.resizeRowsToContents()

    def _save_as(self) -> None:
        if not self.ed_model.lines:
            self.ed_status.setText(self.tr("Nothing to save: open a subtitle file first."))
            return
        src = Path(self.ed_path.path() or "subtitles.srt")
        dest, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save subtitles as"), str(src.with_name(src.stem + ".edited" + src.suffix)), SUBTITLE_FILTER
        )
        if dest:
            self.save_editor(dest)

    def save_editor(self, dest: str) -> None:
        lines = list(self.ed_model.lines)
        fmt = Path(dest).suffix.lstrip(".").lower() or "srt"

        def work():
            from media_core.subtitles import write_subtitles

            return write_subtitles(lines, dest, fmt)

        run_in_background(
            work,
            lambda _: self.ed_status.setText(self.tr("Saved {0}").format(dest)),
            lambda exc: self.ed_status.setText(str(exc)),
        )

    # -- cut / reframe ------------------------------------------------------------
    def _cut_page(self) -> QWidget:
        page = QWidget()
        self.cut_input = FileField(self.tr("Video…"), VIDEO_FILTER)
        self.cut_start = QDoubleSpinBox()
        self.cut_start.setRange(0, 86_400)
        self.cut_start.setSuffix(" s")
        self.cut_end = QDoubleSpinBox()
        self.cut_end.setRange(0, 86_400)
        self.cut_end.setSuffix(" s")
        self.cut_end.setSpecialValueText(self.tr("end of video"))
        self.cut_aspect = QComboBox()
        for key, label in ASPECTS:
            self.cut_aspect.addItem(self.tr(label), key)
        self.cut_strategy = QComboBox()
        for key, label in STRATEGIES:
            self.cut_strategy.addItem(self.tr(label), key)
        self.cut_focus = QSlider(Qt.Horizontal)
        self.cut_focus.setRange(0, 100)
        self.cut_focus.setValue(50)
        self.cut_focus.setToolTip(self.tr("Which part of the picture a crop keeps: left edge, centre, right edge"))
        self.cut_aspect.currentIndexChanged.connect(self._update_cut_fields)
        self.cut_strategy.currentIndexChanged.connect(self._update_cut_fields)
        self.cut_error = _error_label()
        go = QPushButton(self.tr("Cut / reframe"))
        go.setObjectName("primary")
        go.clicked.connect(self.submit_cut)
        form = QFormLayout(page)
        form.addRow(self.tr("Video"), self.cut_input)
        form.addRow(self.tr("Start"), self.cut_start)
        form.addRow(self.tr("End"), self.cut_end)
        form.addRow(self.tr("Aspect"), self.cut_aspect)
        form.addRow(self.tr("Reframe"), self.cut_strategy)
        form.addRow(self.tr("Crop position"), self.cut_focus)
        self.cut_faces = FaceFollowControls(
            lambda: (self.cut_input.path(), self.cut_aspect.currentData(), self.cut_start.value())
        )
        form.addRow("", self.cut_faces)
        form.addRow("", hint(self.tr("Cutting and reframing happen in one pass: the video is encoded once.")))
        form.addRow(self.cut_error)
        form.addRow("", go)
        self._update_cut_fields()
        return page

    def _update_cut_fields(self) -> None:
        reframing = bool(self.cut_aspect.currentData())
        self.cut_strategy.setEnabled(reframing)
        self.cut_focus.setEnabled(reframing and self.cut_strategy.currentData() == "crop")
        self.cut_faces.setEnabled(reframing and self.cut_strategy.currentData() == "crop")

    def cut_plan(self) -> dict | None:
        """The RenderPlan (as JSON) of the page, or None after showing what is missing."""
        path = self.cut_input.path()
        if not path:
            self.cut_error.setText(self.tr("Choose a video."))
            return None
        start, end = self.cut_start.value(), self.cut_end.value() or None
        if end is not None and end <= start:
            self.cut_error.setText(self.tr("The end must come after the start."))
            return None
        aspect = self.cut_aspect.currentData()
        trim = {"start": start, "end": end} if start or end is not None else None
        if not aspect and trim is None:
            self.cut_error.setText(self.tr("Set a start/end to cut, or an aspect to reframe to."))
            return None
        tag = "-".join(t for t in ("cut" if trim else "", aspect.replace(":", "x") if aspect else "") if t)
        reframe = (
            {
                "aspect": aspect,
                "strategy": self.cut_strategy.currentData(),
                "focus_x": self.cut_focus.value() / 100,
                **(self.cut_faces.render_fields() if self.cut_strategy.currentData() == "crop" else {}),
            }
            if aspect
            else None
        )
        return {
            "input": path,
            "output": output_path(self.output_dir(), path, tag, "mp4"),
            "trim": trim,
            "reframe": reframe,
        }

    def submit_cut(self) -> str | None:
        plan = self.cut_plan()
        if plan is None:
            return None
        self.cut_error.clear()
        what = (
            self.tr("Cut + reframe")
            if plan["trim"] and plan["reframe"]
            else self.tr("Cut")
            if plan["trim"]
            else self.tr("Reframe")
        )
        return self._submit("render_styled", plan, f"{what} · {Path(plan['input']).name}", self.cut_error)

    # -- shared -------------------------------------------------------------------
    def _submit(self, job_type: str, params: dict, title: str, error_label: QLabel) -> str | None:
        try:
            job_id = self.client.submit(job_type, params)
        except Exception as exc:
            error_label.setText(str(exc))
            return None
        self.recent.add_job(job_id, title)
        return job_id

    def accept_file(self, path: str, kind: str) -> bool:
        if kind == "subtitle":
            self.sections.setCurrentIndex(2)
            self.ed_path.set_path(path)
            self.tr_input.set_path(path)
            return True
        if kind == "audio":
            self.sections.setCurrentIndex(0)
            self.merge_audio.set_path(path)
            return True
        if kind == "video":
            page = self.sections.currentIndex()
            (self.cut_input if page == 3 else self.merge_video).set_path(path)
            return True
        return False

    def primary_action(self):
        """Ctrl+Enter runs the visible section's button."""
        return {0: self.submit_merge, 1: self.submit_translate, 2: self._save_as, 3: self.submit_cut}[
            self.sections.currentIndex()
        ]()

    # -- remembered options ----------------------------------------------------------
    def options(self) -> dict:
        return {
            "section": self.sections.currentIndex(),
            "merge_offset": self.merge_offset.value(),
            "merge_mode": self.merge_mode.currentData(),
            "merge_duck": self.merge_duck.isChecked(),
            "merge_loudness": self.merge_loudness.isChecked(),
            "tr_source": self.tr_source.currentData(),
            "tr_target": self.tr_target.currentData(),
            "tr_engine": self.tr_engine.currentData(),
            "tr_bilingual": self.tr_bilingual.isChecked(),
            "shift_ms": self.ed_shift.value(),
            "cut_aspect": self.cut_aspect.currentData(),
            "cut_strategy": self.cut_strategy.currentData(),
            "cut_focus": self.cut_focus.value(),
            "cut_faces": self.cut_faces.options(),
        }

    def restore_options(self, o: dict) -> None:
        for combo, key in (
            (self.merge_mode, "merge_mode"),
            (self.tr_source, "tr_source"),
            (self.tr_target, "tr_target"),
            (self.tr_engine, "tr_engine"),
            (self.cut_aspect, "cut_aspect"),
            (self.cut_strategy, "cut_strategy"),
        ):
            if key in o:
                index = combo.findData(o[key])
                if index >= 0:
                    combo.setCurrentIndex(index)
        for spin, key in (
            (self.merge_offset, "merge_offset"),
            (self.ed_shift, "shift_ms"),
            (self.cut_focus, "cut_focus"),
        ):
            if isinstance(o.get(key), (int, float)):
                spin.setValue(type(spin.value())(o[key]))
        for box, key in (
            (self.merge_duck, "merge_duck"),
            (self.merge_loudness, "merge_loudness"),
            (self.tr_bilingual, "tr_bilingual"),
        ):
            if key in o:
                box.setChecked(bool(o[key]))
        self.cut_faces.restore_options(o.get("cut_faces") or {})
        if isinstance(o.get("section"), int) and 0 <= o["section"] < self.sections.count():
            self.sections.setCurrentIndex(o["section"])
