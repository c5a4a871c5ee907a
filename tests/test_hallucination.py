"""Hallucination guard: music and silence give (almost) no words; loops are decoded again."""

from __future__ import annotations

import numpy as np
import pytest

from media_core.audio import SAMPLE_RATE, decode_audio
from media_core.models import Segment, Word
from media_core.transcription import TranscriptionConfig, transcribe
from media_core.transcription import faster_whisper_backend as fw
from media_core.transcription.hallucination import collapse_loops, find_loop, looping_spans, repair_loops


@pytest.mark.parametrize("vad", [True, False], ids=["vad", "no-vad"])
def test_music_gives_no_words(bbb_trailer, tiny_en_model, vad):
    """The Big Buck Bunny trailer is music and effects: without the guard, tiny.en with VAD off
    writes "I think I can get my" and "Mm-hmm" over it."""
    t = transcribe(bbb_trailer, TranscriptionConfig(model=str(tiny_en_model), threads=1, vad=vad))
    assert len(t.words) <= 2, t.text


def test_music_gives_no_words_with_whisper_cpp(bbb_trailer):
    t = transcribe(bbb_trailer, TranscriptionConfig(backend="whisper.cpp", model="tiny.en", threads=1))
    assert len(t.words) <= 2, t.text


@pytest.mark.parametrize("vad", [True, False], ids=["vad", "no-vad"])
def test_silence_gives_no_words(tmp_path, tiny_en_model, vad):
    """30 s of room tone (very quiet noise): without the guard and with VAD off, tiny.en writes "You"."""
    silence = np.random.default_rng(3).normal(0, 10 ** (-70 / 20), 30 * SAMPLE_RATE).astype(np.float32)
    t = transcribe(tmp_path / "x.wav", TranscriptionConfig(model=str(tiny_en_model), threads=1, vad=vad), audio=silence)
    assert t.words == [] and t.text == ""


def test_speech_survives_the_guard_with_vad_off(jfk_wav, tiny_en_model):
    t = transcribe(jfk_wav, TranscriptionConfig(model=str(tiny_en_model), threads=1, vad=False))
    assert "ask not what your country can do for you" in t.text.lower().replace(",", "")


def _words(text: str, start: float, end: float) -> list[Word]:
    tokens = text.split()
    step = (end - start) / len(tokens)
    return [Word(text=tok, start=start + i * step, end=start + (i + 1) * step) for i, tok in enumerate(tokens)]


def test_loop_detection_and_collapse():
    assert find_loop(
        ["thank", "you", "for", "watching", "thank", "you", "for", "watching", "thank", "you", "for", "watching"]
    ) == (0, 4, 3)
    assert find_loop(["no", "no", "no"]) is None  # people do say this
    assert find_loop(["the", "the", "the", "the", "the"]) == (0, 1, 5)
    seg = Segment(start=0, end=6, text="", words=_words("so thank you. thank you. thank you. thank you. bye", 0, 6))
    seg = seg.model_copy(update={"text": " ".join(w.text for w in seg.words)})
    out = collapse_loops(seg)
    assert out.text == "so thank you. bye" and out.words[-1].end == 6
    same = [Segment(start=i, end=i + 1, text="Thanks for watching!") for i in range(3)]
    assert looping_spans(same) == [(0, 2)]
    assert looping_spans([Segment(start=0, end=1, text="no no no")]) == []


def test_a_looping_span_is_decoded_again_without_context(jfk_wav, tiny_en_model):
    """JFK's second half replaced by a loop, as Whisper produces when it conditions on its own
    output: the guard finds it and the real model, decoding that span alone, recovers the speech."""
    audio = decode_audio(jfk_wav)
    config = TranscriptionConfig(model=str(tiny_en_model), threads=1)
    model = fw.load_model(tiny_en_model, config)
    options = {"beam_size": 5, "word_timestamps": True, "vad_filter": False, "initial_prompt": None}
    good = Segment(
        start=0.3, end=3.0, text="And so my fellow Americans,", words=_words("And so my fellow Americans,", 0.3, 3.0)
    )
    loop_text = "ask not ask not ask not ask not ask not"
    looped = Segment(start=3.0, end=10.5, text=loop_text, words=_words(loop_text, 3.0, 10.5))
    notes: list[str] = []
    repaired = repair_loops(
        [good, looped], lambda s, e: fw.decode_span(model, audio, s, e, "en", options), notes.append
    )
    text = " ".join(s.text for s in repaired).lower()
    assert repaired[0] == good
    assert "what your country can do for you" in text.replace(",", "")
    assert not looping_spans(repaired)
    assert notes and "3.0-10.5" in notes[0]
    for seg in repaired[1:]:
        assert seg.start >= 2.7 and all(2.7 <= w.start <= 11.0 for w in seg.words)
