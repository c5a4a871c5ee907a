"""Shorts with "tighten": filler words and long pauses cut out of each clip in its one render."""

from __future__ import annotations

import re

import pysubs2
import pytest

from media_core.probe import probe
from media_core.shorts.models import ShortClip, ShortsRequest
from media_core.shorts.pipeline import rerender_clip
from media_core.transcription import TranscriptionConfig, transcribe
from tests import assets


@pytest.fixture(scope="module")
def filler_talk():
    try:
        return assets.filler_talk_video()
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")


@pytest.fixture(scope="module")
def transcript(filler_talk, tiny_en_model):
    return transcribe(filler_talk[0], TranscriptionConfig(model=str(tiny_en_model), language="en", threads=1))


def _words(path) -> list[str]:
    return " ".join(re.sub(r"\W", " ", e.plaintext.lower()) for e in pysubs2.load(path)).split()


@pytest.mark.parametrize("tighten", [False, True])
def test_tighten_cuts_the_filler_inside_a_clip(tighten, filler_talk, transcript, tiny_en_model, tmp_path):
    video, layout = filler_talk
    at = {rec["name"]: rec for rec in layout}
    # JFK, "oh", LibriVox: the clip holds one interjection between two utterances.
    clip = ShortClip(id="talk", start=at["jfk"]["start"] - 0.2, end=at["librivox-2"]["end"] + 0.2)
    request = ShortsRequest(
        output_height=320,
        output_dir=str(tmp_path),
        tighten=tighten,
        extra_fillers=["oh"],
        transcription={"model": str(tiny_en_model), "language": "en", "threads": 1},
    )
    out = rerender_clip(video, clip, clip.start, clip.end, request, transcript=transcript)
    duration = probe(out.video_path).duration
    words = _words(out.srt_path)
    oh = at["oh-2"]["end"] - at["oh-2"]["start"]
    if tighten:
        assert "oh" not in words
        assert duration <= clip.duration - oh + 0.05, (duration, clip.duration, oh)
    else:
        assert "oh" in words
        assert duration == pytest.approx(clip.duration, abs=0.1)
