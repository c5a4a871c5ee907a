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
from . import device as devices
from . import hallucination
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

    A GPU run that fails mid-way (out of memory, a CUDA library missing only when first
    used) starts again on the CPU after one log line. What the hallucination guard did is
    appended to ``notes``."""
    wanted_gpu = devices.resolve_device(config).wants_gpu
    config = devices.resolved_config(config)
    try:
        result = _transcribe(audio, model_dir, config, report=report, token=token, notes=notes)
    except Exception as exc:
        if config.device == "cpu" or not devices.is_gpu_failure(exc):
            raise
        devices.mark_gpu_failed(exc, when="run")
        result = _transcribe(audio, model_dir, devices.cpu_config(config), report=report, token=token, notes=notes)
    if wanted_gpu and devices.gpu_failure() and notes is not None:  # the job's log says it too
        notes.append(f"transcribed on the CPU: the GPU failed ({devices.gpu_failure()})")
    return result


def _transcribe(
    audio: np.ndarray,
    model_dir: Path,
    config: TranscriptionConfig,
    *,
    report: Progress,
    token: CancelToken,
    notes: list[str] | None = None,
) -> tuple[list[Segment], str, float]:
    from faster_whisper.vad import SpeechTimestampsMap

    model = load_model(model_dir, config)
    check_model_language(config.language, bool(model.model.is_multilingual), config.model)
    report(0.0, "detecting language" if config.language is None else "transcribing")
    token.raise_if_cancelled()
    options = {
        "beam_size": config.beam_size,
        "word_timestamps": config.word_timestamps,
        "initial_prompt": config.initial_prompt,
    }
    if config.vad:
        pieces = speech_pieces(audio, SAMPLE_RATE)
        if not pieces:  # no speech at all: nothing to decode, nothing to make up
            return [], config.language or ("und" if model.model.is_multilingual else "en"), 0.0
    else:
        pieces = [[{"start": 0, "end": len(audio)}]]
    segments: list[Segment] = []
    language: str | None = config.language
    probability = 1.0
    done = 0.0
    total = sum(c["end"] - c["start"] for piece in pieces for c in piece) / SAMPLE_RATE
    for n, piece in enumerate(pieces):
        # Pieces of at most PIECE_SECONDS of speech keep memory flat on long files: faster-whisper
        # computes the features of everything it is given at once.
        parts = [audio[c["start"] : c["end"]] for c in piece]
        speech = parts[0] if len(parts) == 1 else np.concatenate(parts)
        timeline = SpeechTimestampsMap(piece, SAMPLE_RATE)
        try:
            segments_iter, info = model.transcribe(
                speech,
                language=language,
                vad_filter=False,
                **{**options, "initial_prompt": options["initial_prompt"] if n == 0 else None},
            )
        except ValueError as exc:  # e.g. an English-only model asked for another language
            raise ReframeError(f"The model cannot transcribe this: {exc}", detail=repr(exc)) from exc
        if n == 0:
            language, probability = info.language, float(info.language_probability)
        for seg in _cancellable(segments_iter, token):
            segments.append(_restored(_segment(seg), timeline))
            report(min(1.0, (done + seg.end) / max(total, 1e-6)), "transcribing")
        done += len(speech) / SAMPLE_RATE
    token.raise_if_cancelled()
    spoken = language or "en"

    def redecode(start: float, end: float) -> list[Segment]:
        token.raise_if_cancelled()
        return decode_span(model, audio, start, end, spoken, {**options, "vad_filter": config.vad})

    say = notes.append if notes is not None else (lambda _message: None)
    segments = hallucination.repair_loops(segments, redecode, say)
    if not config.vad:  # with VAD on, the recogniser only ever saw speech
        kept = hallucination.drop_non_speech(segments, hallucination.speech_spans(audio, SAMPLE_RATE))
        if len(kept) < len(segments):
            say(f"dropped {len(segments) - len(kept)} segment(s) heard over music, noise or silence")
        segments = kept
    return segments, spoken, probability


#: Most speech handed to faster-whisper in one call, seconds.
PIECE_SECONDS = 600.0
#: Audio is scanned for speech this many seconds at a time (Silero copies its input several times).
_VAD_BLOCK_SECONDS = 600.0


def speech_pieces(audio: np.ndarray, sample_rate: int) -> list[list[dict]]:
    """Speech chunks of ``audio`` (Silero VAD with faster-whisper's default options, found block by
    block so memory does not grow with the file), grouped into pieces of at most
    ``PIECE_SECONDS`` of speech."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    block = int(_VAD_BLOCK_SECONDS * sample_rate)
    chunks: list[dict] = []
    for offset in range(0, len(audio), block):
        for c in get_speech_timestamps(audio[offset : offset + block], VadOptions(), sampling_rate=sample_rate):
            start, end = c["start"] + offset, c["end"] + offset
            if chunks and start <= chunks[-1]["end"]:  # speech running across a block edge
                chunks[-1]["end"] = max(chunks[-1]["end"], end)
            else:
                chunks.append({"start": start, "end": end})
    pieces: list[list[dict]] = []
    size = 0
    for c in chunks:
        if not pieces or size + c["end"] - c["start"] > PIECE_SECONDS * sample_rate:
            pieces.append([])
            size = 0
        pieces[-1].append(c)
        size += c["end"] - c["start"]
    return pieces


def _restored(seg: Segment, timeline) -> Segment:
    """``seg`` from speech-only time back to the file's time (as faster-whisper does itself)."""
    if not seg.words:
        return seg.model_copy(
            update={
                "start": timeline.get_original_time(seg.start),
                "end": timeline.get_original_time(seg.end, is_end=True),
            }
        )
    words = []
    for w in seg.words:
        index = timeline.get_chunk_index((w.start + w.end) / 2)
        words.append(
            w.model_copy(
                update={
                    "start": timeline.get_original_time(w.start, index),
                    "end": timeline.get_original_time(w.end, index),
                }
            )
        )
    return seg.model_copy(update={"start": words[0].start, "end": words[-1].end, "words": words})


def decode_span(model, audio: np.ndarray, start: float, end: float, language: str, options: dict) -> list[Segment]:
    """``audio[start:end]`` (plus 0.2 s either side) decoded on its own, without conditioning on
    previous text: what the hallucination guard retries a looping span with."""
    lo, hi = max(0.0, start - 0.2), min(len(audio) / SAMPLE_RATE, end + 0.2)
    piece = audio[int(lo * SAMPLE_RATE) : int(hi * SAMPLE_RATE)]
    again, _ = model.transcribe(
        piece, language=language, condition_on_previous_text=False, **{**options, "initial_prompt": None}
    )  # options may carry vad_filter: the span is decoded like the file was
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
