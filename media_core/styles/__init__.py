"""Styled (TikTok-style) captions: the style model, presets, bundled fonts and the ASS builder."""

from .ass_builder import build_ass, build_ass_file, escape_ass_text, style_preview_lines
from .fonts import bundled_families, fonts_dir, is_family_available
from .presets import (
    DEFAULT_PRESET,
    PresetNotFoundError,
    delete_user_preset,
    get_preset,
    list_presets,
    preset_names,
    save_user_preset,
)
from .style import HIGHLIGHT_MODES, SubtitleStyle

__all__ = [
    "DEFAULT_PRESET",
    "HIGHLIGHT_MODES",
    "PresetNotFoundError",
    "SubtitleStyle",
    "build_ass",
    "build_ass_file",
    "bundled_families",
    "delete_user_preset",
    "escape_ass_text",
    "fonts_dir",
    "get_preset",
    "is_family_available",
    "list_presets",
    "preset_names",
    "save_user_preset",
    "style_preview_lines",
]
