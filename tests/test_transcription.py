"""Transcription on real speech with the real tiny.en / base models (nothing mocked)."""

from __future__ import annotations

import itertools
import re
import shutil

import numpy as np
import pytest

from media_core.audio import decode_audio
from media_core.errors import CancelledError, ModelMissingError, NoAudioStreamError, NotMediaError
from media_core.models import Segment, Word
from media_core.progress import CancelToken
from media_core.transcription import TranscriptionConfig, normalize_segments, normalize_words, transcribe
from media_core.transcription.whispercpp_backend import check_ggml_file
from tests import assets


def _norm(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def _wer(refs: list[str], hyps: list[str]) -> float:
    try:
        import jiwer

        return jiwer.wer([" ".join(_norm(r)) for r in refs], [" ".join(_norm(h)) for h in hyps])
    except ImportError:
        errors = total = 0
        for r, h in zip(refs, hyps, strict=False):
            r, h = _norm(r), _norm(h)
            d = list(range(len(h) + 1))
            for i, rw in enumerate(r, 1):
                prev, d[0] = d[0], i
                for j, hw in enumerate(h, 1):
                    prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (rw != hw))
            errors += d[-1]
            total += len(r)
        return errors / total


@pytest.fixture(scope="module")
def config(tiny_en_model):
    return TranscriptionConfig(model=str(tiny_en_model), threads=1)


def _check_words(words: list[Word]) -> None:
    assert words
    for w in words:
        assert w.text and w.text == w.text.strip()
        assert w.start < w.end
    for a, b in itertools.pairwise(words):
        assert a.start <= b.start and a.end <= b.start + 1e-6


def _speech_onset(audio: np.ndarray, rate: int = 16_000) -> float:
    """First 20 ms frame whose energy rises well above the recording's noise floor."""
    frame = rate // 50
    n = len(audio) // frame
    rms = np.sqrt((audio[: n * frame].reshape(n, frame) ** 2).mean(axis=1))
    floor, peak = np.percentile(rms, 10), rms.max()
    threshold = floor + 0.1 * (peak - floor)
    return float(np.argmax(rms > threshold) * frame / rate)


def _real_speech(config, jfk_wav, librivox, progress=None):
    """JFK and the five LibriVox utterances: JFK's transcript (words checked, first word at
    the speech onset) and the corpus WER."""
    jfk = transcribe(jfk_wav, config, progress=progress)
    _check_words(jfk.words)
    onset = _speech_onset(decode_audio(jfk_wav))
    assert abs(jfk.words[0].start - onset) <= 0.5, (jfk.words[0].start, onset)
    refs, hyps = [assets.JFK_TEXT], [jfk.text]
    for wav, text in librivox:
        t = transcribe(wav, config)
        _check_words(t.words)
        refs.append(text)
        hyps.append(t.text)
    assert len(refs) == 6
    return jfk, _wer(refs, hyps)


def test_real_speech_wer_and_word_timing(config, jfk_wav, librivox):
    progress: list[float] = []
    jfk, wer = _real_speech(config, jfk_wav, librivox, progress=lambda f, s="": progress.append(f))
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert jfk.language == "en" and jfk.meta["backend"] == "faster-whisper" and jfk.meta["rtf"] > 0
    print(f"faster-whisper corpus WER over JFK + LibriVox: {wer:.3%}")
    assert wer <= 0.10


def test_video_file_transcribes(config, speech_video):
    t = transcribe(speech_video, config)
    assert {"americans", "country"} <= set(_norm(t.text))
    _check_words(t.words)


def test_cancel_stops_transcription(config, librivox):
    token = CancelToken()
    after_cancel: list[float] = []

    def progress(fraction, stage=""):
        if token.is_cancelled:
            after_cancel.append(fraction)
        elif stage.endswith("transcribing") and fraction > 0:  # the first decoded segment
            token.cancel()

    longest = max((wav for wav, _ in librivox), key=lambda p: p.stat().st_size)
    with pytest.raises(CancelledError):
        transcribe(longest, config, progress=progress, cancel=token)
    assert token.is_cancelled and after_cancel == []  # no further segment was decoded


def test_cancel_from_another_thread_answers_within_a_second(base_model):
    """The desktop cancels from the UI thread while a window is being decoded: the larger
    multilingual model takes seconds per 30 s window here, the cancel must not wait for it."""
    import threading
    import time

    video, _ = assets.shorts_talk_video()
    token = CancelToken()
    started = threading.Event()
    outcome: dict = {}

    def progress(fraction, stage=""):
        if stage.endswith("transcribing"):
            started.set()

    def work():
        try:
            transcribe(
                video,
                TranscriptionConfig(model=str(base_model), language="en", threads=1),
                progress=progress,
                cancel=token,
            )
        except CancelledError:
            outcome["cancelled_at"] = time.monotonic()

    worker = threading.Thread(target=work)
    worker.start()
    assert started.wait(120), "transcription never started"
    time.sleep(1.5)  # inside a window
    asked = time.monotonic()
    token.cancel()
    worker.join(10)
    assert "cancelled_at" in outcome
    assert outcome["cancelled_at"] - asked < 1.0, outcome["cancelled_at"] - asked


def test_estimates_learn_this_machines_speed(jfk_wav):
    from media_core.transcription import speed

    before = speed.estimate_seconds(60.0, "tiny.en", threads=1)
    t = transcribe(jfk_wav, TranscriptionConfig(model="tiny.en", threads=1))
    seconds, measured = speed.estimate_seconds(60.0, "tiny.en", threads=1)
    assert measured and speed.measured_rtf("faster-whisper", "tiny.en", 1) <= t.meta["rtf"]
    assert seconds == pytest.approx(60.0 * speed.measured_rtf("faster-whisper", "tiny.en", 1) + speed.STARTUP_SECONDS)
    assert before is not None  # the catalogue's hint, until the first measurement
    assert speed.estimate_seconds(60.0, "no-such-model") is None


def test_loaded_model_is_reused(config, tiny_en_model):
    from media_core.transcription import faster_whisper_backend

    first = faster_whisper_backend.load_model(tiny_en_model, config)
    assert faster_whisper_backend.load_model(tiny_en_model, config.model_copy()) is first


def test_base_model_detects_spanish(base_model):
    prompts = assets.asterisk_prompts("es")
    # Long enough for a confident detection, short enough to keep the test quick.
    wav, text = max((wt for wt in prompts.values() if len(wt[1]) <= 160), key=lambda wt: len(wt[1]))
    t = transcribe(wav, TranscriptionConfig(model=str(base_model), threads=1))
    assert t.language == "es", (t.language, t.text, text)
    assert t.meta["language_probability"] > 0.5


def test_bad_inputs_give_clear_errors(config, tmp_path, bikes_mp4):
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 50)
    with pytest.raises(NotMediaError):
        transcribe(fake, config)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(NotMediaError, match="empty"):
        transcribe(empty, config)
    with pytest.raises(NoAudioStreamError):
        transcribe(bikes_mp4, config)


def test_odd_path_works(config, jfk_wav, odd_dir):
    target = odd_dir / "clip – ünïcode [1].wav"
    shutil.copy(jfk_wav, target)
    assert "country" in _norm(transcribe(target, config).text)


def test_missing_model_is_a_clear_error(tmp_path, jfk_wav):
    with pytest.raises(ModelMissingError):
        transcribe(jfk_wav, TranscriptionConfig(model=str(tmp_path / "no such model"), threads=1))


def test_whispercpp_rejects_files_without_weights(tmp_path, jfk_wav, monkeypatch):
    vocab_only = assets.ggml_vocab_only_model()
    with pytest.raises(ModelMissingError, match="no complete model weights"):
        check_ggml_file(vocab_only)
    garbage = tmp_path / "ggml-fake.bin"
    garbage.write_bytes(b"not a model" * 100)
    with pytest.raises(ModelMissingError, match=r"not a whisper\.cpp"):
        transcribe(jfk_wav, TranscriptionConfig(backend="whisper.cpp", model=str(garbage)))
    # Also through transcribe(): the file "loads" in whisper.cpp but would crash the process when decoding.
    with pytest.raises(ModelMissingError, match="no complete model weights"):
        transcribe(jfk_wav, TranscriptionConfig(backend="whisper.cpp", model=str(vocab_only)))
    monkeypatch.setenv("REFRAME_OFFLINE", "1")
    with pytest.raises(ModelMissingError, match="offline"):  # not on this machine in any form
        transcribe(jfk_wav, TranscriptionConfig(backend="whisper.cpp", model="small"))


def test_whispercpp_engine_on_real_speech(jfk_wav, librivox):
    """whisper.cpp with tiny.en converted from the packaged faster-whisper model (offline)."""
    config = TranscriptionConfig(backend="whisper.cpp", model="tiny.en", threads=2)
    jfk, wer = _real_speech(config, jfk_wav, librivox)
    assert jfk.meta["backend"] == "whisper.cpp" and jfk.meta["model_path"].endswith("ggml-tiny.en.bin")
    assert jfk.language == "en"
    print(f"whisper.cpp corpus WER over JFK + LibriVox: {wer:.3%}")
    assert wer <= 0.10


def test_whispercpp_detects_the_language_with_its_probability(base_model):
    prompts = assets.asterisk_prompts("es")
    wav, text = max((wt for wt in prompts.values() if len(wt[1]) <= 160), key=lambda wt: len(wt[1]))
    t = transcribe(wav, TranscriptionConfig(backend="whisper.cpp", model="base", threads=2))
    assert t.language == "es", (t.language, t.text, text)
    assert 0.5 < t.meta["language_probability"] <= 1.0


def test_normalisation_rules():
    words = [
        Word(text=" ask", start=2.0, end=2.5, probability=0.9),
        Word(text=" And", start=0.0, end=0.6),
        Word(text=",", start=0.6, end=0.62),
        Word(text="  ", start=0.7, end=0.8),
        Word(text=" so", start=0.62, end=0.9),
        Word(text=" my", start=0.85, end=1.0, probability=0.4),
        Word(text=" not", start=2.5, end=2.5),
    ]
    out = normalize_words(words)
    assert [w.text for w in out] == ["And,", "so", "my", "ask", "not"]
    assert out[2].start == 0.9 and out[2].probability == 0.4  # overlap clamped, probability kept
    assert out[4].end > out[4].start
    segs = normalize_segments(
        [
            Segment(start=2, end=3, text=" ask not", words=[words[0], words[6]]),
            Segment(start=0, end=1, text=" And, so my", words=words[1:6]),
        ]
    )
    assert [s.text for s in segs] == ["And, so my", "ask not"]
    assert segs[0].start == 0.0 and segs[1].end == 2.51
