"""Where the platforms' own buttons and texts cover a vertical video, and the safe rectangle
that is left: captions are kept inside it (the ASS builder's margins), the Styling preview
draws the covered bands, and a reframe can keep the subject inside it.

The bands are fractions of a 9:16 frame (1080x1920), the widest band each platform's
overlay takes anywhere along that edge (the right-hand action column is treated as a full
strip, which is conservative). Sources (guides compiled from the platforms' creative
centres, checked November 2026):

* TikTok: top 250 px, bottom 420 px, right 170 px "caution areas" of the 1080x1920 overlay in
  socaptions.com/blog/tiktok-safe-zones-2026 (TikTok Creative Center safe-zone files);
  "central 80-90 %, avoid the lower 20 %" in houseofmarketers.com (below). The left 60 px is
  our own margin for rounded screen corners (no platform figure for the left edge).
* Instagram Reels: "keep clear of top 14 %, bottom 35 %, sides 6 %" (Meta Business Help
  Center Reels safe zone, as tabulated by houseofmarketers.com/guide-to-safe-zones-tiktok-
  facebook-instagram-stories-reels and imagefactory.co.kr: 358/2560, 896/2560, 86/1440).
* YouTube Shorts: bottom 25 % (≈480 px: title, channel, subscribe), youraithumbnailgenerator.com
  /guides/youtube-shorts-safe-zones-complete-guide; top 10 % and sides from the "centre 80 %
  width" rule of shortsfire.com/blog/shorts-safe-zones-keep-your-text-visible, with the
  right-hand like/comment/share column widened to 15 %.

Interfaces change with app versions and devices; these are working margins, not promises.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..errors import InvalidParameterError

Platform = Literal["tiktok", "instagram_reels", "youtube_shorts"]
PLATFORMS: tuple[str, ...] = ("tiktok", "instagram_reels", "youtube_shorts")


class Rect(BaseModel):
    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height


class SafeArea(BaseModel):
    """A platform's covered bands, as fractions of the frame's width (left/right) and height."""

    platform: Platform
    label: str
    top: float = Field(ge=0, lt=0.5)
    bottom: float = Field(ge=0, lt=0.5)
    left: float = Field(ge=0, lt=0.5)
    right: float = Field(ge=0, lt=0.5)

    def safe_rect(self, width: int, height: int) -> Rect:
        """The part of a ``width`` x ``height`` frame no overlay covers (pixels)."""
        x0, y0 = round(self.left * width), round(self.top * height)
        x1, y1 = width - round(self.right * width), height - round(self.bottom * height)
        return Rect(x=x0, y=y0, width=x1 - x0, height=y1 - y0)

    def subject_anchor(self) -> tuple[float, float]:
        """Where a reframe should put the subject's centre (fractions of the output frame): the
        centre of the safe rectangle, e.g. a little left of the middle on TikTok (its buttons are
        on the right) and above it (its captions and texts are at the bottom)."""
        return (self.left + (1 - self.right)) / 2, (self.top + (1 - self.bottom)) / 2

    def bands(self, width: int, height: int) -> dict[str, Rect]:
        """The covered bands (top, bottom, left, right) of a ``width`` x ``height`` frame."""
        safe = self.safe_rect(width, height)
        return {
            "top": Rect(x=0, y=0, width=width, height=safe.y),
            "bottom": Rect(x=0, y=safe.bottom, width=width, height=height - safe.bottom),
            "left": Rect(x=0, y=0, width=safe.x, height=height),
            "right": Rect(x=safe.right, y=0, width=width - safe.right, height=height),
        }


SAFE_AREAS: dict[str, SafeArea] = {
    "tiktok": SafeArea(
        platform="tiktok", label="TikTok", top=250 / 1920, bottom=420 / 1920, left=60 / 1080, right=170 / 1080
    ),
    "instagram_reels": SafeArea(
        platform="instagram_reels", label="Instagram Reels", top=0.14, bottom=0.35, left=0.06, right=0.06
    ),
    "youtube_shorts": SafeArea(
        platform="youtube_shorts", label="YouTube Shorts", top=0.10, bottom=0.25, left=0.10, right=0.15
    ),
}


def safe_area(platform: str) -> SafeArea:
    try:
        return SAFE_AREAS[platform]
    except KeyError:
        raise InvalidParameterError(f"Unknown platform {platform!r}; choose one of {', '.join(PLATFORMS)}.") from None


def caption_margins(
    platform: str | None,
    width: int,
    height: int,
    *,
    position: str,
    left: int,
    right: int,
    vertical: int,
    reach: int,
) -> tuple[int, int, int]:
    """ASS margins (left, right, vertical, in pixels) that keep captions inside ``platform``'s
    safe rectangle: each is at least the band plus ``reach`` (how far outline, shadow and box
    paint beyond the glyphs); margins already larger are kept."""
    if platform is None:
        return left, right, vertical
    area = safe_area(platform)
    safe = area.safe_rect(width, height)
    # A middle caption is centred (libass ignores the vertical margin for it).
    band_v = {"top": safe.y, "bottom": height - safe.bottom}.get(position, 0)
    return (
        max(left, safe.x + reach),
        max(right, width - safe.right + reach),
        max(vertical, band_v + reach),
    )
