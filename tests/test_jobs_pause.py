"""Pause and resume a running job: a real render whose ffmpeg is suspended mid-way, a cancel of
a paused job, a pause that survives a restart, and a pause asked for by another process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from media_core.jobs import JobManager, JobStore
from media_core.jobs.models import JobStatus
from media_core.probe import probe

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


def _render_params(source: Path, out: Path) -> dict:
    """A styled 9:16 render of 20 s of the real trailer: long enough to be caught mid-way here."""
    return {
        "input": str(source),
        "output": str(out),
        "trim": {"start": 0, "end": 20},
        "reframe": {"aspect": "9:16", "strategy": "blur_bg", "height": 1280},
    }


def _start_render(manager: JobManager, source: Path, out: Path) -> tuple[str, threading.Event]:
    """Submit the render and return once it has reported progress (so it is certainly mid-way)."""
    reported = threading.Event()
    job_id_box: dict[str, str] = {}

    def on_progress(job_id: str, fraction: float, stage: str) -> None:
        if job_id == job_id_box.get("id") and 0.0 < fraction < 0.9:
            reported.set()

    manager.add_listener(on_progress=on_progress)
    job_id_box["id"] = manager.submit("render_styled", _render_params(source, out))
    assert reported.wait(120), "the render never reported progress"
    return job_id_box["id"], reported


def _ffmpeg_children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if "ffmpeg" in p.name().lower()]


def _assert_held(manager: JobManager, job_id: str) -> float:
    """The job is paused: its ffmpeg is stopped and nothing moves over a few polls."""
    job = manager.get(job_id)
    assert job.status == JobStatus.PAUSED
    deadline = time.monotonic() + 5
    children = _ffmpeg_children()
    while time.monotonic() < deadline and not all(p.status() == psutil.STATUS_STOPPED for p in children):
        time.sleep(0.1)
    assert children and all(p.status() == psutil.STATUS_STOPPED for p in children), [
        (p.pid, p.status()) for p in children
    ]
    progress = []
    for _ in range(4):
        time.sleep(0.5)
        progress.append(manager.get(job_id).progress)
    assert len(set(progress)) == 1 and 0.0 < progress[0] < 1.0, progress
    return progress[0]


def test_pause_a_render_mid_way_then_resume(tmp_path, bbb_trailer):
    manager = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    out = tmp_path / "paused render.mp4"
    try:
        job_id, _ = _start_render(manager, bbb_trailer, out)
        assert manager.pause(job_id)
        held_at = _assert_held(manager, job_id)
        assert "paused" in manager.store.get_log(job_id)
        assert manager.resume(job_id) == job_id
        assert manager.get(job_id).status == JobStatus.RUNNING
        job = manager.wait(job_id, timeout=600)
    finally:
        manager.shutdown()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert held_at < 1.0
    info = probe(out)
    assert info.display_size == (720, 1280)
    assert info.duration == pytest.approx(20.0, abs=0.1)
    assert "ffmpeg resumed" in manager.store.get_log(job_id)


def test_cancel_a_paused_render(tmp_path, bbb_trailer):
    manager = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    out = tmp_path / "cancelled.mp4"
    try:
        job_id, _ = _start_render(manager, bbb_trailer, out)
        assert manager.pause(job_id)
        children = _ffmpeg_children()
        _assert_held(manager, job_id)
        assert manager.cancel(job_id)
        job = manager.wait(job_id, timeout=30)
        assert job.status == JobStatus.CANCELLED
        # The SIGSTOPped ffmpeg was woken up and ended, not left stopped forever.
        for child in children:
            assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE
    finally:
        manager.shutdown()
    assert not out.exists()


def test_a_paused_job_survives_a_restart(tmp_path, bbb_trailer):
    store_path = tmp_path / "jobs.sqlite3"
    out = tmp_path / "after restart.mp4"
    first = JobManager(JobStore(store_path))
    job_id, _ = _start_render(first, bbb_trailer, out)
    assert first.pause(job_id)
    first.shutdown()  # the app closes while the job is paused
    assert not _ffmpeg_children()

    second = JobManager(JobStore(store_path))  # the next start of the app
    try:
        second.start()
        job = second.get(job_id)
        assert job.status == JobStatus.PAUSED  # not 'interrupted', not lost
        assert second.resume(job_id) == job_id
        job = second.wait(job_id, timeout=600)
    finally:
        second.shutdown()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert probe(out).duration == pytest.approx(20.0, abs=0.1)
    assert "running it again from the start" in second.store.get_log(job_id)


def test_cli_pauses_and_resumes_a_job_another_process_runs(tmp_path, bbb_trailer):
    """``reframe jobs pause|resume ID`` from a terminal while this process (the app) runs the job."""
    store_path = tmp_path / "jobs.sqlite3"
    manager = JobManager(JobStore(store_path))
    out = tmp_path / "cli pause.mp4"
    env = {**os.environ, "REFRAME_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "media_core", "jobs", *args], env=env, capture_output=True, text=True, timeout=120
        )

    try:
        job_id, _ = _start_render(manager, bbb_trailer, out)
        done = cli("pause", job_id[:10])
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 30
        while manager.get(job_id).status != JobStatus.PAUSED and time.monotonic() < deadline:
            time.sleep(0.2)
        _assert_held(manager, job_id)
        listed = json.loads(cli("show", job_id).stdout)
        assert listed["status"] == "paused"
        done = cli("resume", job_id)
        assert done.returncode == 0, done.stderr
        job = manager.wait(job_id, timeout=600)
    finally:
        manager.shutdown()
    assert job.status == JobStatus.SUCCEEDED, job.error


def _long_speech(folder: Path, librivox, jfk_wav) -> Path:
    """About 40 s of real speech (JFK + the LibriVox utterances): more than one 30 s window."""
    import wave

    import numpy as np

    from media_core.audio import decode_audio

    pieces = [decode_audio(jfk_wav)] + [decode_audio(path) for path, _ in librivox]
    gap = np.zeros(8000, np.float32)
    audio = np.concatenate([x for piece in pieces for x in (piece, gap)])
    out = folder / "long speech.wav"
    with wave.open(str(out), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(16_000)
        wf.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return out


@pytest.mark.parametrize("backend", ["faster-whisper", "whisper.cpp"])
def test_pause_a_transcription_between_segments(backend, tmp_path, librivox, jfk_wav, tiny_en_model):
    """faster-whisper holds after the segment in hand; whisper.cpp inside its decoding loop."""
    audio = _long_speech(tmp_path, librivox, jfk_wav)
    manager = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    seen = threading.Event()
    box: dict[str, str] = {}

    def on_progress(job_id: str, fraction: float, stage: str) -> None:
        if job_id == box.get("id") and stage.endswith("transcribing") and fraction > 0.0:
            seen.set()

    manager.add_listener(on_progress=on_progress)
    try:
        box["id"] = job_id = manager.submit(
            "captions",
            {
                "input": str(audio),
                "backend": backend,
                "model": "tiny.en",
                "language": "en",
                "threads": 1,
                "output_dir": str(tmp_path),
            },
        )
        assert seen.wait(300), "the transcription never reported a segment"
        assert manager.pause(job_id)
        time.sleep(1.0)  # the segment in hand is finished, then it holds
        held = [manager.get(job_id).progress]
        for _ in range(4):
            time.sleep(0.5)
            held.append(manager.get(job_id).progress)
        assert len(set(held)) == 1 and held[0] < 1.0, held
        assert manager.get(job_id).status == JobStatus.PAUSED
        manager.resume(job_id)
        job = manager.wait(job_id, timeout=300)
    finally:
        manager.shutdown()
    assert job.status == JobStatus.SUCCEEDED, job.error
    srt = Path(next(p for p in job.outputs if p.endswith(".srt"))).read_text(encoding="utf-8").lower()
    assert "ask not" in srt and "amiable" in srt  # the start and the end: nothing lost at the pause


def test_pause_resume_and_cancel_over_the_http_api(tmp_path, bbb_trailer):
    import httpx

    from media_core.api import ApiServer, ApiSettings
    from media_core.api.token import new_token
    from media_core.paths import outputs_dir

    manager = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    manager.start()
    token = new_token()
    server = ApiServer(manager, ApiSettings(enabled=True, port=0, input_folders=[str(bbb_trailer.parent)]), token=token)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
            params = _render_params(bbb_trailer, outputs_dir() / "api pause.mp4")
            created = client.post("/jobs", json={"type": "render_styled", "params": params})
            assert created.status_code == 201, created.text
            job_id = created.json()["id"]
            deadline = time.monotonic() + 120
            while client.get(f"/jobs/{job_id}").json()["progress"] <= 0 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert client.post(f"/jobs/{job_id}/pause").json() == {"paused": True}
            assert client.get(f"/jobs/{job_id}").json()["status"] == "paused"
            _assert_held(manager, job_id)
            assert client.post(f"/jobs/{job_id}/resume").json()["status"] == "running"
            assert client.post(f"/jobs/{job_id}/pause").json() == {"paused": True}
            assert client.post(f"/jobs/{job_id}/cancel").json() == {"cancelled": True}
            job = manager.wait(job_id, timeout=30)
            assert job.status == JobStatus.CANCELLED
    finally:
        server.stop()
        manager.shutdown()
