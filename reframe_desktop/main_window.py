"""The main window: five tabs, drag-and-drop routing, recent files, shortcuts, notifications."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (QApplication, QFileDialog, QLabel, QMainWindow, QMenu, QSystemTrayIcon,
                               QTabWidget)

from .job_client import JobClient
from .settings import AppSettings, save_settings
from .widgets.common import MEDIA_FILTER, kind_of

#: Jobs shorter than this finish without a desktop notification (the user is still watching).
NOTIFY_AFTER_SECONDS = 20


class MainWindow(QMainWindow):
    def __init__(self, settings: AppSettings, client: JobClient | None = None):
        super().__init__()
        self.settings = settings
        self.client = client or JobClient(self)
        self.setWindowTitle("Reframe")
        self.setAcceptDrops(True)
        self.resize(1280, 800)

        from .tabs.captions import CaptionsTab
        from .tabs.jobs import JobsTab
        from .tabs.shorts import ShortsTab
        from .tabs.styling import StylingTab
        from .tabs.utilities import UtilitiesTab

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs_by_name = {}
        for cls, label in ((ShortsTab, self.tr("Shorts")), (CaptionsTab, self.tr("Captions")),
                           (StylingTab, self.tr("Styling")), (UtilitiesTab, self.tr("Utilities")),
                           (JobsTab, self.tr("Jobs"))):
            tab = cls(self)
            self.tabs_by_name[tab.name] = tab
            self.tabs.addTab(tab, label)
            tab.restore_options(settings.tab_options.get(tab.name, {}))
        self.setCentralWidget(self.tabs)
        self.tabs.setCurrentIndex(min(max(settings.last_tab, 0), self.tabs.count() - 1))

        self.status_label = QLabel()
        self.status_label.setMinimumWidth(260)
        self.status_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.statusBar().addPermanentWidget(self.status_label)
        self._build_menus()
        self._tray: QSystemTrayIcon | None = None
        self._started: dict[str, float] = {}
        self.client.stateChanged.connect(self._on_job_state)
        self.client.progress.connect(self._on_progress)
        if settings.window_geometry:
            self.restoreGeometry(QByteArray.fromHex(settings.window_geometry.encode()))
        if settings.window_state:
            self.restoreState(QByteArray.fromHex(settings.window_state.encode()))

    # -- menus & shortcuts ----------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        open_act = QAction(self.tr("&Open…"), self, shortcut=QKeySequence.Open, triggered=self.open_file_dialog)
        file_menu.addAction(open_act)
        self.recent_menu = QMenu(self.tr("Open &recent"), self)
        file_menu.addMenu(self.recent_menu)
        self._rebuild_recent()
        file_menu.addSeparator()
        settings_act = QAction(self.tr("&Settings…"), self, shortcut=QKeySequence("Ctrl+,"),
                               triggered=self.open_settings)
        file_menu.addAction(settings_act)
        file_menu.addSeparator()
        file_menu.addAction(QAction(self.tr("&Quit"), self, shortcut=QKeySequence("Ctrl+Q"),
                                    triggered=self.close))
        view = self.menuBar().addMenu(self.tr("&View"))
        for i in range(self.tabs.count()):
            view.addAction(QAction(self.tabs.tabText(i), self, shortcut=QKeySequence(f"Ctrl+{i + 1}"),
                                   triggered=lambda _=False, i=i: self.tabs.setCurrentIndex(i)))
        view.addSeparator()
        theme_menu = view.addMenu(self.tr("Theme"))
        for key, label in (("system", self.tr("Follow system")), ("light", self.tr("Light")),
                           ("dark", self.tr("Dark"))):
            act = QAction(label, self, checkable=True, checked=self.settings.theme == key)
            act.triggered.connect(lambda _=False, k=key: self.set_theme(k))
            theme_menu.addAction(act)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(QAction(self.tr("System status…"), self, triggered=self.open_system_status))

    def _rebuild_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_files:
            self.recent_menu.addAction(QAction(path, self, triggered=lambda _=False, p=path: self.route_file(p)))
        self.recent_menu.setEnabled(bool(self.settings.recent_files))

    def remember_file(self, path: str) -> None:
        self.settings.add_recent(path)
        self._rebuild_recent()

    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a file"), "",
                                              MEDIA_FILTER.replace(");;", " *.srt *.vtt *.ass);;", 1))
        if path:
            self.route_file(path)

    def open_settings(self) -> None:
        from .settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.settings = dialog.result_settings()
            for tab in self.tabs_by_name.values():
                tab.settings = self.settings
            self.settings.apply_to_engine()
            self.set_theme(self.settings.theme)

    def open_system_status(self) -> None:
        from .system_status import SystemStatusDialog

        SystemStatusDialog(self).show()

    def set_theme(self, theme: str) -> None:
        from .theme import apply_theme

        self.settings.theme = theme
        apply_theme(QApplication.instance(), theme)
        save_settings(self.settings)

    # -- drag and drop ------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        handled = False
        for url in event.mimeData().urls():
            if url.isLocalFile():
                handled = self.route_file(url.toLocalFile()) or handled
        if handled:
            event.acceptProposedAction()

    def route_file(self, path: str) -> bool:
        """Send a file to the field that wants it: the current tab first, then by kind."""
        kind = kind_of(path)
        current = self.tabs.currentWidget()
        if kind != "other" and current.accept_file(path, kind):
            self.remember_file(path)
            return True
        fallback = {"video": "captions", "audio": "utilities", "subtitle": "utilities"}.get(kind)
        if fallback and self.tabs_by_name[fallback].accept_file(path, kind):
            self.tabs.setCurrentWidget(self.tabs_by_name[fallback])
            self.remember_file(path)
            return True
        self.statusBar().showMessage(self.tr("Reframe cannot use {0}").format(Path(path).name), 5000)
        return False

    # -- job notifications --------------------------------------------------------
    def _on_progress(self, job_id: str, fraction: float, stage: str) -> None:
        import time

        self._started.setdefault(job_id, time.monotonic())
        self.status_label.setText(f"{stage} {fraction * 100:.0f} %" if stage else f"{fraction * 100:.0f} %")

    def _on_job_state(self, job_id: str, state: str) -> None:
        import time

        if state == "running":
            self._started.setdefault(job_id, time.monotonic())
            return
        if state not in ("succeeded", "failed", "cancelled"):
            return
        self.status_label.clear()
        started = self._started.pop(job_id, None)
        job = self.client.get(job_id)
        name = getattr(job, "title", "") or getattr(job, "type", "").replace("_", " ").capitalize()
        message = self.tr("{0}: {1}").format(name, state)
        long_job = started is not None and time.monotonic() - started >= NOTIFY_AFTER_SECONDS
        self.notify(message, desktop=long_job and not self.isActiveWindow())

    def notify(self, message: str, *, desktop: bool = False) -> None:
        if desktop and QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self.windowIcon(), self)
                self._tray.show()
            self._tray.showMessage("Reframe", message)
        self.statusBar().showMessage(message, 8000)

    # -- close --------------------------------------------------------------------
    def save_state(self) -> None:
        self.settings.window_geometry = bytes(self.saveGeometry().toHex()).decode()
        self.settings.window_state = bytes(self.saveState().toHex()).decode()
        self.settings.last_tab = self.tabs.currentIndex()
        for name, tab in self.tabs_by_name.items():
            try:
                self.settings.tab_options[name] = tab.options()
            except Exception:
                pass
        save_settings(self.settings)

    def closeEvent(self, event) -> None:
        self.save_state()
        self.client.shutdown()
        super().closeEvent(event)
