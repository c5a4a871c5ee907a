"""Help → Keyboard shortcuts: every menu action with a shortcut, read from the menus."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout


def _menu_actions(menu):
    for act in menu.actions():
        if act.menu() is not None:
            yield from _menu_actions(act.menu())
        elif not act.isSeparator():
            yield act


def shortcut_rows(menu_bar) -> list[tuple[str, str]]:
    """(action, keys) for every action with a shortcut in ``menu_bar``'s menus."""
    rows = []
    for menu_action in menu_bar.actions():
        for act in _menu_actions(menu_action.menu()):
            keys = [k.toString(QKeySequence.NativeText) for k in act.shortcuts() if not k.isEmpty()]
            if keys:
                rows.append((act.text().replace("&", ""), ", ".join(keys)))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, rows: list[tuple[str, str]], parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        rows = [*rows, (self.tr("Drop a file anywhere on the window"), self.tr("sends it to the right field"))]
        table = QTableWidget(len(rows), 2)
        table.setObjectName("shortcuts")
        table.setHorizontalHeaderLabels([self.tr("Action"), self.tr("Keys")])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.NoEditTriggers)
        for r, (text, keys) in enumerate(rows):
            table.setItem(r, 0, QTableWidgetItem(text))
            table.setItem(r, 1, QTableWidgetItem(keys))
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        table.resizeColumnToContents(1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(table)
        lay.addWidget(buttons)
        self.resize(520, 420)


def show_shortcuts(rows: list[tuple[str, str]], parent) -> ShortcutsDialog:
    dialog = ShortcutsDialog(rows, parent)
    dialog.show()
    return dialog
