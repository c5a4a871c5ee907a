"""The Celery application shared by ``reframe serve --backend celery://…`` and ``reframe worker``.

Why these settings (see docs/remote-and-cluster.md):
- ``task_acks_late`` + ``task_reject_on_worker_lost``: a job is acknowledged only when it
  ended, so a worker that dies mid-job leaves it unacknowledged and Redis hands it to
  another worker (after the visibility timeout).
- ``worker_prefetch_multiplier=1``: a worker reserves only the job it runs; the others
  stay in the queue for the other workers.
- JSON only: no pickle from the network.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from .config import QUEUE_CPU, TASK_NAME, ClusterConfig


def make_app(config: ClusterConfig) -> Celery:
    app = Celery("reframe", broker=config.broker, backend=config.broker, set_as_current=False)
    transport = {"visibility_timeout": config.visibility_timeout}
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_track_started=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue=QUEUE_CPU,
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        result_expires=7 * 86400,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )

    @app.task(name=TASK_NAME, bind=True)
    def run_job(task: Any, payload: dict) -> dict:
        from .worker import run_payload

        return run_payload(task, payload)

    return app


def cancel_key(task_id: str) -> str:
    """Redis key the server sets to ask the worker running ``task_id`` to stop."""
    return f"reframe:cancel:{task_id}"
