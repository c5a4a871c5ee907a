"""Disk-full scenarios, run in a process of their own by tests/test_disk_full.py.

``python -m tests.disk_full_run DATA_DIR RESULT_JSON MODE``: ``DATA_DIR`` is the data
folder (job store, logs, outputs) on a small real file system (``MODE=tmpfs``), or on the
normal disk with the kernel's file size limit as the fault (``MODE=rlimit``,
RLIMIT_FSIZE; SIGXFSZ ignored so writers get EFBIG as they would ENOSPC).

A. a render fills the disk: the job must end ``failed`` (disk_full), leave no partial
   output, and the next job must run.
B. the disk is completely full while a failure is being recorded (log and SQLite writes
   fail for real): cancel must still answer, and once space is back the job must end
   ``failed`` (disk_full) instead of staying ``running``; delete and the next job work.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from pathlib import Path

DATA, RESULT, MODE = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
os.environ["REFRAME_DATA_DIR"] = str(DATA)

from media_core.errors import DiskFullError, error_from_oserror  # noqa: E402
from media_core.jobs.manager import JobManager  # noqa: E402
from media_core.jobs.registry import job_type  # noqa: E402
from media_core.jobs.store import JobStore  # noqa: E402
from media_core.paths import TEMP_MARKER, outputs_dir  # noqa: E402

#: Size of the small disk (tmpfs) or the file size limit (rlimit).
LIMIT = 24 * 1024 * 1024
FILLER = DATA / "filler.bin"


def fill_disk() -> None:
    if MODE == "rlimit":  # no file may grow any more: what a full disk means to a writer
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        return
    with open(FILLER, "wb", buffering=0) as fh:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError:
                pass


def free_space() -> None:
    if MODE == "rlimit":
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
        return
    FILLER.unlink()


@job_type("fill_disk_then_fail", title="Fill the disk")
def fill_disk_then_fail(params: dict, ctx) -> None:
    """Another program fills the disk while this job runs; the job's next write fails."""
    fill_disk()
    target = ctx.work_dir / "late.bin"
    try:
        with open(target, "wb", buffering=0) as fh:
            fh.write(b"x" * 65536)
    except OSError as exc:
        raise (error_from_oserror(exc, target) or exc) from exc
    raise DiskFullError("expected the disk to be full")


def wait_for(predicate, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def leftovers() -> list[str]:
    return sorted(str(p.relative_to(DATA)) for p in outputs_dir().rglob("*") if p.is_file())


def small_job(manager: JobManager, name: str) -> str:
    return manager.submit(
        "ffmpeg_transcode",
        {
            "input": "testsrc2=size=64x48:rate=5:duration=1",
            "lavfi": True,
            "duration": 1,
            "output": str(outputs_dir() / f"{name}.mp4"),
            "args": ["-c:v", "libx264", "-preset", "ultrafast"],
        },
    )


def api_while_full(manager: JobManager) -> dict:
    """The HTTP app (in-process ASGI, real routes) on the full disk: clear answers, no 500."""
    from fastapi.testclient import TestClient

    from media_core.api import create_app
    from media_core.api.token import new_token

    token = new_token()
    app = create_app(manager, token=token)
    client = TestClient(app, base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {token}"})
    upload = client.post("/files", files={"file": ("clip.srt", b"1\n00:00:00,000 --> 00:00:01,000\nhi\n" * 2000)})
    listing = client.get("/jobs")
    return {"upload": upload.status_code, "upload_error": upload.json().get("error"), "list": listing.status_code}


def main() -> None:
    if MODE == "rlimit":
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # inherited by ffmpeg: EFBIG instead of a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    manager = JobManager(JobStore(DATA / "jobs.sqlite3"), heavy_slots=1, retention_days=0)
    manager.start()
    result: dict = {"mode": MODE}

    # A. ffmpeg writes raw video until the disk is full.
    render = manager.submit(
        "ffmpeg_transcode",
        {
            "input": "testsrc2=size=320x240:rate=25:duration=600",
            "lavfi": True,
            "duration": 600,
            "output": str(outputs_dir() / "render.mkv"),
            "args": ["-c:v", "rawvideo", "-pix_fmt", "yuv420p"],
        },
    )
    job = manager.wait(render, timeout=300)
    result["render"] = {"status": job.status, "code": job.error_code, "message": job.error_message}
    result["render_leftovers"] = [p for p in leftovers() if "render" in p or TEMP_MARKER in p]
    after = manager.wait(small_job(manager, "after-render"), timeout=120)
    result["after_render"] = after.status

    # B. the disk is full while the failure is being recorded.
    doomed = manager.submit("fill_disk_then_fail", {})
    wait_for(lambda: manager.store.get(doomed).status != "queued")
    wait_for(lambda: not manager.running_ids())
    result["status_while_full"] = manager.store.get(doomed).status
    result["cancel_while_full"] = manager.cancel(doomed)
    result["api_while_full"] = api_while_full(manager)
    free_space()
    wait_for(lambda: manager.store.get(doomed).status != "running", timeout=60)
    job = manager.store.get(doomed)
    result["recorded"] = {"status": job.status, "code": job.error_code, "message": job.error_message}
    after = manager.wait(small_job(manager, "after-full"), timeout=120)
    result["after_full"] = after.status
    manager.delete(doomed)
    result["deleted"] = not manager.store.exists(doomed)
    manager.shutdown(timeout=10)
    RESULT.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
