"""Small reusable widgets: file pickers that accept drops, a collapsible section, helpers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

VIDEO_EXTS = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts", ".flv", ".wmv"}
AUDIO_EXTS = {".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus", ".wma"}
SUBTITLE_EXTS = {".srt", ".vtt", ".ass", ".ssa"}

VIDEO_FILTER = "Video (" + " ".join(f"*{e}" for e in sorted(VIDEO_EXTS)) + ");;All files (*)"
MEDIA_FILTER = "Media (" + " ".join(f"*{e}" for e in sorted(VIDEO_EXTS | AUDIO_EXTS)) + ");;All files (*)"
AUDIO_FILTER = "Audio (" + " ".join(f"*{e}" for e in sorted(AUDIO_EXTS | VIDEO_EXTS)) + ");;All files (*)"
SUBTITLE_FILTER = "Subtitles (*.srt *.vtt *.ass *.ssa);;All files (*)"


def kind_of(path: str | Path) -> str:
    """ "video" | "audio" | "subtitle" | "other", from the extension (drops are routed by it)."""
    ext = Path(path).suffix.lower()
    if ext in VIDEO_EXTS:
        return "video"
    if ext in AUDIO_EXTS:
        return "audio"
    if ext in SUBTITLE_EXTS:
        return "subtitle"
    return "other"


def local_files(mime) -> list[str]:
    """Local file paths carried by a drag's mime data (URLs of other schemes are ignored)."""
    if mime is None or not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


def _kinds_of_filter(file_filter: str) -> frozenset[str]:
    """The kinds of file a Qt name filter lets through (``*`` alone: any file)."""
    first = file_filter.split(";;", 1)[0]
    patterns = re.findall(r"\*(\.[\w]+)", first)
    kinds = {kind_of(f"x{ext}") for ext in patterns} - {"other"}
    return frozenset(kinds) if kinds else frozenset({"any"})


class FileField(QWidget):
    """A path line edit with a Browse button.

    A file dropped on it fills it when it is of a kind the field takes; any other file is
    handed to the main window's router (``route_file``), so a drop is never pasted into the
    edit as text (a ``file://`` URL).
    """

    pathChanged = Signal(str)

    def __init__(
        self,
        placeholder: str,
        file_filter: str,
        *,
        save: bool = False,
        directory: bool = False,
        kinds: set[str] | frozenset[str] | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._filter = file_filter
        self._save = save
        self._directory = directory
        self.kinds = (
            frozenset(kinds)
            if kinds is not None
            else frozenset({"folder"})
            if directory
            else _kinds_of_filter(file_filter)
        )
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.edit.textChanged.connect(self.pathChanged)
        self.edit.textChanged.connect(self.edit.setToolTip)  # long paths do not fit the field
        self.edit.installEventFilter(self)
        self.setAcceptDrops(True)
        self.browse = QPushButton(self.tr("Browse…"))
        self.browse.clicked.connect(self._browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.browse)

    def path(self) -> str:
        return self.edit.text().strip()

    def set_path(self, path: str | Path) -> None:
        self.edit.setText(str(path))

    def takes(self, path: str | Path) -> bool:
        kind = "folder" if Path(path).is_dir() else kind_of(path)
        if "any" in self.kinds:
            return kind != "folder"
        return kind in self.kinds

    # -- drops: on the field itself and on its line edit ------------------------------
    def eventFilter(self, obj, event) -> bool:
        if obj is self.edit and self._handle_drag(event):
            return True
        return super().eventFilter(obj, event)

    def event(self, event) -> bool:
        if self._handle_drag(event):
            return True
        return super().event(event)

    def _handle_drag(self, event) -> bool:
        if event.type() not in (QEvent.DragEnter, QEvent.DragMove, QEvent.Drop):
            return False
        files = local_files(event.mimeData())
        if not files:
            return False  # plain text still drops into the edit as usual
        event.acceptProposedAction()
        if event.type() == QEvent.Drop:
            batch = getattr(self.window(), "batch_drops", None)  # several files: one batch
            if len(files) < 2 or batch is None or not batch.submit(files):
                self.drop_file(files[0])
        return True

    def drop_file(self, path: str) -> bool:
        """A file dropped here: the main window decides (this field first), else fill if it fits."""
        router = getattr(self.window(), "route_file", None)
        if router is not None:
            return bool(router(path, field=self))
        if self.takes(path):
            self.set_path(path)
            return True
        return False

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


class DropRouter(QObject):
    """Event filter for widgets that would take a dropped file as text (search boxes, editors):
    the file goes to ``route(path)`` instead. FileFields handle their own drops."""

    def __init__(self, route, parent: QObject | None = None):
        super().__init__(parent)
        self._route = route

    def watch(self, root: QWidget) -> None:
        for widget in root.findChildren(QWidget):
            if widget.acceptDrops() and not self._inside_file_field(widget):
                widget.installEventFilter(self)

    @staticmethod
    def _inside_file_field(widget: QWidget) -> bool:
        while widget is not None:
            if isinstance(widget, FileField):
                return True
            widget = widget.parentWidget()
        return False

    def eventFilter(self, obj, event) -> bool:
        if event.type() in (QEvent.DragEnter, QEvent.DragMove, QEvent.Drop):
            files = local_files(event.mimeData())
            if files:
                event.acceptProposedAction()
                if event.type() == QEvent.Drop:
                    for path in files:
                        self._route(path)
                return True
        return super().eventFilter(obj, event)


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


def row_of(*widgets: QWidget) -> QWidget:
    """Widgets side by side in one form cell (the last one stretches), with no margins."""
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        lay.addWidget(w)
    lay.addStretch(1)
    return row


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
    seconds = round(seconds)
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
