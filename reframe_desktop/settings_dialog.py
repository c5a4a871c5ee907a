"""Settings: the app's own preferences (AppSettings) and the engine's (EngineSettings),
plus the managers of what lives on disk (speech models, translation packages).

OK saves both settings files; model and package actions happen at once (they are
downloads and deletions, not preferences). Everything that touches the disk or the
network runs off the UI thread.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .i18n import available_languages, language_name
from .settings import AppSettings, save_settings
from .widgets.common import FileField, hint
from .widgets.speaker_settings import SpeakerSettingsPage
from .workers import BackgroundTask, run_in_background

NAME_ROLE = Qt.UserRole
DATA_ROLE = Qt.UserRole + 1


def _size(n: int | None) -> str:
    if not n:
        return ""
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def detect_ffmpeg(configured: str):
    """Runs on a worker thread: the ffmpeg that ``configured`` ("" = bundled) resolves to,
    described before the setting is saved."""
    from media_core.ffmpeg import ffmpeg_info

    return ffmpeg_info(configured)


class _Task:
    """A progress bar + cancel button pair driving one BackgroundTask at a time."""

    def __init__(
        self,
        bar: QProgressBar,
        cancel: QPushButton,
        status: QLabel,
        buttons: list[QPushButton],
        cancelled_text: str,
        on_idle,
    ):
        self.bar, self.cancel_btn, self.status, self.buttons = bar, cancel, status, buttons
        self.cancelled_text = cancelled_text
        self.on_idle = on_idle  # sets the buttons right for the current selection again
        self.task: BackgroundTask | None = None
        bar.setRange(0, 1000)
        bar.hide()
        cancel.hide()
        cancel.clicked.connect(self.cancel)

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.finished

    def run(self, fn, text: str, on_done) -> BackgroundTask:
        self.bar.setValue(0)
        self.bar.show()
        self.cancel_btn.show()
        self.cancel_btn.setEnabled(True)
        self.status.setText(text)
        for b in self.buttons:
            b.setEnabled(False)

        def progress(fraction: float, stage: str) -> None:
            self.bar.setValue(int(fraction * 1000))
            if stage:
                self.status.setText(stage)

        def done(result) -> None:
            self._end()
            on_done(result)

        def failed(exc) -> None:
            from media_core.errors import CancelledError

            self._end()
            self.status.setText(self.cancelled_text if isinstance(exc, CancelledError) else str(exc))

        self.task = BackgroundTask(fn, on_progress=progress, on_done=done, on_error=failed).start()
        return self.task

    def cancel(self) -> None:
        if self.task is not None:
            self.cancel_btn.setEnabled(False)
            self.task.cancel()

    def _end(self) -> None:
        self.bar.hide()
        self.cancel_btn.hide()
        self.task = None
        self.on_idle()


class SettingsDialog(QDialog):
    PAGES = ("general", "engine", "models", "translation", "shorts", "speakers", "jobs", "api")

    def __init__(self, settings: AppSettings, parent=None):
        super().__init__(parent)
        from media_core.settings import load_engine_settings

        self.setWindowTitle(self.tr("Settings"))
        self._app = settings.model_copy(deep=True)
        # What the file says, without environment overrides: an API key exported in the
        # shell must never end up written into the settings file.
        self._engine = load_engine_settings(environment=False)
        self.models_loaded = self.argos_loaded = False
        self.sidebar = QListWidget()
        self.sidebar.setFixedWidth(150)
        self.stack = QStackedWidget()
        builders = {
            "general": (self.tr("General"), self._general_page),
            "engine": (self.tr("Engine"), self._engine_page),
            "models": (self.tr("Models"), self._models_page),
            "translation": (self.tr("Translation"), self._translation_page),
            "shorts": (self.tr("Shorts AI"), self._shorts_page),
            "speakers": (self.tr("Speakers"), self._speakers_page),
            "jobs": (self.tr("Jobs"), self._jobs_page),
            "api": (self.tr("HTTP API"), self._api_page),
        }
        for key in self.PAGES:
            label, build = builders[key]
            self.sidebar.addItem(label)
            self.stack.addWidget(build())
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.sidebar.setCurrentRow(0)

        self.error = QLabel()
        self.error.setStyleSheet("color: #d9443a;")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        body = QHBoxLayout()
        body.addWidget(self.sidebar)
        body.addWidget(self.stack, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(body, 1)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.resize(820, 560)
        self.refresh_models()
        self.refresh_argos()

    def show_page(self, key: str) -> None:
        self.sidebar.setCurrentRow(self.PAGES.index(key))

    # -- General ---------------------------------------------------------------------
    def _general_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.output = FileField(self.tr("Default: Reframe's outputs folder"), "", directory=True)
        self.output.set_path(self._app.output_folder)
        self.theme = QComboBox()
        for key, label in (
            ("system", self.tr("Follow system")),
            ("light", self.tr("Light")),
            ("dark", self.tr("Dark")),
        ):
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(max(0, self.theme.findData(self._app.theme)))
        self.language = QComboBox()
        self.language.addItem(self.tr("System language"), "")
        for code in available_languages():
            self.language.addItem(language_name(code), code)
        index = self.language.findData(self._app.ui_language)
        if index < 0:  # a language whose translation file has gone: keep it visible
            self.language.addItem(self._app.ui_language, self._app.ui_language)
            index = self.language.count() - 1
        self.language.setCurrentIndex(index)
        form.addRow(self.tr("Output folder"), self.output)
        form.addRow(self.tr("Theme"), self.theme)
        form.addRow(self.tr("Language"), self.language)
        form.addRow("", hint(self.tr("A new language shows after Reframe restarts.")))
        return page

    # -- Engine ----------------------------------------------------------------------
    def _engine_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.threads = QSpinBox()
        self.threads.setRange(0, max(64, os.cpu_count() or 1))
        self.threads.setSpecialValueText(self.tr("Automatic"))
        self.threads.setValue(self._engine.threads)
        self.threads.setToolTip(
            self.tr(
                "CPU threads for transcription and ffmpeg. On a busy computer "
                "with few cores, 1 can be faster than more."
            )
        )
        self.ffmpeg = FileField(self.tr("Default: the ffmpeg bundled with Reframe"), "Programs (*)", kinds={"any"})
        self.ffmpeg.set_path(self._engine.ffmpeg_path)
        self.ffmpeg_info = hint(self.tr("Checking ffmpeg…"))
        self._ffmpeg_seq = 0
        self._ffmpeg_timer = QTimer(self, singleShot=True, interval=400)
        self._ffmpeg_timer.timeout.connect(self._check_ffmpeg)
        self.ffmpeg.pathChanged.connect(lambda _: self._ffmpeg_timer.start())
        self.offline = QCheckBox(self.tr("Offline mode: never use the network"))
        self.offline.setChecked(self._engine.offline)
        self.offline.setToolTip(
            self.tr(
                "No model or translation package downloads, no cloud translation, "
                "no AI scoring of shorts. Everything already installed keeps working."
            )
        )
        self.offline.toggled.connect(self._offline_toggled)
        form.addRow(self.tr("Threads"), self.threads)
        form.addRow(self.tr("ffmpeg"), self.ffmpeg)
        form.addRow("", self.ffmpeg_info)
        form.addRow("", self.offline)
        form.addRow(
            "",
            hint(
                self.tr(
                    "Offline mode stops every download and cloud call, whoever asks: "
                    "this window, the command line or the HTTP API."
                )
            ),
        )
        self._check_ffmpeg()
        return page

    def _check_ffmpeg(self) -> None:
        self._ffmpeg_seq += 1
        seq, path = self._ffmpeg_seq, self.ffmpeg.path()

        def done(info):
            if seq != self._ffmpeg_seq:
                return
            libass = self.tr("libass: yes") if info.has_libass else self.tr("libass: NO (burned-in captions will fail)")
            self.ffmpeg_info.setText(self.tr("{0} — version {1}, {2}").format(info.path, info.version, libass))

        def failed(exc):
            if seq == self._ffmpeg_seq:
                self.ffmpeg_info.setText(str(exc))

        run_in_background(lambda: detect_ffmpeg(path), done, failed)

    def _offline_toggled(self, offline: bool) -> None:
        self._update_model_buttons()
        self._update_argos_buttons()

    # -- Models ----------------------------------------------------------------------
    def _models_page(self) -> QWidget:
        page = QWidget()
        self.models = QTreeWidget()
        self.models.setHeaderLabels(
            [self.tr("Model"), self.tr("Status"), self.tr("Size"), self.tr("Speed"), self.tr("Notes")]
        )
        self.models.setRootIsDecorated(False)
        self.models.header().setSectionResizeMode(4, QHeaderView.Stretch)
        self.models.currentItemChanged.connect(lambda *_: self._update_model_buttons())
        self.model_download = QPushButton(self.tr("Download"))
        self.model_download.clicked.connect(self.download_model)
        self.model_delete = QPushButton(self.tr("Delete"))
        self.model_delete.clicked.connect(self.delete_model)
        self.model_cancel = QPushButton(self.tr("Cancel download"))
        self.model_bar = QProgressBar()
        self.model_status = hint("")
        self.model_task = _Task(
            self.model_bar,
            self.model_cancel,
            self.model_status,
            [self.model_download, self.model_delete],
            self.tr("Download cancelled."),
            self._update_model_buttons,
        )
        self.default_model = QComboBox()
        row = QHBoxLayout()
        row.addWidget(self.model_download)
        row.addWidget(self.model_delete)
        row.addStretch(1)
        row.addWidget(self.model_cancel)
        form = QFormLayout()
        form.addRow(self.tr("Default model"), self.default_model)
        lay = QVBoxLayout(page)
        lay.addWidget(QLabel(self.tr("Speech recognition models (faster-whisper)")))
        lay.addWidget(self.models, 1)
        lay.addLayout(row)
        lay.addWidget(self.model_bar)
        lay.addWidget(self.model_status)
        lay.addLayout(form)
        return page

    def refresh_models(self) -> None:
        def work():
            from media_core import model_store

            return model_store.list_models()

        run_in_background(
            work,
            self._show_models,
            lambda exc: self.model_status.setText(self.tr("Could not list the models: {0}").format(exc)),
        )

    def _show_models(self, models) -> None:
        selected = self.selected_model()
        default = self.default_model.currentData() or self._app.default_model
        self.models.clear()
        self.default_model.clear()
        for m in models:
            if m.kind != "faster-whisper":
                label = f"{m.name} (whisper.cpp)"
            else:
                label = m.name
            status = (
                (self.tr("installed") if m.source == "data dir" else self.tr("built in"))
                if m.installed
                else self.tr("not downloaded")
            )
            speed = self.tr("{0:.2f}× real time").format(m.rtf) if m.rtf else ""
            item = QTreeWidgetItem([label, status, _size(m.size_bytes), speed, m.description])
            item.setData(0, NAME_ROLE, m.name)
            item.setData(0, DATA_ROLE, m)
            item.setToolTip(4, m.path or "")
            self.models.addTopLevelItem(item)
            if m.kind == "faster-whisper":
                self.default_model.addItem(m.name, m.name)
            if m.name == selected:
                self.models.setCurrentItem(item)
        for col in range(4):
            self.models.resizeColumnToContents(col)
        self.default_model.setCurrentIndex(max(0, self.default_model.findData(default)))
        self.models_loaded = True
        self._update_model_buttons()

    def selected_model(self) -> str | None:
        item = self.models.currentItem()
        return item.data(0, NAME_ROLE) if item else None

    def select_model(self, name: str) -> None:
        for i in range(self.models.topLevelItemCount()):
            if self.models.topLevelItem(i).data(0, NAME_ROLE) == name:
                self.models.setCurrentItem(self.models.topLevelItem(i))
                return

    def _update_model_buttons(self) -> None:
        item = self.models.currentItem()
        info = item.data(0, DATA_ROLE) if item else None
        busy = self.model_task.busy
        self.model_download.setEnabled(bool(info) and not info.installed and not busy and not self.offline.isChecked())
        self.model_delete.setEnabled(bool(info) and info.installed and info.source == "data dir" and not busy)
        if info is not None and not info.installed and self.offline.isChecked():
            self.model_status.setText(self.tr("Offline mode is on: downloads are off."))

    def download_model(self) -> BackgroundTask | None:
        name = self.selected_model()
        if not name:
            return None
        offline = self.offline.isChecked()

        def work(progress, cancel):
            from media_core import model_store

            # resolve_model refuses to download in offline mode with a message that says so.
            return model_store.resolve_model(name, progress=progress, cancel=cancel, offline=offline)

        def done(path):
            self.model_status.setText(self.tr("{0} is ready: {1}").format(name, path))
            self.refresh_models()

        return self.model_task.run(work, self.tr("Downloading {0}…").format(name), done)

    def delete_model(self) -> None:
        name = self.selected_model()
        if not name or not self.confirm(
            self.tr("Delete model"), self.tr("Delete the model {0} from this computer?").format(name)
        ):
            return

        def work():
            from media_core import model_store

            return model_store.delete_model(name)

        def done(removed):
            self.model_status.setText(
                self.tr("{0} deleted.").format(name)
                if removed
                else self.tr("{0} ships with Reframe and cannot be deleted.").format(name)
            )
            self.refresh_models()

        run_in_background(work, done, lambda exc: self.model_status.setText(str(exc)))

    def confirm(self, title: str, text: str) -> bool:
        return QMessageBox.question(self, title, text) == QMessageBox.Yes

    # -- Translation -----------------------------------------------------------------
    def _translation_page(self) -> QWidget:
        page = QWidget()
        argos_box = QGroupBox(self.tr("Offline translation packages (Argos Translate)"))
        self.argos = QTreeWidget()
        self.argos.setHeaderLabels([self.tr("Languages"), self.tr("Version"), self.tr("Status"), self.tr("Size")])
        self.argos.setRootIsDecorated(False)
        self.argos.header().setSectionResizeMode(0, QHeaderView.Stretch)
        self.argos.currentItemChanged.connect(lambda *_: self._update_argos_buttons())
        self.argos_refresh = QPushButton(self.tr("Get the list of packages"))
        self.argos_refresh.clicked.connect(self.fetch_argos_index)
        self.argos_install = QPushButton(self.tr("Install from file…"))
        self.argos_install.clicked.connect(self._install_argos_dialog)
        self.argos_download = QPushButton(self.tr("Download"))
        self.argos_download.clicked.connect(self.download_argos)
        self.argos_remove = QPushButton(self.tr("Remove"))
        self.argos_remove.clicked.connect(self.remove_argos)
        self.argos_cancel = QPushButton(self.tr("Cancel"))
        self.argos_bar = QProgressBar()
        self.argos_status = hint("")
        self.argos_task = _Task(
            self.argos_bar,
            self.argos_cancel,
            self.argos_status,
            [self.argos_refresh, self.argos_install, self.argos_download, self.argos_remove],
            self.tr("Cancelled."),
            self._update_argos_buttons,
        )
        self._argos_index: list = []
        row = QHBoxLayout()
        for b in (self.argos_refresh, self.argos_install, self.argos_download, self.argos_remove):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.argos_cancel)
        self.backend_status = hint(self.tr("Checking the translation engines…"))
        self.backend_status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        al = QVBoxLayout(argos_box)
        al.addWidget(self.argos, 1)
        al.addLayout(row)
        al.addWidget(self.argos_bar)
        al.addWidget(self.argos_status)
        al.addWidget(self.backend_status)

        cloud_box = QGroupBox(self.tr("Cloud translation (any OpenAI-compatible service)"))
        self.cloud_url, self.cloud_model, self.cloud_key = self._endpoint_form(
            cloud_box, self._engine.cloud_translation, "https://api.openai.com/v1", "gpt-4o-mini"
        )
        lay = QVBoxLayout(page)
        lay.addWidget(argos_box, 1)
        lay.addWidget(cloud_box)
        return page

    def _endpoint_form(self, box: QGroupBox, endpoint, url_hint: str, model_hint: str):
        url = QLineEdit(endpoint.base_url)
        url.setPlaceholderText(url_hint)
        model = QLineEdit(endpoint.model)
        model.setPlaceholderText(model_hint)
        key = QLineEdit(endpoint.api_key)
        key.setEchoMode(QLineEdit.PasswordEchoOnEdit)
        key.setPlaceholderText(self.tr("Not needed for a local server"))
        form = QFormLayout(box)
        form.addRow(self.tr("Server URL"), url)
        form.addRow(self.tr("Model"), model)
        form.addRow(self.tr("API key"), key)
        form.addRow(
            "",
            hint(
                self.tr("Text is sent to this server only when you choose the cloud engine; offline mode turns it off.")
            ),
        )
        return url, model, key

    def check_backends(self) -> None:
        """One line per translation engine: what it can do here, or what it is missing."""

        def work():
            from media_core.translation.catalog import backend_status

            return backend_status()

        def done(statuses):
            self.backend_status.setText("\n".join(f"{s.label}: {s.detail}" for s in statuses))

        run_in_background(work, done, lambda exc: self.backend_status.setText(str(exc)))

    def refresh_argos(self) -> None:
        def work():
            from media_core.translation import argos

            return argos.list_installed()

        run_in_background(work, self._show_argos, lambda exc: self.argos_status.setText(str(exc)))

    def _show_argos(self, installed) -> None:
        selected = self._selected_argos()
        self.argos.clear()
        pairs = set()
        for pkg in installed:
            pairs.add(pkg.pair)
            self._add_argos_item(pkg, self.tr("installed"))
        for pkg in self._argos_index:
            if pkg.pair not in pairs:
                self._add_argos_item(pkg, self.tr("available"))
        if selected is not None:
            self.select_argos(*selected.pair)
        self.argos_loaded = True
        self._update_argos_buttons()
        self.check_backends()  # installing or removing a package changes what Argos can do

    def _add_argos_item(self, pkg, status: str) -> None:
        from media_core.translation.base import language_name as lang

        label = f"{pkg.from_name or lang(pkg.from_code)} → {pkg.to_name or lang(pkg.to_code)}"
        item = QTreeWidgetItem([label, pkg.package_version, status, _size(pkg.size)])
        item.setData(0, DATA_ROLE, pkg)
        self.argos.addTopLevelItem(item)

    def _selected_argos(self):
        item = self.argos.currentItem()
        return item.data(0, DATA_ROLE) if item else None

    def select_argos(self, src: str, tgt: str) -> bool:
        for i in range(self.argos.topLevelItemCount()):
            item = self.argos.topLevelItem(i)
            if item.data(0, DATA_ROLE).pair == (src, tgt):
                self.argos.setCurrentItem(item)
                return True
        return False

    def argos_items(self) -> list[tuple[tuple[str, str], str]]:
        """(pair, status) of every row, for tests and screenshots."""
        return [
            (self.argos.topLevelItem(i).data(0, DATA_ROLE).pair, self.argos.topLevelItem(i).text(2))
            for i in range(self.argos.topLevelItemCount())
        ]

    def _update_argos_buttons(self) -> None:
        pkg = self._selected_argos()
        busy = self.argos_task.busy
        offline = self.offline.isChecked()
        self.argos_refresh.setEnabled(not busy and not offline)
        self.argos_install.setEnabled(not busy)
        self.argos_download.setEnabled(
            pkg is not None and pkg.path is None and bool(pkg.links) and not busy and not offline
        )
        self.argos_remove.setEnabled(pkg is not None and pkg.path is not None and not busy)

    def fetch_argos_index(self) -> None:
        offline = self.offline.isChecked()

        def work():
            from media_core.translation import argos

            return argos.fetch_index(offline=offline)

        def done(index):
            self._argos_index = index
            self.argos_status.setText(self.tr("{0} packages offered.").format(len(index)))
            self.refresh_argos()

        self.argos_status.setText(self.tr("Getting the list of packages…"))
        run_in_background(work, done, lambda exc: self.argos_status.setText(str(exc)))

    def _install_argos_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Install a translation package"),
            "",
            self.tr("Argos Translate package (*.argosmodel);;All files (*)"),
        )
        if path:
            self.install_argos_file(path)

    def install_argos_file(self, path: str) -> BackgroundTask:
        def work(progress, cancel):
            from media_core.translation import argos

            return argos.install_package(path, progress=progress, cancel=cancel)

        def done(pkg):
            self.argos_status.setText(self.tr("Installed {0}.").format(pkg.label))
            self.refresh_argos()

        return self.argos_task.run(work, self.tr("Installing…"), done)

    def download_argos(self) -> BackgroundTask | None:
        pkg = self._selected_argos()
        if pkg is None:
            return None
        offline = self.offline.isChecked()

        def work(progress, cancel):
            from media_core.translation import argos

            return argos.download_package(pkg, progress=progress, cancel=cancel, offline=offline)

        def done(installed):
            self.argos_status.setText(self.tr("Installed {0}.").format(installed.label))
            self.refresh_argos()

        return self.argos_task.run(work, self.tr("Downloading {0}…").format(pkg.label), done)

    def remove_argos(self) -> None:
        pkg = self._selected_argos()
        if (
            pkg is None
            or pkg.path is None
            or not self.confirm(self.tr("Remove package"), self.tr("Remove the {0} package?").format(pkg.label))
        ):
            return
        src, tgt = pkg.pair

        def work():
            from media_core.translation import argos

            return argos.remove_package(src, tgt)

        def done(_):
            self.argos_status.setText(self.tr("Removed {0}.").format(pkg.label))
            self.refresh_argos()

        run_in_background(work, done, lambda exc: self.argos_status.setText(str(exc)))

    # -- Shorts AI ---------------------------------------------------------------------
    def _shorts_page(self) -> QWidget:
        page = QWidget()
        box = QGroupBox(self.tr("AI ranking of shorts (any OpenAI-compatible chat model)"))
        self.llm_url, self.llm_model, self.llm_key = self._endpoint_form(
            box, self._engine.shorts_llm, "http://localhost:11434/v1", "llama3.1"
        )
        lay = QVBoxLayout(page)
        lay.addWidget(box)
        lay.addWidget(
            hint(
                self.tr(
                    "Without a server, shorts are ranked on this computer by their wording, pacing and your prompt."
                )
            )
        )
        lay.addStretch(1)
        return page

    # -- Jobs ------------------------------------------------------------------------------
    def _jobs_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.heavy_jobs = QSpinBox()
        self.heavy_jobs.setRange(1, 16)
        self.heavy_jobs.setValue(self._engine.heavy_jobs)
        self.retention = QSpinBox()
        self.retention.setRange(0, 3650)
        self.retention.setSuffix(self.tr(" days"))
        self.retention.setSpecialValueText(self.tr("Keep forever"))
        self.retention.setValue(self._engine.retention_days)
        form.addRow(self.tr("Heavy jobs at once"), self.heavy_jobs)
        form.addRow(
            "",
            hint(
                self.tr("Transcriptions and renders each use the whole CPU: running one at a time is usually fastest.")
            ),
        )
        form.addRow(self.tr("Keep temporary files"), self.retention)
        form.addRow(
            "",
            hint(
                self.tr(
                    "Working files of finished jobs older than this are removed when "
                    "Reframe starts. Your outputs are never removed."
                )
            ),
        )
        return page

    # -- HTTP API ----------------------------------------------------------------------
    def _api_page(self) -> QWidget:
        page = QWidget()
        api = self._engine.api
        self.api_enabled = QCheckBox(self.tr("Let scripts and other apps start jobs over HTTP"))
        self.api_enabled.setChecked(api.enabled)
        self.api_port = QSpinBox()
        self.api_port.setRange(1024, 65535)
        self.api_port.setValue(api.port if 1024 <= api.port <= 65535 else 8765)
        self.api_lan = QCheckBox(self.tr("Allow other computers on the network (needs the token)"))
        self.api_lan.setChecked(api.allow_lan)
        self.api_token = QLineEdit(api.token or "")
        self.api_token.setReadOnly(True)
        self.api_token.setPlaceholderText(self.tr("No token"))
        new_token = QPushButton(self.tr("New token"))
        new_token.clicked.connect(self.new_api_token)
        self.api_lan.toggled.connect(self._lan_toggled)
        token_row = QHBoxLayout()
        token_row.addWidget(self.api_token, 1)
        token_row.addWidget(new_token)
        self.api_status = hint("")
        window = self.parent()
        if window is not None and hasattr(window, "apiStatusChanged"):
            window.apiStatusChanged.connect(self._show_api_status)
            self._show_api_status(window.api_server.url if window.api_server else "")
        form = QFormLayout(page)
        form.addRow("", self.api_enabled)
        form.addRow(self.tr("Port"), self.api_port)
        form.addRow("", self.api_lan)
        form.addRow(self.tr("Token"), token_row)
        form.addRow("", self.api_status)
        form.addRow(
            "",
            hint(
                self.tr(
                    "Requests must send “Authorization: Bearer <token>” when a token is set. "
                    "Without LAN access the API only answers this computer."
                )
            ),
        )
        return page

    def new_api_token(self) -> None:
        from media_core.settings import ApiSettings

        self.api_token.setText(ApiSettings.new_token())

    def _lan_toggled(self, on: bool) -> None:
        if on and not self.api_token.text():
            self.new_api_token()

    def _show_api_status(self, url: str) -> None:
        window = self.parent()
        error = getattr(window, "api_error", "")
        self.api_status.setText(self.tr("Running at {0}").format(url) if url else error or self.tr("Not running."))

    # -- results -------------------------------------------------------------------------
    def result_settings(self) -> AppSettings:
        s = self._app.model_copy(deep=True)
        s.output_folder = self.output.path()
        s.theme = self.theme.currentData()
        s.ui_language = self.language.currentData() or ""
        if self.default_model.currentData():
            s.default_model = self.default_model.currentData()
        return s

    def _speakers_page(self) -> QWidget:
        self.speakers_page = SpeakerSettingsPage(self._engine)
        return self.speakers_page

    def engine_result(self):
        from media_core.settings import ApiSettings, EndpointSettings

        return self._engine.model_copy(
            update={
                "threads": self.threads.value(),
                "ffmpeg_path": self.ffmpeg.path(),
                "offline": self.offline.isChecked(),
                "heavy_jobs": self.heavy_jobs.value(),
                "retention_days": self.retention.value(),
                "cloud_translation": EndpointSettings(
                    base_url=self.cloud_url.text().strip(),
                    model=self.cloud_model.text().strip(),
                    api_key=self.cloud_key.text().strip(),
                ),
                "shorts_llm": EndpointSettings(
                    base_url=self.llm_url.text().strip(),
                    model=self.llm_model.text().strip(),
                    api_key=self.llm_key.text().strip(),
                ),
                "api": ApiSettings(
                    enabled=self.api_enabled.isChecked(),
                    port=self.api_port.value(),
                    allow_lan=self.api_lan.isChecked(),
                    token=self.api_token.text() or None,
                ),
                **self.speakers_page.values(),
            }
        )

    def accept(self) -> None:
        from media_core.settings import save_engine_settings

        engine = self.engine_result()
        if engine.api.allow_lan and not engine.api.token:
            self.error.setText(self.tr("LAN access needs a token: click “New token”."))
            self.show_page("api")
            return
        try:
            save_engine_settings(engine)
            save_settings(self.result_settings())
        except OSError as exc:
            self.error.setText(self.tr("Could not save the settings: {0}").format(exc))
            return
        self.model_task.cancel()
        self.argos_task.cancel()
        super().accept()

    def reject(self) -> None:
        self.model_task.cancel()
        self.argos_task.cancel()
        super().reject()
