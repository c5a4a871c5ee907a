"""What every Settings page offers its dialog: load, check, save, over one shared draft."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QWidget

from .app_settings import AppSettings


@dataclass
class SettingsDraft:
    """The two settings files being edited: the app's preferences and the engine's.

    ``engine`` is what the file says, without environment overrides, so an API key
    exported in the shell never ends up written into the settings file."""

    app: AppSettings
    engine: Any  # media_core.settings.EngineSettings (imported lazily: the engine is heavy)

    def update_engine(self, **fields: Any) -> None:
        self.engine = self.engine.model_copy(update=fields)

    def update_app(self, **fields: Any) -> None:
        self.app = self.app.model_copy(update=fields)


class SettingsPage(QWidget):
    """One page of the dialog. ``load`` shows the draft, ``check`` says what is wrong
    (a sentence for the user, or None), ``save`` writes the page's fields into the draft."""

    #: Stable key (``SettingsDialog.show_page(key)``).
    key = "page"

    def __init__(self, draft: SettingsDraft, parent: QWidget | None = None):
        super().__init__(parent)
        self.draft = draft

    def title(self) -> str:
        raise NotImplementedError

    def load(self) -> None:
        raise NotImplementedError

    def check(self) -> str | None:
        return None

    def save(self) -> None:
        raise NotImplementedError

    def close_tasks(self) -> None:
        """Stop what the page runs in the background (the dialog is closing)."""
