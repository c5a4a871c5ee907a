"""Many files, one batch: expanding a command line's files, folders and globs, and running a
batch through the job manager with one line per file (``reframe captions a.mp4 b.mp4``).

Every file becomes its own job (the same request a single run would submit), grouped by a
batch id in the job store, so the desktop's Jobs tab shows the batch as one row. The jobs run
one after another in the heavy slot of one process, so a transcription model is loaded once
for the whole batch (media_core/transcription/faster_whisper_backend.py keeps it).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from pydantic import BaseModel

from .errors import InputNotFoundError

#: What a folder given as input contributes: audio and video files (by extension).
MEDIA_EXTENSIONS = frozenset(
    {
        ".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts", ".flv", ".wmv",
        ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus", ".wma",
    }
)  # fmt: skip


def is_media(path: Path) -> bool:
    return path.suffix.lower() in MEDIA_EXTENSIONS and not path.name.startswith(".")


def expand_inputs(items: Iterable[str]) -> list[Path]:
    """Files as given, a folder's media files (not recursive, by name), and glob matches; each
    file once, in the order given. Anything that names nothing is one clear error."""
    found: list[Path] = []
    for item in items:
        path = Path(item).expanduser()
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and is_media(p))
        elif path.is_file() or "://" in item:  # a file, or a link (the request checks it)
            found.append(path if path.is_file() else Path(item))
        elif glob.has_magic(item):
            matches = sorted(Path(p) for p in glob.glob(os.path.expanduser(item)) if Path(p).is_file())
            if not matches:  # a name with [brackets] that is simply missing, or a glob matching nothing
                raise InputNotFoundError(f"File not found (and no file matches it as a pattern): {item}")
            found += matches
        else:
            raise InputNotFoundError(f"File not found: {item}")
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(os.path.abspath(path) if path.exists() else str(path), path)
    if not unique:
        raise InputNotFoundError("No audio or video files found in " + ", ".join(items) + ".")
    return list(unique.values())


def run_batch(
    manager,
    requests: list[BaseModel],
    *,
    title: str = "",
    out: TextIO,
    on_progress: Callable[[float, str], None] | None = None,
) -> int:
    """Submit ``requests`` as one batch, wait, and print one line per file on ``out``:
    ``ok<TAB>input<TAB>output, …`` or ``failed<TAB>input<TAB>message``. Returns how many
    did not succeed. Ctrl-C cancels the batch."""
    from .jobs.models import JobStatus

    batch_id = manager.submit_batch(requests, title=title)
    ids = manager.get_batch(batch_id).job_ids
    remove = None
    if on_progress is not None:

        def report(job_id: str, fraction: float, stage: str) -> None:
            if job_id in ids:
                batch = manager.get_batch(batch_id)
                done = sum(n for s, n in batch.counts.items() if s not in ("queued", "running", "paused"))
                on_progress(batch.progress, f"{done}/{batch.total} files · {stage}")

        remove = manager.add_listener(on_progress=report)
    try:
        manager.wait_batch(batch_id)
    except KeyboardInterrupt:
        manager.cancel_batch(batch_id)
        manager.wait_batch(batch_id, timeout=15)
    finally:
        if remove is not None:
            remove()
    failed = 0
    for job_id in ids:
        job = manager.get(job_id)
        source = str(job.params.get("input", ""))
        if job.status == JobStatus.SUCCEEDED:
            print(f"ok\t{source}\t{', '.join(job.outputs)}", file=out, flush=True)
        else:
            failed += 1
            print(f"{job.status}\t{source}\t{job.error or ''}", file=out, flush=True)
    return failed
