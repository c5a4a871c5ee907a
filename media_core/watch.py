"""A watch folder: new audio/video files in a folder become jobs, once each. No Qt.

:class:`FolderWatcher` is polled (the desktop on a timer, ``reframe watch FOLDER`` in a loop):
each :meth:`~FolderWatcher.poll` lists the folder (not its subfolders, where outputs may go),
and a file is taken only once its size and modification time stayed the same across two
looks at least ``settle`` seconds apart: a file still being copied in is left alone until the
copy is over. What was taken is remembered in a small JSON state file (path, size, mtime,
job id), written atomically, so a restart neither repeats a file nor forgets one; a file
replaced by a different one (another size or time) at the same path counts as new.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from .batch import is_media
from .errors import InputNotFoundError
from .paths import data_dir, write_text_atomic

log = logging.getLogger(__name__)

#: Seconds a file must keep its size before it is taken.
DEFAULT_SETTLE = 3.0


class WatchedFile(BaseModel):
    size: int
    mtime_ns: int
    job_id: str | None = None
    taken_at: float


class WatchState(BaseModel):
    folder: str
    done: dict[str, WatchedFile] = Field(default_factory=dict)


@dataclass(frozen=True)
class Sighting:
    size: int
    mtime_ns: int
    seen_at: float


def default_state_path(folder: str | os.PathLike) -> Path:
    """Where a folder's bookkeeping lives (one file per watched folder, in Reframe's data dir)."""
    key = hashlib.sha256(os.path.abspath(folder).encode("utf-8")).hexdigest()[:16]
    return data_dir() / "watch" / f"{key}.json"


class FolderWatcher:
    """Finds the files of ``folder`` that are new, complete and not taken yet."""

    def __init__(
        self,
        folder: str | os.PathLike,
        *,
        state_path: str | os.PathLike | None = None,
        settle: float = DEFAULT_SETTLE,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.folder = Path(folder).expanduser()
        if not self.folder.is_dir():
            raise InputNotFoundError(f"The watch folder does not exist: {self.folder}")
        self.state_path = Path(state_path) if state_path is not None else default_state_path(self.folder)
        self.settle = settle
        self._clock = clock
        self._sightings: dict[str, Sighting] = {}
        self.state = self._load()

    def _load(self) -> WatchState:
        try:
            state = WatchState.model_validate_json(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return WatchState(folder=str(self.folder.resolve()))
        except (OSError, ValueError) as exc:  # unreadable bookkeeping: start over rather than stop watching
            log.warning("watch state %s unreadable (%s); starting a new one", self.state_path, exc)
            return WatchState(folder=str(self.folder.resolve()))
        return state

    def _save(self) -> None:
        write_text_atomic(self.state_path, self.state.model_dump_json(indent=1))

    def is_done(self, path: Path, size: int, mtime_ns: int) -> bool:
        done = self.state.done.get(str(path.resolve()))
        return done is not None and done.size == size and done.mtime_ns == mtime_ns

    def ready_files(self) -> list[Path]:
        """Files that kept their size and time for ``settle`` seconds and were not taken yet."""
        now = self._clock()
        ready: list[Path] = []
        present: set[str] = set()
        for path in sorted(self.folder.iterdir()):
            try:
                if not path.is_file() or not is_media(path):
                    continue
                st = path.stat()
            except OSError:  # vanished or unreadable between listing and looking
                continue
            key = str(path.resolve())
            present.add(key)
            if st.st_size == 0 or self.is_done(path, st.st_size, st.st_mtime_ns):
                continue
            seen = self._sightings.get(key)
            if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                self._sightings[key] = Sighting(st.st_size, st.st_mtime_ns, now)  # new or still growing
            elif now - seen.seen_at >= self.settle:
                ready.append(path)
        for key in set(self._sightings) - present:
            del self._sightings[key]
        return ready

    def pending(self) -> int:
        """Files seen but not taken yet (still being copied, or waiting for a second look)."""
        return len(self._sightings)

    def mark_done(self, path: Path, job_id: str | None) -> None:
        st = path.stat()
        key = str(path.resolve())
        self.state.done[key] = WatchedFile(
            size=st.st_size, mtime_ns=st.st_mtime_ns, job_id=job_id, taken_at=time.time()
        )
        self._sightings.pop(key, None)
        self._save()

    def poll(self, submit: Callable[[Path], str | None]) -> list[tuple[Path, str | None]]:
        """Submit every ready file (``submit(path)`` returns the job id) and remember it.

        A file whose submit raises is left for the next poll only if the error says so; a file
        the job system refuses (bad input) is remembered too, with no job, so it is not retried
        on every poll."""
        from .errors import InvalidParameterError

        taken: list[tuple[Path, str | None]] = []
        for path in self.ready_files():
            try:
                job_id = submit(path)
            except (InvalidParameterError, InputNotFoundError) as exc:
                log.warning("watch folder: %s refused: %s", path, exc)
                job_id = None
            self.mark_done(path, job_id)
            taken.append((path, job_id))
        return taken


def check_preset(manager, job_type: str, params: dict[str, Any]) -> None:
    """Refuse a bad preset at once (before any file is taken): the params are checked with the
    job type's request model, with a file that exists standing in for the input."""
    import sys

    from .errors import InvalidParameterError

    try:
        manager.registry.get(job_type).validate({**params, "input": sys.executable})
    except InvalidParameterError as exc:
        others = {k: v for k, v in exc.field_errors.items() if k != "input"}
        if others or not exc.field_errors:
            raise


def job_submitter(manager, job_type: str, params: dict[str, Any]) -> Callable[[Path], str | None]:
    """``submit(path)`` for :meth:`FolderWatcher.poll`: a ``job_type`` job with ``params`` (the
    preset) and the file as its ``input``."""

    def submit(path: Path) -> str:
        return manager.submit(job_type, {**params, "input": str(path)}, title=f"Watch folder · {path.name}")

    return submit
