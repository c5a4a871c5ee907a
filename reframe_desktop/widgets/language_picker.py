"""A compact multi-select of languages: a button naming the chosen ones, a checkable list below it.

Used for "Translate to" (Captions tab, Utilities → Translate subtitles): one job writes one
set of files per checked language (media_core CaptionsRequest.translate_to,
translate_subtitle_file_many)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QPushButton, QSizePolicy, QWidget

from ..labels import label


class _StayOpenMenu(QMenu):
    """Ticking a language keeps the list open, so several are picked in one go."""

    def mouseReleaseEvent(self, event) -> None:
        action = self.activeAction()
        if action is not None and action.isEnabled() and action.isCheckable():
            action.trigger()
            return
        super().mouseReleaseEvent(event)


class LanguagePicker(QPushButton):
    """``values()`` are the checked codes in the table's order; ``changed`` on any tick."""

    changed = Signal()

    def __init__(self, table: Iterable[tuple[Any, str]], none_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._none_text = none_text
        self.menu_ = _StayOpenMenu(self)
        self.actions_by_code = {}
        for code, text in table:
            if not code:
                continue  # the "no translation" row: nothing ticked says that
            action = self.menu_.addAction(label(text))
            action.setCheckable(True)
            action.setData(code)
            action.toggled.connect(self._refresh)
            self.actions_by_code[code] = action
        self.menu_.addSeparator()
        self.clear_action = self.menu_.addAction(self.tr("Clear"))
        self.clear_action.triggered.connect(lambda: self.set_values([]))
        self.setMenu(self.menu_)
        # As wide as the field, like a combo box's list.
        self.menu_.aboutToShow.connect(lambda: self.menu_.setMinimumWidth(self.width()))
        self.setStyleSheet("text-align: left; padding-left: 6px;")
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self._refresh()

    def values(self) -> list[str]:
        return [code for code, action in self.actions_by_code.items() if action.isChecked()]

    def set_values(self, codes: Iterable[str] | str | None) -> None:
        if isinstance(codes, str):
            codes = [c.strip() for c in codes.split(",")]
        wanted = set(codes or [])
        for code, action in self.actions_by_code.items():
            action.blockSignals(True)
            action.setChecked(code in wanted)
            action.blockSignals(False)
        self._refresh()

    def _refresh(self, _checked: bool = False) -> None:
        chosen = [self.actions_by_code[c].text() for c in self.values()]
        self.setText(", ".join(chosen) if chosen else self._none_text)
        self.setToolTip(self.text())
        self.changed.emit()
