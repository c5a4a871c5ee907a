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

#: Hang guard for waits on other threads; never a verdict.
HANG_GUARD_S = 600


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


def test_cancel_from_another_thread_stops_a_real_transcription(base_model):
    """The desktop cancels from the UI thread while a window is being decoded."""
    import threading

    video, _ = assets.shorts_talk_video()
    token = CancelToken()
    started = threading.Event()
    outcome: dict = {}

    def progress(fraction, stage=""):
        if stage.endswith("transcribing"):
            started.set()

    def work():
        try:
            outcome["transcript"] = transcribe(
                video,
                TranscriptionConfig(model=str(base_model), language="en", threads=1),
                progress=progress,
                cancel=token,
            )
        except CancelledError as exc:
            outcome["cancelled"] = exc

    worker = threading.Thread(target=work)
    worker.start()
    assert started.wait(HANG_GUARD_S), "transcription never started"
    token.cancel()
    worker.join(HANG_GUARD_S)
    assert "cancelled" in outcome, "the transcription ran to its end despite the cancel"


def test_a_cancel_does_not_wait_for_the_window_being_decoded():
    """faster-whisper decodes a 30 s window per step and cannot be interrupted inside one; the
    engine's consumer must answer a cancel while that window is still being decoded. Here the
    "window" is a generator step that only ends when the test says so, after the cancel has
    been answered: waiting for it would hang (the hang guard), never pass."""
    import threading

    from media_core.transcription.faster_whisper_backend import _cancellable

    in_window, window_may_end = threading.Event(), threading.Event()

    def segments():
        yield "first"
        in_window.set()
        window_may_end.wait(HANG_GUARD_S)
        yield "second"

    token = CancelToken()
    got: list[str] = []
    outcome: dict = {}

    def consume():
        try:
            got.extend(_cancellable(segments(), token))
        except CancelledError as exc:
            outcome["cancelled"] = exc
        outcome["window_over"] = window_may_end.is_set()

    worker = threading.Thread(target=consume)
    worker.start()
    assert in_window.wait(HANG_GUARD_S)
    token.cancel()
    worker.join(HANG_GUARD_S)
    window_may_end.set()
    assert "cancelled" in outcome and outcome["window_over"] is False
    assert "second" not in got  # ("first" may or may not have been handed over before the cancel)


def test_estimates_learn_this_machines_speed(jfk_wav, tmp_path, monkeypatch):
    from media_core.model_store import KNOWN_MODELS
    from media_core.transcription import speed

    # A data dir of its own: other tests' transcriptions must not be part of the median.
    monkeypatch.setenv("REFRAME_DATA_DIR", str(tmp_path))
    hint = KNOWN_MODELS["tiny.en"].rtf
    assert speed.estimate_seconds(60.0, "tiny.en", threads=1) == (60.0 * hint + speed.STARTUP_SECONDS, False)
    t = transcribe(jfk_wav, TranscriptionConfig(model="tiny.en", threads=1))
    learned = speed.measured_rtf("faster-whisper", "tiny.en", 1)
    # The one measurement recorded is the decoding alone, a part of the job's whole time.
    assert learned is not None and 0 < learned <= t.meta["rtf"]
    assert speed.estimate_seconds(60.0, "tiny.en", threads=1) == (
        pytest.approx(60.0 * learned + speed.STARTUP_SECONDS),
        True,
    )
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
