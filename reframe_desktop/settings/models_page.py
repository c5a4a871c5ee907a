"""Models: the speech-model manager and the default model."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout

from .model_manager import ModelManager
from .page import SettingsDraft, SettingsPage


class ModelsPage(SettingsPage):
    key = "models"

    def __init__(self, draft: SettingsDraft, parent=None):
        super().__init__(draft, parent)
        self.manager = ModelManager()
        self.manager.modelsListed.connect(self._fill_default)
        self.default_model = QComboBox()
        form = QFormLayout()
        form.addRow(self.tr("Default model"), self.default_model)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("Speech recognition models (faster-whisper)")))
        lay.addWidget(self.manager, 1)
        lay.addLayout(form)

    def title(self) -> str:
        return self.tr("Models")

    def load(self) -> None:
        self.manager.set_offline(self.draft.engine.offline)
        self.manager.refresh()

    def _fill_default(self, models) -> None:
        default = self.default_model.currentData() or self.draft.app.default_model
        self.default_model.clear()
        for m in models:
            if m.kind == "faster-whisper":
                self.default_model.addItem(m.name, m.name)
        self.default_model.setCurrentIndex(max(0, self.default_model.findData(default)))

    def save(self) -> None:
        if self.default_model.currentData():
            self.draft.update_app(default_model=self.default_model.currentData())

    def close_tasks(self) -> None:
        self.manager.task.cancel()
