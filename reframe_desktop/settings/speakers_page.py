"""Speakers: the built-in diarization models' state, and access for the optional backends."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from ..widgets.speaker_settings import SpeakerSettingsPage
from .page import SettingsDraft, SettingsPage


class SpeakersPage(SettingsPage):
    key = "speakers"

    def __init__(self, draft: SettingsDraft, parent=None):
        super().__init__(draft, parent)
        self.fields = SpeakerSettingsPage(draft.engine)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.fields)

    def title(self) -> str:
        return self.tr("Speakers")

    def load(self) -> None:
        engine = self.draft.engine
        self.fields.hf_token.setText(engine.huggingface_token)
        self.fields.speechbrain_dir.set_path(engine.speechbrain_model_dir)

    def save(self) -> None:
        self.draft.update_engine(**self.fields.values())
