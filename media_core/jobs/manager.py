"""JobManager: queue, concurrency limits, cancel/retry/resume, crash recovery. No Qt.

The manager owns the scheduling; the threads that run jobs come from an *executor*
(``spawn(fn)`` that runs ``fn()`` on some worker thread). The default executor starts
a daemon thread per job; the desktop swaps in a QThreadPool (see
reframe_desktop/jobs/qt_runner.py) before the first job starts. Either way each job
runs through :func:`media_core.jobs.execute.execute_job`.

Choices (documented for the API/UI):
- **Automatic retry** (transient ``ReframeError``) re-queues the *same* job with
  exponential backoff; ``attempts`` counts the tries.
- **retry(id)** creates a *new* job with the same type/params, linked by ``retry_of``,
  so the failed run and its log stay in the history; it returns the new id.
- **resume(id)** re-queues the *same* job (typically ``interrupted`` after a crash).
"""

from __future__ import annotations

import logging
import shlex
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import InvalidParameterError
from ..paths import TEMP_MARKER, outputs_dir, sweep_orphan_temps
from ..progress import CancelToken
from ..settings import EngineSettings, engine_settings
from ..settings import on_change as on_settings_change
from .context import JobEvents
from .execute import DEFAULT_RETRY_BASE_DELAY, UnrecordedEndError, execute_job
from .models import UNSUCCESSFUL_STATES, Job, JobStatus
from .registry import JobRegistry, default_registry
from .store import JobStore, process_owner

log = logging.getLogger(__name__)

Spawn = Callable[[Callable[[], None]], None]
#: Param names whose file values are recorded as the job's input assets.
INPUT_PARAM_KEYS = ("input", "inputs", "video", "audio", "subtitles", "source", "transcript")
#: Param names that point at where a job writes (swept for orphan temps after a crash).
OUTPUT_PARAM_KEYS = ("output", "output_dir", "output_path", "outputs_dir", "out_dir", "out", "output_root")
#: Temps in the shared folders are only swept once this old (seconds): another Reframe
#: process (CLI, HTTP API) may be writing a fresh one right now. Temps next to an
#: interrupted job's own outputs are swept at once: their writer is known to be dead.
ORPHAN_MIN_AGE = 15 * 60


def _thread_spawn(fn: Callable[[], None]) -> None:
    threading.Thread(target=fn, daemon=True, name="reframe-job").start()


@dataclass
class RecoveryReport:
    interrupted: list[str] = field(default_factory=list)
    swept: list[Path] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)


class JobManager:
    """Runs jobs from a :class:`JobStore` on worker threads.

    ``heavy_slots`` jobs of heavy types (transcription, renders) run at once (default 1)
    and ``light_slots`` light ones alongside. Nothing starts before :meth:`start`
    (called implicitly by the first submit/retry/resume), which first runs :meth:`recover`.
    Listeners (:meth:`add_listener`) receive events on worker threads.
    """

    def __init__(
        self,
        store: JobStore | None = None,
        *,
        registry: JobRegistry | None = None,
        heavy_slots: int | None = None,
        light_slots: int = 2,
        retry_base_delay: float = DEFAULT_RETRY_BASE_DELAY,
        retention_days: float | None = None,
        executor: Spawn | None = None,
        run_elsewhere: Callable[[Job], Any] | None = None,
    ):
        """``heavy_slots`` and ``retention_days`` default to the engine settings (``heavy_jobs``,
        ``retention_days``); 0 days keeps finished jobs' temporary data forever.
        ``run_elsewhere(job)`` may return a function that runs the job somewhere else (a
        remote server, a cluster) instead of in this process (see execute_job)."""
        settings = engine_settings()
        self.store = store if store is not None else JobStore()
        self.registry = registry or default_registry
        self.heavy_slots = max(1, heavy_slots if heavy_slots is not None else settings.heavy_jobs)
        self.light_slots = max(1, light_slots)
        self.retry_base_delay = retry_base_delay
        self.retention_days = settings.retention_days if retention_days is None else retention_days
        self.events = JobEvents()
        self._spawn: Spawn = executor or _thread_spawn
        self.run_elsewhere = run_elsewhere
        #: Runs jobs that carry a ``remote_url`` (media_core.remote.RemoteRunner), made on first use.
        self.remote_runner: Any = None
        self._cv = threading.Condition()
        self._tokens: dict[str, CancelToken] = {}
        self._running_heavy: set[str] = set()
        self._running_light: set[str] = set()
        #: Jobs whose end could not be written yet (disk full): job id → (status, error).
        self._pending_ends: dict[str, tuple[str, tuple[str, str, str | None] | None]] = {}
        self._started = False
        self._stopping = False
        self._wake = False
        self._dispatcher: threading.Thread | None = None
        self.events.add(on_state=self._on_state)
        if heavy_slots is None:  # follow the settings while running, not only at start
            on_settings_change(self._apply_settings)

    # -- setup ------------------------------------------------------------------------
    def _apply_settings(self, settings: EngineSettings) -> None:
        with self._cv:
            self.heavy_slots = max(1, settings.heavy_jobs)
            self._wake_dispatcher()  # more slots: start what waits now

    def set_executor(self, spawn: Spawn) -> None:
        """Run jobs through ``spawn(fn)`` (e.g. a QThreadPool); only before :meth:`start`."""
        with self._cv:
            if self._started:
                raise RuntimeError("set_executor() must be called before the manager starts")
            self._spawn = spawn

    def add_listener(
        self,
        on_state: Callable[[str, str], None] | None = None,
        on_progress: Callable[[str, float, str], None] | None = None,
        on_log: Callable[[str, str], None] | None = None,
    ) -> Callable[[], None]:
        """Subscribe to (job_id, status) / (job_id, fraction, stage) / (job_id, line); returns an unsubscribe."""
        return self.events.add(on_state, on_progress, on_log)

    def start(self) -> RecoveryReport | None:
        """Recover from a previous crash and start dispatching; idempotent."""
        with self._cv:
            if self._started:
                return None
            self._started = True
            self._stopping = False
        report = self.recover()
        self._dispatcher = threading.Thread(target=self._dispatch_loop, daemon=True, name="reframe-jobs")
        self._dispatcher.start()
        return report

    def shutdown(self, *, cancel_running: bool = True, timeout: float = 10.0) -> None:
        """Stop dispatching; stop running jobs (they end ``interrupted``, resumable) and wait
        up to ``timeout`` for them. Queued jobs stay queued and run after the next start."""
        with self._cv:
            self._stopping = True
            tokens = list(self._tokens.values()) if cancel_running else []
            self._cv.notify_all()
        for token in tokens:
            token.cancel()
        deadline = time.monotonic() + timeout
        with self._cv:
            while (self._running_heavy or self._running_light) and time.monotonic() < deadline:
                self._cv.wait(0.05)
        if self._dispatcher is not None:
            self._dispatcher.join(timeout=2)
        with self._cv:
            self._started = False

    # -- crash recovery ---------------------------------------------------------------
    def recover(self) -> RecoveryReport:
        """Mark jobs of dead processes ``interrupted``, sweep orphan temps, apply retention."""
        report = RecoveryReport()
        report.interrupted = self.store.mark_interrupted()
        roots: set[Path] = {outputs_dir(), self.store.jobs_root}
        for job_id in report.interrupted:
            self.store.append_log(job_id, "interrupted: Reframe stopped while this job was running")
            roots.discard(self.store.job_dir(job_id))
        for root in roots:
            report.swept += sweep_orphan_temps(root, ORPHAN_MIN_AGE)
        for job_id in report.interrupted:  # temps next to the job's own output paths (non-recursive)
            job = self.store.get(job_id)
            report.swept += self._sweep_job_targets(job)
            self._type_cleanup(job)
        if self.retention_days:
            cutoff = time.time() - self.retention_days * 86400
            for job_id in self.store.finished_before(cutoff):
                folder = self.store.job_dir(job_id)
                if folder.exists():
                    shutil.rmtree(folder, ignore_errors=True)
                    report.pruned.append(job_id)
        for path in report.swept:
            log.info("removed orphan temp %s", path)
        return report

    def _type_cleanup(self, job: Job) -> None:
        """The job type's own cleanup after an attempt that was killed (never fails recovery)."""
        try:
            cleanup = self.registry.get(job.type).cleanup
            if cleanup is not None:
                cleanup(job)
                self.store.append_log(job.id, "removed what the interrupted attempt left behind")
        except Exception:
            log.exception("cleanup after interrupted job %s failed", job.id)

    @staticmethod
    def _sweep_job_targets(job: Job) -> list[Path]:
        removed: list[Path] = []
        folders: set[Path] = set()
        for key in OUTPUT_PARAM_KEYS:
            value = job.params.get(key)
            if isinstance(value, str) and value:
                path = Path(value)
                folders.add(path if path.is_dir() else path.parent)
        for folder in folders:
            if folder.is_dir():
                for temp in folder.glob(f"*{TEMP_MARKER}*"):
                    if temp.is_file():
                        temp.unlink(missing_ok=True)
                        removed.append(temp)
        return removed

    # -- actions ----------------------------------------------------------------------
    def submit(
        self,
        job: str | BaseModel,
        params: Mapping[str, Any] | None = None,
        *,
        title: str = "",
        priority: int = 0,
        heavy: bool | None = None,
        max_attempts: int | None = None,
        parent_id: str | None = None,
        retry_of: str | None = None,
        remote_url: str | None = None,
    ) -> str:
        """Queue a job; returns its id.

        ``job`` is a request model instance (``CaptionsJob(input=..., formats=["srt"])``: its
        class names the job type), or a job type name with ``params`` as a dict. Either way the
        request is validated here, before anything is queued: a bad field raises
        :class:`InvalidParameterError` whose ``field_errors`` map field → message. The job
        stores the request as JSON. Raises ``UnknownJobTypeError`` for an unknown type.

        With ``remote_url`` the job runs on that Reframe server (media_core.remote); it takes
        a light slot here, since this machine only waits for it."""
        if isinstance(job, BaseModel):
            if params is not None:
                raise TypeError("submit(request) takes no params: the request carries them")
            spec = self.registry.for_request(job)
        else:
            spec = self.registry.get(job)
        job_type = spec.name
        params = spec.params_of(spec.validate(job if isinstance(job, BaseModel) else params))
        if remote_url is not None:
            heavy = False
        inputs = _input_assets(params)
        # Under the dispatch lock: the dispatcher cannot claim (and report 'running')
        # before listeners have heard 'queued'.
        with self._cv:
            created = self.store.create(
                job_type,
                params,
                title=title or spec.title,
                priority=priority,
                heavy=spec.heavy if heavy is None else heavy,
                max_attempts=max_attempts or spec.max_attempts,
                parent_id=parent_id,
                retry_of=retry_of,
                inputs=inputs,
                remote_url=remote_url,
            )
            self.store.append_log(created.id, f"queued {job_type}" + (f" (retry of {retry_of})" if retry_of else ""))
            self.events.state(created.id, JobStatus.QUEUED)
        self._kick()
        return created.id

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued job at once, or signal a running one (it ends ``cancelled`` within ~1 s).

        A job this process ran whose end could not be recorded (a full disk) is over already:
        its end is written now if possible, else as soon as the disk allows; ``True`` either way."""
        with self._cv:
            token = self._tokens.get(job_id)
            pending = job_id in self._pending_ends
        if pending:
            self._finish_pending(job_id)
            return True
        if token is None and self._orphaned_here(job_id):
            self._end_orphan(job_id, JobStatus.CANCELLED, ("cancelled", "Cancelled.", None))
            return True
        if self.store.cancel_queued(job_id):
            self._log_quietly(job_id, "cancelled while queued")
            self.events.state(job_id, JobStatus.CANCELLED)
            return True
        if token is not None:
            self._log_quietly(job_id, "cancel requested")
            token.cancel()
            return True
        return False

    def _log_quietly(self, job_id: str, line: str) -> None:
        try:
            self.store.append_log(job_id, line)
        except Exception as exc:  # the log is a courtesy; the action must still happen
            log.warning("job %s: log line not written (%s): %s", job_id, exc, line)

    def _orphaned_here(self, job_id: str) -> bool:
        """A ``running`` row this process owns but no worker of it runs (its worker is gone)."""
        try:
            row = self.store._conn().execute("SELECT status, owner FROM jobs WHERE id = ?", (job_id,)).fetchone()
        except Exception:
            return False
        with self._cv:
            live = job_id in self._tokens
        return row is not None and row["status"] == JobStatus.RUNNING and row["owner"] == process_owner() and not live

    def _end_orphan(self, job_id: str, status: str, error: tuple[str, str, str | None]) -> None:
        self.store.finish(job_id, status, error=error)
        self._log_quietly(job_id, f"ended {status}: its worker had stopped")
        self.events.state(job_id, status)

    def _finish_pending(self, job_id: str | None = None) -> None:
        """Write the ends that could not be written before (all, or ``job_id``'s); keep the rest."""
        with self._cv:
            if job_id is None:
                todo = dict(self._pending_ends)
            else:  # the dispatcher may have written it a moment ago
                todo = {job_id: self._pending_ends[job_id]} if job_id in self._pending_ends else {}
        for jid, (status, error) in todo.items():
            try:
                self.store.finish(jid, status, error=error)
            except Exception as exc:
                log.warning("job %s: its end (%s) still cannot be recorded: %s", jid, status, exc)
                continue
            with self._cv:
                self._pending_ends.pop(jid, None)
            self._log_quietly(jid, f"{status} (recorded late: the disk was full or the store busy)")
            self.events.state(jid, status)

    def retry(self, job_id: str) -> str:
        """Run a finished job again as a new job linked by ``retry_of``; returns the new id."""
        old = self.store.get(job_id)
        if not old.is_finished:
            raise InvalidParameterError("Only a finished job can be retried.")
        return self.submit(
            old.type,
            old.params,
            title=old.title,
            priority=old.priority,
            heavy=old.heavy,
            parent_id=old.parent_id,
            retry_of=old.id,
            remote_url=old.remote_url,
        )

    def resume(self, job_id: str) -> str:
        """Re-queue the same job (interrupted, failed or cancelled); returns its id."""
        job = self.store.get(job_id)
        if job.status not in UNSUCCESSFUL_STATES:
            raise InvalidParameterError(f"A {job.status} job cannot be resumed.")
        with self._cv:  # see submit(): 'queued' must reach listeners before 'running'
            self.store.requeue(job_id, reset_attempts=True)
            self.store.append_log(job_id, f"resumed after {job.status}")
            self.events.state(job_id, JobStatus.QUEUED)
        self._kick()
        return job_id

    def delete(self, job_id: str, *, delete_files: bool = False, files_root: str | Path | None = None) -> None:
        """Forget a job (log and work dir too); ``delete_files`` also removes its outputs: the
        files the job registered, and with ``files_root`` only those inside that folder
        (symlinks resolved), which is what the HTTP API asks for."""
        with self._cv:
            pending = job_id in self._pending_ends
        if pending:
            self._finish_pending(job_id)
        elif self._orphaned_here(job_id):
            self._end_orphan(
                job_id, JobStatus.FAILED, ("internal", "The job's worker stopped without recording an end.", None)
            )
        job = self.store.get(job_id)
        if job.status == JobStatus.RUNNING:
            raise InvalidParameterError(
                "Cancel the job before deleting it."
                if not pending
                else "The disk is full: the job cannot be deleted until some space is free."
            )
        if delete_files:
            for path in _deletable_outputs(job, files_root):
                path.unlink(missing_ok=True)
        self.store.delete(job_id)

    # -- reads ------------------------------------------------------------------------
    def get(self, job_id: str) -> Job:
        return self.store.get(job_id)

    def list_jobs(self, **filters) -> list[Job]:
        """See :meth:`JobStore.list_jobs` (status=, type=, since=, until=, search=, limit=, offset=)."""
        return self.store.list_jobs(**filters)

    def job_types(self) -> list[str]:
        return self.registry.names()

    def running_ids(self) -> list[str]:
        with self._cv:
            return sorted(self._running_heavy | self._running_light)

    def wait(self, job_id: str, timeout: float | None = None) -> Job:
        """Block until the job is finished (after any automatic retries) or ``timeout``; returns it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.store.get(job_id)
            if job.is_finished:
                return job
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return job
            with self._cv:
                self._cv.wait(0.2 if remaining is None else min(0.2, remaining))

    def export_outputs(self, job_id: str, dest: str | Path, *, cancel: CancelToken | None = None) -> Path:
        """Zip a job's registered outputs into ``dest`` (atomically). Two outputs with the same
        file name (clips of different runs, say) keep both: the second gets its folder's name."""
        import zipfile

        from ..errors import InputNotFoundError
        from ..paths import atomic_output

        job = self.store.get(job_id)
        files = [Path(p) for p in job.outputs if Path(p).is_file()]
        if not files:
            raise InputNotFoundError("This job has no output files left to export.")
        dest = Path(dest)
        used: set[str] = set()
        with atomic_output(dest) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                name = path.name if path.name not in used else f"{path.parent.name}/{path.name}"
                used.add(name)
                zf.write(path, name)
        return dest

    def cli_command(self, job_id: str) -> str:
        """A shell command that runs the same job headless (``reframe run TYPE --params JSON``)."""
        import json

        job = self.store.get(job_id)
        return shlex.join(["reframe", "run", job.type, "--params", json.dumps(job.params, ensure_ascii=False)])

    # -- scheduling -------------------------------------------------------------------
    def _kick(self) -> None:
        if not self._started:
            self.start()
        with self._cv:
            self._wake_dispatcher()

    def _on_state(self, job_id: str, status: str) -> None:
        with self._cv:
            self._wake_dispatcher()

    def _wake_dispatcher(self) -> None:
        """Call with ``_cv`` held. The flag keeps a wake-up that arrives while the dispatcher
        is scanning (not waiting) from being lost until its next 2 s poll."""
        self._wake = True
        self._cv.notify_all()

    def _dispatch_loop(self) -> None:
        while True:
            with self._cv:
                if self._stopping:
                    return
                self._wake = False
            try:
                if self._pending_ends:
                    self._finish_pending()
                self._start_runnable()
                wake = self.store.next_wakeup()
            except Exception:  # a busy/broken database must not kill dispatching for good
                log.exception("job dispatch failed")
                wake = None
            # Also poll now and then: another process (CLI, HTTP API) may have queued work.
            timeout = 2.0 if wake is None else max(0.01, min(2.0, wake - time.time()))
            with self._cv:
                if not self._stopping and not self._wake:
                    self._cv.wait(timeout)

    def _start_runnable(self) -> None:
        for job in self.store.runnable_jobs(owner=process_owner()):
            with self._cv:
                if self._stopping:
                    return
                busy = self._running_heavy if job.heavy else self._running_light
                limit = self.heavy_slots if job.heavy else self.light_slots
                if len(busy) >= limit:
                    continue
                claimed = self.store.claim(job.id, process_owner())
                if claimed is None:  # cancelled or taken by another process meanwhile
                    continue
                token = CancelToken()
                self._tokens[job.id] = token
                busy.add(job.id)
            self._spawn(self._runner_for(claimed, token))

    def _runner_elsewhere(self, job: Job) -> Callable[[dict, Any], Any] | None:
        """Where ``job`` runs if not in this process: its Reframe server, or the ``run_elsewhere`` hook's pick."""
        if job.remote_url is not None:
            if self.remote_runner is None:
                from ..remote.runner import RemoteRunner

                self.remote_runner = RemoteRunner(self.store)
                self.remote_runner.stopping = lambda: self._stopping
            return self.remote_runner.runner_for(job)
        return self.run_elsewhere(job) if self.run_elsewhere is not None else None

    def _runner_for(self, job: Job, token: CancelToken) -> Callable[[], None]:
        def run() -> None:
            try:
                execute_job(
                    self.store,
                    job,
                    self.registry,
                    token,
                    self.events,
                    retry_base_delay=self.retry_base_delay,
                    stopping=lambda: self._stopping,
                    run_elsewhere=self._runner_elsewhere,
                )
            except UnrecordedEndError as lost:
                # Last resort: the dispatcher writes it once it can (and cancel/delete try too).
                log.error("%s; will retry", lost)
                with self._cv:
                    self._pending_ends[job.id] = (lost.status, lost.error)
            except BaseException:  # execute_job records everything; this is the last line of defence
                log.exception("job %s crashed its worker", job.id)
            finally:
                with self._cv:
                    self._tokens.pop(job.id, None)
                    self._running_heavy.discard(job.id)
                    self._running_light.discard(job.id)
                if job.id not in self._pending_ends and self._orphaned_here(job.id):
                    with self._cv:  # nothing recorded an end: never leave the row running
                        self._pending_ends[job.id] = (
                            JobStatus.FAILED,
                            ("internal", "The job stopped unexpectedly; see its log.", None),
                        )
                with self._cv:
                    self._wake_dispatcher()

        return run


def _deletable_outputs(job: Job, files_root: str | Path | None) -> list[Path]:
    """The job's registered output files, limited to ``files_root`` when given."""
    import os

    files = [Path(p) for p in job.outputs]
    if files_root is None:
        return files
    root = Path(os.path.realpath(files_root))
    return [p for p in files if Path(os.path.realpath(p)).is_relative_to(root) and not p.is_symlink()]


def _input_assets(params: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for key, value in params.items():
        if key not in INPUT_PARAM_KEYS and not key.startswith("input"):
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if isinstance(item, str) and item and Path(item).is_file():
                found.append((item, key))
    return found
