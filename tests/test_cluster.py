"""The cluster backend with a real Redis broker and two real `reframe worker` processes.

20 short captions jobs (real speech, tiny.en) are spread over both workers; one worker is
SIGKILLed in the middle of a job (certain by construction: it is frozen with SIGSTOP first,
then the job is checked not to have ended), and its job runs again on the other worker.
The server's job store must end with every job once, succeeded, with its own outputs once.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from media_core.cluster.backend import ClusterBackend, _transient_codes
from media_core.cluster.config import QUEUE_CPU, QUEUE_GPU, ClusterConfig, queue_for, remap_paths, worker_queues
from media_core.jobs.manager import JobManager
from media_core.jobs.store import JobStore
from tests.processes import RedisBroker, reframe, stop

JOBS = 20
#: Redis hands a dead worker's job to another after this long (kept short for the test).
VISIBILITY = 30.0


def test_queues_per_capability_and_path_mapping():
    assert queue_for("captions", route_gpu=True) == QUEUE_GPU
    assert queue_for("captions", route_gpu=False) == QUEUE_CPU
    assert queue_for("render_styled", route_gpu=True) == QUEUE_CPU
    assert worker_queues(gpu=True) == [QUEUE_GPU, QUEUE_CPU] and worker_queues(gpu=False) == [QUEUE_CPU]
    params = {"input": "/srv/share/uploads/a.wav", "output_dir": "/srv/shared2/x", "list": ["/srv/share"]}
    assert remap_paths(params, "/srv/share", "/mnt/s") == {
        "input": "/mnt/s/uploads/a.wav",
        "output_dir": "/srv/shared2/x",  # a sibling folder with the same prefix is not the share
        "list": ["/mnt/s"],
    }
    with pytest.raises(Exception, match="celery://redis://"):
        ClusterConfig.from_backend_url("ray://head:10001")
    # A worker reports an error code; the server retries the transient ones (a new task).
    assert {"file_busy", "model_download"} <= _transient_codes() and "not_media" not in _transient_codes()


def _latest_worker(log: str) -> str | None:
    lines = [line for line in log.splitlines() if "running on worker " in line]
    return lines[-1].split("running on worker ", 1)[1].split(" ", 1)[0] if lines else None


@pytest.mark.timeout(1500)
def test_twenty_jobs_on_two_workers_survive_a_killed_worker(tmp_path, jfk_wav, monkeypatch):
    broker = RedisBroker(tmp_path / "redis")
    shared = tmp_path / "shared"
    (shared / "uploads").mkdir(parents=True)
    # The workers see the shared storage under another path (as another machine's mount would).
    worker_mount = tmp_path / "mount"
    worker_mount.symlink_to(shared)
    monkeypatch.setenv("REFRAME_SHARED_DIR", str(shared))
    speech = shared / "uploads" / "jfk.wav"
    shutil.copy(jfk_wav, speech)

    workers = {}
    for name in ("w1", "w2"):
        args = ["worker", "--broker", broker.url, "--shared", str(worker_mount), "--name", f"{name}@test"]
        args += ["--visibility-timeout", str(VISIBILITY)]
        env = {"REFRAME_DATA_DIR": str(tmp_path / name)}
        workers[name] = reframe(args, log=tmp_path / f"{name}.log", env=env)
    cluster = ClusterBackend(ClusterConfig(broker=broker.url, visibility_timeout=VISIBILITY))
    cluster.check()
    manager = JobManager(
        JobStore(tmp_path / "server" / "jobs.sqlite3"), heavy_slots=64, light_slots=64, run_elsewhere=cluster.runner_for
    )
    try:
        ids = [
            manager.submit(
                "captions",
                {
                    "input": str(speech),
                    "model": "tiny.en",
                    "language": "en",
                    "threads": 1,
                    "formats": "srt",
                    "output_dir": str(shared / "outputs" / f"job{i:02d}"),
                },
            )
            for i in range(JOBS)
        ]
        victim = _kill_w1_mid_job(manager, cluster, ids, workers)
        jobs = [manager.wait(job_id, timeout=1200) for job_id in ids]
    finally:
        manager.shutdown(timeout=5)
        for proc in workers.values():
            stop(proc)
        broker.stop()

    logs = {name: (tmp_path / f"{name}.log").read_text(errors="replace") for name in workers}
    assert [j.status for j in jobs] == ["succeeded"] * JOBS, [
        (j.status, j.error, manager.store.get_log(j.id)) for j in jobs
    ]
    # Nothing lost or duplicated: 20 rows, each with exactly its own one SRT, on the server's path.
    assert manager.store.count_jobs() == JOBS
    for i, job in enumerate(jobs):
        assert len(job.outputs) == 1, job.outputs
        assert job.outputs[0] == str(shared / "outputs" / f"job{i:02d}" / "jfk.srt")
        assert "country" in Path(job.outputs[0]).read_text(encoding="utf-8").lower()
    assert sorted(p.name for p in (shared / "outputs").rglob("*") if p.is_file()) == ["jfk.srt"] * JOBS
    ran_on = {j.id: j.result["worker"] for j in jobs}
    assert set(ran_on.values()) == {"w1@test", "w2@test"}, ran_on
    # The killed worker's job ran again, to its end, on the other worker.
    assert ran_on[victim] == "w2@test"
    victim_log = manager.store.get_log(victim)
    assert victim_log.index("running on worker w1@test") < victim_log.index("running on worker w2@test")
    print(
        f"\njobs per worker: w1 {list(ran_on.values()).count('w1@test')}, w2 {list(ran_on.values()).count('w2@test')}"
    )
    assert "Traceback" not in logs["w2"], logs["w2"][-3000:]


def _kill_w1_mid_job(manager, cluster, ids, workers) -> str:
    """SIGKILL worker w1 while a job of it is provably unfinished; returns that job's id."""
    w1 = workers["w1"]
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        assert w1.poll() is None, "worker w1 ended by itself"
        jobs = [manager.get(i) for i in ids]
        w1_done = [j for j in jobs if j.status == "succeeded" and j.result.get("worker") == "w1@test"]
        running = [
            j for j in jobs if j.status == "running" and _latest_worker(manager.store.get_log(j.id)) == "w1@test"
        ]
        if len(w1_done) >= 3 and running:  # w1 did its share of jobs and is in the middle of another
            job = running[0]
            os.kill(w1.pid, signal.SIGSTOP)  # frozen: it cannot finish or report anything now
            result = cluster.app.AsyncResult(cluster.task_id(job))
            if not result.ready() and manager.get(job.id).status == "running":
                os.kill(w1.pid, signal.SIGKILL)
                w1.wait(10)
                return job.id
            os.kill(w1.pid, signal.SIGCONT)  # it had just ended: try with its next job
        time.sleep(0.2)
    raise AssertionError("worker w1 never ran a fourth job")


@pytest.mark.timeout(600)
def test_reframe_serve_with_a_celery_backend_runs_api_jobs_on_a_worker(tmp_path, jfk_wav):
    import httpx

    from media_core.api.token import new_token
    from tests.processes import free_port, wait_port

    token = new_token()
    broker = RedisBroker(tmp_path / "redis")
    shared = tmp_path / "shared"
    port = free_port()
    server_env = {
        "REFRAME_DATA_DIR": str(tmp_path / "server"),
        "REFRAME_CONFIG_DIR": str(tmp_path / "server-config"),
        "REFRAME_API_TOKEN": token,
        "REFRAME_BACKEND": f"celery://{broker.url}",
    }
    serve_log = tmp_path / "serve.log"
    server = reframe(["serve", "--port", str(port), "--shared", str(shared)], log=serve_log, env=server_env)
    worker = reframe(
        ["worker", "--broker", broker.url, "--shared", str(shared), "--name", "solo@test"],
        log=tmp_path / "worker.log",
        env={"REFRAME_DATA_DIR": str(tmp_path / "worker")},
    )
    try:
        wait_port(port, server, log=serve_log)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as client:
            with open(jfk_wav, "rb") as fh:
                uploaded = client.post("/files", files={"file": ("jfk.wav", fh)}).json()["path"]
            assert uploaded.startswith(str(shared / "uploads"))  # uploads live on the shared storage
            params = {"input": uploaded, "model": "tiny.en", "language": "en", "threads": 1, "formats": "srt"}
            created = client.post("/jobs", json={"type": "captions", "params": params})
            assert created.status_code == 201, created.text
            job_id = created.json()["id"]
            deadline = time.monotonic() + 400
            while (job := client.get(f"/jobs/{job_id}").json())["status"] not in ("succeeded", "failed"):
                assert time.monotonic() < deadline, job
                time.sleep(0.5)
            log = client.get(f"/jobs/{job_id}/log").text
            assert job["status"] == "succeeded", log
            assert job["outputs"] == [str(shared / "outputs" / "jfk" / "jfk.srt")]
            assert "running on worker solo@test" in log and job["result"]["worker"] == "solo@test"
            assert "country" in client.get(f"/jobs/{job_id}/outputs/0").text.lower()

            # Cancel reaches a job running on the worker (an 11 s real-time copy): it stops early.
            slow = {"input": uploaded, "realtime": True, "output": str(shared / "outputs" / "slow.wav")}
            job_id = client.post("/jobs", json={"type": "ffmpeg_transcode", "params": slow}).json()["id"]
            while "running on worker" not in client.get(f"/jobs/{job_id}/log").text:
                assert time.monotonic() < deadline
                time.sleep(0.2)
            assert client.post(f"/jobs/{job_id}/cancel").json() == {"cancelled": True}
            while (job := client.get(f"/jobs/{job_id}").json())["status"] == "running":
                assert time.monotonic() < deadline
                time.sleep(0.2)
            assert job["status"] == "cancelled", client.get(f"/jobs/{job_id}/log").text
            assert not (shared / "outputs" / "slow.wav").exists()
    finally:
        stop(server)
        stop(worker)
        broker.stop()
    assert "Jobs run on the cluster" in serve_log.read_text()


def test_serve_and_worker_refuse_bad_backends_with_one_line():
    import subprocess
    import sys

    from tests.processes import REPO

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args, message in (
        (["serve", "--backend", "ray://head:10001"], "celery://redis://"),
        (["serve", "--backend", "celery://redis://:secret@127.0.0.1:1/0"], "REFRAME_BACKEND"),
        (["worker"], "REFRAME_BROKER_URL"),
        (["serve", "--backend", "celery://redis://127.0.0.1:1/0", "--port", "0"], "cannot be reached"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "media_core", *args], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
