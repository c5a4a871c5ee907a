"""The desktop app's preferences (``AppSettings``) and the Settings dialog's pages.

Importing this package stays cheap: the dialog and its pages live in submodules
(``reframe_desktop.settings.dialog``) that load only when the dialog opens.
"""

from __future__ import annotations

from .app_settings import MAX_RECENT_FILES, AppSettings, Theme, load_settings, save_settings, settings_path

__all__ = ["MAX_RECENT_FILES", "AppSettings", "Theme", "load_settings", "save_settings", "settings_path"]
