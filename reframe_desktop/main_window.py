"""The main window: five tabs, drag-and-drop routing, recent files, shortcuts, notifications.

The window holds no engine work and no server: tabs submit jobs through the job client, and
the in-process HTTP API belongs to the application (reframe_desktop.app / api_host)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QSystemTrayIcon,
    QTabWidget,
)

from .job_client import FINISHED_STATES, JobClient
from .settings import AppSettings, save_settings
from .update_checker import UpdateChecker
from .widgets.about import show_about
from .widgets.batch_drops import BatchDrops
from .widgets.common import MEDIA_FILTER, DropRouter, kind_of
from .widgets.runtime_status import RuntimeStatusLabel
from .widgets.watch_runner import WatchRunner
from .workers import run_in_background

#: Jobs shorter than this finish without a desktop notification (the user is still watching).
NOTIFY_AFTER_SECONDS = 20
THEMES = ("system", "light", "dark")


class MainWindow(QMainWindow):
    #: The Settings dialog saved both settings files (the application restarts the API from them).
    settingsApplied = Signal()
    #: The engine's libraries (and the chosen model, when it is on this machine) are loaded.
    engineWarm = Signal()

    def __init__(self, settings: AppSettings, client: JobClient | None = None):
        super().__init__()
        self.settings = settings
        self.client = client or JobClient(self)
        #: reframe_desktop.api_host.ApiHost of the application, when it runs one: the Settings
        #: dialog shows whether it runs; the window never starts or stops it.
        self.api_host = None
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
        for cls, label in (
            (ShortsTab, self.tr("Shorts")),
            (CaptionsTab, self.tr("Captions")),
            (StylingTab, self.tr("Styling")),
            (UtilitiesTab, self.tr("Utilities")),
            (JobsTab, self.tr("Jobs")),
        ):
            tab = cls(self.client, settings)
            tab.fileUsed.connect(self.remember_file)
            tab.notice.connect(self.notify)
            self.tabs_by_name[tab.name] = tab
            self.tabs.addTab(tab, label)
            tab.restore_options(settings.tab_options.get(tab.name, {}))
        self.setCentralWidget(self.tabs)
        self.tabs_by_name["styling"].captionsRequested.connect(self._captions_for_styling)
        self.tabs.setCurrentIndex(min(max(settings.last_tab, 0), self.tabs.count() - 1))

        self.status_label = QLabel()
        self.status_label.setMinimumWidth(260)
        self.status_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.statusBar().addPermanentWidget(self.status_label)
        self.runtime_status = RuntimeStatusLabel.attach(self, settings)
        self.update_checker = UpdateChecker(self)
        self._build_menus()
        self.batch_drops, self.watch = BatchDrops(self), WatchRunner(self)  # many files; watch folder
        self._tray: QSystemTrayIcon | None = None
        self._started: dict[str, float] = {}
        self.client.stateChanged.connect(self._on_job_state)
        self.client.progress.connect(self._on_progress)
        # Search boxes, editors and lists would paste a dropped file's URL as text.
        self._drops = DropRouter(self.route_file, self)
        self._drops.watch(self)
        QApplication.instance().styleHints().colorSchemeChanged.connect(self._on_system_scheme)
        if settings.window_geometry:
            self.restoreGeometry(QByteArray.fromHex(settings.window_geometry.encode()))
        if settings.window_state:
            self.restoreState(QByteArray.fromHex(settings.window_state.encode()))
        self._restore_splitters()
        self.engine_warm = False
        self._warm_up_started = False

    def showEvent(self, event):
        super().showEvent(event)
        if not self._warm_up_started:
            self._warm_up_started = True
            self._warm_up_engine()
            self.update_checker.check_at_start()

    def _warm_up_engine(self) -> None:
        """Load the recogniser while the user is still choosing a file (see
        media_core.transcription.warm_up): the first job then starts at once and its GIL-heavy
        library loading never stutters the window mid-job."""
        captions = self.tabs_by_name["captions"]
        model = captions.model.currentData() or self.settings.default_model
        backend = captions.backend.currentData() or "faster-whisper"

        def work():
            from media_core.jobs import default_registry
            from media_core.transcription import TranscriptionConfig, warm_up

            default_registry.names()  # the job types' request models: a submit then imports nothing
            return warm_up(TranscriptionConfig(model=model, backend=backend))

        def done(_loaded=None):
            self.engine_warm = True
            self.engineWarm.emit()

        run_in_background(work, done, lambda exc: done())

    # -- menus & shortcuts ----------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        file_menu.addAction(self._action(self.tr("&Open…"), self.open_file_dialog, QKeySequence.Open))
        self.recent_menu = QMenu(self.tr("Open &recent"), self)
        file_menu.addMenu(self.recent_menu)
        self._rebuild_recent()
        file_menu.addSeparator()
        file_menu.addAction(self._action(self.tr("&Settings…"), self.open_settings, "Ctrl+,"))
        file_menu.addSeparator()
        file_menu.addAction(self._action(self.tr("&Quit"), self.close, "Ctrl+Q"))

        actions = self.menuBar().addMenu(self.tr("&Actions"))
        # Ctrl+Return is the main keyboard's Enter, Ctrl+Enter the keypad's.
        self.run_action = self._action(
            self.tr("&Start the current tab's job"), self.run_primary_action, ["Ctrl+Return", "Ctrl+Enter"]
        )
        actions.addAction(self.run_action)
        self.find_action = self._action(self.tr("&Find"), self.focus_search, QKeySequence.Find)
        actions.addAction(self.find_action)
        # Escape also closes popups and cancels edits elsewhere: only claim it inside the Jobs tab.
        self.cancel_action = self._action(
            self.tr("&Cancel the selected job (Jobs tab)"),
            self.cancel_selected_job,
            "Escape",
            owner=self.tabs_by_name["jobs"],
        )
        self.cancel_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        actions.addAction(self.cancel_action)

        view = self.menuBar().addMenu(self.tr("&View"))
        for i in range(self.tabs.count()):
            view.addAction(
                self._action(self.tabs.tabText(i), lambda _=False, i=i: self.tabs.setCurrentIndex(i), f"Ctrl+{i + 1}")
            )
        view.addSeparator()
        theme_menu = view.addMenu(self.tr("Theme"))
        self.theme_group = QActionGroup(self)
        self.theme_group.setExclusive(True)
        self.theme_actions: dict[str, QAction] = {}
        for key, label in zip(THEMES, (self.tr("Follow system"), self.tr("Light"), self.tr("Dark")), strict=False):
            act = QAction(label, self, checkable=True)
            act.setData(key)
            act.setChecked(self.settings.theme == key)
            act.triggered.connect(lambda _=False, k=key: self.set_theme(k))
            self.theme_group.addAction(act)
            theme_menu.addAction(act)
            self.theme_actions[key] = act

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(
            self._action(self.tr("&Keyboard shortcuts"), self.show_shortcuts, QKeySequence.HelpContents)
        )
        help_menu.addAction(self._action(self.tr("System status…"), self.open_system_status))
        help_menu.addAction(self._action(self.tr("Check for &updates…"), self.update_checker.check_now))
        from .widgets.quick_start import add_help_actions

        add_help_actions(self, help_menu)
        help_menu.addAction(self._action(self.tr("&About Reframe"), lambda: show_about(self)))

    def _action(self, text: str, slot, shortcut=None, owner=None) -> QAction:
        act = QAction(text, self)
        if isinstance(shortcut, list):
            act.setShortcuts([QKeySequence(s) for s in shortcut])
        elif shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        (owner or self).addAction(act)  # shortcuts work even while the menu bar is hidden
        return act

    def shortcut_list(self) -> list[tuple[str, str]]:
        """(action, keys) for every action with a shortcut, as the menus show them."""
        from .widgets.shortcuts_dialog import shortcut_rows

        return shortcut_rows(self.menuBar())

    def show_shortcuts(self) -> QDialog:
        from .widgets.shortcuts_dialog import show_shortcuts

        return show_shortcuts(self.shortcut_list(), self)

    def run_primary_action(self) -> str | None:
        return self.tabs.currentWidget().primary_action()

    def focus_search(self) -> None:
        self.tabs.currentWidget().focus_search()

    def cancel_selected_job(self) -> None:
        jobs = self.tabs_by_name["jobs"]
        if self.tabs.currentWidget() is jobs:
            jobs.cancel_selected()

    def _captions_for_styling(self, video: str) -> None:
        """The Styling tab wants subtitles for ``video``: the Captions tab submits the job;
        when it refuses (a field is wrong), it is shown so its message is seen."""
        captions, styling = self.tabs_by_name["captions"], self.tabs_by_name["styling"]
        job_id = captions.transcribe(video)
        if job_id:
            styling.watch_captions_job(job_id)
        else:
            self.tabs.setCurrentWidget(captions)

    # -- recent files ---------------------------------------------------------------
    def _rebuild_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_files:
            self.recent_menu.addAction(QAction(path, self, triggered=lambda _=False, p=path: self.route_file(p)))
        self.recent_menu.setEnabled(bool(self.settings.recent_files))

    def remember_file(self, path: str) -> None:
        self.settings.add_recent(path)
        self._rebuild_recent()

    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open a file"), "", MEDIA_FILTER.replace(");;", " *.srt *.vtt *.ass);;", 1)
        )
        if path:
            self.route_file(path)

    # -- settings, theme, API ---------------------------------------------------------
    def open_settings(self) -> QDialog:
        from .settings.dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self, api_host=self.api_host)
        dialog.accepted.connect(lambda: self.apply_settings(dialog))
        dialog.open()
        return dialog

    def apply_settings(self, dialog) -> None:
        """Take what the Settings dialog saved: UI preferences here, engine ones are live already."""
        self.settings = dialog.result_settings()
        for tab in self.tabs_by_name.values():
            tab.settings = self.settings
        self.set_theme(self.settings.theme)
        self.runtime_status.settings = self.settings
        self.runtime_status.refresh()
        self.watch.configure()
        self.settingsApplied.emit()

    def open_system_status(self) -> QDialog:
        from .system_status import SystemStatusDialog

        dialog = SystemStatusDialog(self)
        dialog.show()
        return dialog

    def set_theme(self, theme: str) -> None:
        from .theme import apply_theme

        self.settings.theme = theme
        self.theme_actions[theme].setChecked(True)
        apply_theme(QApplication.instance(), theme)
        save_settings(self.settings)

    def _on_system_scheme(self, scheme) -> None:
        if self.settings.theme == "system":
            from .theme import apply_theme

            apply_theme(QApplication.instance(), "system", scheme)

    def show_api_host(self, api_host) -> None:
        """Show the application's API server state (Settings dialog, status bar errors)."""
        self.api_host = api_host
        api_host.statusChanged.connect(self._on_api_status)

    def _on_api_status(self, url: str) -> None:
        if not url and self.api_host.error:
            self.statusBar().showMessage(self.tr("HTTP API: {0}").format(self.api_host.error), 8000)

    # -- drag and drop ------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        handled = self.batch_drops.submit([u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()])
        for url in event.mimeData().urls() if not handled else []:
            if url.isLocalFile():
                handled = self.route_file(url.toLocalFile()) or handled
        if handled:
            event.acceptProposedAction()

    def route_file(self, path: str, field=None) -> bool:
        """Send a file where it is wanted: the field it was dropped on when it fits, then the
        current tab, then the tab for its kind."""
        kind = kind_of(path)
        if field is not None and field.takes(path):
            field.set_path(path)
            self.remember_file(path)
            return True
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
        self._started.setdefault(job_id, time.monotonic())
        self.status_label.setText(f"{stage} {fraction * 100:.0f} %" if stage else f"{fraction * 100:.0f} %")

    def _on_job_state(self, job_id: str, state: str) -> None:
        if state == "running":
            self._started.setdefault(job_id, time.monotonic())
            return
        if state not in FINISHED_STATES:
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

    # -- layout memory and close --------------------------------------------------
    def _splitters(self) -> dict[str, QSplitter]:
        """Every tab's splitters under a stable key (tab name + creation order)."""
        found = {}
        for name, tab in self.tabs_by_name.items():
            for i, splitter in enumerate(tab.findChildren(QSplitter)):
                found[f"{name}.{i}"] = splitter
        return found

    def _restore_splitters(self) -> None:
        for key, splitter in self._splitters().items():
            state = self.settings.splitters.get(key)
            if state:
                splitter.restoreState(QByteArray.fromHex(state.encode()))

    def save_state(self) -> None:
        self.settings.window_geometry = bytes(self.saveGeometry().toHex()).decode()
        self.settings.window_state = bytes(self.saveState().toHex()).decode()
        self.settings.splitters = {key: bytes(s.saveState().toHex()).decode() for key, s in self._splitters().items()}
        self.settings.last_tab = self.tabs.currentIndex()
        for name, tab in self.tabs_by_name.items():
            try:
                self.settings.tab_options[name] = tab.options()
            except Exception:  # one tab's broken options must not lose the others
                pass
        save_settings(self.settings)

    def closeEvent(self, event) -> None:
        self.save_state()
        self.client.shutdown()
        super().closeEvent(event)
