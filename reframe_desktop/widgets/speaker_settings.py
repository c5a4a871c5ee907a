"""Settings → Speakers: the offline speaker models' state and the optional backends' access."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from .common import FileField, hint


def offline_models_status() -> tuple[bool, str]:
    """(installed, one line for the user) about the built-in diarization models."""
    from media_core.diarization.models_onnx import EMBEDDING_FILE, SEGMENTATION_FILE, find_model_dir
    from media_core.errors import ModelMissingError

    try:
        folder = find_model_dir()
    except ModelMissingError as exc:
        return False, str(exc)
    size = sum((folder / name).stat().st_size for name in (SEGMENTATION_FILE, EMBEDDING_FILE))
    return True, f"{folder} ({size / 1e6:.0f} MB)"


class SpeakerSettingsPage(QWidget):
    def __init__(self, engine, parent=None):
        super().__init__(parent)
        installed, text = offline_models_status()
        self.models_status = QLabel(
            (self.tr("Installed: {0}") if installed else self.tr("Not installed. {0}")).format(text)
        )
        self.models_status.setWordWrap(True)
        self.hf_token = QLineEdit(engine.huggingface_token)
        self.hf_token.setEchoMode(QLineEdit.Password)
        self.hf_token.setPlaceholderText(self.tr("hf_… (only for the pyannote.audio backend)"))
        self.speechbrain_dir = FileField(self.tr("spkrec-ecapa-voxceleb folder"), "", directory=True)
        self.speechbrain_dir.set_path(engine.speechbrain_model_dir)
        form = QFormLayout()
        form.addRow(self.tr("Built-in models"), self.models_status)
        form.addRow(self.tr("Hugging Face token"), self.hf_token)
        form.addRow(self.tr("speechbrain ECAPA model"), self.speechbrain_dir)
        lay = QVBoxLayout(self)
        lay.addWidget(
            hint(
                self.tr(
                    "Speaker labels work offline with the built-in models. The pyannote.audio and "
                    "speechbrain backends are optional: they need those packages installed (with a "
                    "torch and torchaudio that load together) and, for pyannote, your Hugging Face token."
                )
            )
        )
        lay.addLayout(form)
        lay.addStretch(1)

    def values(self) -> dict:
        return {
            "huggingface_token": self.hf_token.text().strip(),
            "speechbrain_model_dir": self.speechbrain_dir.path().strip(),
        }
