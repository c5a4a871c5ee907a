"""The HTTP API's token in Settings: shown masked, with Show, Copy and Regenerate.

The token lives in its own 0600 file (media_core.api.token), not in the settings the
dialog saves: Regenerate takes effect at once, for a server already running too.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QMessageBox, QPushButton, QWidget


class ApiTokenWidget(QWidget):
    tokenChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.field = QLineEdit()
        self.field.setReadOnly(True)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_button = QPushButton(self.tr("Show"))
        self.show_button.setCheckable(True)
        self.show_button.toggled.connect(self._reveal)
        self.copy_button = QPushButton(self.tr("Copy"))
        self.copy_button.clicked.connect(self.copy)
        self.regenerate_button = QPushButton(self.tr("Regenerate"))
        self.regenerate_button.clicked.connect(self._ask_regenerate)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.field, 1)
        for button in (self.show_button, self.copy_button, self.regenerate_button):
            row.addWidget(button)
        self.reload()

    def token(self) -> str:
        return self.field.text()

    def reload(self) -> None:
        """Show the stored token (created now if there is none yet)."""
        from media_core.api.token import load_or_create_token
        from media_core.errors import ReframeError

        try:
            self.field.setText(load_or_create_token())
            self.field.setToolTip("")
        except ReframeError as exc:
            self.field.clear()
            self.field.setToolTip(str(exc))

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.token())

    def regenerate(self) -> str:
        from media_core.api.token import regenerate_token

        token = regenerate_token()
        self.field.setText(token)
        self.tokenChanged.emit(token)
        return token

    def _ask_regenerate(self) -> None:
        answer = QMessageBox.question(
            self,
            self.tr("New API token"),
            self.tr("Scripts using the current token will need the new one. Make a new token?"),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.regenerate()

    def _reveal(self, on: bool) -> None:
        self.field.setEchoMode(QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password)
        self.show_button.setText(self.tr("Hide") if on else self.tr("Show"))
