"""The window's single door to the job system (media_core.jobs).

Tabs never call the engine for long work: they submit a typed job request
(media_core.jobs.requests), or a job type + JSON params, here and listen to ``progress``/``stateChanged``/``logLine``. The job manager is built on
first use so importing the window stays cheap.

Jobs run on the QThreadPool of the QtJobRunner, whose signals arrive on the UI
thread; this class re-emits them and adds ``jobUpdated`` (one job's row changed or
appeared) and ``jobsChanged`` (jobs were removed: reload) for the tables.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel
from PySide6.QtCore import QObject, Signal

from media_core.jobs.models import FINISHED_STATES, JobStatus

log = logging.getLogger(__name__)

__all__ = ["FINISHED_STATES", "JobClient", "JobStatus"]


class JobClient(QObject):
    progress = Signal(str, float, str)  # job id, fraction 0..1, stage text
    stateChanged = Signal(str, str)  # job id, new status
    logLine = Signal(str, str)  # job id, line
    jobUpdated = Signal(str)  # job id: its row changed or appeared
    jobsChanged = Signal()  # jobs were removed: reload tables

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._runner = None
        self._watcher = None

    def _ensure(self):
        if self._runner is None:
            from media_core.jobs import JobManager, JobStore
            from reframe_desktop.jobs.qt_runner import QtJobRunner

            self._runner = QtJobRunner(JobManager(JobStore()), parent=self)
            self._runner.jobProgress.connect(self.progress)
            self._runner.jobStateChanged.connect(self._on_state)
            self._runner.jobLog.connect(self.logLine)
            self._runner.start()
            from media_core.remote import RemoteWatcher

            # Remote jobs left interrupted (server restarting, network gone) resume when it is back.
            self._watcher = RemoteWatcher(self._runner.manager).start()
        return self._runner

    @property
    def manager(self):
        return self._ensure().manager

    def _on_state(self, job_id: str, state: str) -> None:
        self.stateChanged.emit(job_id, state)
        self.jobUpdated.emit(job_id)

    def shutdown(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        if self._runner is not None:
            self._runner.shutdown(timeout=5)

    # -- actions -------------------------------------------------------------------
    def submit(self, job: str | BaseModel, params: dict[str, Any] | None = None, **options) -> str:
        """Queue a job: a request model (``CaptionsJob(...)``) or a type name + params dict.

        Validation happens here, on the calling (UI) thread: a wrong field raises
        ``InvalidParameterError`` at once, with ``field_errors`` (field → message) for the form."""
        runner = self._ensure()
        if "remote_url" not in options:  # Settings → Remote: heavy jobs go to the chosen server
            from media_core.remote.routing import remote_url_for

            registry = runner.manager.registry
            spec = registry.for_request(job) if isinstance(job, BaseModel) else registry.get(job)
            options["remote_url"] = remote_url_for(spec.name, heavy=options.get("heavy", spec.heavy))
        job_id = runner.submit(job, params, **options)
        self.jobUpdated.emit(job_id)
        return job_id

    def cancel(self, job_id: str) -> None:
        self._ensure().cancel(job_id)

    def retry(self, job_id: str) -> str:
        new_id = self._ensure().retry(job_id)
        self.jobUpdated.emit(new_id)
        return new_id

    def resume(self, job_id: str) -> str:
        new_id = self._ensure().resume(job_id)
        self.jobUpdated.emit(new_id)
        return new_id

    def delete(self, job_id: str, *, with_files: bool) -> None:
        self._ensure().delete(job_id, delete_files=with_files)
        self.jobsChanged.emit()

    # -- reads (cheap SQLite queries; fine on the UI thread) ------------------------
    def list_jobs(self) -> list:
        return list(self._ensure().list_jobs())

    def get(self, job_id: str):
        return self._ensure().get(job_id)

    def job_log(self, job_id: str) -> str:
        return self._ensure().job_log(job_id)

    def cli_command(self, job_id: str) -> str:
        return self._ensure().manager.cli_command(job_id)
