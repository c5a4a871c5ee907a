"""Table model over a list of SubtitleLine: start / end / text editable with validation."""

from __future__ import annotations

import re

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

_TIME = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?\s*$")


def format_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def parse_time(text: str) -> float | None:
    """``hh:mm:ss.mmm`` / ``mm:ss,mmm`` / plain seconds → seconds; None when unreadable."""
    text = text.strip()
    try:
        value = float(text)
        return value if value >= 0 else None
    except ValueError:
        pass
    m = _TIME.match(text)
    if not m:
        return None
    h, mi, s, frac = m.groups()
    if int(mi) >= 60 or int(s) >= 60:
        return None
    return int(h or 0) * 3600 + int(mi) * 60 + int(s) + (int(frac.ljust(3, "0")) / 1000 if frac else 0)


class SubtitleTableModel(QAbstractTableModel):
    HEADERS = ("Start", "End", "Text")

    def __init__(self, lines=None, parent=None):
        super().__init__(parent)
        self.lines = list(lines or [])
        self.last_error = ""

    def set_lines(self, lines) -> None:
        self.beginResetModel()
        self.lines = list(lines)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 3

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == Qt.DisplayRole:
            return self.HEADERS[section] if orientation == Qt.Horizontal else str(section + 1)
        return None

    def flags(self, index):
        return Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsEditable

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        line = self.lines[index.row()]
        if role in (Qt.DisplayRole, Qt.EditRole):
            return (format_time(line.start), format_time(line.end), line.text)[index.column()]
        if role == Qt.ToolTipRole and index.column() == 2:
            return line.text
        return None

    def setData(self, index, value, role=Qt.EditRole) -> bool:
        if role != Qt.EditRole or not index.isValid():
            return False
        line = self.lines[index.row()]
        col = index.column()
        if col == 2:
            text = str(value).strip()
            if not text:
                self.last_error = "A subtitle cannot be empty; delete the line instead."
                return False
            self.lines[index.row()] = line.model_copy(update={"text": text})
        else:
            t = parse_time(str(value))
            if t is None:
                self.last_error = f"“{value}” is not a time (use hh:mm:ss.mmm)."
                return False
            start, end = (t, line.end) if col == 0 else (line.start, t)
            if end <= start:
                self.last_error = "The end must come after the start."
                return False
            self.lines[index.row()] = line.model_copy(update={"start": start, "end": end})
        self.last_error = ""
        self.dataChanged.emit(index, index)
        return True

    def replace_all(self, lines) -> None:
        self.set_lines(lines)
