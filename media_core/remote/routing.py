"""Which jobs the desktop sends to the Reframe server chosen in Settings."""

from __future__ import annotations

from ..api.path_policy import POLICIES
from ..settings import EngineSettings, engine_settings


def can_run_remotely(job_type: str) -> bool:
    """Job types the API accepts and that do not rewrite a local file in place."""
    policy = POLICIES.get(job_type)
    return policy is not None and not policy.in_place


def remote_url_for(job_type: str, *, heavy: bool, settings: EngineSettings | None = None) -> str | None:
    """The server a new job of this type goes to, or ``None`` to run it here.

    Only heavy jobs (transcription, renders) move: light ones are quicker here than an upload."""
    remote = (settings or engine_settings()).remote
    if not remote.active or not heavy or not can_run_remotely(job_type):
        return None
    return remote.url.strip().rstrip("/")
