"""What every tab offers the main window: drop routing, remembered options, keyboard actions.

A tab knows only the job client (reframe_desktop.job_client.JobClient, or any object with
its methods and signals) and the app settings; it tells the window things through signals.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget


class BaseTab(QWidget):
    #: Key under which the tab's last options are stored in AppSettings.tab_options.
    name = "tab"
    #: A file was used for a job: the window adds it to the recent files.
    fileUsed = Signal(str)
    #: A short message for the status bar.
    notice = Signal(str)

    def __init__(self, client, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.client = client
        self.settings = settings

    def accept_file(self, path: str, kind: str) -> bool:
        """Put a dropped/opened file into the right field; False when this tab has no use for it."""
        return False

    def options(self) -> dict:
        return {}

    def restore_options(self, options: dict) -> None:
        pass

    def primary_action(self):
        """What Ctrl+Enter does here: the tab's main button (``submit`` unless overridden)."""
        submit = getattr(self, "submit", None)
        return submit() if callable(submit) else None

    def focus_search(self) -> bool:
        """Ctrl+F: focus the tab's search box, if it has one."""
        search = getattr(self, "search", None)
        if search is None:
            return False
        search.setFocus()
        search.selectAll()
        return True

    def threads(self) -> int:
        """The engine's thread setting (0 = automatic); jobs read it themselves when not given."""
        from media_core.settings import engine_settings

        return engine_settings().threads

    def output_dir(self) -> str:
        return str(self.settings.effective_output_folder())
