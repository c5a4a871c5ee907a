"""Translation: offline packages (Argos Translate) and the cloud endpoint."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QVBoxLayout

from .argos_manager import ArgosManager
from .endpoint_form import EndpointForm
from .page import SettingsDraft, SettingsPage


class TranslationPage(SettingsPage):
    key = "translation"

    def __init__(self, draft: SettingsDraft, parent=None):
        super().__init__(draft, parent)
        box = QGroupBox(self.tr("Offline translation packages (Argos Translate)"))
        self.argos = ArgosManager()
        QVBoxLayout(box).addWidget(self.argos)
        self.cloud = EndpointForm(
            self.tr("Cloud translation (any OpenAI-compatible service)"), "https://api.openai.com/v1", "gpt-4o-mini"
        )
        lay = QVBoxLayout(self)
        lay.addWidget(box, 1)
        lay.addWidget(self.cloud)

    def title(self) -> str:
        return self.tr("Translation")

    def load(self) -> None:
        self.cloud.load(self.draft.engine.cloud_translation)
        self.argos.set_offline(self.draft.engine.offline)
        self.argos.refresh()

    def check(self) -> str | None:
        return self.cloud.check()

    def save(self) -> None:
        self.draft.update_engine(cloud_translation=self.cloud.endpoint())

    def close_tasks(self) -> None:
        self.argos.task.cancel()
