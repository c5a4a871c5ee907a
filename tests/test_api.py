"""The HTTP API over real HTTP on 127.0.0.1, running real ffmpeg jobs."""

from __future__ import annotations

import time

import httpx
import pytest

from media_core import errors
from media_core.api import ApiServer, ApiSettings
from media_core.jobs.manager import JobManager
from media_core.jobs.store import JobStore
from media_core.probe import probe


@pytest.fixture
def manager(tmp_path):
    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    mgr.start()
    yield mgr
    mgr.shutdown(timeout=5)


def _serve(manager, **settings):
    return ApiServer(manager, ApiSettings(enabled=True, port=0, **settings)).start()


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
        with httpx.Client(base_url=server.url, timeout=10) as client:
            assert client.get("/health").json()["status"] == "ok"
            assert "ffmpeg_transcode" in client.get("/job-types").json()
            out = tmp_path / "api out.mp4"
            created = client.post(
                "/jobs",
                json={
                    "type": "ffmpeg_transcode",
                    "params": {
                        "input": "testsrc2=size=320x240:rate=25:duration=2",
                        "lavfi": True,
                        "duration": 2,
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
        with httpx.Client(base_url=server.url, timeout=10) as client:
            job = client.post(
                "/jobs",
                json={
                    "type": "ffmpeg_transcode",
                    "params": {
                        "input": "testsrc2=size=320x240:rate=25:duration=60",
                        "lavfi": True,
                        "duration": 60,
                        "realtime": True,
                        "output": str(tmp_path / "long.mp4"),
                    },
                },
            ).json()
            _wait(client, job["id"], {"running"})
            assert client.post(f"/jobs/{job['id']}/cancel").json() == {"cancelled": True}
            assert _wait(client, job["id"], {"cancelled", "failed", "succeeded"})["status"] == "cancelled"
            assert not (tmp_path / "long.mp4").exists()

            unknown = client.post("/jobs", json={"type": "no-such-type"})
            assert unknown.status_code == 400 and unknown.json()["message"]
            assert client.get("/jobs/0000").status_code == 404
            bad = client.post("/jobs", json={"type": "ffmpeg_transcode", "params": {"input": "/nope.mp4"}}).json()
            failed = _wait(client, bad["id"], {"failed"})
            assert failed["error_code"] == "input_not_found"
            # Requests addressed to another host name are refused (DNS rebinding).
            assert client.get("/jobs", headers={"Host": "evil.example"}).status_code == 403
    finally:
        server.stop()


def test_lan_needs_a_token(manager):
    with pytest.raises(errors.InvalidParameterError):
        ApiServer(manager, ApiSettings(allow_lan=True, port=0))
    token = ApiSettings.new_token()
    server = _serve(manager, allow_lan=True, token=token)
    try:
        url = f"http://127.0.0.1:{server.port}"
        assert httpx.get(url + "/jobs").status_code == 401
        assert httpx.get(url + "/jobs", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert httpx.get(url + "/jobs", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        upload = httpx.post(
            url + "/files",
            headers={"Authorization": f"Bearer {token}"},
            files={"file": ("clip 1.srt", b"1\n00:00:00,000 --> 00:00:01,000\nhi\n")},
        )
        assert upload.status_code == 201 and upload.json()["size"] > 0
    finally:
        server.stop()
