"""faster-whisper (CTranslate2) backend.

``faster_whisper`` and ``ctranslate2`` are imported on first use only: importing them
costs about a second, which the desktop app must not pay at start-up.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE
from ..errors import ModelMissingError, ReframeError
from ..models import Segment, Word
from ..progress import CancelToken, Progress
from . import device as devices
from .config import TranscriptionConfig

# Loading a model takes seconds; jobs run one after another with the same settings,
# so loaded models are kept per (path, device, compute_type, threads).
_models: dict[tuple, object] = {}
_models_lock = threading.Lock()


def load_model(model_dir: Path, config: TranscriptionConfig):
    """The loaded model for ``config`` ("auto" resolved); a GPU that cannot load it gives the
    CPU model instead, after one log line."""
    config = devices.resolved_config(config)
    if config.device != "cpu":
        try:
            return _load(model_dir, config)
        except ModelMissingError as exc:
            if not devices.is_gpu_failure(exc.__cause__ or exc):
                raise
            devices.mark_gpu_failed(exc.__cause__ or exc, when="load")
            config = devices.cpu_config(config)
    return _load(model_dir, config)


def _load(model_dir: Path, config: TranscriptionConfig):
    threads = config.resolved_threads()
    key = (str(model_dir), config.device, config.compute_type, threads)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            from faster_whisper import WhisperModel

            try:
                model = WhisperModel(
                    str(model_dir),
                    device=config.device,
                    compute_type=config.compute_type,
                    cpu_threads=threads,
                    local_files_only=True,
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelMissingError(
                    f"The model in {model_dir} could not be loaded. It may be incomplete: delete it in "
                    "Settings → Models and download it again.",
                    detail=repr(exc),
                ) from exc
            _models[key] = model
        return model


def clear_model_cache() -> None:
    with _models_lock:
        _models.clear()


def transcribe_array(
    audio: np.ndarray, model_dir: Path, config: TranscriptionConfig, *, report: Progress, token: CancelToken
) -> tuple[list[Segment], str, float]:
    """Transcribe 16 kHz mono float32 ``audio``; returns (segments, language, language probability).

    A GPU run that fails mid-way (out of memory, a CUDA library missing only when first
    used) starts again on the CPU after one log line."""
    config = devices.resolved_config(config)
    try:
        return _transcribe(audio, model_dir, config, report=report, token=token)
    except Exception as exc:
        if config.device == "cpu" or not devices.is_gpu_failure(exc):
            raise
        devices.mark_gpu_failed(exc, when="run")
        return _transcribe(audio, model_dir, devices.cpu_config(config), report=report, token=token)


def _transcribe(
    audio: np.ndarray, model_dir: Path, config: TranscriptionConfig, *, report: Progress, token: CancelToken
) -> tuple[list[Segment], str, float]:
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
    for seg in _cancellable(segments_iter, token):
        words = [Word(text=w.word, start=w.start, end=w.end, probability=w.probability) for w in (seg.words or [])]
        segments.append(Segment(start=seg.start, end=seg.end, text=seg.text, words=words))
        report(min(1.0, seg.end / duration), "transcribing")
    token.raise_if_cancelled()
    return segments, info.language, float(info.language_probability)


_DONE = object()


def _cancellable(segments: Iterator, token: CancelToken, poll: float = 0.1) -> Iterator:
    """Segments of faster-whisper's lazy generator, with a cancel that answers in ~0.1 s.

    The generator decodes one 30 s window per step, which takes seconds with a larger
    model on a small CPU, and CTranslate2 cannot be interrupted inside a window. So the
    generator runs on its own thread: a cancel ends the job at once, and that thread
    stops after the window in hand instead of decoding the rest of the file.
    """
    out: queue.Queue = queue.Queue()  # unbounded: a producer blocked on a full queue would never end
    stop = threading.Event()

    def pump() -> None:
        try:
            for seg in segments:
                if stop.is_set() or token.is_cancelled:
                    return
                out.put(seg)
            out.put(_DONE)
        except BaseException as exc:  # handed to the consuming thread
            out.put(exc)

    # Not a daemon (explicitly: it would inherit that from a daemon caller): a process that
    # exits right after a cancel (the CLI) waits for the window in hand instead of tearing
    # CTranslate2 down under a running decode, which crashes.
    threading.Thread(target=pump, name="faster-whisper-decode", daemon=False).start()
    try:
        while True:
            try:
                item = out.get(timeout=poll)
            except queue.Empty:
                token.raise_if_cancelled()
                continue
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            token.raise_if_cancelled()
            yield item
    finally:  # the consumer stopped for any reason: the decoder stops too
        stop.set()
