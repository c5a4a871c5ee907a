"""What every tab offers the main window: drop routing and remembered options."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


class BaseTab(QWidget):
    #: Key under which the tab's last options are stored in AppSettings.tab_options.
    name = "tab"

    def __init__(self, window, parent: QWidget | None = None):
        super().__init__(parent)
        self.window_ = window
        self.client = window.client
        self.settings = window.settings

    def accept_file(self, path: str, kind: str) -> bool:
        """Put a dropped/opened file into the right field; False when this tab has no use for it."""
        return False

    def options(self) -> dict:
        return {}

    def restore_options(self, options: dict) -> None:
        pass

    def threads(self) -> int:
        return self.settings.threads or 0

    def output_dir(self) -> str:
        return str(self.settings.effective_output_folder())
