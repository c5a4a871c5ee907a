"""The folders whose files jobs sent over the HTTP API may read (besides their uploads)."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QListWidget, QPushButton, QVBoxLayout, QWidget


class ApiFoldersWidget(QWidget):
    def __init__(self, folders: list[str] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setMaximumHeight(90)
        self.list.addItems(list(folders or []))
        add = QPushButton(self.tr("Add folder…"))
        add.clicked.connect(self._pick)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.list)
        column.addLayout(buttons)

    def folders(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def set_folders(self, folders: list[str]) -> None:
        self.list.clear()
        self.list.addItems(list(folders))

    def add_folder(self, folder: str) -> None:
        if folder and folder not in self.folders():
            self.list.addItem(folder)

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))

    def _pick(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("A folder API jobs may read"))
        self.add_folder(folder)
