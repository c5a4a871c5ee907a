"""Shorts with speaker turns: cuts between turns, and a preferred speaker ranked first (real speech)."""

from __future__ import annotations

import pytest

from media_core.shorts.models import ShortClip, ShortsRequest
from media_core.shorts.pipeline import find_shorts, load_transcript
from media_core.shorts.speakers import inside_a_turn, prefer_speaker, respect_turns
from tests import assets


def test_respect_turns_and_prefer_speaker_rules():
    from media_core.models import Transcript, Word

    transcript = Transcript(
        language="en", duration=30, meta={"speaker_turns": [{"start": 1, "end": 10, "speaker": "A"}]}
    )
    inside, between = ShortClip(start=5, end=20), ShortClip(start=0.9, end=20)
    assert respect_turns([inside, between], transcript) == [between]
    assert respect_turns([inside], transcript) == [inside]  # nothing qualifies: keep what there is
    assert respect_turns([inside], Transcript(language="en", duration=30)) == [inside]
    assert inside_a_turn(5, [(1, 10)]) and not inside_a_turn(9.9, [(1, 10)])
    words = [Word(text="x", start=i, end=i + 0.5, speaker="A" if i < 2 else "B") for i in range(4)]
    clips = [
        ShortClip(start=0, end=2, first_word=0, last_word=1, score=50),
        ShortClip(start=2, end=4, first_word=2, last_word=3, score=60),
    ]
    ranked = prefer_speaker(clips, words, "A")
    assert ranked[0].score == 50 and ranked[1].score == pytest.approx(15)
    assert ranked[0].features["preferred_speaker"] == 1.0


def test_shorts_cut_between_turns_and_prefer_a_speaker(tiny_en_model, tmp_path, monkeypatch):
    try:
        monkeypatch.setenv("REFRAME_DIARIZATION_MODELS", str(assets.diarization_models()))
        path, layout = assets.three_speakers()
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")
    request = ShortsRequest(
        num_clips=2,
        min_duration=4,
        max_duration=12,
        diarize=True,
        prefer_speaker="Speaker 3",  # JFK: the third voice to speak in the compilation
        transcription={"model": str(tiny_en_model), "language": "en", "threads": 1},
        output_dir=str(tmp_path / "run"),
    )
    plan = find_shorts(path, request)
    jfk = [(t["start"], t["end"]) for t in layout if t["speaker"] == "jfk"]
    best = plan.clips[0]
    overlap = sum(max(0.0, min(best.end, e) - max(best.start, s)) for s, e in jfk)
    assert overlap >= 0.7 * min(best.duration, max(e - s for s, e in jfk))
    assert best.features["preferred_speaker"] >= 0.8
    # No cut lands inside anyone's speech (reference turns of the compilation, 0.25 s margin).
    reference = [(t["start"], t["end"]) for t in layout]
    for clip in plan.clips:
        assert not inside_a_turn(clip.start, reference) and not inside_a_turn(clip.end, reference)
    assert load_transcript(plan.transcript_path) is not None


def test_speaker_hints_for_face_following_come_from_the_diarized_words():
    from media_core.models import Word
    from media_core.reframe.models import hints_on_output
    from media_core.shorts.speakers import speaker_hints

    words = [
        Word(text="Hi", start=0.0, end=0.4, speaker="A"),
        Word(text="there", start=0.5, end=0.9, speaker="A"),
        Word(text="Hello", start=1.2, end=1.6, speaker="B"),
        Word(text="again", start=3.5, end=3.9, speaker="B"),  # a long pause: a new turn
        Word(text="um", start=4.0, end=4.1),  # no speaker: no hint
    ]
    hints = speaker_hints(words)
    assert [(h.speaker, h.start, h.end) for h in hints] == [("A", 0.0, 0.9), ("B", 1.2, 1.6), ("B", 3.5, 3.9)]
    # On a clip made of two source ranges played back to back.
    moved = hints_on_output(hints, [(0.5, 1.4), (3.4, 4.0)])
    assert [(h.speaker, round(h.start, 3), round(h.end, 3)) for h in moved] == [
        ("A", 0.0, 0.4),
        ("B", 0.7, 0.9),
        ("B", 1.0, 1.4),
    ]
