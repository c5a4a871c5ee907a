"""Server side of the cluster: jobs of a JobManager are sent to Celery workers.

The manager still owns the job store (one writer, the same rows, logs and outputs as a
local run): it claims a job as usual, and instead of running it in-process
(``JobManager(run_elsewhere=...)``) a thread sends it to the cluster and follows it,
relaying progress, the worker's name and its log. A worker killed mid-job leaves the job
unacknowledged; Redis hands it to another worker and this thread simply keeps following
the same task, so the store sees one job that ran once to its end.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ..errors import CancelledError, ReframeError
from ..jobs.context import JobContext
from ..jobs.models import Job, JobOutcome
from ..paths import shared_dir
from .app import cancel_key, make_app
from .config import TASK_NAME, ClusterConfig, queue_for

log = logging.getLogger(__name__)

#: How often the server looks at a job's state in the result backend.
POLL_INTERVAL = 0.5
#: Seconds a cancelled job's worker gets to stop and report before the server gives up on it.
CANCEL_GRACE = 30.0


class ClusterJobError(ReframeError):
    """A job that failed on a worker: carries the worker's error code and message."""

    def __init__(self, code: str, message: str, detail: str | None = None, *, transient: bool = False):
        super().__init__(message, detail=detail)
        self.code = code
        self.transient = transient


class BrokerUnavailableError(ReframeError):
    code = "broker_unavailable"
    transient = True


def _transient_codes() -> set[str]:
    """Error codes of the engine's transient errors (the worker sends the code, not the class)."""
    found, todo = set(), [ReframeError]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.transient and cls.code not in ("remote_unreachable", BrokerUnavailableError.code):
            found.add(cls.code)
    return found


class ClusterBackend:
    """``manager = JobManager(run_elsewhere=ClusterBackend(config).runner_for, heavy_slots=…)``."""

    def __init__(self, config: ClusterConfig):
        self.config = config
        self.app = make_app(config)

    def check(self) -> None:
        """Fail now, with one clear message, when the broker cannot be reached."""
        try:
            with self.app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=2, timeout=5)
        except Exception as exc:
            raise BrokerUnavailableError(
                f"The cluster broker cannot be reached ({self.config.broker.split('@')[-1]}).", detail=str(exc)
            ) from exc

    def runner_for(self, job: Job):
        return lambda params, ctx: self.run(job, params, ctx)

    def task_id(self, job: Job) -> str:
        # One task per attempt: a redelivered task keeps its id, a server-side retry gets a new one.
        return f"{job.id}-{job.attempts}"

    def run(self, job: Job, params: dict, ctx: JobContext) -> JobOutcome:
        root = shared_dir()
        payload = {
            "id": job.id,
            "type": job.type,
            "params": params,
            "title": job.title,
            "shared_root": str(root) if root is not None else "",
        }
        queue = queue_for(job.type, route_gpu=self.config.route_gpu)
        task_id = self.task_id(job)
        try:
            result = self.app.send_task(TASK_NAME, args=[payload], task_id=task_id, queue=queue)
        except Exception as exc:
            raise BrokerUnavailableError("The job could not be queued on the cluster.", detail=str(exc)) from exc
        ctx.log(f"queued on the cluster ({queue}) as task {task_id}")
        ended = self._follow(result, ctx)
        return self._outcome(ended, ctx)

    def _follow(self, result: Any, ctx: JobContext) -> dict:
        worker = None
        cancel_asked: float | None = None
        while True:
            if ctx.cancel.is_cancelled and cancel_asked is None:
                cancel_asked = time.monotonic()
                self._ask_cancel(result)
                ctx.log("cancel sent to the cluster")
            if cancel_asked is not None and time.monotonic() - cancel_asked > CANCEL_GRACE:
                raise CancelledError()
            try:
                state, info = result.state, result.info
            except Exception as exc:  # the result backend is the broker: keep trying while it is away
                log.warning("cluster state of %s unavailable: %s", result.id, exc)
                time.sleep(POLL_INTERVAL * 4)
                continue
            if state == "SUCCESS":
                return info if isinstance(info, dict) else {}
            if state in ("FAILURE", "REVOKED"):
                if cancel_asked is not None or state == "REVOKED":
                    raise CancelledError()
                raise ClusterJobError("internal", f"The cluster worker failed: {info}", detail=repr(info))
            if state == "PROGRESS" and isinstance(info, dict):
                if info.get("worker") != worker:
                    worker = info.get("worker")
                    ctx.log(f"running on worker {worker} (pid {info.get('pid')})")
                ctx.progress(float(info.get("progress") or 0.0), str(info.get("stage") or ""))
            time.sleep(POLL_INTERVAL)

    def _ask_cancel(self, result: Any) -> None:
        try:
            result.revoke()  # a job still waiting in the queue is dropped
            self.app.backend.client.set(cancel_key(result.id), b"1", ex=86400)  # a running one stops
        except Exception as exc:
            log.warning("could not send the cancel of %s: %s", result.id, exc)

    @staticmethod
    def _outcome(ended: dict, ctx: JobContext) -> JobOutcome:
        worker = ended.get("worker")
        for line in (ended.get("log") or "").splitlines():
            ctx.log(f"[{worker}] {line}")
        status = ended.get("status")
        if status == "succeeded":
            outputs = [(path, kind) for path, kind in ended.get("outputs") or []]
            return JobOutcome(outputs=outputs, result={**(ended.get("result") or {}), "worker": worker})
        if status == "cancelled":
            raise CancelledError()
        code, message, detail = ended.get("error") or ("internal", "The job failed on a cluster worker.", None)
        # A transient failure (a busy file, a model download) is retried by the server's
        # usual backoff, as a new task that any worker may take.
        raise ClusterJobError(code, message, detail, transient=code in _transient_codes())
