"""Engine: threads, which ffmpeg, offline mode."""

from __future__ import annotations

import os

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QSpinBox

from ..widgets.common import FileField, hint
from ..workers import run_in_background
from .page import SettingsDraft, SettingsPage


def detect_ffmpeg(configured: str):
    """Runs on a worker thread: the ffmpeg that ``configured`` ("" = bundled) resolves to,
    described before the setting is saved."""
    from media_core.ffmpeg import ffmpeg_info

    return ffmpeg_info(configured)


class EnginePage(SettingsPage):
    key = "engine"
    #: Offline mode was switched on or off (not saved yet): downloads follow it at once.
    offlineChanged = Signal(bool)

    def __init__(self, draft: SettingsDraft, parent=None):
        super().__init__(draft, parent)
        self.threads = QSpinBox()
        self.threads.setRange(0, max(64, os.cpu_count() or 1))
        self.threads.setSpecialValueText(self.tr("Automatic"))
        self.threads.setToolTip(
            self.tr(
                "CPU threads for transcription and ffmpeg. On a busy computer "
                "with few cores, 1 can be faster than more."
            )
        )
        self.ffmpeg = FileField(self.tr("Default: the ffmpeg bundled with Reframe"), "Programs (*)", kinds={"any"})
        self.ffmpeg_info = hint(self.tr("Checking ffmpeg…"))
        self._ffmpeg_seq = 0
        self._ffmpeg_timer = QTimer(self, singleShot=True, interval=400)
        self._ffmpeg_timer.timeout.connect(self.check_ffmpeg)
        self.offline = QCheckBox(self.tr("Offline mode: never use the network"))
        self.offline.setToolTip(
            self.tr(
                "No model or translation package downloads, no cloud translation, "
                "no AI scoring of shorts. Everything already installed keeps working."
            )
        )
        self.offline.toggled.connect(self.offlineChanged)
        form = QFormLayout(self)
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

    def title(self) -> str:
        return self.tr("Engine")

    def load(self) -> None:
        engine = self.draft.engine
        self.threads.setValue(engine.threads)
        self.ffmpeg.set_path(engine.ffmpeg_path)
        self.offline.setChecked(engine.offline)
        self.check_ffmpeg()
        # Connected after the first fill: loading is not an edit worth re-checking for.
        self.ffmpeg.pathChanged.connect(lambda _: self._ffmpeg_timer.start())

    def save(self) -> None:
        self.draft.update_engine(
            threads=self.threads.value(), ffmpeg_path=self.ffmpeg.path(), offline=self.offline.isChecked()
        )

    def check_ffmpeg(self) -> None:
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
