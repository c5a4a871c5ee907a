"""FastAPI routes over a :class:`~media_core.jobs.manager.JobManager`.

Authentication: when a token is configured every route except ``/health`` needs
``Authorization: Bearer <token>``. Without a token the server only ever listens on
loopback (see :mod:`.server`), and the Host header must then be a loopback name so a
web page cannot reach the API through DNS rebinding.

Jobs are submitted with the same typed requests as the desktop and the CLI
(:mod:`media_core.jobs.requests`): ``POST /jobs/{type}`` takes that type's request model as
its body (each appears in the OpenAPI schema), and ``POST /jobs`` takes ``{type, params}``
and validates the params with the same model. A bad field answers 400 with
``field_errors`` (field → message).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, UploadFile
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

from .. import __version__
from ..errors import InvalidParameterError, ReframeError
from ..jobs.manager import JobManager
from ..jobs.models import Job
from ..jobs.validation import field_errors, summary
from ..paths import atomic_output, data_dir

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


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

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls(
            id=job.id,
            type=job.type,
            title=job.title,
            status=job.status,
            progress=job.progress,
            stage=job.stage,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            attempts=job.attempts,
            error_code=job.error_code,
            error_message=job.error_message,
            params=job.params,
            outputs=job.outputs,
            retry_of=job.retry_of,
        )


def create_app(manager: JobManager, *, token: str | None = None, loopback_only: bool = True) -> FastAPI:
    app = FastAPI(
        title="Reframe API",
        version=__version__,
        description="Submit and follow Reframe jobs (captions, renders, translation, shorts).",
    )

    def authorise(request: Request) -> None:
        host = (request.headers.get("host") or "").rsplit(":", 1)[0] if request.headers.get("host") else ""
        if loopback_only and host and host not in LOOPBACK_HOSTS:
            raise HTTPException(403, "This API only answers requests addressed to localhost.")
        if token:
            given = request.headers.get("authorization", "")
            scheme, _, value = given.partition(" ")
            if scheme.lower() != "bearer" or not secrets.compare_digest(value.strip(), token):
                raise HTTPException(401, "Missing or wrong API token.", headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(ReframeError)
    async def reframe_error(_request: Request, exc: ReframeError) -> JSONResponse:
        status = 404 if exc.code in ("job_not_found", "input_not_found") else 400
        body: dict[str, Any] = {"error": exc.code, "message": exc.message}
        if isinstance(exc, InvalidParameterError) and exc.field_errors:
            body["field_errors"] = exc.field_errors
        return JSONResponse(body, status_code=status)

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

    @app.get("/job-types", dependencies=[Depends(authorise)])
    def job_types() -> list[str]:
        return manager.job_types()

    @app.get("/jobs", dependencies=[Depends(authorise)])
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

    def submit_job(job: str | BaseModel, params: dict[str, Any] | None, title: str, priority: int) -> JobView:
        job_id = manager.submit(job, params, title=title, priority=priority)
        return JobView.of(manager.get(job_id))

    @app.post("/jobs", status_code=201, dependencies=[Depends(authorise)])
    def submit(body: SubmitRequest) -> JobView:
        return submit_job(body.type, body.params, body.title, body.priority)

    for name in manager.job_types():
        _add_typed_submit(app, name, manager.registry.get(name).request, submit_job, authorise)

    @app.get("/jobs/{job_id}", dependencies=[Depends(authorise)])
    def get_job(job_id: str) -> JobView:
        return JobView.of(_get(manager, job_id))

    @app.post("/jobs/{job_id}/cancel", dependencies=[Depends(authorise)])
    def cancel(job_id: str) -> dict:
        _get(manager, job_id)
        return {"cancelled": manager.cancel(job_id)}

    @app.post("/jobs/{job_id}/retry", status_code=201, dependencies=[Depends(authorise)])
    def retry(job_id: str) -> JobView:
        _get(manager, job_id)
        return JobView.of(manager.get(manager.retry(job_id)))

    @app.post("/jobs/{job_id}/resume", dependencies=[Depends(authorise)])
    def resume(job_id: str) -> JobView:
        _get(manager, job_id)
        return JobView.of(manager.get(manager.resume(job_id)))

    @app.delete("/jobs/{job_id}", dependencies=[Depends(authorise)])
    def delete(job_id: str, delete_files: bool = False) -> dict:
        _get(manager, job_id)
        manager.delete(job_id, delete_files=delete_files)
        return {"deleted": job_id}

    @app.get("/jobs/{job_id}/log", response_class=PlainTextResponse, dependencies=[Depends(authorise)])
    def job_log(job_id: str) -> str:
        _get(manager, job_id)
        return manager.store.get_log(job_id)

    @app.get("/jobs/{job_id}/outputs/{index}", dependencies=[Depends(authorise)])
    def output(job_id: str, index: int) -> FileResponse:
        outputs = _get(manager, job_id).outputs
        if not 0 <= index < len(outputs) or not Path(outputs[index]).is_file():
            raise HTTPException(404, "No such output.")
        # Only registered outputs are served, never an arbitrary path.
        return FileResponse(outputs[index], filename=Path(outputs[index]).name)

    @app.post("/files", status_code=201, dependencies=[Depends(authorise)])
    async def upload(file: UploadFile) -> dict:
        """Upload an input from another machine; returns the path to use in job params."""
        name = Path(file.filename or "upload.bin").name or "upload.bin"
        folder = data_dir() / "uploads" / secrets.token_hex(6)
        target = folder / name
        with atomic_output(target) as tmp, open(tmp, "wb") as fh:
            while chunk := await file.read(1 << 20):
                fh.write(chunk)
        return {"path": str(target), "size": target.stat().st_size}

    return app


def _add_typed_submit(app: FastAPI, name: str, model: type[BaseModel] | None, submit_job, authorise) -> None:
    """``POST /jobs/<name>`` with the job type's request model as the body (in the OpenAPI schema)."""
    if model is None:
        return

    def submit_typed(body, title: str = "", priority: int = 0) -> JobView:
        return submit_job(body, None, title, priority)

    # Set after the fact: the model is only known here, and FastAPI reads the annotations.
    submit_typed.__annotations__ = {"body": model, "title": str, "priority": int, "return": JobView}
    app.post(
        f"/jobs/{name}",
        status_code=201,
        dependencies=[Depends(authorise)],
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
