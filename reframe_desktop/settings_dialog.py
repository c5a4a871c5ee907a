"""Settings dialog: output folder, threads, ffmpeg, offline mode, models."""

from __future__ import annotations

import os

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QLabel, QListWidget, QListWidgetItem, QMessageBox, QProgressBar, QPushButton,
                               QSpinBox, QTabWidget, QVBoxLayout, QWidget)

from .settings import AppSettings
from .widgets.common import FileField, hint
from .workers import run_in_background


class SettingsDialog(QDialog):
    def __init__(self, settings: AppSettings, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self._settings = settings.model_copy(deep=True)
        tabs = QTabWidget()

        general = QWidget()
        form = QFormLayout(general)
        self.output = FileField(self.tr("Default: Reframe's outputs folder"), "", directory=True)
        self.output.set_path(settings.output_folder)
        self.threads = QSpinBox()
        self.threads.setRange(0, os.cpu_count() or 64)
        self.threads.setSpecialValueText(self.tr("Automatic"))
        self.threads.setValue(settings.threads)
        self.ffmpeg = FileField(self.tr("Default: the ffmpeg bundled with Reframe"), "Programs (*)")
        self.ffmpeg.set_path(settings.ffmpeg_path)
        self.offline = QCheckBox(self.tr("Offline mode: never use the network (no downloads, no cloud)"))
        self.offline.setChecked(settings.offline_mode)
        self.theme = QComboBox()
        for key, label in (("system", self.tr("Follow system")), ("light", self.tr("Light")),
                           ("dark", self.tr("Dark"))):
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        form.addRow(self.tr("Output folder"), self.output)
        form.addRow(self.tr("Threads"), self.threads)
        form.addRow(self.tr("ffmpeg"), self.ffmpeg)
        form.addRow(self.tr("Theme"), self.theme)
        form.addRow("", self.offline)
        tabs.addTab(general, self.tr("General"))
        tabs.addTab(self._models_page(settings), self.tr("Models"))

        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(tabs)
        lay.addWidget(buttons)
        self.resize(640, 420)

    def _models_page(self, settings: AppSettings) -> QWidget:
        page = QWidget()
        self.models = QListWidget()
        self.default_model = QComboBox()
        self.model_bar = QProgressBar()
        self.model_bar.hide()
        self.model_status = hint("")
        download = QPushButton(self.tr("Download…"))
        download.clicked.connect(self._download)
        delete = QPushButton(self.tr("Delete"))
        delete.clicked.connect(self._delete)
        row = QHBoxLayout()
        row.addWidget(download)
        row.addWidget(delete)
        row.addStretch(1)
        lay = QVBoxLayout(page)
        lay.addWidget(QLabel(self.tr("Installed and available models")))
        lay.addWidget(self.models, 1)
        lay.addLayout(row)
        lay.addWidget(self.model_bar)
        lay.addWidget(self.model_status)
        form = QFormLayout()
        form.addRow(self.tr("Default model"), self.default_model)
        lay.addLayout(form)
        self._default = settings.default_model
        self._refresh_models()
        return page

    def _refresh_models(self) -> None:
        def work():
            from media_core import model_store

            return model_store.list_models()

        def done(models):
            self.models.clear()
            self.default_model.clear()
            for m in models:
                name = getattr(m, "name", str(m))
                size = getattr(m, "size_bytes", None)
                installed = getattr(m, "installed", True)
                text = f"{name} — {'installed' if installed else 'not downloaded'}"
                if size:
                    text += f", {size / 1e6:.0f} MB"
                item = QListWidgetItem(text)
                item.setData(256, name)
                self.models.addItem(item)
                self.default_model.addItem(name)
            self.default_model.setCurrentText(self._default)

        run_in_background(work, done, lambda exc: self.model_status.setText(
            self.tr("Model manager unavailable: {0}").format(exc)))

    def _selected_model(self) -> str | None:
        item = self.models.currentItem()
        return item.data(256) if item else None

    def _download(self) -> None:
        name = self._selected_model()
        if not name:
            return
        if self.offline.isChecked():
            self.model_status.setText(self.tr("Offline mode is on: downloads are disabled."))
            return
        self.model_bar.setRange(0, 0)
        self.model_bar.show()

        def work():
            from media_core import model_store

            return model_store.resolve_model(name)

        def done(path):
            self.model_bar.hide()
            self.model_status.setText(self.tr("Ready: {0}").format(path))
            self._refresh_models()

        def failed(exc):
            self.model_bar.hide()
            self.model_status.setText(str(exc))

        run_in_background(work, done, failed)

    def _delete(self) -> None:
        name = self._selected_model()
        if not name or QMessageBox.question(self, self.tr("Delete model"),
                                            self.tr("Delete {0} from disk?").format(name)) != QMessageBox.Yes:
            return

        def work():
            from media_core import model_store

            return model_store.delete_model(name)

        run_in_background(work, lambda _: self._refresh_models(), lambda exc: self.model_status.setText(str(exc)))

    def result_settings(self) -> AppSettings:
        s = self._settings
        s.output_folder = self.output.path()
        s.threads = self.threads.value()
        s.ffmpeg_path = self.ffmpeg.path()
        s.offline_mode = self.offline.isChecked()
        s.theme = self.theme.currentData()
        if self.default_model.currentText():
            s.default_model = self.default_model.currentText()
        return s
