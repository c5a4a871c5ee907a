"""Watch folder: new files in a folder are captioned (or cut into shorts) on their own."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout

from ..widgets.common import FileField, hint
from .page import SettingsDraft, SettingsPage


class WatchPage(SettingsPage):
    key = "watch"

    def __init__(self, draft: SettingsDraft, parent=None):
        super().__init__(draft, parent)
        self.enabled = QCheckBox(self.tr("Watch a folder for new files"))
        self.folder = FileField(self.tr("Folder to watch"), "", directory=True)
        self.action = QComboBox()
        self.action.addItem(self.tr("Captions (with the Captions tab's settings)"), "captions")
        self.action.addItem(self.tr("Shorts (with the Shorts tab's settings and style preset)"), "shorts")
        form = QFormLayout(self)
        form.addRow(self.enabled)
        form.addRow(self.tr("Folder"), self.folder)
        form.addRow(self.tr("For each new file"), self.action)
        form.addRow(
            "",
            hint(
                self.tr(
                    "Each audio or video file that appears in the folder is taken once, when its size "
                    "has stopped changing (a file still being copied waits). Reframe remembers what it "
                    "took, also across restarts. Subfolders are not watched."
                )
            ),
        )
        self.enabled.toggled.connect(self._update_enabled)

    def _update_enabled(self, on: bool) -> None:
        self.folder.setEnabled(on)
        self.action.setEnabled(on)

    def title(self) -> str:
        return self.tr("Watch folder")

    def load(self) -> None:
        app = self.draft.app
        self.enabled.setChecked(app.watch_enabled)
        self.folder.set_path(app.watch_folder)
        self.action.setCurrentIndex(max(0, self.action.findData(app.watch_action)))
        self._update_enabled(app.watch_enabled)

    def check(self) -> str | None:
        folder = self.folder.path()
        if self.enabled.isChecked() and not Path(folder).expanduser().is_dir():
            return self.tr("The watch folder does not exist: {0}").format(folder or self.tr("(none chosen)"))
        return None

    def save(self) -> None:
        self.draft.update_app(
            watch_enabled=self.enabled.isChecked(),
            watch_folder=self.folder.path(),
            watch_action=self.action.currentData(),
        )
