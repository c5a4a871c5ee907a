"""QtJobRunner: the JobManager's jobs on a QThreadPool, its events as UI-thread signals.

Scheduling, store writes, retries and clean-up are the JobManager's (shared with the
CLI and HTTP API through ``media_core.jobs.execute_job``); this class only swaps the
thread source for a QThreadPool and turns worker-thread callbacks into Qt signals.

Every public signal is emitted on the thread that owns the runner (the UI thread):
worker threads emit a private relay signal that is connected with
``Qt.QueuedConnection``, and the relay slot re-emits. So slots connected to
``jobProgress``/``jobStateChanged``/``jobLog`` may touch widgets directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from media_core.jobs import Job, JobManager


class _FnRunnable(QRunnable):
    def __init__(self, fn: Callable[[], None]):
        super().__init__()
        self._fn = fn
        self.setAutoDelete(True)

    def run(self) -> None:
        self._fn()


class QtJobRunner(QObject):
    """Runs jobs of ``manager`` (default: a new JobManager on the default store) on a QThreadPool.

    The manager must not be started yet; the runner starts it (crash recovery included)
    unless ``autostart=False``. Call :meth:`shutdown` when the window closes.

    Signals (always delivered on the runner's thread, i.e. the UI thread):
      - ``jobProgress(job_id: str, fraction: float, stage: str)`` — throttled, non-decreasing
      - ``jobStateChanged(job_id: str, status: str)`` — a :class:`~media_core.jobs.JobStatus` value
      - ``jobLog(job_id: str, line: str)`` — a timestamped log line
    """

    jobProgress = Signal(str, float, str)
    jobStateChanged = Signal(str, str)
    jobLog = Signal(str, str)

    # Worker threads emit these; the queued connection moves them onto the UI thread.
    _relayProgress = Signal(str, float, str)
    _relayState = Signal(str, str)
    _relayLog = Signal(str, str)

    def __init__(
        self,
        manager: JobManager | None = None,
        parent: QObject | None = None,
        *,
        pool: QThreadPool | None = None,
        autostart: bool = True,
    ):
        super().__init__(parent)
        self.manager = manager if manager is not None else JobManager()
        self.pool = pool or QThreadPool(self)
        if pool is None:
            self.pool.setMaxThreadCount(self.manager.heavy_slots + self.manager.light_slots)
        self._relayProgress.connect(self._onProgress, Qt.QueuedConnection)
        self._relayState.connect(self._onState, Qt.QueuedConnection)
        self._relayLog.connect(self._onLog, Qt.QueuedConnection)
        self.manager.set_executor(lambda fn: self.pool.start(_FnRunnable(fn)))
        self._unsubscribe = self.manager.add_listener(
            on_state=self._relayState.emit, on_progress=self._relayProgress.emit, on_log=self._relayLog.emit
        )
        if autostart:
            # At launch: jobs a crash left 'running' become 'interrupted', temps are swept,
            # and jobs still queued from the last session start.
            self.manager.start()

    # Slots of this object run on its own (UI) thread because the connections are queued.
    @Slot(str, float, str)
    def _onProgress(self, job_id: str, fraction: float, stage: str) -> None:
        self.jobProgress.emit(job_id, fraction, stage)

    @Slot(str, str)
    def _onState(self, job_id: str, status: str) -> None:
        self.jobStateChanged.emit(job_id, status)

    @Slot(str, str)
    def _onLog(self, job_id: str, line: str) -> None:
        self.jobLog.emit(job_id, line)

    @property
    def store(self):
        return self.manager.store

    # -- actions (thin, documented in JobManager) -----------------------------------------
    def start(self):
        """Recover from a crash and start dispatching (also done by the first submit)."""
        return self.manager.start()

    def submit(self, job: str | BaseModel, params: dict[str, Any] | None = None, **options) -> str:
        """A request model, or a job type + params; validated now (see :meth:`JobManager.submit`)."""
        return self.manager.submit(job, params, **options)

    def cancel(self, job_id: str) -> bool:
        return self.manager.cancel(job_id)

    def retry(self, job_id: str) -> str:
        return self.manager.retry(job_id)

    def resume(self, job_id: str) -> str:
        return self.manager.resume(job_id)

    def delete(self, job_id: str, *, delete_files: bool = False) -> None:
        self.manager.delete(job_id, delete_files=delete_files)

    # -- reads ----------------------------------------------------------------------------
    def get(self, job_id: str) -> Job:
        return self.manager.get(job_id)

    def list_jobs(self, **filters) -> list[Job]:
        return self.manager.list_jobs(**filters)

    def job_log(self, job_id: str) -> str:
        return self.manager.store.get_log(job_id)

    @Slot()
    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel running jobs and wait for the pool (call from the window's closeEvent)."""
        self._unsubscribe()
        self.manager.shutdown(timeout=timeout)
        self.pool.waitForDone(int(timeout * 1000))
