"""The job system: a SQLite store, a registry of job types and a Qt-free manager.

Typical use (CLI, HTTP API, tests)::

    from media_core.jobs import JobManager
    from media_core.jobs.requests import CaptionsJob
    manager = JobManager()                    # store at data_dir()/jobs.sqlite3
    job_id = manager.submit(CaptionsJob(input="talk.mp4", formats=["srt"]))
    # or, from JSON: manager.submit("captions", {"input": "talk.mp4", "formats": ["srt"]})
    job = manager.wait(job_id)                # Job(status=JobStatus.SUCCEEDED, outputs=[...])

Params are validated with the job type's request model (media_core/jobs/requests.py) at
submit time: a bad field raises InvalidParameterError with ``field_errors``.

The desktop wraps the same manager in reframe_desktop.jobs.qt_runner.QtJobRunner.
"""

from .context import JobContext, JobEvents, ProgressThrottle
from .execute import execute_job, retry_delay
from .manager import JobManager, RecoveryReport
from .models import FINISHED_STATES, STATUSES, UNSUCCESSFUL_STATES, Asset, Job, JobOutcome, JobStatus
from .registry import JobRegistry, JobTypeSpec, UnknownJobTypeError, default_registry, job_type
from .store import JobNotFoundError, JobStore, StoreVersionError

__all__ = [
    "FINISHED_STATES",
    "STATUSES",
    "UNSUCCESSFUL_STATES",
    "Asset",
    "Job",
    "JobContext",
    "JobEvents",
    "JobManager",
    "JobNotFoundError",
    "JobOutcome",
    "JobRegistry",
    "JobStatus",
    "JobStore",
    "JobTypeSpec",
    "ProgressThrottle",
    "RecoveryReport",
    "StoreVersionError",
    "UnknownJobTypeError",
    "default_registry",
    "execute_job",
    "job_type",
    "retry_delay",
]
