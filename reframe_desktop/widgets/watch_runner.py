"""The desktop's watch folder: media_core.watch.FolderWatcher polled on a timer.

Each new file (once its size stopped changing) becomes a captions or shorts job with the
settings the Captions or Shorts tab has at that moment; the watcher's state file remembers
what was taken, so a restart repeats nothing. Listing a folder and a few ``stat`` calls every
couple of seconds is cheap enough for the UI thread.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)

POLL_MS = 2000


class WatchRunner(QObject):
    """Follows ``window.settings`` (watch_folder, watch_action); call :meth:`configure` after a change."""

    taken = Signal(str, str)  # path, job id ("" when the job system refused the file)

    def __init__(self, window, *, settle: float | None = None):
        super().__init__(window)
        self.window = window
        self.watcher = None
        self._settle = settle
        self.timer = QTimer(self, interval=POLL_MS, timeout=self.poll)
        self.configure()

    def configure(self) -> None:
        """(Re)start or stop watching to match the settings."""
        from media_core.watch import DEFAULT_SETTLE, FolderWatcher

        settings = self.window.settings
        folder = settings.watch_folder if settings.watch_enabled else ""
        if not folder:
            self.watcher = None
            self.timer.stop()
            return
        if self.watcher is not None and self.watcher.folder == Path(folder).expanduser():
            return
        try:
            self.watcher = FolderWatcher(folder, settle=DEFAULT_SETTLE if self._settle is None else self._settle)
        except Exception as exc:  # the folder is gone: say so once, keep the app running
            self.watcher = None
            self.timer.stop()
            self.window.statusBar().showMessage(self.tr("Watch folder: {0}").format(exc), 10000)
            return
        self.timer.start()

    def submit(self, path: Path) -> str:
        action = self.window.settings.watch_action
        tab = self.window.tabs_by_name[action]
        params = {**tab.job_params(), "input": str(path)}
        return self.window.client.submit(action, params, title=self.tr("Watch folder · {0}").format(path.name))

    def poll(self) -> None:
        if self.watcher is None:
            return
        try:
            taken = self.watcher.poll(self.submit)
        except Exception as exc:  # the folder vanished or became unreadable
            log.warning("watch folder poll failed: %s", exc)
            return
        for path, job_id in taken:
            self.taken.emit(str(path), job_id or "")
            self.window.statusBar().showMessage(self.tr("Watch folder: {0} queued").format(path.name), 5000)
