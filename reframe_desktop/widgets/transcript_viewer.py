"""A searchable transcript beside a preview player: click a line to play from there, the
line being spoken is highlighted (the Captions tab's result viewer)."""

from __future__ import annotations

import bisect

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QSplitter, QVBoxLayout, QWidget

from .common import fmt_duration
from .player import PreviewPlayer
from .speakers import speaker_tag


class TranscriptViewer(QSplitter):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Vertical, parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search the transcript…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter)
        self.transcript = QListWidget()
        self.transcript.setWordWrap(True)
        self.transcript.setToolTip(self.tr("Click a line to play the video from there."))
        self.transcript.itemClicked.connect(self.seek_to_item)
        self.player = PreviewPlayer()
        self.player.positionChanged.connect(self._follow_playback)
        transcript_box = QWidget()
        tl = QVBoxLayout(transcript_box)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.search)
        tl.addWidget(self.transcript, 1)
        self._transcript_layout = tl
        self.addWidget(self.player)
        self.addWidget(transcript_box)
        self.setSizes([300, 220])
        self._segment_starts: list[float] = []

    def add_below_transcript(self, widget: QWidget) -> None:
        self._transcript_layout.addWidget(widget)

    def show_transcript(self, segments, media: str | None, cues) -> None:
        """``segments``: media_core.models.Segment list; ``cues``: the subtitles over ``media``."""
        self.transcript.clear()
        self._segment_starts = [seg.start for seg in segments]
        for seg in segments:
            item = QListWidgetItem(f"{fmt_duration(seg.start)}  {speaker_tag(seg.speaker)}{seg.text.strip()}")
            item.setData(Qt.UserRole, seg.start)
            item.setData(Qt.UserRole + 1, seg.end)
            self.transcript.addItem(item)
        if media:
            self.player.load(media, cues)
        self.filter(self.search.text())

    def filter(self, text: str) -> None:
        text = text.lower().strip()
        for i in range(self.transcript.count()):
            item = self.transcript.item(i)
            item.setHidden(bool(text) and text not in item.text().lower())

    def seek_to_item(self, item: QListWidgetItem) -> None:
        """Click-to-seek: the player jumps to that line (a hair after its start, so the
        cue is already on screen) and keeps its play/pause state."""
        self.player.seek(float(item.data(Qt.UserRole)) + 0.05)

    def _follow_playback(self, ms: int) -> None:
        """Highlight the transcript line being spoken."""
        t = ms / 1000
        i = bisect.bisect_right(self._segment_starts, t) - 1
        if i < 0:
            return
        item = self.transcript.item(i)
        if item is not None and t < item.data(Qt.UserRole + 1) and item is not self.transcript.currentItem():
            self.transcript.setCurrentItem(item)
            self.transcript.scrollToItem(item)
