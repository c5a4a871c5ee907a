"""When to look for updates: once a day at start (off in Settings → General), and from
Help → Check for updates…. Checks run on a worker thread and never block the window.

``REFRAME_NO_UPDATE_CHECK=1`` turns the check at start off whatever the setting says
(distribution packages that update through their own channel, the test suite)."""

from __future__ import annotations

import logging
import os
import threading

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QMessageBox

from .workers import install, post

log = logging.getLogger(__name__)


def run_in_own_thread(fn, on_done, on_error) -> threading.Thread:
    """``fn()`` on a daemon thread of its own: a feed that stalls must not hold one of the
    window's two shared background workers (previews, status) for the length of a timeout."""
    install()

    def work() -> None:
        try:
            result = fn()
        except Exception as exc:  # shown or logged on the UI thread, never a crash
            post(on_error, exc)
        else:
            post(on_done, result)

    thread = threading.Thread(target=work, daemon=True, name="reframe-update-check")
    thread.start()
    return thread


def _check():
    from media_core.settings import offline_mode
    from media_core.updates import check_for_update

    return check_for_update(offline=offline_mode())


def _due() -> bool:
    from media_core.updates import check_due, load_state

    return check_due(load_state())


class UpdateChecker(QObject):
    def __init__(self, window):
        super().__init__(window)
        from media_core.updates.install.system import hold_app_mutex

        hold_app_mutex()  # Windows: the installer waits on it (AppMutex) until Reframe has quit
        self.window = window
        self.dialog = None
        #: The last outcome, for the status line and the tests: "available", "current" or the error text.
        self.last_result = ""

    def check_at_start(self) -> bool:
        """Start the daily check when enabled and due; returns whether it started."""
        from media_core.settings import offline_mode

        if not self.window.settings.check_updates or offline_mode() or os.environ.get("REFRAME_NO_UPDATE_CHECK") == "1":
            return False
        run_in_own_thread(lambda: _check() if _due() else False, self._found_quietly, self._failed_quietly)
        return True

    def check_now(self) -> None:
        self.last_result = ""
        run_in_own_thread(_check, self._found, self._failed)

    def _found_quietly(self, update) -> None:
        if update is False:  # checked less than a day ago
            self.last_result = "not due"
        elif update is None:
            self.last_result = "current"
        else:
            self._show(update)

    def _failed_quietly(self, exc: BaseException) -> None:
        self.last_result = " ".join(str(exc).split())
        log.info("update check at start: %s", self.last_result)  # offline is normal: no pop-up

    def _found(self, update) -> None:
        if update is None:
            from media_core import __version__

            self.last_result = "current"
            QMessageBox.information(
                self.window, self.tr("No update"), self.tr("Reframe %1 is up to date.").replace("%1", __version__)
            )
        else:
            self._show(update)

    def _failed(self, exc: BaseException) -> None:
        self.last_result = " ".join(str(exc).split())
        QMessageBox.warning(self.window, self.tr("Update check failed"), self.last_result)

    def _show(self, update) -> None:
        from media_core import __version__

        from .widgets.update_dialog import UpdateDialog

        self.last_result = "available"
        self.dialog = UpdateDialog(update, __version__, self.window)
        self.dialog.restartRequested.connect(lambda exe: self._restart(exe, update.installation.kind))
        self.dialog.show()

    def _restart(self, executable: str, kind: str) -> None:
        from .widgets.update_dialog import restart_into

        self.restarted = restart_into(executable, kind)
        QApplication.instance().quit()
