"""What a cluster worker does with one job: the same execution path as a local run.

The worker keeps its own small job store (its history and logs; never the server's, which
stays on the server with one writer). It maps paths between the server's and its own mount
of the shared storage, runs the job through :func:`~media_core.jobs.execute.execute_job`,
publishes progress to the result backend and returns how it ended; the server records it.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
from typing import Any

from ..jobs.context import JobEvents
from ..jobs.execute import execute_job
from ..jobs.registry import default_registry
from ..jobs.store import JobStore
from ..paths import data_dir, shared_dir
from ..progress import CancelToken
from .app import cancel_key
from .config import remap_paths

#: Progress is published at most this often (each publish is a Redis write).
PUBLISH_INTERVAL = 0.5
#: How often a running job checks whether the server asked to cancel it.
CANCEL_POLL = 1.0


@functools.cache
def _store() -> JobStore:
    return JobStore(data_dir() / "worker" / "jobs.sqlite3")


def _local_root() -> str:
    root = shared_dir()
    return str(root) if root is not None else ""


def run_payload(task: Any, payload: dict) -> dict:
    """Run ``payload`` ({id, type, params, title, shared_root}); returns the end for the server."""
    hostname = task.request.hostname or socket.gethostname()
    server_root, local_root = payload.get("shared_root") or "", _local_root()
    params = remap_paths(payload["params"], server_root, local_root) if local_root else payload["params"]
    store = _store()
    job_id = payload["id"]
    if store.exists(job_id):  # handed to this worker again (redelivered after a crash)
        store.delete(job_id)
    # One attempt here: the server decides about retries (it may pick another worker).
    store.create(payload["type"], params, title=payload.get("title", ""), max_attempts=1, job_id=job_id)
    claimed = store.claim(job_id)
    assert claimed is not None

    last = [0.0]

    def publish(fraction: float, stage: str, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - last[0] >= PUBLISH_INTERVAL:
            last[0] = now
            meta = {"progress": fraction, "stage": stage, "worker": hostname, "pid": os.getpid()}
            task.update_state(state="PROGRESS", meta=meta)

    events = JobEvents()
    events.add(on_progress=lambda _jid, fraction, stage: publish(fraction, stage))
    cancel = CancelToken()
    done = threading.Event()
    watcher = threading.Thread(
        target=_watch_cancel, args=(task, cancel, done), daemon=True, name="reframe-cancel-watch"
    )
    publish(0.0, "Starting", force=True)
    watcher.start()
    try:
        final = execute_job(store, claimed, default_registry, cancel, events)
    finally:
        done.set()
    back = functools.partial(remap_paths, src=local_root, dst=server_root) if local_root else (lambda v: v)
    return {
        "status": final.status,
        "outputs": [[back(a.path), a.kind] for a in final.assets if a.role == "output"],
        "error": [final.error_code, final.error_message, final.error_detail] if final.error_code else None,
        "result": final.result,
        "worker": hostname,
        "log": store.get_log(job_id)[-20000:],
    }


def _watch_cancel(task: Any, cancel: CancelToken, done: threading.Event) -> None:
    client = task.app.backend.client  # the Redis result backend's connection
    key = cancel_key(task.request.id)
    while not done.wait(CANCEL_POLL):
        try:
            if client.exists(key):
                cancel.cancel()
                return
        except Exception:  # a broker hiccup must not stop the job
            continue


def start_worker(app: Any, *, queues: list[str], name: str | None) -> None:
    """Run a Celery worker in this process: one job at a time (a job already uses the cores)."""
    argv = [
        "worker",
        "--pool=solo",
        "--concurrency=1",
        f"--queues={','.join(queues)}",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    if name:
        argv.append(f"--hostname={name}")
    app.worker_main(argv=argv)
