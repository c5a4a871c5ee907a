"""Word boundaries against ground truth: real utterances joined by known pauses.

The verdict uses the held-out set (JFK + Asterisk prompts that were not used to tune the
refinement); benchmarks/word_timing.py prints the same figures with refinement off and on.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from benchmarks.word_timing import score, summary
from media_core.audio import SAMPLE_RATE, decode_audio
from media_core.models import Segment, Word
from media_core.transcription import TranscriptionConfig, transcribe
from media_core.transcription.word_timing import interpolate_untimed, refine_segments, refine_words, speech_map
from tests import assets


@pytest.fixture(scope="module")
def heldout():
    try:
        return assets.timed_speech("heldout")
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")


def _transcribe(wav, backend: str, model, refine: bool = True):
    model_name = str(model) if backend == "faster-whisper" else "tiny.en"
    return transcribe(wav, TranscriptionConfig(backend=backend, model=model_name, threads=1, refine_word_timing=refine))


def _check_order(words: list[Word]) -> None:
    for a, b in itertools.pairwise(words):
        assert a.start < a.end <= b.start < b.end, (a, b)


@pytest.mark.parametrize("backend", ["faster-whisper", "whisper.cpp"])
def test_word_onsets_and_offsets_match_the_speech(heldout, tiny_en_model, backend):
    wav, layout = heldout
    transcript = _transcribe(wav, backend, tiny_en_model)
    result = score(transcript, layout)
    (onset_med, onset_p90), (offset_med, offset_p90) = summary(result["onset"]), summary(result["offset"])
    print(
        f"{backend}: onset |err| median {onset_med:.3f} p90 {onset_p90:.3f}; offset median {offset_med:.3f} "
        f"p90 {offset_p90:.3f}; refinement {transcript.meta['word_timing_seconds']:.3f} s "
        f"of {transcript.meta['elapsed']:.1f} s"
    )
    assert not result["missed"], result["missed"]
    assert onset_med <= 0.15 and offset_med <= 0.15
    assert onset_p90 <= 0.3 and offset_p90 <= 0.3
    _check_order(transcript.words)


def test_refinement_keeps_text_and_order_and_can_be_turned_off(heldout, tiny_en_model):
    wav, layout = heldout
    raw = _transcribe(wav, "faster-whisper", tiny_en_model, refine=False)
    assert raw.meta["word_timing_seconds"] == 0.0
    audio = decode_audio(wav)
    refined = refine_segments(raw.segments, audio, SAMPLE_RATE)
    assert [w.text for s in refined for w in s.words] == [w.text for w in raw.words]
    assert [s.text for s in refined] == [s.text for s in raw.segments]
    words = [w for s in refined for w in s.words]
    _check_order(words)
    for seg in refined:
        assert seg.start == seg.words[0].start and seg.end == seg.words[-1].end
    # The recogniser alone is measurably later/looser than the refined words on this set.
    before, after = score(raw, layout), score(raw.model_copy(update={"segments": refined}), layout)
    assert summary(after["onset"])[0] < summary(before["onset"])[0]
    assert summary(after["offset"])[0] < summary(before["offset"])[0]


def test_words_never_jump_over_a_neighbour(heldout):
    """Deliberately bad timings (every word shifted by up to ±0.6 s, some stretched over the
    pauses) still come out ordered, inside their neighbours, with their own text."""
    wav, layout = heldout
    audio = decode_audio(wav)
    rng = np.random.default_rng(7)
    words, t = [], 0.2
    for utt in layout:
        n = len(utt["text"].split())
        end = utt["offset"] or utt["end"]
        edges = np.linspace(utt["onset"], end, n + 1) + rng.uniform(-0.6, 0.6)
        for k, text in enumerate(utt["text"].split()):
            start, stop = max(t, float(edges[k])), max(t, float(edges[k + 1]))
            if stop - start < 0.02:
                stop = start + 0.02
            words.append(Word(text=text, start=start, end=stop))
            t = stop
    out = refine_words(words, audio, SAMPLE_RATE)
    assert [w.text for w in out] == [w.text for w in words]
    _check_order(out)


def test_untimed_words_get_interpolated_times():
    words = [
        Word(text="It", start=1.0, end=1.2),
        Word(text="costs", start=1.2, end=1.6),
        Word(text="$1,500", start=1.6, end=1.6),  # the model gave the number no time
        Word(text="%", start=1.6, end=1.6),
        Word(text="today.", start=2.4, end=2.8),
    ]
    out = interpolate_untimed(words)
    assert [w.text for w in out] == [w.text for w in words]
    _check_order(out)
    assert out[2].start == pytest.approx(1.6) and out[3].end == pytest.approx(2.4)
    assert out[2].duration > out[3].duration  # shared by length: "$1,500" is longer than "%"


def test_speech_map_on_silence_and_on_speech(jfk_wav):
    audio = decode_audio(jfk_wav)
    speech = speech_map(audio, SAMPLE_RATE)
    assert not speech[:25].any()  # JFK's first quarter second is room noise
    assert speech[40:45].all()  # "And" at 0.4 s
    assert not speech_map(np.zeros(SAMPLE_RATE, np.float32), SAMPLE_RATE).any()
    segments = [Segment(start=0.1, end=0.5, text="hi", words=[Word(text="hi", start=0.1, end=0.5)])]
    assert refine_segments(segments, np.zeros(SAMPLE_RATE, np.float32), SAMPLE_RATE) == segments


def test_a_word_left_in_a_pause_moves_to_the_speech_nobody_has(jfk_wav):
    """JFK: "Americans," ends at 2.0 s, "ask" is spoken at 3.3 s, "not" at 4.0 s. A model that
    puts "ask" in the pause (2.0-2.9 s) gets it moved onto its own speech, not onto "Americans,"."""
    audio = decode_audio(jfk_wav)
    words = [
        Word(text="fellow", start=1.42, end=1.76),
        Word(text="Americans,", start=1.76, end=2.0),
        Word(text="ask", start=2.0, end=2.9),
        Word(text="not", start=3.9, end=4.5),
    ]
    out = refine_words(words, audio, SAMPLE_RATE)
    assert [w.text for w in out] == [w.text for w in words]
    assert out[2].start == pytest.approx(3.29, abs=0.05) and out[2].end <= out[3].start
    assert out[1].end <= 2.05
    assert all(type(w.start) is float and type(w.end) is float for w in out)


def test_refinement_is_on_by_default_and_the_cli_can_turn_it_off():
    from media_core.cli import build_parser
    from media_core.cli.captions import request_from_args

    assert TranscriptionConfig().refine_word_timing
    on = request_from_args(build_parser().parse_args(["captions", "x.mp4"]))
    off = request_from_args(build_parser().parse_args(["captions", "x.mp4", "--no-refine-timing"]))
    assert on.transcription.refine_word_timing and not off.transcription.refine_word_timing
