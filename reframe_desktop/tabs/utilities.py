"""Utilities tab: merge audio, translate subtitles, edit subtitles, cut/reframe."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QPushButton, QSpinBox, QSplitter,
                               QTableView, QTabWidget, QVBoxLayout, QWidget, QFileDialog)

from ..widgets.common import AUDIO_FILTER, SUBTITLE_FILTER, VIDEO_FILTER, FileField, hint, output_path
from ..widgets.recent_jobs import RecentJobsPanel, job_outputs
from ..widgets.subtitle_model import SubtitleTableModel
from ..workers import run_in_background
from .base import BaseTab
from .captions import TRANSLATE_TARGETS, LANGUAGES

ASPECTS = [("", "Keep"), ("9:16", "9:16 vertical"), ("1:1", "1:1 square"), ("4:5", "4:5 portrait"),
           ("16:9", "16:9 landscape")]
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
        self._then_reframe: dict[str, dict] = {}
        self.client.stateChanged.connect(self._on_state)

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
        # media_core.render.merge_video_audio(video, audio, out, offset, mode, ducking, loudness_normalize)
        params = {"input": video, "audio": audio, "out": output_path(self.output_dir(), video, "merged"),
                  "offset": self.merge_offset.value(), "mode": self.merge_mode.currentData(),
                  "ducking": self.merge_duck.isChecked(),
                  "loudness_normalize": self.merge_loudness.isChecked()}
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
        # media_core.translation.translate_subtitle_file(path, tgt, src, backend, bilingual, out, offline)
        params = {"input": path, "tgt": tgt, "src": None if src == "auto" else src,
                  "backend": self.tr_engine.currentData(), "bilingual": self.tr_bilingual.isChecked(),
                  "out": output_path(self.output_dir(), path, tgt, Path(path).suffix.lstrip(".") or "srt"),
                  "offline": self.settings.offline_mode}
        return self._submit("translate_subtitles", params,
                            self.tr("Translate · {0}").format(Path(path).name), self.tr_error)

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
        except Exception as exc:
            self.ed_status.setText(str(exc))

    def _save_as(self) -> None:
        if not self.ed_model.lines:
            self.ed_status.setText(self.tr("Nothing to save: open a subtitle file first."))
            return
        src = Path(self.ed_path.path() or "subtitles.srt")
        dest, _ = QFileDialog.getSaveFileName(self, self.tr("Save subtitles as"),
                                              str(src.with_name(src.stem + ".edited" + src.suffix)),
                                              SUBTITLE_FILTER)
        if dest:
            self.save_editor(dest)

    def save_editor(self, dest: str) -> None:
        lines = list(self.ed_model.lines)
        fmt = Path(dest).suffix.lstrip(".").lower() or "srt"

        def work():
            from media_core.subtitles import write_subtitles

            return write_subtitles(lines, dest, fmt)

        run_in_background(work, lambda _: self.ed_status.setText(self.tr("Saved {0}").format(dest)),
                          lambda exc: self.ed_status.setText(str(exc)))

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
        form.addRow(self.cut_error)
        form.addRow("", go)
        return page

    def submit_cut(self) -> str | None:
        path = self.cut_input.path()
        if not path:
            self.cut_error.setText(self.tr("Choose a video."))
            return None
        end = self.cut_end.value() or None
        if end is not None and end <= self.cut_start.value():
            self.cut_error.setText(self.tr("The end must come after the start."))
            return None
        self.cut_error.clear()
        start, aspect = self.cut_start.value(), self.cut_aspect.currentData()
        if not aspect and not start and end is None:
            self.cut_error.setText(self.tr("Set a start/end to cut, or an aspect to reframe to."))
            return None
        name = Path(path).name
        reframe_params = {"aspect": aspect, "strategy": self.cut_strategy.currentData()} if aspect else None
        if start or end is not None:
            if end is None:
                self.cut_error.setText(self.tr("Set where the cut ends."))
                return None
            # media_core.render.cut(video, start, end, out); a reframe follows when it finished.
            params = {"input": path, "start": start, "end": end, "out": output_path(self.output_dir(), path, "cut")}
            job_id = self._submit("cut", params, self.tr("Cut · {0}").format(name), self.cut_error)
            if job_id and reframe_params:
                self._then_reframe[job_id] = reframe_params
            return job_id
        # media_core.render.reframe(video, out, aspect, strategy)
        params = {"input": path, "out": output_path(self.output_dir(), path, aspect.replace(":", "x")),
                  **reframe_params}
        return self._submit("reframe", params, self.tr("Reframe · {0}").format(name), self.cut_error)

    def _on_state(self, job_id: str, state: str) -> None:
        """Cut + reframe: the reframe job starts from the cut's output once it exists."""
        follow = self._then_reframe.pop(job_id, None) if state in ("succeeded", "failed", "cancelled") else None
        if follow is None or state != "succeeded":
            return
        cut_out = next(iter(job_outputs(self.client.get(job_id)).values()), None)
        if cut_out:
            params = {"input": cut_out, "out": output_path(self.output_dir(), cut_out,
                                                            follow["aspect"].replace(":", "x")), **follow}
            self._submit("reframe", params, self.tr("Reframe · {0}").format(Path(cut_out).name), self.cut_error)

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
