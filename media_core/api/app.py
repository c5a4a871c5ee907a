"""FastAPI routes over a :class:`~media_core.jobs.manager.JobManager`.

Every request first passes :class:`~.guard.ApiGuard` (Host, Origin, token on every
route but ``/health``, content types, size caps). Job params then pass
:func:`~.path_policy.check_api_params`: an API client reads only uploads and folders the
user allowed, and writes only under the outputs folder.

Jobs are submitted with the same typed requests as the desktop and the CLI
(:mod:`media_core.jobs.requests`): ``POST /jobs/{type}`` takes that type's request model as
its body (each appears in the OpenAPI schema), and ``POST /jobs`` takes ``{type, params}``
and validates the params with the same model. A bad field answers 400 with
``field_errors`` (field → message).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request, UploadFile
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

from .. import __version__
from ..errors import InvalidParameterError, ReframeError
from ..jobs.manager import JobManager
from ..jobs.models import Job
from ..jobs.validation import field_errors, summary, validate_request
from ..paths import atomic_output, outputs_dir
from ..settings import ApiSettings
from .guard import LOOPBACK_HOSTS, ApiGuard
from .path_policy import PathNotAllowedError, check_api_params, upload_root
from .token import TokenSource

__all__ = ["LOOPBACK_HOSTS", "create_app"]

#: HTTP status per error code; any other ReframeError is a 400.
_STATUS = {"job_not_found": 404, "input_not_found": 404, PathNotAllowedError.code: 403, "disk_full": 507}


class SubmitRequest(BaseModel):
    type: str
    #: The job type's request fields (``POST /jobs/{type}`` documents each type's model).
    params: dict[str, Any] = Field(default_factory=dict)
    title: str = ""
    priority: int = 0


class JobView(BaseModel):
    id: str
    type: str
    title: str
    status: str
    progress: float
    stage: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    attempts: int
    error_code: str | None
    error_message: str | None
    params: dict[str, Any]
    outputs: list[str]
    retry_of: str | None
    #: The job's small summary (on a cluster: ``worker``, the worker that ran it).
    result: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls.model_validate(job, from_attributes=True)


def create_app(
    manager: JobManager,
    *,
    token: str | None = None,
    loopback_only: bool = True,
    settings: ApiSettings | None = None,
) -> FastAPI:
    """``token`` fixes the token; by default the stored one is used (and created if needed)."""
    settings = settings or ApiSettings()
    app = FastAPI(
        title="Reframe API",
        version=__version__,
        description="Submit and follow Reframe jobs (captions, renders, translation, shorts).",
    )
    app.add_middleware(
        ApiGuard,
        tokens=TokenSource(token),
        loopback_only=loopback_only,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    submit_lock = threading.Lock()

    def check_params(job_type: str, params: dict[str, Any]) -> None:
        check_api_params(job_type, params, extra_input_roots=settings.input_folders)

    @app.exception_handler(ReframeError)
    async def reframe_error(_request: Request, exc: ReframeError) -> JSONResponse:
        body: dict[str, Any] = {"error": exc.code, "message": exc.message}
        if isinstance(exc, InvalidParameterError) and exc.field_errors:
            body["field_errors"] = exc.field_errors
        return JSONResponse(body, status_code=_STATUS.get(exc.code, 400))

    @app.exception_handler(sqlite3.Error)
    async def store_error(_request: Request, exc: sqlite3.Error) -> JSONResponse:
        """The job store failed (full disk, busy): a clear answer instead of a traceback."""
        name = getattr(exc, "sqlite_errorname", "")
        if name == "SQLITE_FULL":
            status, code, message = 507, "disk_full", "The disk is full: the job history cannot be updated."
        elif name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            status, code, message = 503, "store_busy", "The job history is busy; try again in a moment."
        else:
            status, code, message = 500, "store_error", f"The job history could not be read or written ({name})."
        headers = {"Retry-After": "2"} if status == 503 else None
        return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)

    typed_submits = {f"/jobs/{name}": manager.registry.get(name).request for name in manager.job_types()}

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # A typed submit answers like POST /jobs does, so clients handle one error shape.
        if request.method != "POST" or request.url.path not in typed_submits:
            return await request_validation_exception_handler(request, exc)
        flat_groups = tuple(getattr(typed_submits[request.url.path], "FLAT_GROUPS", ()))
        errors = field_errors(exc.errors(), flat_groups, skip=("body",))
        message = f"Invalid settings for this job: {summary(errors).rstrip('.')}."
        return JSONResponse(
            {"error": InvalidParameterError.code, "message": message, "field_errors": errors}, status_code=400
        )

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "version": __version__}

    @app.get("/server-info")
    def server_info() -> dict:
        """What a remote desktop needs to place outputs: the folder API jobs may write into."""
        return {"version": __version__, "outputs_dir": str(outputs_dir()), "job_types": manager.job_types()}

    @app.get("/job-types")
    def job_types() -> list[str]:
        return manager.job_types()

    @app.get("/jobs")
    def list_jobs(
        status: str | None = None,
        type: str | None = None,
        search: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0),
    ) -> list[JobView]:
        jobs = manager.list_jobs(
            status=status.split(",") if status else None,
            type=type.split(",") if type else None,
            search=search,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
        return [JobView.of(j) for j in jobs]

    def submit_job(job_type: str, job: str | BaseModel, params: dict[str, Any] | None, title: str, priority: int):
        """Path policy on what the client sent, the queue cap, then the manager's own checks."""
        spec = manager.registry.get(job_type)  # an unknown type is a 400 before anything else
        if not isinstance(job, BaseModel) and spec.request is not None:
            # Bad fields are a 400 with field_errors, whatever the paths in them say.
            validate_request(spec.request, params or {}, f"this {job_type} job")
        sent = job.model_dump(mode="json") if isinstance(job, BaseModel) else dict(params or {})
        check_params(job_type, sent)
        with submit_lock:  # count and queue together: a flood cannot slip past the cap
            if manager.store.count_jobs(status="queued") >= settings.max_queued_jobs:
                raise HTTPException(
                    429,
                    f"{settings.max_queued_jobs} jobs are already waiting; try again when some have run.",
                    headers={"Retry-After": "5"},
                )
            job_id = manager.submit(job, params, title=title, priority=priority)
        return JobView.of(manager.get(job_id))

    @app.post("/jobs", status_code=201)
    def submit(body: SubmitRequest) -> JobView:
        return submit_job(body.type, body.type, body.params, body.title, body.priority)

    for name in manager.job_types():
        _add_typed_submit(app, name, manager.registry.get(name).request, submit_job)

    @app.get("/jobs/{job_id}")
    def get_job(job_id: str) -> JobView:
        return JobView.of(_get(manager, job_id))

    @app.post("/jobs/{job_id}/cancel")
    def cancel(job_id: str) -> dict:
        _get(manager, job_id)
        return {"cancelled": manager.cancel(job_id)}

    @app.post("/jobs/{job_id}/retry", status_code=201)
    def retry(job_id: str) -> JobView:
        old = _get(manager, job_id)
        check_params(old.type, old.params)  # a job the desktop queued may write where an API client may not
        return JobView.of(manager.get(manager.retry(job_id)))

    @app.post("/jobs/{job_id}/resume")
    def resume(job_id: str) -> JobView:
        old = _get(manager, job_id)
        check_params(old.type, old.params)
        return JobView.of(manager.get(manager.resume(job_id)))

    @app.delete("/jobs/{job_id}")
    def delete(job_id: str, delete_files: bool = False) -> dict:
        job = _get(manager, job_id)
        if delete_files:
            # Only files the job registered as its outputs, and only inside the outputs folder.
            root = Path(os.path.realpath(outputs_dir()))
            foreign = [p for p in job.outputs if not Path(os.path.realpath(p)).is_relative_to(root)]
            if foreign:
                raise PathNotAllowedError(
                    "This job's files are outside the outputs folder; an API client cannot delete them.",
                    detail=", ".join(foreign),
                )
        manager.delete(job_id, delete_files=delete_files, files_root=outputs_dir())
        return {"deleted": job_id}

    @app.get("/jobs/{job_id}/log", response_class=PlainTextResponse)
    def job_log(job_id: str) -> str:
        _get(manager, job_id)
        return manager.store.get_log(job_id)

    @app.get("/jobs/{job_id}/outputs/{index}")
    def output(job_id: str, index: int) -> FileResponse:
        outputs = _get(manager, job_id).outputs
        if not 0 <= index < len(outputs) or not Path(outputs[index]).is_file():
            raise HTTPException(404, "No such output.")
        # Only registered outputs are served, never an arbitrary path.
        return FileResponse(outputs[index], filename=Path(outputs[index]).name)

    @app.post("/files", status_code=201)
    async def upload(file: UploadFile) -> dict:
        """Upload an input from another machine; returns the path to use in job params."""
        name = Path((file.filename or "").replace("\\", "/")).name.lstrip(".") or "upload.bin"
        folder = upload_root() / secrets.token_hex(8)
        target = folder / name
        with atomic_output(target) as tmp, open(tmp, "wb") as fh:
            while chunk := await file.read(1 << 20):
                fh.write(chunk)
        return {"path": str(target), "size": target.stat().st_size}

    return app


def _add_typed_submit(app: FastAPI, name: str, model: type[BaseModel] | None, submit_job) -> None:
    """``POST /jobs/<name>`` with the job type's request model as the body (in the OpenAPI schema)."""
    if model is None:
        return

    def submit_typed(body, title: str = "", priority: int = 0) -> JobView:
        return submit_job(name, body, None, title, priority)

    # Set after the fact: the model is only known here, and FastAPI reads the annotations.
    submit_typed.__annotations__ = {"body": model, "title": str, "priority": int, "return": JobView}
    app.post(
        f"/jobs/{name}",
        status_code=201,
        name=f"submit_{name}",
        summary=f"Submit a {name} job",
        description=(model.__doc__ or "").strip(),
    )(submit_typed)


def _get(manager: JobManager, job_id: str) -> Job:
    try:
        return manager.get(job_id)
    except ReframeError:
        raise
    except KeyError:
        raise HTTPException(404, f"No job {job_id}.") from None
