"""An in-tree stand-in for reframe_desktop.job_client.JobClient, for fast single-tab tests.

It has the real client's signals and methods, records every submitted job, and lets the
test decide when a job progresses and how it ends (``finish``), emitting the signals in
the order the real client does. Jobs are real ``media_core.jobs.models.Job`` rows, so the
tabs read them exactly as they read the job store's. Nothing runs: tests of real jobs
stay in the end-to-end GUI tests (test_gui_jobs.py, test_gui_shorts.py…)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from PySide6.QtCore import QObject, Signal

from media_core.jobs.models import Asset, Job


class FakeJobClient(QObject):
    progress = Signal(str, float, str)
    stateChanged = Signal(str, str)
    logLine = Signal(str, str)
    jobUpdated = Signal(str)
    jobsChanged = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.jobs: dict[str, Job] = {}
        #: (job type, params, options) of every accepted submit, in order.
        self.submitted: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        #: Raised by the next ``submit`` (then cleared): a validation error, say.
        self.reject_next: BaseException | None = None
        self.cancelled: list[str] = []
        self.paused: list[str] = []
        #: (batch id, title, job ids) of every submitted batch.
        self.batches: list[tuple[str, str, list[str]]] = []
        self._ids = itertools.count(1)

    # -- actions, as JobClient -------------------------------------------------------
    def submit(self, job, params: dict[str, Any] | None = None, **options) -> str:
        if self.reject_next is not None:
            exc, self.reject_next = self.reject_next, None
            raise exc
        if isinstance(job, str):
            job_type, params = job, dict(params or {})
        else:  # a typed request model
            job_type = str(getattr(job, "type", type(job).__name__))
            params = job.model_dump(mode="json")
        job_id = f"job{next(self._ids)}"
        self.jobs[job_id] = Job(id=job_id, type=job_type, params=params, created_at=time.time())
        self.submitted.append((job_type, params, options))
        self.jobUpdated.emit(job_id)
        return job_id

    def cancel(self, job_id: str) -> None:
        self.cancelled.append(job_id)
        self.finish(job_id, status="cancelled")

    def retry(self, job_id: str) -> str:
        old = self.jobs[job_id]
        return self.submit(old.type, old.params)

    resume = retry

    def pause(self, job_id: str) -> bool:
        self.paused.append(job_id)
        self._set(job_id, status="paused")
        self.stateChanged.emit(job_id, "paused")
        self.jobUpdated.emit(job_id)
        return True

    # -- batches, as JobClient ---------------------------------------------------------
    def submit_batch(self, requests: list, *, title: str = "") -> str:
        ids = [self.submit(r) if not isinstance(r, tuple) else self.submit(*r) for r in requests]
        batch_id = f"batch{next(self._ids)}"
        self.batches.append((batch_id, title, ids))
        return batch_id

    def list_batches(self) -> list:
        """No batch rows: a test that needs them builds them with the real JobClient."""
        return []

    def cancel_batch(self, batch_id: str) -> int:
        ids = next(ids for bid, _, ids in self.batches if bid == batch_id)
        for job_id in ids:
            self.cancel(job_id)
        return len(ids)

    def retry_batch(self, batch_id: str) -> list[str]:
        ids = next(ids for bid, _, ids in self.batches if bid == batch_id)
        return [self.retry(job_id) for job_id in ids]

    def delete(self, job_id: str, *, with_files: bool) -> None:
        self.jobs.pop(job_id, None)
        self.jobsChanged.emit()

    def shutdown(self) -> None:
        pass

    # -- reads -------------------------------------------------------------------------
    def list_jobs(self) -> list[Job]:
        return list(self.jobs.values())

    def get(self, job_id: str) -> Job:
        return self.jobs[job_id]

    def job_log(self, job_id: str) -> str:
        return ""

    def cli_command(self, job_id: str) -> str:
        return f"reframe jobs run {self.jobs[job_id].type}"

    # -- what the test drives ------------------------------------------------------------
    def last(self) -> tuple[str, dict[str, Any]]:
        job_type, params, _ = self.submitted[-1]
        return job_type, params

    def start(self, job_id: str, fraction: float = 0.5, stage: str = "working") -> None:
        self._set(job_id, status="running", progress=fraction, stage=stage)
        self.stateChanged.emit(job_id, "running")
        self.jobUpdated.emit(job_id)
        self.progress.emit(job_id, fraction, stage)

    def finish(
        self,
        job_id: str,
        *,
        status: str = "succeeded",
        outputs: dict[str, str] | None = None,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        assets = [
            Asset(job_id=job_id, role="output", kind=k, path=p, created_at=time.time())
            for k, p in (outputs or {}).items()
        ]
        self._set(
            job_id,
            status=status,
            progress=1.0 if status == "succeeded" else self.jobs[job_id].progress,
            finished_at=time.time(),
            assets=assets,
            result=result or {},
            error_message=error,
        )
        if status == "succeeded":
            self.progress.emit(job_id, 1.0, "done")
        self.stateChanged.emit(job_id, status)
        self.jobUpdated.emit(job_id)

    def _set(self, job_id: str, **fields: Any) -> None:
        self.jobs[job_id] = self.jobs[job_id].model_copy(update=fields)
