"""whisper.cpp backend through ``pywhispercpp`` (imported on first use).

whisper.cpp crashes the whole process on a file that is not a complete ggml model
(it happily "loads" a vocabulary-only file, then reads past the end while decoding),
so the file header is checked here first and a clear ModelMissingError raised instead.
Word timings come from whisper.cpp's own word splitting: ``token_timestamps`` with
``max_len=1`` and ``split_on_word`` makes every segment one word. Voice activity
detection uses the same Silero model as the faster-whisper engine (whisper.cpp's own
VAD needs a separate model file), and the spoken language is detected with whisper.cpp's
language probabilities before decoding.
"""

from __future__ import annotations

import struct
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import SAMPLE_RATE
from ..errors import ModelMissingError
from ..models import Segment, Word
from ..progress import CancelToken, Progress
from . import hallucination
from .config import TranscriptionConfig

GGML_MAGIC = b"lmgg"  # 0x67676d6c little-endian
#: Fewest bytes per weight any ggml quantisation uses (q4 ≈ 0.56); lower means weights are missing.
_MIN_BYTES_PER_PARAM = 0.4

_models: dict[tuple, object] = {}
_models_lock = threading.Lock()


def _hyperparameters(path: Path) -> tuple[int, ...]:
    """The 11 integers after the ggml magic (n_vocab, n_audio_ctx, ... ftype)."""
    with open(path, "rb") as fh:
        header = fh.read(48)
    if len(header) < 48 or header[:4] != GGML_MAGIC:
        raise ModelMissingError(
            f"{Path(path).name} is not a whisper.cpp (ggml) model. Download a ggml-*.bin model from "
            "huggingface.co/ggerganov/whisper.cpp or pick faster-whisper as the engine."
        )
    return struct.unpack("<11i", header[4:48])


def check_ggml_file(path: Path) -> None:
    """Raise ModelMissingError unless ``path`` looks like a complete whisper ggml model."""
    path = Path(path)
    if not path.is_file():
        raise ModelMissingError(f"The whisper.cpp model file was not found: {path}")
    (
        n_vocab,
        _n_audio_ctx,
        n_audio_state,
        _h,
        n_audio_layer,
        _n_text_ctx,
        n_text_state,
        _th,
        n_text_layer,
        _mels,
        _ftype,
    ) = _hyperparameters(path)
    params = n_vocab * n_text_state + 12 * n_audio_state**2 * n_audio_layer + 16 * n_text_state**2 * n_text_layer
    if path.stat().st_size < params * _MIN_BYTES_PER_PARAM:
        raise ModelMissingError(
            f"{path.name} holds no complete model weights ({path.stat().st_size:,} bytes; a model of this "
            "shape needs far more). It may be a test/vocabulary-only file or an interrupted download.",
            detail=f"header params≈{params}",
        )


def _load(model_file: Path, threads: int, beam_search: bool):
    """A cached (model, lock) pair: one whisper.cpp context must not decode two jobs at once."""
    key = (str(model_file), threads, beam_search)
    with _models_lock:
        entry = _models.get(key)
        if entry is None:
            from pywhispercpp.model import Model

            kwargs: dict[str, Any] = {"n_threads": threads} if threads else {}
            model = Model(
                str(model_file),
                params_sampling_strategy=1 if beam_search else 0,
                redirect_whispercpp_logs_to=None,
                print_progress=False,
                print_realtime=False,
                **kwargs,
            )
            entry = _models[key] = (model, threading.Lock())
        return entry


def _speech_only(audio: np.ndarray):
    """The speech of ``audio`` (Silero VAD, the same model the faster-whisper engine uses) and
    a map back to the original timeline, so both engines skip music and silence alike."""
    from faster_whisper.vad import SpeechTimestampsMap

    from .faster_whisper_backend import speech_pieces

    chunks = [c for piece in speech_pieces(audio, SAMPLE_RATE) for c in piece]
    if not chunks:
        return np.zeros(0, np.float32), None
    speech = np.concatenate([audio[c["start"] : c["end"]] for c in chunks]).astype(np.float32, copy=False)
    return speech, SpeechTimestampsMap(chunks, SAMPLE_RATE)


def transcribe_array(
    audio: np.ndarray,
    model_file: Path,
    config: TranscriptionConfig,
    *,
    report: Progress,
    token: CancelToken,
    notes: list[str] | None = None,
) -> tuple[list[Segment], str, float]:
    check_ggml_file(model_file)
    from .faster_whisper_backend import check_model_language

    check_model_language(config.language, _multilingual(model_file), config.model)
    model, lock = _load(model_file, config.resolved_threads(), config.beam_size > 1)
    report(0.0, "transcribing")
    timeline = None
    full_audio = audio
    if config.vad:
        audio, timeline = _speech_only(audio)
        if timeline is None:  # no speech at all
            return [], config.language or "und", 0.0
    token.raise_if_cancelled()
    duration = max(len(audio) / SAMPLE_RATE, 1e-6)

    def on_segment(seg) -> None:
        report(min(1.0, seg.t1 / 100.0 / duration), "transcribing")

    with lock:
        language, probability = config.language, 1.0
        if language is None:
            if not _multilingual(model_file):
                language = "en"
            else:
                report(0.0, "detecting language")
                (language, probability), _ = model.auto_detect_language(np.ascontiguousarray(audio[: 30 * SAMPLE_RATE]))
                probability = float(probability)
        params = {
            "language": language,
            "token_timestamps": config.word_timestamps,
            "max_len": 1 if config.word_timestamps else 0,
            "split_on_word": config.word_timestamps,
            "beam_search": {"beam_size": config.beam_size, "patience": -1.0},
            # Set every time: the binding keeps parameters on the cached model between calls.
            "no_context": False,
        }
        if config.initial_prompt:  # the binding rejects None
            params["initial_prompt"] = config.initial_prompt
        raw = model.transcribe(
            np.ascontiguousarray(audio, dtype=np.float32),
            new_segment_callback=on_segment,
            # whisper.cpp polls this during decoding, so cancel stops it mid-window.
            abort_callback=lambda: token.is_cancelled,
            extract_probability=True,
            **params,
        )
        token.raise_if_cancelled()

    def original(t: float, is_end: bool = False) -> float:
        return timeline.get_original_time(t, is_end=is_end) if timeline is not None else t

    segments = [_segment(seg, config, original) for seg in raw]

    def redecode(start: float, end: float) -> list[Segment]:
        """The span again, from its own audio only (``no_context``: no previous text to loop on)."""
        token.raise_if_cancelled()
        lo = max(0.0, start - 0.2)
        piece = full_audio[int(lo * SAMPLE_RATE) : int((end + 0.2) * SAMPLE_RATE)]
        with lock:
            again = model.transcribe(np.ascontiguousarray(piece, dtype=np.float32), **{**params, "no_context": True})
        return [_segment(seg, config, lambda t, is_end=False: lo + t) for seg in again]

    say = notes.append if notes is not None else (lambda _message: None)
    segments = hallucination.repair_loops(segments, redecode, say)
    if not config.vad:  # with VAD on, whisper.cpp only ever saw speech
        kept = hallucination.drop_non_speech(segments, hallucination.speech_spans(full_audio, SAMPLE_RATE))
        if len(kept) < len(segments):
            say(f"dropped {len(segments) - len(kept)} segment(s) heard over music, noise or silence")
        segments = kept
    return segments, language or "und", probability


def _segment(seg, config: TranscriptionConfig, original) -> Segment:
    """One pywhispercpp segment (times in centiseconds) on the original timeline."""
    start, end = original(seg.t0 / 100.0), original(seg.t1 / 100.0, is_end=True)
    prob = float(seg.probability) if not np.isnan(seg.probability) else 1.0
    words = [Word(text=seg.text, start=start, end=end, probability=prob)] if config.word_timestamps else []
    return Segment(start=start, end=end, text=seg.text, words=words)


def _multilingual(model_file: Path) -> bool:
    return _hyperparameters(model_file)[0] >= 51865  # the English-only vocabulary has 51864 tokens
