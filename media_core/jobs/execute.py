"""Run one claimed job to its end: the single execution path shared by every runner.

Both :class:`~media_core.jobs.manager.JobManager` (plain threads) and the desktop's
QtJobRunner (QThreadPool) call :func:`execute_job`, so error mapping, retries,
output registration and clean-up behave the same everywhere.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
import traceback
from collections.abc import Callable
from typing import Any

from ..errors import CancelledError, DiskFullError, ReframeError, error_from_oserror
from ..priority import lower_current_thread
from ..progress import CancelToken
from .context import JobContext, JobEvents
from .models import Job, JobOutcome, JobStatus
from .registry import JobRegistry

log = logging.getLogger(__name__)

#: Automatic retry of a transient failure waits base * 2**(attempt-1) seconds (capped).
DEFAULT_RETRY_BASE_DELAY = 2.0
MAX_RETRY_DELAY = 300.0


def retry_delay(attempt: int, base: float = DEFAULT_RETRY_BASE_DELAY) -> float:
    return min(MAX_RETRY_DELAY, base * (2 ** max(0, attempt - 1)))


def _collect_outcome(ctx: JobContext, returned: Any) -> dict:
    """Accept the return shapes a job function may use; register their paths as outputs."""
    result: dict = {}
    if returned is None:
        return result
    if isinstance(returned, JobOutcome):
        for path, kind in returned.outputs:
            ctx.add_output(path, kind)
        return dict(returned.result)
    if isinstance(returned, (str, os.PathLike)):
        ctx.add_output(returned)
    elif isinstance(returned, dict):
        for kind, path in returned.items():
            ctx.add_output(path, str(kind))
    elif isinstance(returned, (list, tuple)):
        for path in returned:
            ctx.add_output(path)
    else:
        raise TypeError(f"job function returned {type(returned).__name__}; expected JobOutcome, paths or None")
    return result


def execute_job(
    store,
    job: Job,
    registry: JobRegistry,
    cancel: CancelToken,
    events: JobEvents | None = None,
    *,
    retry_base_delay: float = DEFAULT_RETRY_BASE_DELAY,
    stopping: Callable[[], bool] | None = None,
    run_elsewhere: Callable[[Job], Callable[[dict, JobContext], Any] | None] | None = None,
) -> Job:
    """Execute an already claimed (``running``) job and record how it ended.

    The job function receives the request its type's model builds from the stored params.
    Returns the job as stored afterwards: ``succeeded``, ``failed``, ``cancelled``,
    or ``queued`` again with ``not_before`` set when a transient error is retried.
    A cancel while ``stopping()`` is true (the app is closing) ends the job
    ``interrupted`` rather than ``cancelled``, so it can be resumed next time.
    Never raises for job errors (the caller's worker must survive anything); raises
    :class:`UnrecordedEndError` only when even the end could not be written, for the
    runner to record it later.

    ``run_elsewhere(job)`` may return a function to call instead of the job type's own
    (a remote Reframe server, a cluster worker): it takes the same ``(params, ctx)`` and
    returns the same outcome, so recording, retries and outputs stay this one path.
    """
    lower_current_thread()
    events = events or JobEvents()
    ctx = JobContext(job, store, cancel, events)
    events.state(job.id, JobStatus.RUNNING)
    ctx.log(f"attempt {job.attempts}/{job.max_attempts} of {job.type} started (pid {os.getpid()})")
    # A fresh work dir per attempt: leftovers of an interrupted attempt must not leak in.
    ctx.remove_work_dir()
    started = time.monotonic()
    try:
        spec = registry.get(job.type)
        # Checked at submit already; checked again because stored params may come from an older
        # version (or another process) and the job function relies on a valid request.
        request = spec.validate(job.params)
        cancel.raise_if_cancelled()
        elsewhere = run_elsewhere(job) if run_elsewhere is not None else None
        # Elsewhere gets the params as stored (JSON): the other side validates them again.
        returned = elsewhere(dict(job.params), ctx) if elsewhere is not None else spec.fn(request, ctx)
        result = _collect_outcome(ctx, returned)
        if cancel.is_cancelled:  # finished in the same instant as the cancel: honour the cancel
            raise CancelledError()
        ctx.flush_progress()
        outputs = ctx.outputs
        for path, kind in outputs:
            ctx.log(f"output [{kind}] {path}")
        final = store.finish(job.id, JobStatus.SUCCEEDED, outputs=outputs, result=result)
        ctx.log(f"succeeded in {time.monotonic() - started:.2f}s")
        ctx.remove_work_dir()
    except BaseException as exc:
        ctx.flush_progress()
        ctx.discard_outputs()
        exc = as_reframe_error(exc)
        try:
            final = _record_failure(
                store,
                job,
                ctx,
                exc,
                cancel,
                retry_base_delay,
                time.monotonic() - started,
                bool(stopping and stopping()),
            )
        except UnrecordedEndError as lost:
            events.state(job.id, "running")  # still what the store says; the manager keeps trying
            raise lost from exc
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            events.state(job.id, final.status)
            raise
    events.state(job.id, final.status)
    return final


class UnrecordedEndError(Exception):
    """How a job ended could not be written (the disk is full, the database is gone).

    Carries what should have been recorded, so the runner can record it later
    (:meth:`JobManager._finish_pending`) instead of leaving the job ``running`` forever."""

    def __init__(self, job_id: str, status: str, error: tuple[str, str, str | None] | None, cause: BaseException):
        super().__init__(f"could not record that job {job_id} ended {status}: {cause}")
        self.job_id = job_id
        self.status = status
        self.error = error


def as_reframe_error(exc: BaseException) -> BaseException:
    """A full disk seen by SQLite or by a plain write becomes the one clear DiskFullError."""
    if isinstance(exc, ReframeError):
        return exc
    if isinstance(exc, sqlite3.OperationalError) and getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL":
        return DiskFullError(
            "The disk is full: Reframe could not save the job's state. Free some space.", detail=str(exc)
        )
    if isinstance(exc, OSError):
        mapped = error_from_oserror(exc, getattr(exc, "filename", None) or "a file")
        if mapped is not None:
            return mapped
    return exc


#: Waits between attempts to record a job's end; the manager retries later still.
FINISH_RETRY_DELAYS = (0.05, 0.2, 0.5)


def finish_with_retry(store, job_id: str, status: str, error=None) -> Job:
    """``store.finish``, tried again a few times: recording an end must outlive a busy moment."""
    for delay in (*FINISH_RETRY_DELAYS, None):
        try:
            return store.finish(job_id, status, error=error)
        except Exception as exc:
            if delay is None:
                raise UnrecordedEndError(job_id, status, error, exc) from exc
            time.sleep(delay)
    raise AssertionError("unreachable")


def _record_failure(
    store,
    job: Job,
    ctx: JobContext,
    exc: BaseException,
    cancel: CancelToken,
    retry_base_delay: float,
    elapsed: float,
    stopping: bool = False,
) -> Job:
    if (isinstance(exc, CancelledError) or cancel.is_cancelled) and stopping:
        ctx.log(f"interrupted by shutdown after {elapsed:.2f}s")
        return finish_with_retry(
            store,
            job.id,
            JobStatus.INTERRUPTED,
            ("interrupted", "Reframe was closed while this job was running.", None),
        )
    if isinstance(exc, ReframeError) and exc.code == "interrupted" and not cancel.is_cancelled:
        # The job's runner lost it (a remote server went away): resumable, like after a crash.
        ctx.log(f"interrupted after {elapsed:.2f}s: {exc.message}")
        return finish_with_retry(store, job.id, JobStatus.INTERRUPTED, ("interrupted", exc.message, exc.detail))
    if isinstance(exc, CancelledError) or cancel.is_cancelled:
        ctx.log(f"cancelled after {elapsed:.2f}s")
        ctx.remove_work_dir()
        return finish_with_retry(store, job.id, JobStatus.CANCELLED, ("cancelled", "Cancelled.", None))
    if isinstance(exc, ReframeError):
        error = (exc.code, exc.message, exc.detail)
        transient = bool(getattr(exc, "transient", False))
    else:
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        error = ("internal", f"Internal error: {type(exc).__name__}: {exc}", tb)
        transient = False
    ctx.log(f"failed [{error[0]}] {error[1]}")
    if error[2]:
        ctx.log(error[2])
    if transient and job.attempts < job.max_attempts:
        delay = retry_delay(job.attempts, retry_base_delay)
        ctx.log(f"transient error: retrying in {delay:.1f}s (attempt {job.attempts + 1}/{job.max_attempts})")
        try:
            return store.requeue(job.id, not_before=time.time() + delay, error=error)
        except Exception:  # cannot queue it again: at least end it
            log.exception("job %s could not be re-queued", job.id)
    return finish_with_retry(store, job.id, JobStatus.FAILED, error)
