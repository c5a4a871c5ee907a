"""Typed records of the job system: a job, its assets, and what a job function returns."""

from __future__ import annotations

import datetime as _dt
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field


class JobStatus(StrEnum):
    """Where a job is. The values are what the SQLite store, the HTTP API and the CLI spell,
    and a member equals its value (``JobStatus.QUEUED == "queued"``), so plain strings from
    signals, JSON or older code compare as they always did."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    #: Reframe stopped (closed, crashed) while the job ran: it can be resumed.
    INTERRUPTED = "interrupted"


STATUSES: tuple[str, ...] = tuple(s.value for s in JobStatus)
#: States a job never leaves on its own (only retry/resume/delete act on them).
FINISHED_STATES: frozenset[JobStatus] = frozenset(
    {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED}
)
#: Finished states from which :meth:`JobManager.resume` / ``retry`` make sense (all but success).
UNSUCCESSFUL_STATES: frozenset[JobStatus] = FINISHED_STATES - {JobStatus.SUCCEEDED}


class Asset(BaseModel):
    """A file a job read (``role="input"``) or produced (``role="output"``).

    ``size`` and ``mtime`` are always recorded. ``sha256`` is computed (streaming)
    for outputs up to :data:`media_core.jobs.store.OUTPUT_HASH_LIMIT` bytes and never
    for inputs: hashing a user's 20 GB source on every submit would cost more than the
    job. ``size`` + ``mtime`` are enough to notice an input changed.
    """

    job_id: str
    role: Literal["input", "output"]
    kind: str = ""
    path: str
    size: int | None = None
    mtime: float | None = None
    sha256: str | None = None
    created_at: float


class Job(BaseModel):
    """One row of the job store. Times are UTC epoch seconds (``time.time()``)."""

    id: str
    type: str
    params: dict[str, Any] = Field(default_factory=dict)
    status: JobStatus = JobStatus.QUEUED
    progress: float = 0.0
    stage: str = ""
    title: str = ""
    priority: int = 0
    heavy: bool = False
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    #: Earliest time a queued job may start (automatic retries wait here with backoff).
    not_before: float | None = None
    error_code: str | None = None
    error_message: str | None = None
    error_detail: str | None = None
    #: Attempts started so far (an automatic retry increments it on the same job).
    attempts: int = 0
    max_attempts: int = 3
    #: Set on a job created by :meth:`JobManager.retry`: the job it retries.
    retry_of: str | None = None
    parent_id: str | None = None
    #: Small JSON summary a job function returned (``JobOutcome.result``).
    result: dict[str, Any] = Field(default_factory=dict)
    #: Set when the job runs on another Reframe server (media_core.remote): its address…
    remote_url: str | None = None
    #: …and the job's id there, once the server accepted it.
    remote_id: str | None = None
    assets: list[Asset] = Field(default_factory=list)

    @property
    def outputs(self) -> list[str]:
        """Paths of the registered outputs (only complete files are ever registered)."""
        return [a.path for a in self.assets if a.role == "output"]

    @property
    def inputs(self) -> list[str]:
        return [a.path for a in self.assets if a.role == "input"]

    @property
    def is_remote(self) -> bool:
        return self.remote_url is not None

    @property
    def error(self) -> str | None:
        """The user-readable error message, if the job failed."""
        return self.error_message

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATES

    @property
    def created(self) -> _dt.datetime:
        return _dt.datetime.fromtimestamp(self.created_at, _dt.UTC)


class JobOutcome(BaseModel):
    """What a job function may return: outputs (path + kind) and a small JSON summary.

    Job functions may also return a list of paths, a ``{kind: path}`` dict, or ``None``
    (after calling ``ctx.add_output`` themselves).
    """

    outputs: list[tuple[Path, str]] = Field(default_factory=list)
    result: dict[str, Any] = Field(default_factory=dict)
