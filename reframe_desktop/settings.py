"""The desktop app's settings: one pydantic model stored as JSON in the config dir.

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


class AppSettings(BaseModel):
    output_folder: str = ""
    theme: Theme = "system"
    #: CTranslate2 / ffmpeg threads; 0 lets the engine pick.
    threads: int = Field(default=0, ge=0, le=256)
    ffmpeg_path: str = ""
    offline_mode: bool = False
    default_model: str = "tiny.en"
    recent_files: list[str] = Field(default_factory=list)
    #: QMainWindow.saveGeometry()/saveState() as hex, so the JSON stays text.
    window_geometry: str = ""
    window_state: str = ""
    last_tab: int = 1
    #: Last options used in each tab, keyed by tab name; restored on the next start.
    tab_options: dict[str, dict] = Field(default_factory=dict)

    def effective_output_folder(self) -> Path:
        return Path(self.output_folder) if self.output_folder else outputs_dir()

    def add_recent(self, path: str | Path) -> None:
        path = str(path)
        self.recent_files = [path] + [p for p in self.recent_files if p != path]
        del self.recent_files[MAX_RECENT_FILES:]

    def apply_to_engine(self) -> None:
        """Push the settings the engine reads (media_core.settings) to its settings file."""
        from media_core.settings import load_engine_settings, save_engine_settings

        engine = load_engine_settings(environment=False)
        save_engine_settings(engine.model_copy(update={"ffmpeg_path": self.ffmpeg_path,
                                                       "offline": self.offline_mode,
                                                       "threads": self.threads}))


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load_settings(path: Path | None = None) -> AppSettings:
    path = path or settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AppSettings()
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return AppSettings()
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
