"""System status: ffmpeg, encoders, models, data dir, free disk — gathered off the UI thread."""

from __future__ import annotations

import shutil

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout

from .workers import run_in_background


def gather_status() -> dict[str, str]:
    """Runs on a worker thread: spawns ffmpeg and walks the model folder."""
    from media_core.paths import data_dir, models_dir

    status: dict[str, str] = {}
    try:
        from media_core.ffmpeg import ffmpeg_info

        info = ffmpeg_info()
        status["ffmpeg"] = f"{info.path}\nversion {info.version}"
        status["libass"] = (
            "yes (styled subtitles can be burned in)"
            if info.has_libass
            else "NO: burned-in subtitles will not work; set another ffmpeg in Settings"
        )
        try:
            from media_core.render.encoders import detect_encoders

            report = detect_encoders()
            usable = [e.name + (" (GPU)" if e.hardware else "") for e in report.encoders if e.works]
            status["encoders"] = (", ".join(usable) or "none") + f"; default {report.default}"
        except Exception:
            usable = [
                e
                for e in ("libx264", "h264_nvenc", "h264_qsv", "h264_videotoolbox", "h264_vaapi", "libx265", "aac")
                if e in info.encoders
            ]
            status["encoders"] = ", ".join(usable)
    except Exception as exc:
        status["ffmpeg"] = f"not usable: {exc}"
    try:
        from media_core import model_store

        models = model_store.list_models()
        installed = [m.name for m in models if getattr(m, "installed", True)]
        status["models"] = ", ".join(installed) or "none installed"
    except Exception:
        found = sorted(p.name for p in models_dir().iterdir() if p.is_dir())
        status["models"] = ", ".join(found) or "tiny.en (bundled)"
    root = data_dir()
    status["data dir"] = str(root)
    usage = shutil.disk_usage(root)
    status["free disk"] = f"{usage.free / 1e9:.1f} GB of {usage.total / 1e9:.1f} GB"
    return status


class SystemStatusDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("System status"))
        self.form = QFormLayout()
        self.form.addRow(QLabel(self.tr("Checking…")))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(self.form)
        lay.addWidget(buttons)
        self.resize(620, 300)
        run_in_background(gather_status, self._show, lambda exc: self._show({"error": str(exc)}))

    def _show(self, status: dict) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        for key, value in status.items():
            label = QLabel(value)
            label.setWordWrap(True)
            label.setTextInteractionFlags(
                label.textInteractionFlags() | label.textInteractionFlags().TextSelectableByMouse
            )
            self.form.addRow(f"{key}:", label)
