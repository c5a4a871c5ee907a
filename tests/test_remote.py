"""Remote Reframe over loopback: this process (the desktop's engine side) sends a captions
job and a render job to a `reframe serve` child process; outputs arrive in the local
outputs folder. Killing the server mid-render leaves the local row `interrupted`; after a
restart the watcher resumes it and the render completes. Plus `reframe run --remote`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from media_core.api.token import new_token
from media_core.jobs.store import JobStore
from media_core.paths import outputs_dir
from media_core.probe import probe
from media_core.remote import RemoteClient, RemoteWatcher, remote_manager
from media_core.remote.client import RemoteAuthError
from tests.processes import REPO, free_port, reframe, stop, wait_port

TOKEN = new_token()


class Server:
    """`reframe serve` in a process group of its own, with its own data and config folders."""

    def __init__(self, root):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            "REFRAME_DATA_DIR": str(root / "data"),
            "REFRAME_CONFIG_DIR": str(root / "config"),
            "REFRAME_CACHE_DIR": str(root / "cache"),
            "REFRAME_API_TOKEN": TOKEN,
        }
        self.proc = None

    def start(self):
        self.proc = reframe(
            ["serve", "--port", str(self.port)], log=self.root / "serve.log", env=self.env, new_session=True
        )
        wait_port(self.port, self.proc, log=self.root / "serve.log")
        return self

    def signal(self, sig):
        os.killpg(self.proc.pid, sig)

    def kill(self):
        self.signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            stop(self.proc)

    def job_status(self, remote_id):
        """Read straight from the server's own job store (works while the server is frozen)."""
        return JobStore(self.root / "data" / "jobs.sqlite3").get(remote_id).status


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path / "server").start()
    yield srv
    srv.stop()


def _wait(manager, job_id, predicate, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = manager.get(job_id)
        if predicate(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} stayed {manager.get(job_id).status}: {manager.store.get_log(job_id)}")


def test_connection_checks_reachability_and_token(server):
    with RemoteClient(server.url, TOKEN) as client:
        info = client.test_connection()
    assert info["outputs_dir"] == str(server.root / "data" / "outputs")
    assert "captions" in info["job_types"]
    with RemoteClient(server.url, "x" * 43) as client, pytest.raises(RemoteAuthError):
        client.test_connection()
    assert httpx.get(f"{server.url}/server-info").status_code == 401


@pytest.mark.timeout(900)
def test_captions_and_render_on_a_server_that_restarts(server, tmp_path, jfk_wav, bbb_trailer):
    manager, runner = remote_manager(
        JobStore(tmp_path / "desktop" / "jobs.sqlite3"), token_for=lambda _u: TOKEN, grace=3
    )
    watcher = RemoteWatcher(manager, runner.token_for, interval=1.0)
    try:
        captions = manager.submit(
            "captions",
            {"input": str(jfk_wav), "model": "tiny.en", "language": "en", "threads": 1, "formats": "srt"},
            remote_url=server.url,
        )
        job = manager.wait(captions, timeout=300)
        assert job.status == "succeeded", manager.store.get_log(captions)
        assert job.is_remote and job.remote_id and job.remote_url == server.url
        srt = outputs_dir() / "jfk" / "jfk.srt"  # where the server put it, relative to the outputs folder
        assert job.outputs == [str(srt)]
        assert "country" in srt.read_text(encoding="utf-8").lower()
        assert job.remote_id != job.id and "sent to" in manager.store.get_log(captions)

        target = outputs_dir() / "remote render" / "render.mp4"
        params = {
            "input": str(bbb_trailer),
            "output": str(target),
            "trim": {"start": 0, "end": 20},
            "reframe": {"aspect": "9:16", "strategy": "blur_bg", "height": 320},
        }
        render = _kill_server_mid_render(manager, server, params)
        interrupted = _wait(manager, render, lambda j: j.is_finished, timeout=120)
        assert interrupted.status == "interrupted", manager.store.get_log(render)
        assert not target.exists()

        server.start()  # same port, same data: its recovery marks its side interrupted too
        watcher.start()  # resumes the local row once the server answers
        done = _wait(manager, render, lambda j: j.status == "succeeded" or j.status == "failed", timeout=300)
    finally:
        watcher.stop()
        manager.shutdown(timeout=5)
    assert done.status == "succeeded", manager.store.get_log(render)
    assert done.outputs == [str(target)]
    info = probe(target)
    assert info.duration == pytest.approx(20.0, abs=0.3)
    log = manager.store.get_log(render)
    assert "stopped answering" in log or "stopped while running" in log
    assert "resumed job" in log and done.remote_id in log


def _kill_server_mid_render(manager, server, params) -> str:
    """Submit renders until one is provably unfinished on a frozen server; SIGKILL the server then."""
    for _ in range(3):
        render = manager.submit("render_styled", params, remote_url=server.url)
        job = _wait(manager, render, lambda j: j.is_finished or (j.remote_id and j.progress > 0), timeout=300)
        assert not job.is_finished or job.status == "succeeded", manager.store.get_log(render)
        if job.is_finished:
            continue
        server.signal(signal.SIGSTOP)  # the server and its ffmpeg are frozen: nothing can finish now
        if server.job_status(job.remote_id) == "running":
            server.kill()
            return render
        server.signal(signal.SIGCONT)
    raise AssertionError("every render finished before the server could be stopped")


def test_cli_run_remote_downloads_into_the_local_outputs(server, tmp_path, jfk_wav):
    env = {**os.environ, "PYTHONPATH": str(REPO), "REFRAME_REMOTE_TOKEN": TOKEN}
    env["REFRAME_DATA_DIR"] = str(tmp_path / "cli-data")
    out = tmp_path / "cli-data" / "outputs" / "cli" / "jfk.wav"
    params = {"input": str(jfk_wav), "output": str(out), "args": ["-c:a", "pcm_s16le"]}
    cmd = [sys.executable, "-m", "media_core", "run", "ffmpeg_transcode", "--remote", server.url, "-q"]
    done = subprocess.run([*cmd, "--params", json.dumps(params)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outputs"] == [str(out)]
    assert probe(out).duration == pytest.approx(probe(jfk_wav).duration, abs=0.05)
    assert TOKEN not in " ".join(cmd)  # the token never travels on the command line
    refused = subprocess.run(
        [*cmd, "--params", json.dumps(params)],
        capture_output=True,
        text=True,
        env={**env, "REFRAME_REMOTE_TOKEN": "y" * 43},
        timeout=120,
    )
    assert refused.returncode == 2 and "refused the token" in refused.stderr


def test_cancelling_a_remote_job_cancels_it_on_the_server(server, tmp_path, jfk_wav):
    manager, _runner = remote_manager(JobStore(tmp_path / "desktop" / "jobs.sqlite3"), token_for=lambda _u: TOKEN)
    out = outputs_dir() / "remote cancel" / "slow.wav"
    try:
        # An 11 s real-time copy: long enough to be cancelled while it runs on the server.
        job_id = manager.submit(
            "ffmpeg_transcode", {"input": str(jfk_wav), "realtime": True, "output": str(out)}, remote_url=server.url
        )
        running = _wait(manager, job_id, lambda j: j.is_finished or j.remote_id is not None)
        assert not running.is_finished
        with RemoteClient(server.url, TOKEN) as client:
            deadline = time.monotonic() + 60
            while client.get(running.remote_id)["status"] != "running":
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert manager.cancel(job_id)
            job = _wait(manager, job_id, lambda j: j.is_finished, timeout=60)
            assert job.status == "cancelled", manager.store.get_log(job_id)
            assert client.get(running.remote_id)["status"] == "cancelled"
    finally:
        manager.shutdown(timeout=5)
    assert not out.exists()


def test_closing_the_desktop_leaves_the_job_running_on_the_server(server, tmp_path, jfk_wav):
    """The app quitting is not a cancel: the row ends interrupted, the server goes on, and the
    next start follows the same server job to its end."""
    store_path = tmp_path / "desktop" / "jobs.sqlite3"
    out = outputs_dir() / "remote quit" / "slow.wav"
    manager, _runner = remote_manager(JobStore(store_path), token_for=lambda _u: TOKEN)
    job_id = manager.submit(
        "ffmpeg_transcode", {"input": str(jfk_wav), "realtime": True, "output": str(out)}, remote_url=server.url
    )
    remote_id = _wait(manager, job_id, lambda j: j.is_finished or j.remote_id is not None).remote_id
    assert remote_id is not None
    manager.shutdown(timeout=10)  # what closing the window does
    assert manager.get(job_id).status == "interrupted", manager.store.get_log(job_id)
    with RemoteClient(server.url, TOKEN) as client:
        assert client.get(remote_id)["status"] in ("running", "succeeded")
    again, _runner = remote_manager(JobStore(store_path), token_for=lambda _u: TOKEN)
    watcher = RemoteWatcher(again, lambda _u: TOKEN, interval=0.5).start()
    try:
        done = _wait(again, job_id, lambda j: j.status == "succeeded" or j.status == "failed", timeout=120)
    finally:
        watcher.stop()
        again.shutdown(timeout=5)
    assert done.status == "succeeded", again.store.get_log(job_id)
    assert done.remote_id == remote_id and done.outputs == [str(out)]
    assert probe(out).duration == pytest.approx(probe(jfk_wav).duration, abs=0.05)


def test_a_silent_network_gives_interrupted_and_the_job_resumes_when_it_answers(server, tmp_path, jfk_wav):
    """The server frozen (SIGSTOP on its group): no reset, no answer, like a dropped network."""
    out = outputs_dir() / "remote silence" / "slow.wav"
    manager, runner = remote_manager(
        JobStore(tmp_path / "desktop" / "jobs.sqlite3"), token_for=lambda _u: TOKEN, grace=3
    )
    watcher = RemoteWatcher(manager, runner.token_for, interval=1.0)
    try:
        job_id = manager.submit(
            "ffmpeg_transcode", {"input": str(jfk_wav), "realtime": True, "output": str(out)}, remote_url=server.url
        )
        _wait(manager, job_id, lambda j: j.is_finished or (j.remote_id is not None and j.progress > 0))
        server.signal(signal.SIGSTOP)
        try:
            job = _wait(manager, job_id, lambda j: j.is_finished, timeout=120)
            assert job.status == "interrupted", manager.store.get_log(job_id)
            assert "stopped answering" in (job.error or "")
        finally:
            server.signal(signal.SIGCONT)
        watcher.start()
        done = _wait(manager, job_id, lambda j: j.status == "succeeded" or j.status == "failed", timeout=120)
    finally:
        watcher.stop()
        manager.shutdown(timeout=5)
    assert done.status == "succeeded", manager.store.get_log(job_id)
    assert "following job" in manager.store.get_log(job_id)  # the same server job, never started twice
    assert probe(out).duration == pytest.approx(probe(jfk_wav).duration, abs=0.05)
