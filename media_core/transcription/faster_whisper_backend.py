"""faster-whisper (CTranslate2) backend.

``faster_whisper`` and ``ctranslate2`` are imported on first use only: importing them
costs about a second, which the desktop app must not pay at start-up.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE
from ..errors import ModelMissingError, ReframeError
from ..models import Segment, Word
from ..progress import CancelToken, Progress
from .config import TranscriptionConfig


# Loading a model takes seconds; jobs run one after another with the same settings,
# so loaded models are kept per (path, device, compute_type, threads).
_models: dict[tuple, object] = {}
_models_lock = threading.Lock()


def load_model(model_dir: Path, config: TranscriptionConfig):
    threads = config.resolved_threads()
    key = (str(model_dir), config.device, config.compute_type, threads)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            from faster_whisper import WhisperModel

            try:
                model = WhisperModel(str(model_dir), device=config.device, compute_type=config.compute_type,
                                     cpu_threads=threads, local_files_only=True)
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelMissingError(
                    f"The model in {model_dir} could not be loaded. It may be incomplete: delete it in "
                    "Settings → Models and download it again.", detail=repr(exc)) from exc
            _models[key] = model
        return model


def clear_model_cache() -> None:
    with _models_lock:
        _models.clear()


def transcribe_array(audio: np.ndarray, model_dir: Path, config: TranscriptionConfig, *,
                     report: Progress, token: CancelToken) -> tuple[list[Segment], str, float]:
    """Transcribe 16 kHz mono float32 ``audio``; returns (segments, language, language probability)."""
    model = load_model(model_dir, config)
    report(0.0, "detecting language" if config.language is None else "transcribing")
    token.raise_if_cancelled()
    try:
        segments_iter, info = model.transcribe(
            audio,
            language=config.language,
            beam_size=config.beam_size,
            word_timestamps=config.word_timestamps,
            vad_filter=config.vad,
            initial_prompt=config.initial_prompt,
        )
    except ValueError as exc:  # e.g. an English-only model asked for another language
        raise ReframeError(f"The model cannot transcribe this: {exc}", detail=repr(exc)) from exc
    duration = max(len(audio) / SAMPLE_RATE, 1e-6)
    segments: list[Segment] = []
    # The generator decodes lazily, one 30 s window at a time: checking the token between
    # segments really stops the work instead of throwing it away at the end.
    for seg in segments_iter:
        token.raise_if_cancelled()
        words = [Word(text=w.word, start=w.start, end=w.end, probability=w.probability)
                 for w in (seg.words or [])]
        segments.append(Segment(start=seg.start, end=seg.end, text=seg.text, words=words))
        report(min(1.0, seg.end / duration), "transcribing")
    token.raise_if_cancelled()
    return segments, info.language, float(info.language_probability)
