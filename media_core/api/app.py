"""FastAPI routes over a :class:`~media_core.jobs.manager.JobManager`.

Authentication: when a token is configured every route except ``/health`` needs
``Authorization: Bearer <token>``. Without a token the server only ever listens on
loopback (see :mod:`.server`), and the Host header must then be a loopback name so a
web page cannot reach the API through DNS rebinding.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

from .. import __version__
from ..errors import ReframeError
from ..jobs.manager import JobManager
from ..jobs.models import Job
from ..paths import atomic_output, data_dir

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class SubmitRequest(BaseModel):
    type: str
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
        return JSONResponse({"error": exc.code, "message": exc.message}, status_code=status)

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

    @app.post("/jobs", status_code=201, dependencies=[Depends(authorise)])
    def submit(body: SubmitRequest) -> JobView:
        job_id = manager.submit(body.type, body.params, title=body.title, priority=body.priority)
        return JobView.of(manager.get(job_id))

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


def _get(manager: JobManager, job_id: str) -> Job:
    try:
        return manager.get(job_id)
    except ReframeError:
        raise
    except KeyError:
        raise HTTPException(404, f"No job {job_id}.") from None
