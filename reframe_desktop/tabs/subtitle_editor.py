"""The subtitle editor (Utilities tab): open a subtitle file, edit cues in a table, shift
timings, save under another name. Reading and writing run off the UI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..widgets.common import SUBTITLE_FILTER, FileField, hint
from ..widgets.subtitle_model import SubtitleTableModel
from ..workers import run_in_background


class SubtitleEditor(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        page = self
        self.path_field = FileField(self.tr("Open a subtitle file to edit…"), SUBTITLE_FILTER)
        self.path_field.pathChanged.connect(self._load)
        self.model = SubtitleTableModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
        self.table.setSelectionBehavior(QTableView.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.shift_by = QSpinBox()
        self.shift_by.setRange(-600_000, 600_000)
        self.shift_by.setSingleStep(100)
        self.shift_by.setValue(500)
        self.shift_by.setSuffix(" ms")
        shift_all = QPushButton(self.tr("Shift all"))
        shift_all.clicked.connect(lambda: self.shift(selected_only=False))
        shift_sel = QPushButton(self.tr("Shift selected"))
        shift_sel.clicked.connect(lambda: self.shift(selected_only=True))
        save_as = QPushButton(self.tr("Save as…"))
        save_as.setObjectName("primary")
        save_as.clicked.connect(self.save_as)
        self.status = hint("")
        self.model.dataChanged.connect(lambda *_: self.status.setText(""))
        self.model.dataChanged.connect(lambda top, *_: self.table.resizeRowToContents(top.row()))
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Shift by")))
        row.addWidget(self.shift_by)
        row.addWidget(shift_all)
        row.addWidget(shift_sel)
        row.addStretch(1)
        row.addWidget(save_as)
        lay = QVBoxLayout(page)
        lay.addWidget(self.path_field)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        lay.addWidget(self.status)
        # Rejected edits explain themselves instead of silently reverting.
        self.table.itemDelegate().closeEditor.connect(self._editor_closed)

    def _editor_closed(self, *_):
        if self.model.last_error:
            self.status.setText(self.model.last_error)

    def _load(self, path: str) -> None:
        if not path or not Path(path).is_file():
            return

        def work():
            from media_core.subtitles import read_subtitles

            return path, read_subtitles(path)

        def done(result):
            loaded, lines = result
            if loaded == self.path_field.path():
                self.model.set_lines(lines)
                self.table.resizeColumnsToContents()
                self.table.resizeRowsToContents()  # two-line cues show both lines
                self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
                self.status.setText(self.tr("{0} cues").format(len(lines)))

        run_in_background(work, done, lambda exc: self.status.setText(str(exc)))

    def shift(self, *, selected_only: bool) -> None:
        from media_core.subtitles import shift_lines

        indices = None
        if selected_only:
            indices = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
            if not indices:
                self.status.setText(self.tr("Select the lines to shift first."))
                return
        try:
            self.model.replace_all(shift_lines(self.model.lines, self.shift_by.value(), indices=indices))
        except Exception as exc:  # e.g. a shift before 0:00: the engine says why
            self.status.setText(str(exc))
            return
        self.table.resizeRowsToContents()

    def save_as(self) -> None:
        if not self.model.lines:
            self.status.setText(self.tr("Nothing to save: open a subtitle file first."))
            return
        src = Path(self.path_field.path() or "subtitles.srt")
        dest, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save subtitles as"), str(src.with_name(src.stem + ".edited" + src.suffix)), SUBTITLE_FILTER
        )
        if dest:
            self.save(dest)

    def save(self, dest: str) -> None:
        lines = list(self.model.lines)
        fmt = Path(dest).suffix.lstrip(".").lower() or "srt"

        def work():
            from media_core.subtitles import write_subtitles

            return write_subtitles(lines, dest, fmt)

        run_in_background(
            work,
            lambda _: self.status.setText(self.tr("Saved {0}").format(dest)),
            lambda exc: self.status.setText(str(exc)),
        )
