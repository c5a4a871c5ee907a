"""The speech-model manager: what is installed, download with progress and cancel, delete.

Model actions happen at once (they are downloads and deletions, not preferences); every
disk or network step runs off the UI thread."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..widgets.common import hint
from ..workers import BackgroundTask, run_in_background
from .task import TaskRunner, size_text

NAME_ROLE = Qt.UserRole
DATA_ROLE = Qt.UserRole + 1


class ModelManager(QWidget):
    #: The list was (re)read: media_core.model_store.ModelInfo of every known model.
    modelsListed = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.offline = False
        self.loaded = False
        self.models = QTreeWidget()
        self.models.setHeaderLabels(
            [self.tr("Model"), self.tr("Status"), self.tr("Size"), self.tr("Speed"), self.tr("Notes")]
        )
        self.models.setRootIsDecorated(False)
        self.models.header().setSectionResizeMode(4, QHeaderView.Stretch)
        self.models.currentItemChanged.connect(lambda *_: self.update_buttons())
        self.download_btn = QPushButton(self.tr("Download"))
        self.download_btn.clicked.connect(self.download)
        self.delete_btn = QPushButton(self.tr("Delete"))
        self.delete_btn.clicked.connect(self.delete)
        self.cancel_btn = QPushButton(self.tr("Cancel download"))
        self.bar = QProgressBar()
        self.status = hint("")
        self.task = TaskRunner(
            self.bar,
            self.cancel_btn,
            self.status,
            [self.download_btn, self.delete_btn],
            self.tr("Download cancelled."),
            self.update_buttons,
        )
        row = QHBoxLayout()
        row.addWidget(self.download_btn)
        row.addWidget(self.delete_btn)
        row.addStretch(1)
        row.addWidget(self.cancel_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.models, 1)
        lay.addLayout(row)
        lay.addWidget(self.bar)
        lay.addWidget(self.status)

    def set_offline(self, offline: bool) -> None:
        self.offline = offline
        self.update_buttons()

    def refresh(self) -> None:
        def work():
            from media_core import model_store

            return model_store.list_models()

        run_in_background(
            work, self._show, lambda exc: self.status.setText(self.tr("Could not list the models: {0}").format(exc))
        )

    def _status_text(self, m) -> str:
        if not m.installed:
            return self.tr("not downloaded")
        return self.tr("installed") if m.source == "data dir" else self.tr("built in")

    def _show(self, models) -> None:
        selected = self.selected()
        self.models.clear()
        for m in models:
            label = m.name if m.kind == "faster-whisper" else f"{m.name} (whisper.cpp)"
            speed = self.tr("{0:.2f}× real time").format(m.rtf) if m.rtf else ""
            item = QTreeWidgetItem([label, self._status_text(m), size_text(m.size_bytes), speed, m.description])
            item.setData(0, NAME_ROLE, m.name)
            item.setData(0, DATA_ROLE, m)
            item.setToolTip(4, m.path or "")
            self.models.addTopLevelItem(item)
            if m.name == selected:
                self.models.setCurrentItem(item)
        for col in range(4):
            self.models.resizeColumnToContents(col)
        self.loaded = True
        self.update_buttons()
        self.modelsListed.emit(list(models))

    def selected(self) -> str | None:
        item = self.models.currentItem()
        return item.data(0, NAME_ROLE) if item else None

    def select(self, name: str) -> None:
        for i in range(self.models.topLevelItemCount()):
            if self.models.topLevelItem(i).data(0, NAME_ROLE) == name:
                self.models.setCurrentItem(self.models.topLevelItem(i))
                return

    def status_of(self, name: str) -> str:
        for i in range(self.models.topLevelItemCount()):
            item = self.models.topLevelItem(i)
            if item.data(0, NAME_ROLE) == name:
                return item.text(1)
        return ""

    def update_buttons(self) -> None:
        item = self.models.currentItem()
        info = item.data(0, DATA_ROLE) if item else None
        busy = self.task.busy
        self.download_btn.setEnabled(bool(info) and not info.installed and not busy and not self.offline)
        self.delete_btn.setEnabled(bool(info) and info.installed and info.source == "data dir" and not busy)
        if info is not None and not info.installed and self.offline:
            self.status.setText(self.tr("Offline mode is on: downloads are off."))

    def download(self) -> BackgroundTask | None:
        name = self.selected()
        if not name:
            return None
        offline = self.offline

        def work(progress, cancel):
            from media_core import model_store

            # resolve_model refuses to download in offline mode with a message that says so.
            return model_store.resolve_model(name, progress=progress, cancel=cancel, offline=offline)

        def done(path):
            self.status.setText(self.tr("{0} is ready: {1}").format(name, path))
            self.refresh()

        return self.task.run(work, self.tr("Downloading {0}…").format(name), done)

    def delete(self) -> None:
        name = self.selected()
        question = self.tr("Delete the model {0} from this computer?").format(name)
        if not name or QMessageBox.question(self, self.tr("Delete model"), question) != QMessageBox.Yes:
            return

        def work():
            from media_core import model_store

            return model_store.delete_model(name)

        def done(removed):
            self.status.setText(
                self.tr("{0} deleted.").format(name)
                if removed
                else self.tr("{0} ships with Reframe and cannot be deleted.").format(name)
            )
            self.refresh()

        run_in_background(work, done, lambda exc: self.status.setText(str(exc)))
