"""QtJobRunner: a real ffmpeg job submitted through the Qt bridge reports on the UI thread."""

from __future__ import annotations

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from media_core.jobs import JobManager, JobStore
from reframe_desktop.jobs import QtJobRunner


def test_qt_runner_emits_ordered_progress_and_final_state_on_ui_thread(qtbot, tmp_path, odd_dir):
    app_thread = QApplication.instance().thread()
    runner = QtJobRunner(JobManager(JobStore(tmp_path / "jobs.sqlite3")))
    progress: list[float] = []
    states: list[str] = []
    logs: list[str] = []
    off_thread: list[str] = []

    def check_thread(what):
        if QThread.currentThread() != app_thread:
            off_thread.append(what)

    def on_progress(job_id, fraction, stage):
        check_thread("progress")
        progress.append(fraction)

    def on_state(job_id, status):
        check_thread("state")
        states.append(status)

    def on_log(job_id, line):
        check_thread("log")
        logs.append(line)

    runner.jobProgress.connect(on_progress)
    runner.jobStateChanged.connect(on_state)
    runner.jobLog.connect(on_log)
    output = odd_dir / "qt out.mp4"
    try:
        job_id = runner.submit(
            "ffmpeg_transcode",
            {
                "input": "testsrc=duration=2:size=160x120:rate=25",
                "lavfi": True,
                "duration": 2,
                "realtime": True,
                "output": str(output),
                "args": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
            },
        )
        qtbot.waitUntil(lambda: bool(states) and states[-1] in ("succeeded", "failed", "cancelled"), timeout=30_000)
    finally:
        runner.shutdown()
    assert states == ["queued", "running", "succeeded"], states
    assert off_thread == []
    assert len(progress) >= 3, progress
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert any("$ " in line for line in logs) and any("succeeded" in line for line in logs)
    job = runner.get(job_id)
    assert job.status == "succeeded" and job.outputs == [str(output)] and output.is_file()
    assert "ffmpeg finished" in runner.job_log(job_id)
