"""Platform safe areas: captions burned by the real libass path stay out of the platform's
covered bands (checked by pixels: a captioned render minus the same render without captions)."""

from __future__ import annotations

import av
import numpy as np
import pytest

from media_core.errors import InvalidParameterError
from media_core.ffmpeg import run_ffmpeg
from media_core.models import SubtitleLine, Word
from media_core.render.operations import burn_subtitles
from media_core.render.plan import EncoderSettings
from media_core.styles import get_preset
from media_core.styles.safe_areas import PLATFORMS, SAFE_AREAS, safe_area

W, H = 540, 960  # 9:16; the bands are fractions, so half of 1080x1920 checks the same layout
T = 1.0
JFK = "And so my fellow Americans ask not what your country can do for you ask what you can do for your country"


def _lines() -> list[SubtitleLine]:
    texts = JFK.split()
    words = [Word(text=t, start=0.2 + i * 0.08, end=0.2 + i * 0.08 + 0.07) for i, t in enumerate(texts)]
    # One long cue: two rows that must wrap inside the margins, plus the active-word highlight.
    return [SubtitleLine(start=0.2, end=2.0, text=" ".join(texts[:12]), words=words[:12])]


@pytest.fixture(scope="module")
def background(tmp_path_factory):
    """A flat clip, and its frame at T as the encoder gives it back without captions."""
    folder = tmp_path_factory.mktemp("safe")
    clip = folder / "flat.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-i", f"color=c=0x2F5D8A:s={W}x{H}:r=25:d=2", "-c:v", "libx264", "-crf", "10", str(clip)],
        log=lambda s: None,
    )
    return clip, _frame(clip)


def _frame(path) -> np.ndarray:
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            if frame.time is not None and frame.time >= T - 1e-3:
                return frame.to_ndarray(format="rgb24").astype(int)
    raise AssertionError(f"no frame at {T} s in {path}")


def _caption_mask(background, style, out) -> np.ndarray:
    clip, plain = background
    burn_subtitles(clip, _lines(), out, style, encoder=EncoderSettings(crf=10, preset="ultrafast"))
    drawn = np.abs(_frame(out) - plain).sum(axis=2) > 60
    assert drawn.sum() > 500, "no captions were drawn"
    return drawn


def _pixels_in_bands(mask: np.ndarray, platform: str) -> dict[str, int]:
    bands = safe_area(platform).bands(W, H)
    return {name: int(mask[r.y : r.bottom, r.x : r.right].sum()) for name, r in bands.items()}


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("preset", ["TikTok default", "Boxed", "Headline", "Bold pop"])
def test_captions_stay_out_of_the_platform_bands(platform, preset, background, tmp_path):
    style = get_preset(preset).model_copy(update={"safe_area": platform})
    mask = _caption_mask(background, style, tmp_path / f"{platform}.mp4")
    assert _pixels_in_bands(mask, platform) == {"top": 0, "bottom": 0, "left": 0, "right": 0}


def test_without_a_platform_the_default_captions_do_reach_the_bands(background, tmp_path):
    """The check above can fail: the unsafe default places captions in TikTok's bottom band."""
    mask = _caption_mask(background, get_preset("TikTok default"), tmp_path / "plain.mp4")
    inside = _pixels_in_bands(mask, "tiktok")
    assert inside["bottom"] > 0 or inside["right"] > 0, inside


def test_safe_rect_and_bands():
    area = SAFE_AREAS["tiktok"]
    rect = area.safe_rect(1080, 1920)
    assert (rect.x, rect.y, rect.right, rect.bottom) == (60, 250, 910, 1500)
    reels = safe_area("instagram_reels").safe_rect(1080, 1920)
    assert reels.y == round(0.14 * 1920) and reels.bottom == 1920 - round(0.35 * 1920)
    bands = area.bands(1080, 1920)
    assert bands["bottom"].height == 420 and bands["right"].width == 170
    fx, fy = area.subject_anchor()  # a reframe centred here keeps the subject clear of the bands
    assert fx < 0.5 and fy < 0.5
    assert rect.x < fx * 1080 < rect.right and rect.y < fy * 1920 < rect.bottom
    with pytest.raises(InvalidParameterError):
        safe_area("myspace")
