"""Small reusable widgets: file pickers that accept drops, a collapsible section, helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QUrl, Signal, Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QFileDialog, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QToolButton, QVBoxLayout, QWidget)

VIDEO_EXTS = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts", ".flv", ".wmv"}
AUDIO_EXTS = {".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus", ".wma"}
SUBTITLE_EXTS = {".srt", ".vtt", ".ass", ".ssa"}

VIDEO_FILTER = "Video (" + " ".join(f"*{e}" for e in sorted(VIDEO_EXTS)) + ");;All files (*)"
MEDIA_FILTER = "Media (" + " ".join(f"*{e}" for e in sorted(VIDEO_EXTS | AUDIO_EXTS)) + ");;All files (*)"
AUDIO_FILTER = "Audio (" + " ".join(f"*{e}" for e in sorted(AUDIO_EXTS | VIDEO_EXTS)) + ");;All files (*)"
SUBTITLE_FILTER = "Subtitles (*.srt *.vtt *.ass *.ssa);;All files (*)"


def kind_of(path: str | Path) -> str:
    """"video" | "audio" | "subtitle" | "other", from the extension (drops are routed by it)."""
    ext = Path(path).suffix.lower()
    if ext in VIDEO_EXTS:
        return "video"
    if ext in AUDIO_EXTS:
        return "audio"
    if ext in SUBTITLE_EXTS:
        return "subtitle"
    return "other"


class FileField(QWidget):
    """A path line edit with a Browse button; accepts a dropped file of the right kind."""

    pathChanged = Signal(str)

    def __init__(self, placeholder: str, file_filter: str, *, save: bool = False,
                 directory: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self._filter = file_filter
        self._save = save
        self._directory = directory
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.edit.textChanged.connect(self.pathChanged)
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def path(self) -> str:
        return self.edit.text().strip()

    def set_path(self, path: str | Path) -> None:
        self.edit.setText(str(path))

    def _browse(self) -> None:
        start = self.path() or str(Path.home())
        if self._directory:
            chosen = QFileDialog.getExistingDirectory(self, self.tr("Choose a folder"), start)
        elif self._save:
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("Save as"), start, self._filter)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a file"), start, self._filter)
        if chosen:
            self.set_path(chosen)


class Collapsible(QWidget):
    """A header button that shows/hides its content (used for "Advanced options")."""

    def __init__(self, title: str, content: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.toggle = QToolButton()
        self.toggle.setText(title)
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.RightArrow)
        self.toggle.setAutoRaise(True)
        self.content = content
        content.setVisible(False)
        self.toggle.toggled.connect(self._on_toggled)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.toggle)
        lay.addWidget(content)

    def _on_toggled(self, on: bool) -> None:
        self.toggle.setArrowType(Qt.DownArrow if on else Qt.RightArrow)
        self.content.setVisible(on)


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def hline() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.HLine)
    line.setFrameShadow(QFrame.Sunken)
    return line


def open_path(path: str | Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def reveal_path(path: str | Path) -> None:
    """Show ``path`` selected in the file manager where the OS allows it, else open its folder."""
    path = Path(path)
    if sys.platform == "darwin":
        subprocess.Popen(["open", "-R", str(path)])
    elif sys.platform.startswith("win"):
        subprocess.Popen(["explorer", "/select,", os.path.normpath(path)])
    else:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent if path.is_file() else path)))


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def output_path(folder: str | Path, source: str | Path, tag: str, ext: str | None = None) -> str:
    """``folder/<source stem>-<tag>.<ext>`` that does not overwrite an earlier result."""
    folder = Path(folder)
    source = Path(source)
    ext = ext or source.suffix.lstrip(".") or "mp4"
    candidate = folder / f"{source.stem}-{tag}.{ext}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{source.stem}-{tag}-{n}.{ext}"
        n += 1
    return str(candidate)
