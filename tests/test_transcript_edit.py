"""Cut by transcript: real speech with real interjections and long pauses, cut in one pass,
then transcribed again to check that the captions still match what is heard."""

from __future__ import annotations

import difflib
import re
import statistics

import numpy as np
import pytest

from media_core.errors import CancelledError, InvalidParameterError, NoAudioStreamError
from media_core.models import Word
from media_core.probe import probe
from media_core.progress import CancelToken
from media_core.transcript_edit import CutOptions, cut_by_transcript, fillers_for, find_fillers, plan_cuts
from media_core.transcription import TranscriptionConfig, transcribe
from tests import assets


def words(*items: tuple[str, float, float]) -> list[Word]:
    return [Word(text=t, start=s, end=e) for t, s, e in items]


def norm(text: str) -> str:
    return re.sub(r"[^\w']", "", text.lower())


def speech_extents(video, layout) -> dict[str, tuple[float, float]]:
    """Where each placed recording really speaks: its own leading and trailing silence (part
    of the file) excluded, by frame energy 35 dB under the recording's loudest 10 ms."""
    from media_core.audio import decode_audio

    audio, rate, hop = decode_audio(video), 16_000, 160
    out = {}
    for rec in layout:
        a, b = int(rec["start"] * rate), int(rec["end"] * rate)
        seg = audio[a:b][: (b - a) // hop * hop].reshape(-1, hop)
        rms = np.sqrt((seg.astype(np.float64) ** 2).mean(axis=1) + 1e-12)
        loud = np.nonzero(rms > rms.max() * 10 ** (-35 / 20))[0]
        out[rec["name"]] = (rec["start"] + loud[0] * hop / rate, rec["start"] + (loud[-1] + 1) * hop / rate)
    return out


def test_fillers_are_found_as_words_and_phrases():
    ws = words(("Um,", 0, 0.2), ("you", 0.3, 0.4), ("know", 0.4, 0.6), ("it", 0.7, 0.8), ("works", 0.8, 1.2))
    assert find_fillers(ws, fillers_for("en")) == [0, 1, 2]
    assert find_fillers(ws, ["you"]) == [1]
    assert "euh" in fillers_for("fr") and "like" in fillers_for("en", extra=["Like"])


def test_plan_removes_fillers_and_shortens_pauses_without_touching_kept_words():
    ws = words(("Hello", 0.5, 1.0), ("um", 1.2, 1.5), ("world", 1.8, 2.3), ("again", 5.0, 5.5))
    plan = plan_cuts(ws, 6.0, CutOptions(max_pause=1.0, keep_pause=0.3))
    reasons = [(r.reason, r.text) for r in plan.removals]
    assert reasons == [("filler", "um"), ("pause", "")]
    for span in plan.keep:
        for w in (ws[0], ws[2], ws[3]):
            # a kept word is either wholly inside a kept span or wholly outside it
            assert w.end <= span.start or w.start >= span.end or (span.start <= w.start and w.end <= span.end)
    kept = plan.map_words(ws)
    assert [w.text for w in kept] == ["Hello", "world", "again"]
    assert kept[1].start - kept[0].end == pytest.approx(0.2, abs=1e-6)  # the shorter gap around "um"
    assert kept[2].start - kept[1].end == pytest.approx(0.3, abs=1e-6)  # the long pause, shortened
    assert plan.output_duration == pytest.approx(6.0 - sum(r.end - r.start for r in plan.removals))


def test_bad_cut_requests_are_clear_errors():
    ws = words(("Hello", 0.1, 0.5), ("world", 0.6, 1.0))
    with pytest.raises(InvalidParameterError, match="not in the transcript"):
        plan_cuts(ws, 1.2, CutOptions(remove_words=[5]))
    with pytest.raises(InvalidParameterError, match="remove the whole recording"):
        plan_cuts(ws, 1.2, CutOptions(remove_words=[0, 1]))
    with pytest.raises(ValueError):
        CutOptions(max_pause=0.2, keep_pause=0.5)


@pytest.fixture(scope="module")
def filler_talk():
    try:
        return assets.filler_talk_video()
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")


@pytest.fixture(scope="module")
def config(tiny_en_model) -> TranscriptionConfig:
    return TranscriptionConfig(model=str(tiny_en_model), language="en", threads=1)


@pytest.fixture(scope="module")
def cut(filler_talk, config, tmp_path_factory):
    video, layout = filler_talk
    out = tmp_path_factory.mktemp("cut") / "talk tightened.mp4"
    log: list[str] = []
    result = cut_by_transcript(video, out, CutOptions(extra_fillers=["oh"]), transcription=config, log=log.append)
    return video, layout, result, log


def test_cut_removes_the_interjections_and_the_long_pause(cut):
    _, layout, result, log = cut
    fillers = [r for r in result.plan.removals if r.reason == "filler"]
    assert [norm(r.text) for r in fillers] == ["oh", "oh"]
    # the 2.5 s pause between the second utterance and JFK is now keep_pause long (plus the
    # quiet tail of a word, which the engine counts as speech a little more generously)
    speech = speech_extents(cut[0], layout)
    second_end, jfk_start = speech["librivox-1"][1], speech["jfk"][0]
    assert jfk_start - second_end > 2.5
    assert result.plan.map_time(jfk_start) - result.plan.map_time(second_end) <= 0.3 + 0.15
    assert any('(filler: "Oh.")' in line or "(filler: " in line for line in log)


def test_output_is_shorter_by_the_cut_total_within_a_frame(cut):
    video, _, result, _ = cut
    fps = probe(video).video.fps
    source, output = probe(video).duration, probe(result.output).duration
    assert output == pytest.approx(source - result.plan.removed, abs=1.0 / fps + 1e-3)
    assert output == pytest.approx(result.duration, abs=1e-6)


def test_no_cut_lands_inside_kept_speech(cut):
    video, layout, result, _ = cut
    speech = {k: v for k, v in speech_extents(video, layout).items() if not k.startswith("oh")}
    boundaries = [s.end for s in result.plan.keep[:-1]] + [s.start for s in result.plan.keep[1:]]
    for t in boundaries:
        for name, (start, end) in speech.items():
            assert not (start < t < end), (t, name)
    # every kept recording's speech is wholly inside one kept span
    for name, (start, end) in speech.items():
        assert any(s.start <= start and end <= s.end for s in result.plan.keep), name


def test_captions_still_match_the_audio_when_transcribed_again(cut, config):
    _, _, result, _ = cut
    again = transcribe(result.output, config)
    heard = [w for w in again.words if norm(w.text)]
    captions = [w for w in result.words if norm(w.text)]
    assert "oh" not in {norm(w.text) for w in heard}
    a, b = [norm(w.text) for w in captions], [norm(w.text) for w in heard]
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    matched = [(i, j) for block in matcher.get_matching_blocks() for i, j in zip(range(block.a, block.a + block.size), range(block.b, block.b + block.size), strict=True)]  # fmt: skip
    assert len(matched) >= 0.9 * len(a)
    offsets = [abs(captions[i].start - heard[j].start) for i, j in matched]
    assert statistics.median(offsets) <= 0.1
    srt = result.subtitles.read_text(encoding="utf-8")
    assert "country" in srt and "Oh." not in srt


def test_cancel_during_the_render_leaves_no_output(filler_talk, config, tmp_path):
    video, _ = filler_talk
    token = CancelToken()

    def progress(fraction: float, stage: str = "") -> None:
        if fraction > 0.6:
            token.cancel()

    transcript = transcribe(video, config)
    out = tmp_path / "cancelled.mp4"
    with pytest.raises(CancelledError):
        cut_by_transcript(video, out, CutOptions(), transcript=transcript, progress=progress, cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_a_video_without_sound_is_a_clear_error(bikes_mp4, tmp_path):
    with pytest.raises(NoAudioStreamError, match="no audio track"):
        cut_by_transcript(bikes_mp4, tmp_path / "x.mp4")
