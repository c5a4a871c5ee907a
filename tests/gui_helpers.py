"""Helpers shared by the GUI tests: a fresh main window and a simulated file drop."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QDragEnterEvent
from PySide6.QtWidgets import QApplication


def make_window(qtbot, **settings_fields):
    from reframe_desktop.app import create_app
    from reframe_desktop.main_window import MainWindow
    from reframe_desktop.settings import AppSettings
    from reframe_desktop.theme import apply_theme

    app = create_app([])
    settings = AppSettings(**settings_fields)
    apply_theme(app, settings.theme)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    return window


def drop_file(widget, path: str | Path) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    enter = QDragEnterEvent(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the window refused the drag"
    event = QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, event)
    return event


def wait_job(qtbot, window, job_id: str, states=("succeeded",), timeout=240_000):
    """Wait for ``job_id`` to reach a final state; fail with its error when it is not in ``states``."""
    final = {"succeeded", "failed", "cancelled"}
    qtbot.waitUntil(lambda: window.client.get(job_id).status in final, timeout=timeout)
    job = window.client.get(job_id)
    assert job.status in states, f"job {job.type} ended {job.status}: {getattr(job, 'error', None)}"
    return job
