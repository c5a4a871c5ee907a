"""The look of burned-in captions, as one JSON-serialisable model.

Sizes (font, outline, shadow, box padding, margins) are given for a frame 1080 px
high; :mod:`media_core.styles.ass_builder` scales them to the real output size, so one
style looks the same on a 1080x1920 short and on a 1920x1080 video.

Colours are CSS-like ``#RRGGBB`` or ``#RRGGBBAA`` where ``AA`` is the *opacity*
(``FF`` = opaque), because that is what colour pickers show; ASS stores the
inverse (transparency) and BGR order, which only the builder needs to know.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..errors import InvalidParameterError

_COLOR_RE = re.compile(r"^#([0-9A-Fa-f]{6})([0-9A-Fa-f]{2})?$")

HighlightMode = Literal["none", "color", "box", "pop", "karaoke_fill", "word_by_word"]
HIGHLIGHT_MODES: tuple[str, ...] = ("none", "color", "box", "pop", "karaoke_fill", "word_by_word")
#: The height the style's pixel sizes refer to.
REFERENCE_HEIGHT = 1080


def _check_color(value: str) -> str:
    if not isinstance(value, str) or not _COLOR_RE.match(value.strip()):
        raise ValueError(f"colour {value!r} must look like #RRGGBB or #RRGGBBAA")
    return value.strip().upper()


Color = Annotated[str, AfterValidator(_check_color)]


def parse_color(value: str) -> tuple[int, int, int, int]:
    """``#RRGGBB[AA]`` -> ``(r, g, b, opacity 0..255)``."""
    match = _COLOR_RE.match(_check_color(value))
    assert match is not None
    rgb = match.group(1)
    opacity = int(match.group(2), 16) if match.group(2) else 255
    return int(rgb[0:2], 16), int(rgb[2:4], 16), int(rgb[4:6], 16), opacity


class SubtitleStyle(BaseModel):
    """Everything the caption renderer needs to know about how captions look."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str = Field("Custom", min_length=1, max_length=80)
    font_family: str = Field("Poppins", min_length=1, max_length=120)
    #: Pixel size on a 1080-px-high frame (scaled by min(width, height) / 1080).
    font_size: float = Field(72, gt=4, le=400)
    bold: bool = True
    text_color: Color = "#FFFFFF"
    highlight_color: Color = "#FFE500"
    outline_color: Color = "#000000"
    outline_width: float = Field(5, ge=0, le=60)
    shadow_color: Color = "#00000099"
    shadow_offset: float = Field(0, ge=0, le=60)
    #: A box behind the whole caption (in addition to any word highlight).
    background_box: bool = False
    box_color: Color = "#000000B3"
    box_padding: float = Field(14, ge=0, le=100)
    uppercase: bool = False
    position: Literal["bottom", "middle", "top"] = "bottom"
    #: Distance from the top/bottom edge on a 1080-px-high frame (scaled with the height,
    #: so it keeps the same relative place on tall and wide frames).
    margin_v: float = Field(160, ge=0, le=1000)
    #: Left/right safe margin on a 1080-px reference (scaled like the font).
    margin_h: float = Field(60, ge=0, le=800)
    alignment: Literal["left", "center", "right"] = "center"
    #: A platform ("tiktok", "instagram_reels", "youtube_shorts") whose UI overlay the captions
    #: must stay clear of: margins grow to its safe area (media_core/styles/safe_areas.py).
    safe_area: Literal["tiktok", "instagram_reels", "youtube_shorts"] | None = None
    #: Re-split cues into rows of at most this many words (None: keep the cue's own rows).
    max_words_per_line: int | None = Field(None, ge=1, le=30)
    #: Rows shown at once when re-splitting; more rows become a following cue.
    max_lines: int = Field(2, ge=1, le=4)
    highlight_mode: HighlightMode = "color"
    #: Scale of the active word in ``pop`` mode (1.0 = no pop).
    pop_scale: float = Field(1.2, ge=1.0, le=3.0)
    #: In ``word_by_word`` mode, how many words are shown together.
    words_per_group: int = Field(1, ge=1, le=6)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str) -> SubtitleStyle:
        from pydantic import ValidationError

        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise InvalidParameterError(
                f"This subtitle style is not valid ({where}: {first.get('msg')}).",
                detail=str(exc),
            ) from exc
