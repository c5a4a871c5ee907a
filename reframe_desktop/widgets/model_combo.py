"""The speech-model picker: model names with size hints, installed ones ticked."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from ..workers import run_in_background


class ModelCombo(QComboBox):
    def __init__(self, default_model: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.default_model = default_model
        self.fill()

    def fill(self, models=None) -> None:
        """Model names with size/speed hints; installed ones get a ✓.

        Filled at once from the engine's list of known models, then refreshed from the
        model manager on a worker thread (it scans the models folder for what is installed).
        """
        from media_core.model_store import KNOWN_MODELS, ModelInfo

        refresh = models is None
        if refresh:
            models = [
                ModelInfo(
                    name=k.name,
                    installed=False,
                    source="hub",
                    size_bytes=k.size_bytes,
                    rtf=k.rtf,
                    description=k.description,
                )
                for k in KNOWN_MODELS.values()
            ]
        current = self.currentData() or self.default_model
        self.blockSignals(True)
        self.clear()
        for m in models:
            if m.kind != "faster-whisper":
                continue
            mark = "✓ " if m.installed else ""
            size = f"{m.size_bytes / 1e6:.0f} MB" if m.size_bytes else ""
            details = ", ".join(x for x in (size, m.description) if x)
            self.addItem(f"{mark}{m.name}" + (f" — {details}" if details else ""), m.name)
        self.setCurrentIndex(max(0, self.findData(current)))
        self.blockSignals(False)
        if refresh:

            def work():
                from media_core import model_store

                return model_store.list_models()

            run_in_background(work, self.fill, lambda exc: None)
