"""The status bar's "what runs where" line: "tiny.en · CPU · 2 threads — video: libx264".

The text comes from the engine (media_core.transcription.device.status_line); probing the
hardware encoders spawns ffmpeg, so it is gathered on a worker thread."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from ..workers import run_in_background


def gather_runtime_status(model: str) -> tuple[str, str]:
    """Runs on a worker thread: (status line, tooltip with the model advice)."""
    from media_core.transcription import TranscriptionConfig
    from media_core.transcription.device import accelerators, free_memory, status_line, suggest_model

    line = status_line(TranscriptionConfig(model=model))
    memory = free_memory()
    found = ", ".join(f"{a.name} ({a.backend})" for a in accelerators()) or "none"
    vram = f", free VRAM {memory.vram_free_gb:.1f} GB" if memory.vram_free_gb is not None else ""
    tip = (
        f"Accelerators: {found}\nFree RAM {memory.ram_free_gb:.1f} GB{vram}; "
        f"largest model that fits: {suggest_model(memory)}"
    )
    return line, tip


class RuntimeStatusLabel(QLabel):
    """Permanent status bar label; :meth:`refresh` re-reads it (after Settings changed)."""

    def __init__(self, settings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.setObjectName("runtimeStatus")
        self.setText(self.tr("Checking devices…"))
        self.refresh()

    @classmethod
    def attach(cls, window, settings) -> RuntimeStatusLabel:
        """A label added to ``window``'s status bar."""
        label = cls(settings, window)
        window.statusBar().addPermanentWidget(label)
        return label

    def refresh(self) -> None:
        model = getattr(self.settings, "default_model", "tiny.en") or "tiny.en"
        run_in_background(lambda: gather_runtime_status(model), self._show, self._failed)

    def _show(self, result: tuple[str, str]) -> None:
        line, tip = result
        self.setText(line)
        self.setToolTip(tip)

    def _failed(self, exc: BaseException) -> None:
        self.setText(self.tr("Devices unknown: {0}").format(exc))
