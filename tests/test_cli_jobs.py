"""``reframe run``, ``reframe jobs`` and ``reframe serve`` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import shlex
import socket
import subprocess
import sys
import time

import httpx

from media_core.jobs import JobManager, JobStore


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "media_core", *args], capture_output=True, text=True, timeout=timeout)


def _lavfi(output) -> dict:
    return {
        "input": "testsrc=duration=1:size=160x120:rate=25",
        "lavfi": True,
        "duration": 1,
        "output": str(output),
        "args": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    }


def test_run_any_job_type_then_list_show_and_log_it(odd_dir):
    output = odd_dir / "sortie testée.mp4"
    done = cli("run", "ffmpeg_transcode", "--params", json.dumps(_lavfi(output)), "--quiet")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "succeeded" and result["outputs"] == [str(output)] and output.stat().st_size > 0

    listed = cli("jobs", "list", "--type", "ffmpeg_transcode")
    assert listed.returncode == 0 and result["id"][:12] in listed.stdout and "succeeded" in listed.stdout
    shown = json.loads(cli("jobs", "show", result["id"][:10]).stdout)
    assert shown["id"] == result["id"] and shown["outputs"] == [str(output)]
    assert "ffmpeg finished" in cli("jobs", "log", result["id"]).stdout


def test_bad_runs_give_one_clear_line():
    bad_json = cli("run", "ffmpeg_transcode", "--params", "{not json")
    assert bad_json.returncode == 2 and "not valid JSON" in bad_json.stderr and "Traceback" not in bad_json.stderr
    unknown = cli("run", "no_such_type")
    assert unknown.returncode == 2 and "Unknown job type" in unknown.stderr
    missing = cli("jobs", "show", "ffffffffffff")
    assert missing.returncode == 2 and "No job matches" in missing.stderr


def test_copied_cli_command_runs_the_same_job(tmp_path):
    """The Jobs tab's "Copy CLI command" must give a command that really works."""
    manager = JobManager(JobStore())
    try:
        job_id = manager.submit("ffmpeg_transcode", _lavfi(tmp_path / "first.mp4"))
        assert manager.wait(job_id, timeout=600).status == "succeeded"
        command = manager.cli_command(job_id)
    finally:
        manager.shutdown()
    argv = shlex.split(command)
    assert argv[:3] == ["reframe", "run", "ffmpeg_transcode"]
    (tmp_path / "first.mp4").unlink()
    again = cli(*argv[1:], "--quiet")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "first.mp4").stat().st_size > 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_on_localhost_with_the_stored_token():
    shown = cli("serve", "--show-token")
    assert shown.returncode == 0
    token = shown.stdout.strip()
    assert len(token) >= 32

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "media_core", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 600  # a hang guard: start-up is slow on a busy machine
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "the API never came up"
                time.sleep(0.2)
        assert health.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/job-types", timeout=5).status_code == 401
        headers = {"Authorization": f"Bearer {token}"}
        types = httpx.get(f"http://127.0.0.1:{port}/job-types", headers=headers, timeout=5).json()
        assert "captions" in json.dumps(types)
    finally:
        server.terminate()
        server.wait(timeout=10)
