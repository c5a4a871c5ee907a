"""The desktop app's own preferences: one pydantic model stored as JSON in the config dir.

Only UI preferences live here (theme, language, output folder, window layout, last
options). What the engine needs (threads, ffmpeg, offline mode, endpoints, the API)
is ``media_core.settings.EngineSettings``, shared with the CLI and the HTTP API.

Written atomically so a crash while saving never leaves a truncated file; a damaged
or outdated file falls back to defaults field by field instead of stopping the app.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from media_core.paths import config_dir, outputs_dir, write_text_atomic

log = logging.getLogger(__name__)

MAX_RECENT_FILES = 10
Theme = Literal["system", "light", "dark"]
#: Engine settings older versions kept in this file (AppSettings name → EngineSettings name).
_LEGACY_ENGINE_FIELDS = {"threads": "threads", "ffmpeg_path": "ffmpeg_path", "offline_mode": "offline"}


class AppSettings(BaseModel):
    output_folder: str = ""
    theme: Theme = "system"
    #: UI language code ("de", "pt_BR"); empty follows the system locale.
    ui_language: str = ""
    default_model: str = "tiny.en"
    recent_files: list[str] = Field(default_factory=list)
    #: QMainWindow.saveGeometry()/saveState() as hex, so the JSON stays text.
    window_geometry: str = ""
    window_state: str = ""
    #: QSplitter.saveState() as hex, keyed by the splitter's object name.
    splitters: dict[str, str] = Field(default_factory=dict)
    last_tab: int = 1
    #: Last options used in each tab, keyed by tab name; restored on the next start.
    tab_options: dict[str, dict] = Field(default_factory=dict)
    #: Watch folder (reframe_desktop/widgets/watch_runner.py): new files there become jobs.
    watch_enabled: bool = False
    watch_folder: str = ""
    watch_action: Literal["captions", "shorts"] = "captions"
    #: The quick-start card was shown (on first launch; Help → Quick start shows it again).
    quick_start_seen: bool = False
    #: Look for a signed update at start, at most once a day (off: only Help → Check for updates).
    check_updates: bool = True

    def effective_output_folder(self) -> Path:
        return Path(self.output_folder) if self.output_folder else outputs_dir()

    def add_recent(self, path: str | Path) -> None:
        path = str(path)
        self.recent_files = [path] + [p for p in self.recent_files if p != path]
        del self.recent_files[MAX_RECENT_FILES:]

    @property
    def offline_mode(self) -> bool:
        """The engine's offline setting, read-only: the Shorts tab still copies it into its
        job parameters (the engine enforces offline mode by itself)."""
        from media_core.settings import offline_mode

        return offline_mode()


def settings_path() -> Path:
    return config_dir() / "settings.json"


def _migrate_engine_fields(raw: dict) -> None:
    """Move engine settings an older app version stored here into the engine's own file,
    once: they disappear from this file at its next save."""
    legacy = {new: raw[old] for old, new in _LEGACY_ENGINE_FIELDS.items() if old in raw}
    if not legacy:
        return
    from media_core.settings import EngineSettings, load_engine_settings, save_engine_settings

    engine = load_engine_settings(environment=False)
    update = {}
    for name, value in legacy.items():
        try:
            EngineSettings.model_validate({name: value})
        except ValidationError:
            continue
        update[name] = value
    if update:
        save_engine_settings(engine.model_copy(update=update))


def load_settings(path: Path | None = None) -> AppSettings:
    path = path or settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AppSettings()
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return AppSettings()
    if not isinstance(raw, dict):
        return AppSettings()
    try:
        _migrate_engine_fields(raw)
    except OSError as exc:  # a read-only config dir must not stop the app
        log.warning("could not move old engine settings: %s", exc)
    try:
        return AppSettings.model_validate(raw)
    except ValidationError:
        # Keep every field that is still valid rather than losing all preferences.
        good = {}
        defaults = AppSettings()
        for name in AppSettings.model_fields:
            if name in raw:
                try:
                    AppSettings.model_validate({name: raw[name]})
                    good[name] = raw[name]
                except ValidationError:
                    log.warning("settings: ignoring invalid %s", name)
        return defaults.model_copy(update=AppSettings.model_validate(good).model_dump(include=set(good)))


def save_settings(settings: AppSettings, path: Path | None = None) -> Path:
    return write_text_atomic(path or settings_path(), settings.model_dump_json(indent=2))
