"""The update dialog: the new version and its release notes, then download (progress, cancel),
install and restart. The work runs on a BackgroundTask thread; the window stays usable."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
)

from ..workers import BackgroundTask
from .common import hint


def _install_work(update):
    """The background part: download (resumable, verified) then install; returns the executable."""
    from media_core.updates import download_update, install_update

    def work(progress, cancel):
        package = download_update(update, progress=lambda f, s="": progress(0.9 * f, s), cancel=cancel)
        cancel.raise_if_cancelled()  # the last moment a cancel still means "nothing changed"
        progress(0.9, "installing")
        executable = install_update(update, package)
        progress(1.0, "installed")
        return executable

    return work


class UpdateDialog(QDialog):
    #: The executable to start; emitted when the user chose to restart into the new version.
    restartRequested = Signal(str)

    def __init__(self, update, installed: str, parent=None):
        super().__init__(parent)
        self.update = update
        self.task: BackgroundTask | None = None
        self.installed_executable: Path | None = None
        self.setWindowTitle(self.tr("Update available"))
        self.setMinimumWidth(480)
        heading = QLabel(
            self.tr("Reframe %1 is available. You have %2.").replace("%1", update.version).replace("%2", installed)
        )
        heading.setObjectName("updateHeading")
        heading.setStyleSheet("font-weight: 600; font-size: 15px;")
        self.notes = QTextBrowser()
        self.notes.setOpenExternalLinks(False)
        self.notes.setMarkdown(update.notes or self.tr("No release notes."))
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.status = hint(self._kind_hint())
        self.buttons = QDialogButtonBox()
        self.install_button = QPushButton(self.tr("Install and restart"))
        self.install_button.setDefault(True)
        self.install_button.setEnabled(update.installation.kind != "checkout")
        self.later_button = QPushButton(self.tr("Later"))
        self.buttons.addButton(self.install_button, QDialogButtonBox.AcceptRole)
        self.buttons.addButton(self.later_button, QDialogButtonBox.RejectRole)
        self.install_button.clicked.connect(self.start_install)
        self.later_button.clicked.connect(self.cancel_or_close)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(QLabel(self.tr("What is new:")))
        layout.addWidget(self.notes, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _kind_hint(self) -> str:
        kind = self.update.installation.kind
        if kind == "checkout":
            return self.tr("This Reframe runs from a source checkout: update it with git.")
        if kind in ("deb", "windows", "macos"):
            return self.tr("Reframe closes and the system installer finishes the update.")
        return self.tr("The download is checked against Reframe's release signature before anything changes.")

    def start_install(self) -> None:
        self.install_button.setEnabled(False)
        self.later_button.setText(self.tr("Cancel"))
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText(self.tr("Downloading…"))
        self.task = BackgroundTask(
            _install_work(self.update), on_progress=self._on_progress, on_done=self._on_done, on_error=self._on_error
        ).start()

    def _on_progress(self, fraction: float, stage: str) -> None:
        self.progress.setValue(int(1000 * fraction))
        if stage == "installing":
            self.status.setText(self.tr("Installing…"))
            self.later_button.setEnabled(False)  # the swap is one step; it finishes, or nothing changed

    def _on_done(self, executable) -> None:
        self.installed_executable = Path(executable)
        self.progress.setValue(1000)
        self.status.setText(self.tr("Reframe %1 is installed. Restarting…").replace("%1", self.update.version))
        self.restartRequested.emit(str(executable))

    def _on_error(self, exc: BaseException) -> None:
        from media_core.errors import CancelledError

        self.progress.hide()
        self.install_button.setEnabled(True)
        self.later_button.setEnabled(True)
        self.later_button.setText(self.tr("Later"))
        if isinstance(exc, CancelledError):
            self.status.setText(self.tr("Download cancelled; nothing was changed."))
        else:
            self.status.setText(" ".join(str(exc).split()))

    def cancel_or_close(self) -> None:
        if self.task is not None and not self.task.finished:
            self.task.cancel()
            return
        self.reject()


def restart_into(executable: str, kind: str) -> subprocess.Popen | None:
    """Start the new version detached (the installers of .deb/Windows/macOS start it themselves)."""
    if kind not in ("folder", "appimage"):
        return None
    return subprocess.Popen([executable], start_new_session=True)
