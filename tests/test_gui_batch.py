"""The desktop side of batches, pause and the watch folder: 20 real speech files dropped at
once on the Captions tab become 20 jobs and one batch row; Pause/Resume in the Jobs tab hold
a real render; the watch-folder settings page drives the window's watcher."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tests.gui_helpers import make_window, wait_job

pytestmark = pytest.mark.slow


def drop_files(widget, paths) -> QDropEvent:
    """Drag several files over ``widget`` and drop them, as a file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    enter = QDragEnterEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    event = QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, event)
    return event


def speech_files(librivox, folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for n in range(count):
        target = folder / f"talk {n:02d}.wav"
        shutil.copyfile(librivox[n % len(librivox)][0], target)
        files.append(target)
    return files


def test_twenty_files_dropped_on_captions_become_one_batch(qtbot, librivox, tiny_en_model, tmp_path):
    w = make_window(qtbot, threads=1, output_folder=str(tmp_path / "out"))
    tab = w.tabs_by_name["captions"]
    w.tabs.setCurrentWidget(tab)
    tab.model.setCurrentIndex(tab.model.findData("tiny.en"))
    tab.language.setCurrentIndex(tab.language.findData("en"))
    files = speech_files(librivox, tmp_path / "talks", 20)
    drop_files(tab.input.edit, files)  # onto the file field, as a user would
    batch_id = w.batch_drops.last_batch
    assert batch_id, w.statusBar().currentMessage()
    batch = w.client.manager.get_batch(batch_id)
    assert batch.total == 20
    for job_id in batch.job_ids:
        wait_job(qtbot, w, job_id, timeout=600_000)
    jobs = w.tabs_by_name["jobs"]
    w.tabs.setCurrentWidget(jobs)
    jobs.refresh()
    panel = jobs.batches
    rows = [panel.table.item(r, 0).data(Qt.UserRole) for r in range(panel.table.rowCount())]
    assert rows.count(batch_id) == 1  # one row for the whole batch
    row = rows.index(batch_id)
    assert panel.table.item(row, 2).text().startswith("20/20")
    assert panel.table.cellWidget(row, 1).value() == 1000
    assert [w.client.get(j).status for j in batch.job_ids] == ["succeeded"] * 20
    inputs = [w.client.get(j).params["input"] for j in batch.job_ids]
    assert inputs == [str(f) for f in files]
    panel.table.selectRow(row)
    assert panel.buttons["folder"].isEnabled() and not panel.buttons["cancel"].isEnabled()


def test_pause_and_resume_buttons_hold_a_real_render(qtbot, bbb_trailer, tmp_path):
    w = make_window(qtbot, threads=1)
    job_id = w.client.submit(
        "render_styled",
        {
            "input": str(bbb_trailer),
            "output": str(tmp_path / "held.mp4"),
            "trim": {"start": 0, "end": 15},
            "reframe": {"aspect": "9:16", "strategy": "blur_bg", "height": 1280},
        },
    )
    qtbot.waitUntil(lambda: w.client.get(job_id).progress > 0.02, timeout=120_000)
    jobs = w.tabs_by_name["jobs"]
    w.tabs.setCurrentWidget(jobs)
    jobs.refresh()
    jobs.select_job(job_id)
    assert jobs.buttons["pause"].isEnabled()
    jobs.buttons["pause"].click()
    qtbot.waitUntil(lambda: jobs.selected_job().status == "paused", timeout=10_000)
    assert jobs.buttons["resume"].isEnabled() and jobs.buttons["cancel"].isEnabled()
    assert not jobs.buttons["pause"].isEnabled()
    jobs.buttons["resume"].click()
    wait_job(qtbot, w, job_id, timeout=600_000)


def test_watch_folder_settings_start_the_watcher(qtbot, jfk_wav, tiny_en_model, tmp_path):
    from reframe_desktop.settings.dialog import SettingsDialog

    folder = tmp_path / "watched"
    folder.mkdir()
    w = make_window(qtbot, threads=1)
    captions = w.tabs_by_name["captions"]
    captions.model.setCurrentIndex(captions.model.findData("tiny.en"))
    dialog = SettingsDialog(w.settings, parent=w)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=60_000)  # worker-thread loads land first
    page = dialog.page("watch")
    page.enabled.setChecked(True)
    page.folder.set_path(str(tmp_path / "missing"))
    assert "does not exist" in page.check()
    page.folder.set_path(str(folder))
    page.action.setCurrentIndex(page.action.findData("captions"))
    assert page.check() is None
    dialog.accept()
    w.apply_settings(dialog)
    assert w.settings.watch_enabled and w.settings.watch_folder == str(folder)
    assert w.watch.watcher is not None and w.watch.timer.isActive()

    shutil.copyfile(jfk_wav, folder / "arrived.wav")
    taken = []
    w.watch.taken.connect(lambda path, job_id: taken.append((path, job_id)))
    qtbot.waitUntil(lambda: bool(taken), timeout=30_000)
    assert taken[0][0].endswith("arrived.wav") and taken[0][1]
    job = wait_job(qtbot, w, taken[0][1])
    assert job.params["input"] == str(folder / "arrived.wav") and job.title.startswith("Watch folder")
