"""Background work for the window: worker threads never touch Qt objects.

Workers put ``(callback, args)`` on a plain ``queue.SimpleQueue`` and a QTimer on the
UI thread drains it every 15 ms, so no QObject is created, emitted from or destroyed
on a worker thread, and stale results are simply callbacks that check a sequence number.

(Found while building this: with PySide6 6.12, calling ``QApplication.processEvents()``
from Python in a loop while another Python thread runs aborts the interpreter with
"Fatal Python error: none_dealloc". ``app.exec()``, ``QTest.qWait`` and
``QEventLoop.exec()`` are fine, so never pump events with ``processEvents()``.)

- :func:`post` — call ``fn(*args)`` on the UI thread, from any thread.
- :func:`run_in_background` — short, cheap reads (preview frames, system status) on a
  small thread pool; long work goes through the job system instead.
- :class:`BackgroundTask` — a download or install the user watches in a dialog: its own
  thread, throttled progress and a cancel button (model and translation packages, which
  are not jobs because they belong to the settings, not to a piece of media).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

DRAIN_INTERVAL_MS = 15


class _UiQueue(QObject):
    def __init__(self):
        super().__init__()
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.timer = QTimer(self)
        self.timer.setInterval(DRAIN_INTERVAL_MS)
        self.timer.timeout.connect(self.drain)
        self.timer.start()

    def drain(self) -> None:
        for _ in range(500):  # bounded, so a flood of events cannot stall the UI thread
            try:
                fn, args = self.queue.get_nowait()
            except queue.Empty:
                return
            try:
                fn(*args)
            except Exception:  # a broken view update must not take the app down
                log.exception("UI callback failed")


_ui: _UiQueue | None = None
_executor: ThreadPoolExecutor | None = None


def install() -> None:
    """Create the UI-thread queue; call once from the UI thread (the window does)."""
    global _ui
    if _ui is None:
        _ui = _UiQueue()


def post(fn: Callable[..., Any], *args: Any) -> None:
    """Run ``fn(*args)`` on the UI thread soon; safe from any thread."""
    if _ui is None:
        raise RuntimeError("reframe_desktop.workers.install() was not called on the UI thread")
    _ui.queue.put((fn, args))


def run_in_background(
    fn: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[BaseException], None] | None = None
) -> None:
    """Call ``fn()`` on a worker thread; ``on_done(result)``/``on_error(exc)`` run on the UI thread."""
    global _executor
    install()
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="reframe-ui-bg")

    def task() -> None:
        try:
            result = fn()
        except Exception as exc:  # surfaced to the UI as a message, never a crash
            log.debug("background task failed", exc_info=True)
            if on_error is not None:
                post(on_error, exc)
        else:
            post(on_done, result)

    _executor.submit(task)


class BackgroundTask:
    """``fn(progress, cancel)`` on a daemon thread; callbacks run on the UI thread.

    ``on_progress(fraction, stage)`` arrives at most every 50 ms (a download reports per
    chunk); ``on_done(result)`` or ``on_error(exc)`` ends it (a cancel ends in ``on_error``
    with the engine's CancelledError).
    """

    PROGRESS_INTERVAL = 0.05

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        on_progress: Callable[[float, str], None] | None = None,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ):
        from media_core.progress import CancelToken

        install()
        self.cancel_token = CancelToken()
        self._fn = fn
        self._on_progress = on_progress
        self._on_done = on_done
        self._on_error = on_error
        self._last = 0.0
        self.finished = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="reframe-ui-task")

    def start(self) -> BackgroundTask:
        self._thread.start()
        return self

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def _progress(self, fraction: float, stage: str = "") -> None:
        now = time.monotonic()
        if self._on_progress is not None and (now - self._last >= self.PROGRESS_INTERVAL or fraction >= 1.0):
            self._last = now
            post(self._on_progress, fraction, stage)

    def _finish(self, callback, value) -> None:
        self.finished = True
        if callback is not None:
            callback(value)

    def _run(self) -> None:
        try:
            result = self._fn(self._progress, self.cancel_token)
        except Exception as exc:  # shown in the dialog, never a crash
            log.debug("background task failed", exc_info=True)
            post(self._finish, self._on_error, exc)
        else:
            post(self._finish, self._on_done, result)
