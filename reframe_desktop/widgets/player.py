"""An embedded preview player: the video with the current subtitle drawn over it.

QtMultimedia (PySide6-Addons; its FFmpeg backend ships in the wheel) decodes and plays;
frames arrive on a QVideoSink and are painted here together with the cue, so the
subtitle overlay works the same on every platform (a native video surface would hide
anything drawn on top of it). QtMultimedia is imported on the first ``load``: the
window opens without paying for it.
"""

from __future__ import annotations

import bisect
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QVBoxLayout, QWidget

from .common import fmt_duration


class VideoView(QWidget):
    """Paints the last decoded frame, letterboxed, and the cue text near its bottom edge."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.image = QImage()
        self.cue = ""
        self.message = ""
        self.setMinimumSize(320, 180)
        self.setAttribute(Qt.WA_OpaquePaintEvent)

    def set_image(self, image: QImage) -> None:
        self.image = image
        self.update()

    def set_cue(self, text: str) -> None:
        if text != self.cue:
            self.cue = text
            self.update()

    def set_message(self, text: str) -> None:
        self.message = text
        self.update()

    def video_rect(self) -> QRectF:
        if self.image.isNull():
            return QRectF(self.rect())
        size = self.image.size().scaled(self.size(), Qt.KeepAspectRatio)
        return QRectF(
            (self.width() - size.width()) / 2, (self.height() - size.height()) / 2, size.width(), size.height()
        )

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.SmoothPixmapTransform)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("#111"))
        target = self.video_rect()
        if not self.image.isNull():
            p.drawImage(target, self.image)
        if self.message and self.image.isNull():
            p.setPen(QColor("#aaa"))
            p.drawText(self.rect().adjusted(12, 12, -12, -12), Qt.AlignCenter | Qt.TextWordWrap, self.message)
        if self.cue:
            self._draw_cue(p, target)
        p.end()

    def _draw_cue(self, p: QPainter, target: QRectF) -> None:
        font = QFont(self.font())
        font.setPixelSize(max(12, int(target.height() * 0.065)))
        font.setWeight(QFont.DemiBold)
        p.setFont(font)
        metrics = p.fontMetrics()
        lines = self.cue.splitlines() or [self.cue]
        line_h = metrics.height()
        y = target.bottom() - target.height() * 0.06 - line_h * (len(lines) - 1)
        path = QPainterPath()
        for line in lines:
            x = target.center().x() - metrics.horizontalAdvance(line) / 2
            path.addText(QPointF(x, y), font, line)
            y += line_h
        # A dark outline keeps the text readable on any frame, like burned-in captions.
        p.setPen(QPen(QColor(0, 0, 0, 220), max(2.0, font.pixelSize() / 8), Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        p.setBrush(Qt.NoBrush)
        p.drawPath(path)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("white"))
        p.drawPath(path)


class PreviewPlayer(QWidget):
    """Video + play/pause + position slider; shows the subtitle cue of the current moment."""

    positionChanged = Signal(int)  # milliseconds
    cueChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = VideoView()
        self.view.set_message(self.tr("Captions you make appear here, over the video."))
        self.play_btn = QToolButton()
        self.play_btn.setIcon(self.style().standardIcon(QStyle.SP_MediaPlay))
        self.play_btn.setToolTip(self.tr("Play / pause"))
        self.play_btn.clicked.connect(self.toggle)
        self.play_btn.setEnabled(False)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setEnabled(False)
        self.slider.sliderMoved.connect(self._slider_moved)
        self.slider.sliderReleased.connect(lambda: self.set_position_ms(self.slider.value()))
        self.time = QLabel("0:00 / 0:00")
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.play_btn)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view, 1)
        lay.addLayout(controls)
        self.player = None
        self.sink = None
        self.audio = None
        self.source = ""
        self._starts: list[float] = []
        self._cues: list = []
        self.frames_shown = 0

    # -- media -----------------------------------------------------------------------
    def _ensure_player(self) -> None:
        if self.player is not None:
            return
        from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer, QVideoSink

        self.player = QMediaPlayer(self)
        self.sink = QVideoSink(self)
        self.player.setVideoSink(self.sink)
        if QMediaDevices.audioOutputs():  # none on a headless machine: play silently
            self.audio = QAudioOutput(self)
            self.player.setAudioOutput(self.audio)
        self.sink.videoFrameChanged.connect(self._on_frame)
        self.player.positionChanged.connect(self._on_position)
        self.player.durationChanged.connect(self._on_duration)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.errorOccurred.connect(lambda _e, text: self.view.set_message(text))

    def load(self, media: str | Path, cues=()) -> None:
        """Open ``media`` paused at its start; ``cues`` are SubtitleLine-like (start, end, text)."""
        self._ensure_player()
        self.set_cues(cues)
        self.source = str(media)
        self.view.set_image(QImage())
        self.view.set_message(self.tr("Loading {0}…").format(Path(media).name))
        self.frames_shown = 0
        self.player.setSource(QUrl.fromLocalFile(str(media)))
        self.play_btn.setEnabled(True)
        self.slider.setEnabled(True)
        self.player.pause()  # decodes and shows the first frame without playing

    def set_cues(self, cues) -> None:
        self._cues = sorted(cues, key=lambda c: c.start)
        self._starts = [c.start for c in self._cues]
        self._update_cue(self.position_ms())

    # -- transport -------------------------------------------------------------------
    def toggle(self) -> None:
        if self.player is None:
            return
        from PySide6.QtMultimedia import QMediaPlayer

        if self.player.playbackState() == QMediaPlayer.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def play(self) -> None:
        if self.player is not None:
            self.player.play()

    def pause(self) -> None:
        if self.player is not None:
            self.player.pause()

    def is_playing(self) -> bool:
        if self.player is None:
            return False
        from PySide6.QtMultimedia import QMediaPlayer

        return self.player.playbackState() == QMediaPlayer.PlayingState

    def seek(self, seconds: float) -> None:
        self.set_position_ms(round(seconds * 1000))

    def set_position_ms(self, ms: int) -> None:
        if self.player is not None:
            self.player.setPosition(max(0, ms))
            self._update_cue(ms)

    def position_ms(self) -> int:
        return self.player.position() if self.player is not None else 0

    def duration_ms(self) -> int:
        return self.player.duration() if self.player is not None else 0

    def current_cue(self) -> str:
        return self.view.cue

    # -- signals from the player ---------------------------------------------------------
    def _on_frame(self, frame) -> None:
        image = frame.toImage()
        if not image.isNull():
            self.frames_shown += 1
            self.view.set_image(image)

    def _on_position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.time.setText(f"{fmt_duration(ms / 1000)} / {fmt_duration(self.duration_ms() / 1000)}")
        self._update_cue(ms)
        self.positionChanged.emit(ms)

    def _on_duration(self, ms: int) -> None:
        self.slider.setRange(0, max(0, ms))
        self.time.setText(f"{fmt_duration(self.position_ms() / 1000)} / {fmt_duration(ms / 1000)}")

    def _on_status(self, status) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if status == QMediaPlayer.LoadedMedia:
            self.view.set_message("" if self.player.hasVideo() else self.tr("Audio only"))

    def _on_state(self, state) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        icon = QStyle.SP_MediaPause if state == QMediaPlayer.PlayingState else QStyle.SP_MediaPlay
        self.play_btn.setIcon(self.style().standardIcon(icon))

    def _slider_moved(self, ms: int) -> None:
        self.set_position_ms(ms)

    def _update_cue(self, ms: int) -> None:
        t = ms / 1000
        i = bisect.bisect_right(self._starts, t) - 1
        text = self._cues[i].text if i >= 0 and t < self._cues[i].end else ""
        if text != self.view.cue:
            self.view.set_cue(text)
            self.cueChanged.emit(text)
