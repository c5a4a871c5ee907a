"""The registry of job types: a name → function mapping plus scheduling hints.

A job type is a function ``fn(params: dict, ctx: JobContext) -> JobOutcome | list | dict | None``
registered with :func:`job_type`::

    @job_type("captions", heavy=True, title="Captions")
    def captions_job(params, ctx):
        ...
        ctx.add_output(path, "srt")

``heavy`` jobs (transcription, renders) share the heavy slot(s) of the manager;
light ones run alongside. The built-in types (media_core/jobs/builtin.py) are
imported on the first lookup so that importing the job system stays cheap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ReframeError

if TYPE_CHECKING:  # pragma: no cover
    from .context import JobContext
    from .models import Job

JobFn = Callable[[dict, "JobContext"], Any]


_builtins_import_lock = threading.RLock()


class UnknownJobTypeError(ReframeError):
    code = "unknown_job_type"


@dataclass(frozen=True)
class JobTypeSpec:
    name: str
    fn: JobFn
    heavy: bool = False
    title: str = ""
    #: Total attempts for transient failures (1 = never retried automatically).
    max_attempts: int = 3
    #: ``cleanup(job)`` removes what an attempt killed mid-way (a crash, a power cut) left
    #: behind beyond the temporary files every job's outputs get swept of.
    cleanup: Callable[[Job], None] | None = None


class JobRegistry:
    def __init__(self, *, load_builtins: bool = True):
        self._types: dict[str, JobTypeSpec] = {}
        self._lock = threading.Lock()
        self._load_builtins = load_builtins
        self._builtins_loaded = False

    def register(
        self,
        name: str,
        fn: JobFn,
        *,
        heavy: bool = False,
        title: str = "",
        max_attempts: int = 3,
        cleanup: Callable[[Job], None] | None = None,
    ) -> JobTypeSpec:
        spec = JobTypeSpec(name, fn, heavy, title or name.replace("_", " ").capitalize(), max_attempts, cleanup)
        with self._lock:
            self._types[name] = spec
        return spec

    def unregister(self, name: str) -> None:
        """Forget ``name`` (a type a test or a plug-in registered for a while); no error if unknown."""
        with self._lock:
            self._types.pop(name, None)

    def job_type(
        self,
        name: str,
        *,
        heavy: bool = False,
        title: str = "",
        max_attempts: int = 3,
        cleanup: Callable[[Job], None] | None = None,
    ):
        """Decorator form of :meth:`register`."""

        def decorate(fn: JobFn) -> JobFn:
            self.register(name, fn, heavy=heavy, title=title, max_attempts=max_attempts, cleanup=cleanup)
            return fn

        return decorate

    def _ensure_builtins(self) -> None:
        if self._load_builtins and not self._builtins_loaded:
            # Marked loaded only after the import: a concurrent first lookup (the HTTP API
            # under load) used to see the flag before the types and answer "unknown type".
            with _builtins_import_lock:
                if not self._builtins_loaded:
                    from . import builtin  # noqa: F401  (registers into the default registry)

                    self._builtins_loaded = True

    def get(self, name: str) -> JobTypeSpec:
        self._ensure_builtins()
        with self._lock:
            spec = self._types.get(name)
        if spec is None:
            raise UnknownJobTypeError(
                f"Unknown job type: {name!r}.", detail=f"known types: {', '.join(sorted(self._types))}"
            )
        return spec

    def names(self) -> list[str]:
        self._ensure_builtins()
        with self._lock:
            return sorted(self._types)

    def __contains__(self, name: str) -> bool:
        self._ensure_builtins()
        return name in self._types


#: The process-wide registry used by JobManager unless given another one.
default_registry = JobRegistry()


def job_type(
    name: str,
    *,
    heavy: bool = False,
    title: str = "",
    max_attempts: int = 3,
    cleanup: Callable[[Job], None] | None = None,
):
    """Register ``fn(params, ctx)`` as job type ``name`` in the default registry."""
    return default_registry.job_type(name, heavy=heavy, title=title, max_attempts=max_attempts, cleanup=cleanup)
