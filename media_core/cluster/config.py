"""Cluster settings that both sides (server and worker) agree on; no Celery import here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidParameterError

#: One queue per capability. A GPU worker takes both; a CPU worker only ``cpu``.
QUEUE_CPU = "reframe.cpu"
QUEUE_GPU = "reframe.gpu"
#: Job types that run much faster on a GPU (faster-whisper on CUDA).
GPU_PREFERRING = frozenset({"captions"})
#: Redis puts an unacknowledged job back in the queue this long after it was handed out
#: (a worker killed mid-job). It must exceed the longest job, or a slow job runs twice.
DEFAULT_VISIBILITY_TIMEOUT = 3600.0
TASK_NAME = "reframe.run_job"


@dataclass(frozen=True)
class ClusterConfig:
    """``celery://redis://host:6379/0`` as given to ``reframe serve --backend``."""

    broker: str
    #: Route GPU-preferring jobs to the GPU queue (only when GPU workers exist, or they wait).
    route_gpu: bool = False
    visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT

    @classmethod
    def from_backend_url(cls, url: str, **kw: Any) -> ClusterConfig:
        scheme, sep, rest = url.partition("://")
        if not sep or scheme != "celery" or not rest.startswith(("redis://", "rediss://")):
            raise InvalidParameterError(f"Unknown backend {url!r}: use celery://redis://HOST:PORT/DB (a Redis broker).")
        return cls(broker=rest, **kw)


def queue_for(job_type: str, *, route_gpu: bool) -> str:
    return QUEUE_GPU if route_gpu and job_type in GPU_PREFERRING else QUEUE_CPU


def worker_queues(gpu: bool) -> list[str]:
    return [QUEUE_GPU, QUEUE_CPU] if gpu else [QUEUE_CPU]


def remap_paths(value: Any, src: str, dst: str) -> Any:
    """Every string starting with folder ``src`` rewritten to start with ``dst`` (JSON-like values).

    The shared storage may be mounted at different places on the server and on a worker."""
    if not src or src == dst:
        return value
    src_dir = src.rstrip("/\\")
    if isinstance(value, str):
        if value == src_dir or value.startswith((src_dir + "/", src_dir + "\\")):
            return dst.rstrip("/\\") + value[len(src_dir) :]
        return value
    if isinstance(value, dict):
        return {k: remap_paths(v, src, dst) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [remap_paths(v, src, dst) for v in value]
    return value


#: What `reframe serve --backend` and `reframe worker` say when Celery is missing.
NOT_INSTALLED = "The cluster backend is not installed: pip install 'reframe[cluster]'."


def broker_url(given: str | None, env_var: str) -> str | None:
    """The broker URL from the command line, else from ``env_var``. A URL with a password is
    refused on the command line: every user of the machine sees it in ``ps``."""
    if given and "@" in given:
        raise InvalidParameterError(
            f"A broker password on the command line is visible to every user: put the URL in {env_var}."
        )
    return given or os.environ.get(env_var)


def use_shared_dir(path: str | None) -> None:
    """``--shared``: the folder uploads and outputs live in, for this process and its jobs."""
    if path:
        os.environ["REFRAME_SHARED_DIR"] = os.path.abspath(path)
