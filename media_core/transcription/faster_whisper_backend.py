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
from ..errors import InvalidParameterError, ModelMissingError, ReframeError
from ..models import Segment, Word
from ..progress import CancelToken, Progress
from . import hallucination
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


def check_model_language(language: str | None, multilingual: bool, model: str) -> None:
    """An English-only model asked for another language would quietly write English."""
    if language not in (None, "en") and not multilingual:
        raise InvalidParameterError(
            f"The model {Path(model).name} knows English only, so it cannot transcribe language {language!r}: "
            "choose a multilingual model (base, small, …) or auto."
        )


def clear_model_cache() -> None:
    with _models_lock:
        _models.clear()


def transcribe_array(
    audio: np.ndarray,
    model_dir: Path,
    config: TranscriptionConfig,
    *,
    report: Progress,
    token: CancelToken,
    notes: list[str] | None = None,
) -> tuple[list[Segment], str, float]:
    """Transcribe 16 kHz mono float32 ``audio``; returns (segments, language, language probability).
    What the hallucination guard did is appended to ``notes``."""
    model = load_model(model_dir, config)
    check_model_language(config.language, bool(model.model.is_multilingual), config.model)
    report(0.0, "detecting language" if config.language is None else "transcribing")
    token.raise_if_cancelled()
    options = {
        "beam_size": config.beam_size,
        "word_timestamps": config.word_timestamps,
        "vad_filter": config.vad,
        "initial_prompt": config.initial_prompt,
    }
    try:
        segments_iter, info = model.transcribe(audio, language=config.language, **options)
    except ValueError as exc:  # e.g. an English-only model asked for another language
        raise ReframeError(f"The model cannot transcribe this: {exc}", detail=repr(exc)) from exc
    duration = max(len(audio) / SAMPLE_RATE, 1e-6)
    segments: list[Segment] = []
    for seg in _cancellable(segments_iter, token):
        segments.append(_segment(seg))
        report(min(1.0, seg.end / duration), "transcribing")
    token.raise_if_cancelled()

    def redecode(start: float, end: float) -> list[Segment]:
        token.raise_if_cancelled()
        return decode_span(model, audio, start, end, info.language, options)

    say = notes.append if notes is not None else (lambda _message: None)
    segments = hallucination.repair_loops(segments, redecode, say)
    if not config.vad:  # with VAD on, the recogniser only ever saw speech
        kept = hallucination.drop_non_speech(segments, hallucination.speech_spans(audio, SAMPLE_RATE))
        if len(kept) < len(segments):
            say(f"dropped {len(segments) - len(kept)} segment(s) heard over music, noise or silence")
        segments = kept
    return segments, info.language, float(info.language_probability)


def decode_span(model, audio: np.ndarray, start: float, end: float, language: str, options: dict) -> list[Segment]:
    """``audio[start:end]`` (plus 0.2 s either side) decoded on its own, without conditioning on
    previous text: what the hallucination guard retries a looping span with."""
    lo, hi = max(0.0, start - 0.2), min(len(audio) / SAMPLE_RATE, end + 0.2)
    piece = audio[int(lo * SAMPLE_RATE) : int(hi * SAMPLE_RATE)]
    again, _ = model.transcribe(
        piece, language=language, condition_on_previous_text=False, **{**options, "initial_prompt": None}
    )
    return [_shifted(_segment(seg), lo) for seg in again]


def _segment(seg) -> Segment:
    words = [Word(text=w.word, start=w.start, end=w.end, probability=w.probability) for w in (seg.words or [])]
    return Segment(start=seg.start, end=seg.end, text=seg.text, words=words)


def _shifted(seg: Segment, offset: float) -> Segment:
    words = [w.model_copy(update={"start": w.start + offset, "end": w.end + offset}) for w in seg.words]
    return seg.model_copy(update={"start": seg.start + offset, "end": seg.end + offset, "words": words})


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
