"""Local job rows that run on a Reframe server.

A remote job is an ordinary row of the local job store with ``remote_url`` set (and
``remote_id`` once the server accepted it), so the Jobs tab, ``reframe jobs`` and the
manager treat it like any other. :class:`RemoteRunner` is the manager's ``run_elsewhere``
hook: it uploads, submits, follows progress, downloads the outputs and registers them
locally. When the server stops answering for :attr:`RemoteRunner.grace` seconds, or
restarts and reports the job ``interrupted``, the local row ends ``interrupted``;
resuming it (by hand, or :class:`RemoteWatcher` once the server is back) picks the same
remote job up again instead of starting over.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ..errors import CancelledError, JobInterruptedError, ReframeError
from ..jobs.context import JobContext
from ..jobs.manager import JobManager
from ..jobs.models import Job, JobOutcome
from ..jobs.store import JobStore
from .client import RemoteClient, RemoteRequestError, RemoteUnreachableError
from .portable import make_portable
from .token import load_remote_token

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.5
#: Seconds without an answer before a remote job is called interrupted.
UNREACHABLE_GRACE = 20.0


class RemoteJobError(ReframeError):
    """The job failed on the server: its code and message, as the server recorded them."""

    def __init__(self, code: str, message: str, detail: str | None = None):
        super().__init__(message, detail=detail)
        self.code = code


TokenFor = Callable[[str], "str | None"]


class RemoteRunner:
    """``JobManager(run_elsewhere=RemoteRunner(store).runner_for)``; local jobs stay local."""

    def __init__(self, store: JobStore, *, token_for: TokenFor | None = None, grace: float = UNREACHABLE_GRACE):
        self.store = store
        self.token_for: TokenFor = token_for or (lambda _url: load_remote_token())
        self.grace = grace
        #: True while the local app is closing: its jobs end interrupted, the server keeps them.
        self.stopping: Callable[[], bool] = lambda: False

    def runner_for(self, job: Job):
        if job.remote_url is None:
            return None
        return lambda params, ctx: self.run(job, params, ctx)

    def run(self, job: Job, params: dict, ctx: JobContext) -> JobOutcome:
        assert job.remote_url is not None
        with RemoteClient(job.remote_url, self.token_for(job.remote_url)) as client:
            try:
                info = self._retrying(client.server_info, ctx)
                portable, places = make_portable(
                    job.type,
                    params,
                    job_id=job.id,
                    server_outputs=info["outputs_dir"],
                    # Uploads only the first time: a resumed job's inputs are on the server already.
                    upload=client.upload if job.remote_id is None else (lambda v: v),
                )
                remote_id = job.remote_id
                if remote_id is None:
                    created = client.submit(job.type, portable, title=job.title, priority=job.priority)
                    remote_id = created["id"]
                    self.store.set_remote_id(job.id, remote_id)
                    ctx.log(f"sent to {job.remote_url} as job {remote_id}")
                else:
                    self._resume_remote(client, remote_id, ctx)
                ended = self._follow(client, remote_id, ctx)
                outputs = []
                for index, server_path in enumerate(ended["outputs"]):
                    ctx.raise_if_cancelled()
                    local = places.local_path(server_path)
                    self._retrying(lambda i=index, p=local: client.download(remote_id, i, p), ctx)
                    ctx.log(f"downloaded {server_path} -> {local}")
                    outputs.append((local, ""))
            except RemoteUnreachableError as exc:
                raise JobInterruptedError(
                    f"The Reframe server at {job.remote_url} stopped answering; the job resumes when it is back.",
                    detail=exc.detail,
                ) from exc
            return JobOutcome(outputs=outputs, result={"remote_url": job.remote_url, "remote_id": remote_id})

    def _retrying(self, call, ctx: JobContext):
        """``call()``, retried while the server is unreachable, for up to ``grace`` seconds."""
        first_failure: float | None = None
        while True:
            try:
                return call()
            except RemoteUnreachableError:
                now = time.monotonic()
                first_failure = first_failure or now
                if now - first_failure > self.grace:
                    raise
                if ctx.cancel.wait(1.0):
                    raise CancelledError() from None

    @staticmethod
    def _resume_remote(client: RemoteClient, remote_id: str, ctx: JobContext) -> None:
        try:
            remote = client.get(remote_id)
        except RemoteRequestError as exc:
            if exc.status == 404:
                raise RemoteJobError("remote_job_gone", "The server no longer has this job; retry it.") from exc
            raise
        if remote["status"] in ("interrupted", "failed", "cancelled"):
            client.resume(remote_id)
            ctx.log(f"resumed job {remote_id} on the server (it was {remote['status']})")
        else:
            ctx.log(f"following job {remote_id} on the server again ({remote['status']})")

    def _follow(self, client: RemoteClient, remote_id: str, ctx: JobContext) -> dict:
        cancel_sent = False
        while True:
            if ctx.cancel.is_cancelled and self.stopping():
                raise CancelledError()  # this app is closing: the job goes on on the server
            if ctx.cancel.is_cancelled and not cancel_sent:
                cancel_sent = True
                try:
                    client.cancel(remote_id)
                except ReframeError as exc:
                    log.warning("cancel of remote job %s not sent: %s", remote_id, exc)
                    raise CancelledError() from exc
            remote = self._retrying(lambda: client.get(remote_id), ctx) if not cancel_sent else client.get(remote_id)
            status = remote["status"]
            if status == "succeeded":
                return remote
            if status == "cancelled" or (cancel_sent and status in ("failed", "interrupted")):
                raise CancelledError()
            if status == "interrupted":
                raise JobInterruptedError(
                    "The Reframe server stopped while running this job; resume it to continue.",
                    detail=remote.get("error_message"),
                )
            if status == "failed":
                raise RemoteJobError(
                    remote.get("error_code") or "remote_failed",
                    remote.get("error_message") or "The job failed on the server.",
                )
            ctx.progress(float(remote.get("progress") or 0.0), str(remote.get("stage") or ""))
            time.sleep(POLL_INTERVAL)


class RemoteWatcher:
    """Resumes interrupted remote jobs once their server answers again (a daemon thread)."""

    def __init__(self, manager: JobManager, token_for: TokenFor | None = None, *, interval: float = 5.0):
        self.manager = manager
        self.token_for: TokenFor = token_for or (lambda _url: load_remote_token())
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> RemoteWatcher:
        self._thread = threading.Thread(target=self._loop, daemon=True, name="reframe-remote-watch")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def check_once(self) -> list[str]:
        """Resume every interrupted remote job whose server answers now; returns their ids."""
        resumed = []
        waiting = [
            j for j in self.manager.store.list_jobs(status="interrupted", limit=200, with_assets=False) if j.is_remote
        ]
        reachable: dict[str, bool] = {}
        for job in waiting:
            url = job.remote_url or ""
            if url not in reachable:
                try:
                    with RemoteClient(url, self.token_for(url), timeout=5) as client:
                        client.test_connection()
                    reachable[url] = True
                except ReframeError:
                    reachable[url] = False
            if reachable[url]:
                try:
                    self.manager.resume(job.id)
                    resumed.append(job.id)
                except ReframeError as exc:
                    log.warning("remote job %s not resumed: %s", job.id, exc)
        return resumed

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check_once()
            except Exception:  # a store hiccup must not end the watcher
                log.exception("remote watcher")


def remote_manager(store: JobStore | None = None, **kw) -> tuple[JobManager, RemoteRunner]:
    """A JobManager whose remote jobs use ``token_for``/``grace`` (every manager runs jobs with
    a ``remote_url`` on their server; this only chooses how)."""
    store = store if store is not None else JobStore()
    runner = RemoteRunner(store, **{k: kw.pop(k) for k in ("token_for", "grace") if k in kw})
    manager = JobManager(store, **kw)
    runner.stopping = lambda: manager._stopping
    manager.remote_runner = runner
    return manager, runner
