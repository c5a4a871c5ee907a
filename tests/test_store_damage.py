"""A damaged jobs.sqlite3 (garbage, truncated) at start: `reframe jobs list` and the app
start, say once what happened, keep the damaged file (and its -wal/-shm), and work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from media_core.jobs.store import JobStore

ROOT = Path(__file__).resolve().parents[1]


def _env(data: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), REFRAME_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen")
    env["REFRAME_CONFIG_DIR"] = str(data.parent / "config")
    return env


def _garbage(db: Path) -> bytes:
    data = os.urandom(64 * 1024)
    db.write_bytes(data)
    db.with_name(db.name + "-wal").write_bytes(os.urandom(4096))
    return data


def _truncated(db: Path) -> bytes:
    store = JobStore(db)
    for i in range(400):  # many pages, so cutting the file loses real tables
        store.create("ffmpeg_transcode", {"input": f"/videos/{i}.mp4", "note": "x" * 200}, title=f"job {i}")
    store.close()
    with open(db, "r+b") as fh:
        fh.truncate(db.stat().st_size // 3)
    return db.read_bytes()


@pytest.mark.parametrize("damage", [_garbage, _truncated], ids=["garbage", "truncated"])
def test_reframe_jobs_list_moves_a_damaged_store_aside_and_says_so_once(tmp_path, damage):
    data = tmp_path / "data"
    data.mkdir()
    db = data / "jobs.sqlite3"
    damaged = damage(db)
    cmd = [sys.executable, "-m", "media_core", "jobs", "list"]
    first = subprocess.run(cmd, env=_env(data), capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    kept = sorted(data.glob("jobs.sqlite3.corrupt-*"))
    main = [p for p in kept if not p.name.endswith(("-wal", "-shm"))]
    assert len(main) == 1 and main[0].read_bytes() == damaged  # kept, byte for byte
    if damage is _garbage:
        assert main[0].with_name(main[0].name + "-wal").exists()  # its WAL went with it
    assert "damaged" in first.stderr and main[0].name in first.stderr
    assert "Traceback" not in first.stderr
    # A fresh, working store took its place; the next start says nothing more.
    assert JobStore(db).integrity_check() == "ok"
    second = subprocess.run(cmd, env=_env(data), capture_output=True, text=True, timeout=120)
    assert second.returncode == 0 and "damaged" not in second.stderr, second.stderr


def test_the_app_starts_on_a_damaged_store_and_says_so(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    damaged = _garbage(data / "jobs.sqlite3")
    env = _env(data) | {"REFRAME_REPORT_STARTUP": "quit"}
    code = "import sys; from reframe_desktop.app import main; sys.exit(main([]))"
    app = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert app.returncode == 0, app.stderr
    assert "window shown after" in app.stdout
    kept = [p for p in data.glob("jobs.sqlite3.corrupt-*") if not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and kept[0].read_bytes() == damaged
    assert "Reframe: The job history" in app.stderr and kept[0].name in app.stderr
    assert not (data / "jobs.sqlite3.moved-aside.txt").exists()  # told once: the notice is used up


def test_the_window_shows_the_notice_once(qtbot, tmp_path, monkeypatch):
    from tests.gui_helpers import make_window

    monkeypatch.setenv("REFRAME_DATA_DIR", str(tmp_path))
    _garbage(tmp_path / "jobs.sqlite3")
    from reframe_desktop.widgets.store_notice import show_store_notice

    w = make_window(qtbot)
    notice = show_store_notice(w)
    assert notice.box is not None and notice.box.isVisible() and not notice.box.isModal()
    assert "damaged" in notice.box.text() and ".corrupt-" in notice.box.text()
    notice.box.close()
    assert show_store_notice(w).box is None  # once
