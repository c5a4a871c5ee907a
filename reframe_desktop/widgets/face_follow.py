""" "Follow faces" controls for the Shorts and Utilities reframe forms, with a crop-box preview.

The tabs add one :class:`FaceFollowControls` row and read its fields into their job
params; the preview analyses a few seconds around a chosen time through the engine
(media_core.reframe.preview) on a worker thread and draws the windows the render
would cut over the source frame.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..workers import run_in_background

#: Box colours: first window (single / top of split) and second (bottom of split).
BOX_COLOURS = ("#ffcc00", "#35c7ff")


class CropPreview(QLabel):
    """A source frame with the crop windows drawn over it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(120)
        self.boxes: list[tuple[float, float, float, float]] = []

    def show_preview(self, frame, boxes: list[tuple[float, float, float, float]]) -> None:
        h, w = frame.shape[:2]
        image = QImage(frame.data, w, h, frame.strides[0], QImage.Format.Format_RGB888).copy()
        pixmap = QPixmap.fromImage(image)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for i, (x, y, bw, bh) in enumerate(boxes):
            painter.setPen(QPen(QColor(BOX_COLOURS[i % 2]), max(2, w // 200)))
            painter.drawRect(QRectF(x, y, bw, bh))
        painter.end()
        self.boxes = list(boxes)
        self.setPixmap(pixmap.scaledToWidth(min(w, 480), Qt.TransformationMode.SmoothTransformation))


class FaceFollowControls(QWidget):
    """Two options and a preview button; ``source`` gives (video path, aspect, time or None) to preview."""

    def __init__(self, source: Callable[[], tuple[str, str | None, float | None]], parent=None):
        super().__init__(parent)
        self._source = source
        self._request = 0
        self.follow = QCheckBox(self.tr("Follow faces"))
        self.follow.setToolTip(self.tr("The crop follows the speaker like a steady camera operator"))
        self.split = QCheckBox(self.tr("Split for two speakers"))
        self.split.setToolTip(self.tr("Two people far apart in one shot are stacked, one above the other"))
        self.split.setChecked(True)
        self.preview_button = QPushButton(self.tr("Preview crop"))
        self.preview_button.clicked.connect(self.preview)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.picture = CropPreview()
        self.picture.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.follow)
        row.addWidget(self.split)
        row.addWidget(self.preview_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.picture)
        self.follow.toggled.connect(self._update)
        self._update()

    def _update(self) -> None:
        on = self.follow.isChecked()
        self.split.setEnabled(on)
        self.preview_button.setEnabled(on)

    def render_fields(self) -> dict:
        """Fields of a render plan's ``reframe`` (media_core.render.Reframe)."""
        if not self.follow.isChecked():
            return {}
        return {"follow_faces": True, "follow": {"split_speakers": self.split.isChecked()}}

    def shorts_fields(self) -> dict:
        """Fields of a ShortsRequest."""
        return {"follow_faces": self.follow.isChecked(), "split_speakers": self.split.isChecked()}

    def options(self) -> dict:
        return {"follow_faces": self.follow.isChecked(), "split_speakers": self.split.isChecked()}

    def restore_options(self, o: dict) -> None:
        self.follow.setChecked(bool(o.get("follow_faces", False)))
        self.split.setChecked(bool(o.get("split_speakers", True)))

    def preview(self) -> None:
        path, aspect, t = self._source()
        if not path:
            self.status.setText(self.tr("Choose a video first."))
            return
        self._request += 1
        request = self._request
        split = self.split.isChecked()
        self.status.setText(self.tr("Finding faces…"))

        def work():
            from media_core.reframe import FollowOptions
            from media_core.reframe.preview import crop_preview

            return crop_preview(path, t, aspect=aspect or "9:16", options=FollowOptions(split_speakers=split))

        def done(result) -> None:
            if request != self._request:
                return  # a newer preview was asked for meanwhile
            self.picture.show_preview(result.frame, result.boxes)
            self.picture.show()
            names = {
                "single": self.tr("the face followed"),
                "split": self.tr("two speakers stacked"),
                "fit": self.tr("the whole shot over a blurred copy"),
                "center": self.tr("no face found: the fixed crop"),
            }
            self.status.setText(self.tr("At {0:.1f} s: {1}").format(result.t, names.get(result.layout, result.layout)))

        def failed(exc: BaseException) -> None:
            if request == self._request:
                self.status.setText(str(exc))

        run_in_background(work, done, failed)
