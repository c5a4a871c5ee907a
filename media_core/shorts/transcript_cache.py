"""Transcribe a file once: transcripts are cached by file identity + transcription settings.

The key uses size, mtime and a hash of the first MiB (cheap, and it survives a
rename-free re-encode check well enough), plus the settings that change the words
(backend, model, language). Stored as ``data_dir()/transcripts/<key>.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from ..models import Transcript
from ..paths import data_dir, write_text_atomic

log = logging.getLogger(__name__)

#: Settings that change the transcript; the rest (threads, device) only change speed.
_KEY_FIELDS = ("backend", "model", "language", "word_timestamps", "vad", "initial_prompt", "beam_size", "compute_type")


def transcripts_dir() -> Path:
    path = data_dir() / "transcripts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_fingerprint(path: str | os.PathLike) -> str:
    st = os.stat(path)
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        sha.update(fh.read(1 << 20))
    return f"{st.st_size}-{int(st.st_mtime)}-{sha.hexdigest()[:16]}"


def cache_key(path: str | os.PathLike, settings: dict) -> str:
    relevant = {k: settings.get(k) for k in _KEY_FIELDS if k in settings}
    blob = json.dumps({"file": file_fingerprint(path), "settings": relevant}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def cached_transcript_path(path: str | os.PathLike, settings: dict) -> Path:
    return transcripts_dir() / f"{cache_key(path, settings)}.json"


def load_cached(path: str | os.PathLike, settings: dict) -> Transcript | None:
    cached = cached_transcript_path(path, settings)
    if not cached.exists():
        return None
    try:
        return Transcript.model_validate_json(cached.read_text(encoding="utf-8"))
    except ValueError as exc:  # a damaged cache entry is simply redone
        log.warning("ignoring unreadable cached transcript %s: %s", cached, exc)
        return None


def store(path: str | os.PathLike, settings: dict, transcript: Transcript) -> Path:
    return write_text_atomic(cached_transcript_path(path, settings), transcript.model_dump_json())
