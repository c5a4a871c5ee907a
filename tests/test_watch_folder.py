"""The watch folder (media_core/watch.py): real files appearing in a folder become jobs once
each, a file still being written is not taken until its size stops changing, and a restart
(a new watcher on the same state file) neither repeats nor forgets a file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from media_core.jobs import JobManager, JobStore
from media_core.jobs.models import JobStatus
from media_core.watch import FolderWatcher, job_submitter

pytestmark = pytest.mark.slow

SETTLE = 0.4
CAPTIONS = {"model": "tiny.en", "language": "en", "threads": 1, "formats": ["srt"]}


def _look(watcher: FolderWatcher, submit) -> list[Path]:
    """One poll, then wait longer than the settle time (as the timer would between polls)."""
    taken = [path for path, _ in watcher.poll(submit)]
    time.sleep(SETTLE + 0.1)
    return taken


def test_new_files_become_jobs_once_even_across_a_restart(tmp_path, jfk_wav, librivox, tiny_en_model):
    folder = tmp_path / "drop here"
    folder.mkdir()
    state = tmp_path / "watch-state.json"
    manager = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    submit = job_submitter(manager, "captions", {**CAPTIONS, "output_dir": str(tmp_path / "out")})
    try:
        watcher = FolderWatcher(folder, state_path=state, settle=SETTLE)
        assert _look(watcher, submit) == []  # empty folder

        shutil.copyfile(librivox[1][0], folder / "first.wav")
        (folder / "notes.txt").write_text("not media", encoding="utf-8")
        data = jfk_wav.read_bytes()
        growing = folder / "second.wav"
        growing.write_bytes(data[: len(data) // 2])  # a copy in progress: first half

        assert _look(watcher, submit) == []  # seen once: not yet known to be complete
        growing.write_bytes(data)  # the copy goes on: the size changed since the last look
        assert _look(watcher, submit) == [folder / "first.wav"]
        assert _look(watcher, submit) == [growing]  # its size held still for a whole look
        assert _look(watcher, submit) == []

        jobs = {Path(job.params["input"]).name: job for job in manager.list_jobs()}
        assert sorted(jobs) == ["first.wav", "second.wav"]
        second = manager.wait(jobs["second.wav"].id, timeout=300)
        assert second.status == JobStatus.SUCCEEDED, second.error
        srt = Path(next(p for p in second.outputs if p.endswith(".srt"))).read_text(encoding="utf-8").lower()
        assert "ask not" in srt and "your country" in srt.split("ask not")[-1]  # the whole file, not half
        assert manager.wait(jobs["first.wav"].id, timeout=300).status == JobStatus.SUCCEEDED

        # Restart: a new watcher (the app started again) on the same state file.
        again = FolderWatcher(folder, state_path=state, settle=SETTLE)
        assert _look(again, submit) == [] and _look(again, submit) == []
        shutil.copyfile(librivox[2][0], folder / "third.wav")
        assert _look(again, submit) == []
        assert _look(again, submit) == [folder / "third.wav"]
        assert len(manager.list_jobs()) == 3
        assert again.state.done[str((folder / "second.wav").resolve())].job_id == second.id
    finally:
        manager.shutdown()


def test_reframe_watch_once_from_the_command_line(tmp_path, jfk_wav, tiny_en_model):
    folder = tmp_path / "incoming"
    folder.mkdir()
    shutil.copyfile(jfk_wav, folder / "talk.wav")
    env_dir = tmp_path / "data"
    command = [
        sys.executable,
        "-m",
        "media_core",
        "watch",
        str(folder),
        "--once",
        "--settle",
        "0.3",
        "--params",
        '{"model": "tiny.en", "language": "en", "threads": 1, "output_dir": "%s"}' % (tmp_path / "out"),
    ]
    env = {**os.environ, "REFRAME_DATA_DIR": str(env_dir), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith(str(folder / "talk.wav"))
    assert (tmp_path / "out").is_dir() and list((tmp_path / "out").rglob("*.srt"))
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0 and second.stdout.strip() == ""  # nothing new: nothing done twice
    bad = subprocess.run([*command[:-1], '{"max_lines": 9}'], env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "max_lines" in bad.stderr
