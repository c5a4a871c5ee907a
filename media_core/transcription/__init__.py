"""Speech to timed words: ``transcribe(path, config) -> Transcript``.

Audio is decoded once with PyAV (so any video works) and handed to the chosen backend
as a numpy array; the backend's output is normalised so both engines produce the same
kind of Transcript. Backends and their heavy libraries load on first use.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import ModuleType

import numpy as np

from ..models import Segment, Transcript
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from . import speed
from .config import TranscriptionConfig
from .normalize import normalize_segments, normalize_words
from .word_timing import refine_segments

__all__ = ["TranscriptionConfig", "normalize_segments", "normalize_words", "transcribe", "warm_up"]


def transcribe(
    path: str | os.PathLike,
    config: TranscriptionConfig | None = None,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    audio: np.ndarray | None = None,
) -> Transcript:
    """Transcribe the first audio track of ``path`` (audio or video file). A caller that needs
    the decoded audio too (the shorts pipeline snaps cuts to silence) passes it as ``audio``
    (16 kHz mono float32, :func:`media_core.audio.decode_audio`) so it is decoded only once."""
    from .. import model_store
    from ..audio import SAMPLE_RATE, decode_audio

    config = config or TranscriptionConfig()
    token, report = as_token(cancel), as_progress(progress)
    started = time.perf_counter()
    if audio is None:
        audio = decode_audio(path, progress=report.span(0.0, 0.05), cancel=token)
    duration = len(audio) / SAMPLE_RATE
    model_report = report.span(0.05, 0.1)
    backend: ModuleType
    if config.backend == "whisper.cpp":
        from . import whispercpp_backend

        backend = whispercpp_backend
        model_path = model_store.resolve_ggml_model(config.model, progress=model_report, cancel=token)
    else:
        from . import faster_whisper_backend

        backend = faster_whisper_backend
        model_path = model_store.resolve_model(config.model, progress=model_report, cancel=token)
    notes: list[str] = []
    if len(audio) == 0:
        segments: list[Segment]
        segments, language, language_prob = [], config.language or "und", 0.0
    else:
        decode_started = time.perf_counter()
        segments, language, language_prob = backend.transcribe_array(
            audio, Path(model_path), config, report=report.span(0.1, 1.0), token=token, notes=notes
        )
        speed.record(
            config.backend, config.model, config.resolved_threads(), (time.perf_counter() - decode_started) / duration
        )
    segments = normalize_segments(segments)
    refine_seconds = 0.0
    if config.refine_word_timing and config.word_timestamps and segments:
        refine_started = time.perf_counter()
        segments = refine_segments(segments, audio, SAMPLE_RATE)
        refine_seconds = time.perf_counter() - refine_started
    elapsed = time.perf_counter() - started
    report(1.0, "done")
    return Transcript(
        language=language,
        duration=round(duration, 3),
        segments=segments,
        meta={
            "backend": config.backend,
            "model": config.model,
            "model_path": str(model_path),
            "source": str(path),
            "duration": round(duration, 3),
            "elapsed": round(elapsed, 3),
            "rtf": round(elapsed / duration, 4) if duration else None,
            "language_probability": round(language_prob, 4),
            "word_timing_seconds": round(refine_seconds, 4),
            "notes": notes,
        },
    )


def warm_up(config: TranscriptionConfig | None = None) -> bool:
    """Import the recogniser's libraries and load ``config``'s model if it is already on this
    machine (never downloads); returns whether the model is now loaded.

    Importing CTranslate2 / ONNX Runtime / PyAV and parsing a tokenizer hold Python's GIL
    for tens of milliseconds at a time. An app calls this on a background thread right
    after its window shows, so that cost lands while the user is still choosing a file,
    not in the middle of their first job's progress animation.
    """
    from .. import model_store

    config = config or TranscriptionConfig()
    import av  # noqa: F401  (decoding happens first in every job)

    if config.backend == "whisper.cpp":
        import pywhispercpp.model  # noqa: F401

        return False
    from faster_whisper.vad import get_vad_model

    from . import faster_whisper_backend

    get_vad_model()
    name = config.model.strip()
    path = (
        Path(name).expanduser()
        if model_store.is_model_dir(Path(name).expanduser())
        else model_store.local_model(name, assemble=False)
    )
    if path is None:
        return False
    faster_whisper_backend.load_model(path, config)
    return True
