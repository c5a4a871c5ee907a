"""What a running job function sees (:class:`JobContext`) and the shared event fan-out."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InvalidParameterError
from ..progress import CancelToken
from .models import Job

log = logging.getLogger(__name__)

StateFn = Callable[[str, str], None]  # (job_id, status)
ProgressCb = Callable[[str, float, str], None]  # (job_id, fraction, stage)
LogCb = Callable[[str, str], None]  # (job_id, stamped line)


class JobEvents:
    """Fan-out of job events to listeners; a failing listener is logged and ignored.

    Events are delivered on the thread that produced them (worker threads for
    progress/log); GUI code must hop to its own thread (the Qt bridge does).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[tuple[StateFn | None, ProgressCb | None, LogCb | None]] = []

    def add(
        self, on_state: StateFn | None = None, on_progress: ProgressCb | None = None, on_log: LogCb | None = None
    ) -> Callable[[], None]:
        entry = (on_state, on_progress, on_log)
        with self._lock:
            self._listeners.append(entry)

        def remove() -> None:
            with self._lock:
                if entry in self._listeners:
                    self._listeners.remove(entry)

        return remove

    def _fire(self, index: int, *args) -> None:
        with self._lock:
            targets = [fn for entry in self._listeners if (fn := entry[index]) is not None]
        for fn in targets:
            try:
                fn(*args)
            except Exception:  # a broken listener must never break a job or the manager
                log.exception("job listener failed")

    def state(self, job_id: str, status: str) -> None:
        self._fire(0, job_id, status)

    def progress(self, job_id: str, fraction: float, stage: str) -> None:
        self._fire(1, job_id, fraction, stage)

    def log(self, job_id: str, line: str) -> None:
        self._fire(2, job_id, line)


class ProgressThrottle:
    """Decides which progress reports are worth a database write and an event.

    A report passes when it moved ≥ ``min_step`` (0.5 %), when ``min_interval``
    (0.2 s) passed, when the stage text changed, or when it reaches 1.0. The last
    suppressed value is kept so :meth:`pending` can flush it: the final value is never lost.
    """

    def __init__(self, min_step: float = 0.005, min_interval: float = 0.2):
        self.min_step = min_step
        self.min_interval = min_interval
        self._last_value = -1.0
        self._last_stage: str | None = None
        self._last_time = 0.0
        self._pending: tuple[float, str] | None = None

    def offer(self, fraction: float, stage: str) -> bool:
        now = time.monotonic()
        due = (
            fraction >= 1.0
            or stage != self._last_stage
            or abs(fraction - self._last_value) >= self.min_step
            or (now - self._last_time >= self.min_interval and fraction != self._last_value)
        )
        if due:
            self._last_value, self._last_stage, self._last_time = fraction, stage, now
            self._pending = None
        else:
            self._pending = (fraction, stage)
        return due

    def pending(self) -> tuple[float, str] | None:
        value, self._pending = self._pending, None
        if value is not None:
            self._last_value, self._last_stage, self._last_time = value[0], value[1], time.monotonic()
        return value


class JobContext:
    """Handed to a job function: progress, cancel, a private work dir, a log, outputs.

    - ``ctx.progress(fraction, stage="")`` — a ``ProgressFn``; pass it to engine functions.
    - ``ctx.cancel`` — the job's :class:`CancelToken`; pass it to engine functions.
    - ``ctx.work_dir`` — an empty folder for this attempt, deleted after success.
    - ``ctx.log(line)`` — a ``log`` for run_ffmpeg; lines land in the job log, timestamped.
    - ``ctx.add_output(path, kind)`` — declare a finished output; it is registered in the
      store only if the job succeeds, and deleted if the job is cancelled or fails.
    """

    def __init__(self, job: Job, store, cancel: CancelToken, events: JobEvents):
        self.job = job
        self.job_id = job.id
        self.params = job.params
        self.cancel = cancel
        self.attempt = job.attempts
        self._store = store
        self._events = events
        self._throttle = ProgressThrottle()
        self._last_reported = 0.0
        self._outputs: list[tuple[Path, str]] = []
        self._work_dir: Path | None = None

    # -- progress -------------------------------------------------------------------
    def progress(self, fraction: float, stage: str = "") -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        # Engines' sub-steps may restart at 0; the job as a whole never goes backwards.
        fraction = max(fraction, self._last_reported)
        self._last_reported = fraction
        if self._throttle.offer(fraction, stage or ""):
            self._publish(fraction, stage or "")

    def flush_progress(self) -> None:
        pending = self._throttle.pending()
        if pending is not None:
            self._publish(*pending)

    def _publish(self, fraction: float, stage: str) -> None:
        try:
            self._store.update_progress(self.job_id, fraction, stage)
        except Exception as exc:  # a full disk or a busy database must not stop the work itself
            log.warning("progress of job %s not stored: %s", self.job_id, exc)
        self._events.progress(self.job_id, fraction, stage)

    # -- log --------------------------------------------------------------------------
    def callbacks(self) -> dict[str, Any]:
        """``progress``, ``cancel`` and ``log`` as every engine function takes them."""
        return {"progress": self.progress, "cancel": self.cancel, "log": self.log}

    def log(self, line: str) -> None:
        """Best effort: a log line that cannot be written (disk full) never fails the job."""
        try:
            stamped = self._store.append_log(self.job_id, line)
        except Exception as exc:
            log.warning("job %s log line not written (%s): %s", self.job_id, exc, line)
            stamped = str(line)
        self._events.log(self.job_id, stamped)

    # -- files ------------------------------------------------------------------------
    @property
    def work_dir(self) -> Path:
        if self._work_dir is None:
            path = self._store.job_dir(self.job_id) / "work"
            path.mkdir(parents=True, exist_ok=True)
            self._work_dir = path
        return self._work_dir

    def add_output(self, path: str | os.PathLike, kind: str = "") -> Path:
        path = Path(path)
        if not path.is_file():
            raise InvalidParameterError(f"The job reported an output that does not exist: {path}")
        self._outputs.append((path, kind or path.suffix.lstrip(".").lower()))
        return path

    @property
    def outputs(self) -> list[tuple[Path, str]]:
        return list(self._outputs)

    def discard_outputs(self) -> None:
        """Delete declared outputs (cancel/failure): no partial result set stays behind."""
        for path, _ in self._outputs:
            try:
                path.unlink()
            except OSError:
                pass
        self._outputs.clear()

    def remove_work_dir(self) -> None:
        shutil.rmtree(self._store.job_dir(self.job_id) / "work", ignore_errors=True)

    def raise_if_cancelled(self) -> None:
        self.cancel.raise_if_cancelled()
