"""The transcript word by word (Descript-style): select words to cut them; fillers the plan
removes are struck through in another colour."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem

PICKED = QColor(220, 60, 60)
FILLER = QColor(230, 140, 30)


class WordPicker(QListWidget):
    """One item per word; the selection is the set of picked words (click, Ctrl+click, Shift+click
    or drag across words)."""

    picksChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setViewMode(QListView.ListMode)
        self.setFlow(QListView.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.Adjust)
        self.setSpacing(2)
        self.setUniformItemSizes(False)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setToolTip(self.tr("Select words to cut them (Shift+click selects a run, Ctrl+click adds a word)"))
        self.itemSelectionChanged.connect(self._restyle_and_emit)
        self._fillers: set[int] = set()

    def set_words(self, words) -> None:
        """``words``: media_core.models.Word list, indexed as the cut job's ``remove_words``."""
        metrics = QFontMetrics(self.font())
        self.blockSignals(True)
        try:
            self.clear()
            for i, word in enumerate(words):
                item = QListWidgetItem(word.text.strip())
                item.setData(Qt.UserRole, i)
                item.setToolTip(f"{word.start:.2f}–{word.end:.2f} s")
                item.setSizeHint(QSize(metrics.horizontalAdvance(item.text()) + 12, metrics.height() + 8))
                self.addItem(item)
        finally:
            self.blockSignals(False)
        self._fillers = set()
        self._restyle()

    def picked(self) -> list[int]:
        return sorted(int(item.data(Qt.UserRole)) for item in self.selectedItems())

    def set_picked(self, indices) -> None:
        wanted = set(indices)
        self.blockSignals(True)
        try:
            for row in range(self.count()):
                self.item(row).setSelected(row in wanted)
        finally:
            self.blockSignals(False)
        self._restyle_and_emit()

    def mark_fillers(self, indices) -> None:
        """Words the plan cuts as fillers (not picked by hand)."""
        self._fillers = set(indices)
        self._restyle()

    def _restyle(self) -> None:
        picked = set(self.picked())
        for row in range(self.count()):
            item = self.item(row)
            font = QFont(item.font())
            cut = row in picked or row in self._fillers
            font.setStrikeOut(cut)
            item.setFont(font)
            colour = PICKED if row in picked else FILLER if row in self._fillers else None
            item.setForeground(QBrush(colour) if colour else QBrush())

    def _restyle_and_emit(self) -> None:
        self._restyle()
        self.picksChanged.emit()
