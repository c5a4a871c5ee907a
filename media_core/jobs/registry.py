"""The registry of job types: a name → function mapping, its request model, scheduling hints.

A job type is a function ``fn(request, ctx: JobContext) -> JobOutcome | list | dict | None``
registered with :func:`job_type`. It declares its request model (pydantic), with which
:meth:`JobTypeSpec.validate` checks params at submit time, and it receives the validated
request::

    @job_type("captions", request=CaptionsJob, heavy=True, title="Captions")
    def captions_job(request: CaptionsJob, ctx):
        ...
        ctx.add_output(path, "srt")

A type registered without a request model receives its params as a plain dict, unchecked
(the job system's own tests use such types; every built-in type declares a model).

``heavy`` jobs (transcription, renders) share the heavy slot(s) of the manager;
light ones run alongside. The built-in types (media_core/jobs/builtin.py) are
imported on the first lookup so that importing the job system stays cheap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ..errors import InvalidParameterError, ReframeError
from .validation import validate_request

if TYPE_CHECKING:  # pragma: no cover
    from .context import JobContext
    from .models import Job

JobFn = Callable[[Any, "JobContext"], Any]


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
    #: The request model params are validated with (``None``: params stay an unchecked dict).
    request: type[BaseModel] | None = None

    def validate(self, params: Mapping[str, Any] | BaseModel | None) -> BaseModel | dict[str, Any]:
        """The typed request for ``params`` (a dict, or an instance of :attr:`request`);
        raises :class:`InvalidParameterError` with ``field_errors`` when a field is wrong."""
        if self.request is None:
            if isinstance(params, BaseModel):
                raise InvalidParameterError(f"The job type {self.name!r} takes a dict of params, not a model.")
            return dict(params or {})
        if isinstance(params, self.request):
            return params
        if isinstance(params, BaseModel):
            raise InvalidParameterError(
                f"The job type {self.name!r} takes a {self.request.__name__}, not a {type(params).__name__}."
            )
        return validate_request(self.request, params or {}, f"a {self.title or self.name} job")

    def params_of(self, request: BaseModel | dict[str, Any]) -> dict[str, Any]:
        """What the job store keeps: the request as JSON (retry and ``reframe run`` replay it)."""
        return request.model_dump(mode="json") if isinstance(request, BaseModel) else dict(request)


class JobRegistry:
    def __init__(self, *, load_builtins: bool = True):
        self._types: dict[str, JobTypeSpec] = {}
        self._lock = threading.Lock()
        self._load_builtins = load_builtins
        self._builtins_loaded = False
        self._builtins_lock = threading.RLock()

    def register(
        self,
        name: str,
        fn: JobFn,
        *,
        heavy: bool = False,
        title: str = "",
        max_attempts: int = 3,
        cleanup: Callable[[Job], None] | None = None,
        request: type[BaseModel] | None = None,
    ) -> JobTypeSpec:
        spec = JobTypeSpec(
            name, fn, heavy, title or name.replace("_", " ").capitalize(), max_attempts, cleanup, request
        )
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
        request: type[BaseModel] | None = None,
    ) -> Callable[[JobFn], JobFn]:
        """Decorator form of :meth:`register`."""

        def decorate(fn: JobFn) -> JobFn:
            self.register(
                name, fn, heavy=heavy, title=title, max_attempts=max_attempts, cleanup=cleanup, request=request
            )
            return fn

        return decorate

    def _ensure_builtins(self) -> None:
        if not self._load_builtins or self._builtins_loaded:
            return
        # Another thread (the window's warm-up) may be loading them right now: wait for it, and
        # only say "loaded" once every type is registered, or a lookup meanwhile finds none.
        with self._builtins_lock:
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

    def for_request(self, request: BaseModel) -> JobTypeSpec:
        """The job type whose request model ``request`` is an instance of."""
        self._ensure_builtins()
        with self._lock:
            specs = [spec for spec in self._types.values() if spec.request is type(request)]
        if len(specs) != 1:
            raise UnknownJobTypeError(
                f"No single job type takes a {type(request).__name__}.",
                detail=", ".join(spec.name for spec in specs) or "none",
            )
        return specs[0]

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
    request: type[BaseModel] | None = None,
) -> Callable[[JobFn], JobFn]:
    """Register ``fn(request, ctx)`` as job type ``name`` in the default registry."""
    return default_registry.job_type(
        name, heavy=heavy, title=title, max_attempts=max_attempts, cleanup=cleanup, request=request
    )
