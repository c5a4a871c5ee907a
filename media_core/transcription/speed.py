"""How fast transcription runs on *this* machine, learned from the jobs it has run.

Every finished transcription records its real-time factor (processing seconds per
second of audio) per engine, model and thread count; estimates use the recent
measurements and fall back to the catalogue's CPU hints until there are some. The
desktop, the CLI and the API all show the same figure.
"""

from __future__ import annotations

import json
import logging
import statistics
import threading
from pathlib import Path

from ..paths import data_dir, write_text_atomic

log = logging.getLogger(__name__)

#: Loading a model and decoding the audio cost about this much on top of the decoding itself.
STARTUP_SECONDS = 3.0
#: Measurements kept per engine/model/threads (the median of the recent ones is used).
KEEP = 8
_lock = threading.Lock()


def _path() -> Path:
    return data_dir() / "transcription-speed.json"


def _key(backend: str, model: str, threads: int) -> str:
    name = Path(model).name if any(sep in model for sep in "/\\") else model  # a model folder the user gave
    return f"{backend}|{name}|{threads}"


def _load() -> dict[str, list[float]]:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: [float(x) for x in v] for k, v in data.items() if isinstance(v, list)} if isinstance(data, dict) else {}


def record(backend: str, model: str, threads: int, rtf: float) -> None:
    """Remember one finished transcription's real-time factor (best effort: never fails a job)."""
    if not rtf or rtf <= 0:
        return
    with _lock:
        data = _load()
        values = data.setdefault(_key(backend, model, threads), [])
        values.append(round(rtf, 4))
        del values[:-KEEP]
        try:
            write_text_atomic(_path(), json.dumps(data, indent=1))
        except OSError as exc:
            log.info("could not store the transcription speed: %s", exc)


def measured_rtf(backend: str, model: str, threads: int) -> float | None:
    values = _load().get(_key(backend, model, threads))
    return statistics.median(values) if values else None


def estimate_seconds(
    duration: float, model: str, *, backend: str = "faster-whisper", threads: int = 0
) -> tuple[float, bool] | None:
    """``(seconds, measured)``: how long ``duration`` seconds of audio take to transcribe here;
    ``measured`` is False while the figure is the catalogue's hint. ``None`` for an unknown model."""
    from ..model_store import KNOWN_MODELS

    rtf = measured_rtf(backend, model, threads)
    if rtf is not None:
        return duration * rtf + STARTUP_SECONDS, True
    known = KNOWN_MODELS.get(model)
    if known is None or known.rtf is None:
        return None
    return duration * known.rtf + STARTUP_SECONDS, False
