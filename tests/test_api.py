"""The HTTP API over real HTTP on 127.0.0.1, running real ffmpeg jobs.

Hostile requests have their own suite: tests/test_api_attacks.py."""

from __future__ import annotations

import subprocess
import time

import httpx
import pytest

from media_core.api import ApiServer, ApiSettings
from media_core.api.token import new_token
from media_core.ffmpeg import ffmpeg_exe
from media_core.jobs.manager import JobManager
from media_core.jobs.store import JobStore
from media_core.paths import outputs_dir
from media_core.probe import probe

TOKEN = new_token()
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def manager(tmp_path):
    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    mgr.start()
    yield mgr
    mgr.shutdown(timeout=5)


def _serve(manager, token=TOKEN, **settings):
    return ApiServer(manager, ApiSettings(enabled=True, port=0, **settings), token=token).start()


def make_clip(path, seconds: float = 2.0) -> bytes:
    """A real little H.264 clip (what a script would upload)."""
    source = f"testsrc2=size=160x120:rate=10:duration={seconds}"
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", source, *encode, str(path)], check=True)
    return path.read_bytes()


def upload(client, name: str, data: bytes) -> str:
    response = client.post("/files", files={"file": (name, data)})
    assert response.status_code == 201, response.text
    return response.json()["path"]


def _wait(client, job_id, statuses, timeout=600):  # a hang guard, generous on a busy machine
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job_id}").json()
        if job["status"] in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job stayed {job['status']}")


def test_submit_follow_and_download(manager, tmp_path):
    server = _serve(manager)
    try:
        with httpx.Client(base_url=server.url, timeout=10, headers=AUTH) as client:
            assert client.get("/health").json()["status"] == "ok"
            assert "ffmpeg_transcode" in client.get("/job-types").json()
            source = upload(client, "clip.mp4", make_clip(tmp_path / "clip.mp4"))
            out = outputs_dir() / "api test" / "api out.mp4"
            created = client.post(
                "/jobs",
                json={
                    "type": "ffmpeg_transcode",
                    "params": {
                        "input": source,
                        "output": str(out),
                        "args": ["-c:v", "libx264", "-preset", "ultrafast"],
                    },
                },
            )
            assert created.status_code == 201
            job = _wait(client, created.json()["id"], {"succeeded", "failed"})
            assert job["status"] == "succeeded", job
            assert job["outputs"] == [str(out)]
            data = client.get(f"/jobs/{job['id']}/outputs/0")
            assert data.status_code == 200 and data.content == out.read_bytes()
            assert client.get(f"/jobs/{job['id']}/outputs/1").status_code == 404
            assert "$ " in client.get(f"/jobs/{job['id']}/log").text  # the ffmpeg command line
            listed = client.get("/jobs", params={"status": "succeeded"}).json()
            assert [j["id"] for j in listed] == [job["id"]]
    finally:
        server.stop()
    assert probe(out).duration == pytest.approx(2.0, abs=0.1)


def test_cancel_and_errors_over_http(manager, tmp_path):
    server = _serve(manager)
    try:
        with httpx.Client(base_url=server.url, timeout=10, headers=AUTH) as client:
            source = upload(client, "long.mp4", make_clip(tmp_path / "long.mp4", 60))
            long_out = outputs_dir() / "api test" / "long.mp4"
            job = client.post(
                "/jobs",
                json={
                    "type": "ffmpeg_transcode",
                    "params": {"input": source, "realtime": True, "output": str(long_out)},
                },
            ).json()
            _wait(client, job["id"], {"running"})
            assert client.post(f"/jobs/{job['id']}/cancel").json() == {"cancelled": True}
            assert _wait(client, job["id"], {"cancelled", "failed", "succeeded"})["status"] == "cancelled"
            assert not long_out.exists()

            unknown = client.post("/jobs", json={"type": "no-such-type"})
            assert unknown.status_code == 400 and unknown.json()["message"]
            assert client.get("/jobs/0000").status_code == 404
            missing = str(outputs_dir() / "nope.mp4")
            bad = client.post("/jobs", json={"type": "ffmpeg_transcode", "params": {"input": missing}}).json()
            failed = _wait(client, bad["id"], {"failed"})
            assert failed["error_code"] == "input_not_found"
            # Requests addressed to another host name are refused (DNS rebinding).
            assert client.get("/jobs", headers={"Host": "evil.example"}).status_code == 403
    finally:
        server.stop()


def test_typed_submit_routes_and_field_errors(manager, tmp_path):
    """Each job type has POST /jobs/<type> taking its request model (in the OpenAPI schema);
    a bad field answers 400 with field_errors on both submit routes, and nothing is queued."""
    server = _serve(manager)
    try:
        with httpx.Client(base_url=server.url, timeout=30, headers=AUTH) as client:
            schema = client.get("/openapi.json").json()
            for name in manager.job_types():
                body = schema["paths"][f"/jobs/{name}"]["post"]["requestBody"]["content"]["application/json"]
                assert body["schema"]["$ref"].endswith("Job"), name
            assert "CaptionsJob" in schema["components"]["schemas"]

            typed = client.post("/jobs/cut", json={"input": "in.mp4", "start": 2, "end": 1, "bogus": 1})
            assert typed.status_code == 400, typed.text
            assert typed.json()["error"] == "invalid_parameter"
            assert set(typed.json()["field_errors"]) == {"end", "out", "bogus"}
            generic = client.post("/jobs", json={"type": "captions", "params": {"input": "a.mp4", "max_lines": 9}})
            assert generic.status_code == 400 and list(generic.json()["field_errors"]) == ["max_lines"]
            assert client.get("/jobs").json() == []

            source = upload(client, "clip.mp4", make_clip(tmp_path / "clip.mp4", 1))
            out = outputs_dir() / "api test" / "typed.mp4"
            created = client.post(
                "/jobs/ffmpeg_transcode",
                params={"title": "typed"},
                json={"input": source, "output": str(out), "args": ["-c:v", "libx264", "-preset", "ultrafast"]},
            )
            assert created.status_code == 201, created.text
            job = _wait(client, created.json()["id"], {"succeeded", "failed"})
            assert job["status"] == "succeeded" and job["title"] == "typed" and job["outputs"] == [str(out)]
            # The typed routes go through the same path policy as POST /jobs.
            outside = client.post("/jobs/ffmpeg_transcode", json={"input": source, "output": str(tmp_path / "x.mp4")})
            assert outside.status_code == 403, outside.text
    finally:
        server.stop()


def test_lan_access_uses_the_stored_token(manager):
    from media_core.api.token import load_or_create_token, regenerate_token, token_path

    stored = load_or_create_token()
    assert token_path().stat().st_mode & 0o777 == 0o600
    server = _serve(manager, token=None, allow_lan=True)
    try:
        url = f"http://127.0.0.1:{server.port}"
        assert httpx.get(url + "/jobs").status_code == 401
        assert httpx.get(url + "/jobs", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert httpx.get(url + "/jobs", headers={"Authorization": f"Bearer {stored}"}).status_code == 200
        upload_ok = httpx.post(
            url + "/files",
            headers={"Authorization": f"Bearer {stored}"},
            files={"file": ("clip 1.srt", b"1\n00:00:00,000 --> 00:00:01,000\nhi\n")},
        )
        assert upload_ok.status_code == 201 and upload_ok.json()["size"] > 0
        # Regenerated (as Settings does): the old token stops working at once, the new one works.
        fresh = regenerate_token()
        assert httpx.get(url + "/jobs", headers={"Authorization": f"Bearer {stored}"}).status_code == 401
        assert httpx.get(url + "/jobs", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    finally:
        server.stop()
