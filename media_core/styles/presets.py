"""Built-in caption presets (``resources/presets/*.json``) and the user's own ones.

User presets live in ``config_dir()/presets`` as one JSON file per preset. A user
preset with the same name as a built-in one overrides it (so "reset" is simply
deleting the user copy); lookups ignore case.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import InvalidParameterError, ReframeError
from ..paths import config_dir, write_text_atomic
from ..resources import resource
from .style import SubtitleStyle

DEFAULT_PRESET = "TikTok default"


class PresetNotFoundError(ReframeError):
    code = "preset_not_found"


def builtin_presets_dir() -> Path:
    return resource("presets")


def user_presets_dir() -> Path:
    path = config_dir() / "presets"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug or "preset"


def _load_folder(folder: Path, *, strict: bool) -> dict[str, SubtitleStyle]:
    found: dict[str, SubtitleStyle] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.json")):
        try:
            style = SubtitleStyle.from_json(path.read_text(encoding="utf-8"))
        except (OSError, InvalidParameterError) as exc:
            if strict:  # a broken built-in is a packaging bug, not something to hide
                raise InvalidParameterError(f"The built-in preset {path.name} is damaged.", detail=str(exc)) from exc
            continue  # a hand-edited user file that no longer parses is just not offered
        found[style.name.lower()] = style
    return found


def builtin_presets() -> list[SubtitleStyle]:
    return list(_load_folder(builtin_presets_dir(), strict=True).values())


def user_presets() -> list[SubtitleStyle]:
    return list(_load_folder(user_presets_dir(), strict=False).values())


def _all() -> dict[str, SubtitleStyle]:
    merged = _load_folder(builtin_presets_dir(), strict=True)
    merged.update(_load_folder(user_presets_dir(), strict=False))
    return merged


def list_presets() -> list[SubtitleStyle]:
    """Built-ins (in file order) with user overrides applied, then the user's own presets."""
    return list(_all().values())


def preset_names() -> list[str]:
    return [p.name for p in list_presets()]


def is_builtin(name: str) -> bool:
    return name.lower() in _load_folder(builtin_presets_dir(), strict=True)


def get_preset(name: str) -> SubtitleStyle:
    style = _all().get(name.strip().lower())
    if style is None:
        raise PresetNotFoundError(f'There is no subtitle preset called "{name}".')
    return style.model_copy(deep=True)


def save_user_preset(style: SubtitleStyle) -> Path:
    """Write ``style`` as a user preset (atomically); same name replaces the old one."""
    existing = _find_user_file(style.name)
    path = existing or user_presets_dir() / f"{_slug(style.name)}.json"
    if existing is None:
        n = 2
        while path.exists():  # two names with the same slug ("A+B", "A B") keep separate files
            path = user_presets_dir() / f"{_slug(style.name)}_{n}.json"
            n += 1
    return write_text_atomic(path, style.to_json() + "\n")


def _find_user_file(name: str) -> Path | None:
    for path in sorted(user_presets_dir().glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and str(data.get("name", "")).lower() == name.strip().lower():
            return path
    return None


def delete_user_preset(name: str) -> bool:
    """Remove the user's preset ``name``; returns False when there was none (built-ins stay)."""
    path = _find_user_file(name)
    if path is None:
        return False
    path.unlink()
    return True
