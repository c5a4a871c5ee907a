"""Helpers shared by the GUI tests: a fresh main window and a simulated file drop."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tests.local_http import FileServer  # noqa: F401  (the GUI tests' downloads)


def set_engine_settings(**fields):
    """Write the engine settings file of the test session's isolated config dir: the
    defaults plus ``fields`` (so one test's settings never leak into the next)."""
    from media_core.settings import EngineSettings, save_engine_settings

    settings = EngineSettings(**fields)
    save_engine_settings(settings)
    return settings


def make_window(qtbot, **settings_fields):
    """A shown, active MainWindow, built as reframe_desktop.app builds it. Fields of media_core.settings.EngineSettings (``threads=1``,
    ``offline=True``…) go to the engine's settings file; the rest build the AppSettings."""
    from media_core.settings import EngineSettings
    from reframe_desktop.app import build_window, create_app
    from reframe_desktop.settings import AppSettings

    app = create_app([])
    set_engine_settings(**{k: v for k, v in settings_fields.items() if k in EngineSettings.model_fields})
    settings = AppSettings(**{k: v for k, v in settings_fields.items() if k not in EngineSettings.model_fields})
    window = build_window(app, settings)  # as the app builds it: theme, API host
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=120_000)
    return window


def drop_file(widget, path: str | Path) -> QDropEvent:
    """Drag ``path`` over ``widget`` and drop it there, as a file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    enter = QDragEnterEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), f"{type(widget).__name__} refused the drag"
    move = QDragMoveEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, move)
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


def click_in_modal(qtbot, choose, timeout_ms: int = 10_000) -> None:
    """Answer the next modal dialog (a QMessageBox's exec()) like a user: ``choose(box)``
    returns the button to click. Call before the action that opens it."""
    from PySide6.QtCore import QTimer

    deadline = [timeout_ms]

    def poll():
        box = QApplication.activeModalWidget()
        if box is not None:
            choose(box).click()
            return
        deadline[0] -= 20
        if deadline[0] > 0:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
