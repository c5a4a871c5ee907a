"""Shorts AI: the chat model that may rank shorts."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from ..widgets.common import hint
from .endpoint_form import EndpointForm
from .page import SettingsDraft, SettingsPage


class ShortsPage(SettingsPage):
    key = "shorts"

    def __init__(self, draft: SettingsDraft, parent=None):
        super().__init__(draft, parent)
        self.llm = EndpointForm(
            self.tr("AI ranking of shorts (any OpenAI-compatible chat model)"), "http://localhost:11434/v1", "llama3.1"
        )
        lay = QVBoxLayout(self)
        lay.addWidget(self.llm)
        lay.addWidget(
            hint(
                self.tr(
                    "Without a server, shorts are ranked on this computer by their wording, pacing and your prompt."
                )
            )
        )
        lay.addStretch(1)

    def title(self) -> str:
        return self.tr("Shorts AI")

    def load(self) -> None:
        self.llm.load(self.draft.engine.shorts_llm)

    def check(self) -> str | None:
        return self.llm.check()

    def save(self) -> None:
        self.draft.update_engine(shorts_llm=self.llm.endpoint())
