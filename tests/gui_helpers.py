"""Helpers shared by the GUI tests: a fresh main window and a simulated file drop."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication


def set_engine_settings(**fields):
    """Write the engine settings file of the test session's isolated config dir: the
    defaults plus ``fields`` (so one test's settings never leak into the next)."""
    from media_core.settings import EngineSettings, save_engine_settings

    settings = EngineSettings(**fields)
    save_engine_settings(settings)
    return settings


def make_window(qtbot, **settings_fields):
    """A shown, active MainWindow. Fields of media_core.settings.EngineSettings (``threads=1``,
    ``offline=True``…) go to the engine's settings file; the rest build the AppSettings."""
    from media_core.settings import EngineSettings
    from reframe_desktop.app import create_app
    from reframe_desktop.main_window import MainWindow
    from reframe_desktop.settings import AppSettings
    from reframe_desktop.theme import apply_theme

    app = create_app([])
    set_engine_settings(**{k: v for k, v in settings_fields.items() if k in EngineSettings.model_fields})
    settings = AppSettings(**{k: v for k, v in settings_fields.items() if k not in EngineSettings.model_fields})
    apply_theme(app, settings.theme)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
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


class FileServer:
    """A local HTTP server for ``{url path: bytes}``: HEAD answers like the Hugging Face hub
    (X-Linked-Size, X-Linked-Etag = sha256), GET honours Range, and ``delay`` slows each
    64 KiB chunk so a test can cancel a download half-way."""

    def __init__(self, files: dict[str, bytes] | None = None, delay: float = 0.0):
        import hashlib
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.files = dict(files or {})
        self.delay = delay
        self.requests: list[tuple[str, str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _body(self):
                body = server.files.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                return body

            def do_HEAD(self):
                server.requests.append(("HEAD", self.path, None))
                body = self._body()
                if body is not None:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("X-Linked-Size", str(len(body)))
                    self.send_header("X-Linked-Etag", f'"{hashlib.sha256(body).hexdigest()}"')
                    self.end_headers()

            def do_GET(self):
                rng = self.headers.get("Range")
                server.requests.append(("GET", self.path, rng))
                body = self._body()
                if body is None:
                    return
                start = int(rng.removeprefix("bytes=").split("-")[0]) if rng else 0
                self.send_response(206 if rng else 200)
                self.send_header("Content-Length", str(len(body) - start))
                if rng:
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                self.end_headers()
                import time

                try:
                    for i in range(start, len(body), 1 << 16):
                        self.wfile.write(body[i:i + (1 << 16)])
                        if server.delay:
                            time.sleep(server.delay)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client cancelled

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
