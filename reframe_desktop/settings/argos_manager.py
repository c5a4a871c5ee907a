"""The offline translation package manager (Argos Translate): list, install from a file,
download from the package index, remove; plus what every translation engine can do here.

Package actions happen at once (they are downloads and deletions, not preferences)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
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

DATA_ROLE = Qt.UserRole + 1


class ArgosManager(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.offline = False
        self.loaded = False
        self._index: list = []
        self.packages = QTreeWidget()
        self.packages.setHeaderLabels([self.tr("Languages"), self.tr("Version"), self.tr("Status"), self.tr("Size")])
        self.packages.setRootIsDecorated(False)
        self.packages.header().setSectionResizeMode(0, QHeaderView.Stretch)
        self.packages.currentItemChanged.connect(lambda *_: self.update_buttons())
        self.refresh_btn = QPushButton(self.tr("Get the list of packages"))
        self.refresh_btn.clicked.connect(self.fetch_index)
        self.install_btn = QPushButton(self.tr("Install from file…"))
        self.install_btn.clicked.connect(self._install_dialog)
        self.download_btn = QPushButton(self.tr("Download"))
        self.download_btn.clicked.connect(self.download)
        self.remove_btn = QPushButton(self.tr("Remove"))
        self.remove_btn.clicked.connect(self.remove)
        self.cancel_btn = QPushButton(self.tr("Cancel"))
        self.bar = QProgressBar()
        self.status = hint("")
        buttons = [self.refresh_btn, self.install_btn, self.download_btn, self.remove_btn]
        self.task = TaskRunner(
            self.bar, self.cancel_btn, self.status, buttons, self.tr("Cancelled."), self.update_buttons
        )
        self.backend_status = hint(self.tr("Checking the translation engines…"))
        self.backend_status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        row = QHBoxLayout()
        for b in buttons:
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.cancel_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(self.packages, 1)
        lay.addLayout(row)
        lay.addWidget(self.bar)
        lay.addWidget(self.status)
        lay.addWidget(self.backend_status)

    def set_offline(self, offline: bool) -> None:
        self.offline = offline
        self.update_buttons()

    def check_backends(self) -> None:
        """One line per translation engine: what it can do here, or what it is missing."""

        def work():
            from media_core.translation.catalog import backend_status

            return backend_status()

        def done(statuses):
            self.backend_status.setText("\n".join(f"{s.label}: {s.detail}" for s in statuses))

        run_in_background(work, done, lambda exc: self.backend_status.setText(str(exc)))

    def refresh(self) -> None:
        def work():
            from media_core.translation import argos

            return argos.list_installed()

        run_in_background(work, self._show, lambda exc: self.status.setText(str(exc)))

    def _show(self, installed) -> None:
        selected = self.selected()
        self.packages.clear()
        pairs = set()
        for pkg in installed:
            pairs.add(pkg.pair)
            self._add_item(pkg, self.tr("installed"))
        for pkg in self._index:
            if pkg.pair not in pairs:
                self._add_item(pkg, self.tr("available"))
        if selected is not None:
            self.select(*selected.pair)
        self.loaded = True
        self.update_buttons()
        self.check_backends()  # installing or removing a package changes what Argos can do

    def _add_item(self, pkg, status: str) -> None:
        from media_core.translation.base import language_name as lang

        label = f"{pkg.from_name or lang(pkg.from_code)} → {pkg.to_name or lang(pkg.to_code)}"
        item = QTreeWidgetItem([label, pkg.package_version, status, size_text(pkg.size)])
        item.setData(0, DATA_ROLE, pkg)
        self.packages.addTopLevelItem(item)

    def selected(self):
        item = self.packages.currentItem()
        return item.data(0, DATA_ROLE) if item else None

    def select(self, src: str, tgt: str) -> bool:
        for i in range(self.packages.topLevelItemCount()):
            item = self.packages.topLevelItem(i)
            if item.data(0, DATA_ROLE).pair == (src, tgt):
                self.packages.setCurrentItem(item)
                return True
        return False

    def items(self) -> list[tuple[tuple[str, str], str]]:
        """(pair, status) of every row, for tests and screenshots."""
        rows = (self.packages.topLevelItem(i) for i in range(self.packages.topLevelItemCount()))
        return [(item.data(0, DATA_ROLE).pair, item.text(2)) for item in rows]

    def update_buttons(self) -> None:
        pkg = self.selected()
        busy = self.task.busy
        self.refresh_btn.setEnabled(not busy and not self.offline)
        self.install_btn.setEnabled(not busy)
        self.download_btn.setEnabled(
            pkg is not None and pkg.path is None and bool(pkg.links) and not busy and not self.offline
        )
        self.remove_btn.setEnabled(pkg is not None and pkg.path is not None and not busy)

    def fetch_index(self) -> None:
        offline = self.offline

        def work():
            from media_core.translation import argos

            return argos.fetch_index(offline=offline)

        def done(index):
            self._index = index
            self.status.setText(self.tr("{0} packages offered.").format(len(index)))
            self.refresh()

        self.status.setText(self.tr("Getting the list of packages…"))
        run_in_background(work, done, lambda exc: self.status.setText(str(exc)))

    def _install_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Install a translation package"),
            "",
            self.tr("Argos Translate package (*.argosmodel);;All files (*)"),
        )
        if path:
            self.install_file(path)

    def _installed(self, pkg) -> None:
        self.status.setText(self.tr("Installed {0}.").format(pkg.label))
        self.refresh()

    def install_file(self, path: str) -> BackgroundTask:
        def work(progress, cancel):
            from media_core.translation import argos

            return argos.install_package(path, progress=progress, cancel=cancel)

        return self.task.run(work, self.tr("Installing…"), self._installed)

    def download(self) -> BackgroundTask | None:
        pkg = self.selected()
        if pkg is None:
            return None
        offline = self.offline

        def work(progress, cancel):
            from media_core.translation import argos

            return argos.download_package(pkg, progress=progress, cancel=cancel, offline=offline)

        return self.task.run(work, self.tr("Downloading {0}…").format(pkg.label), self._installed)

    def remove(self) -> None:
        pkg = self.selected()
        if pkg is None or pkg.path is None:
            return
        question = self.tr("Remove the {0} package?").format(pkg.label)
        if QMessageBox.question(self, self.tr("Remove package"), question) != QMessageBox.Yes:
            return
        src, tgt = pkg.pair

        def work():
            from media_core.translation import argos

            return argos.remove_package(src, tgt)

        def done(_):
            self.status.setText(self.tr("Removed {0}.").format(pkg.label))
            self.refresh()

        run_in_background(work, done, lambda exc: self.status.setText(str(exc)))
