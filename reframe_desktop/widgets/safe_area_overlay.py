"""Platform safe areas in the desktop: the platform picker of the style editor and the
overlay drawn on the Styling preview (media_core.styles.safe_areas has the numbers)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QCheckBox, QComboBox


class PlatformCombo(QComboBox):
    """None, or the platform whose UI the captions must stay clear of (a SubtitleStyle's ``safe_area``)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.addItem(self.tr("None (no platform)"), None)
        self.addItem(self.tr("TikTok"), "tiktok")
        self.addItem(self.tr("Instagram Reels"), "instagram_reels")
        self.addItem(self.tr("YouTube Shorts"), "youtube_shorts")
        self.setToolTip(self.tr("Captions are kept clear of this platform's buttons and texts (its safe area)."))

    def platform(self) -> str | None:
        return self.currentData()

    def set_platform(self, platform: str | None) -> None:
        index = self.findData(platform)
        self.setCurrentIndex(max(index, 0))


class OverlayToggle(QCheckBox):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setText(self.tr("Show platform overlay"))
        self.setToolTip(self.tr("Shade the parts of the frame the chosen platform covers with its own UI"))


def paint_safe_area(pixmap: QPixmap, platform: str | None) -> QPixmap:
    """A copy of ``pixmap`` with the platform's covered bands shaded and the safe rectangle outlined."""
    if not platform or pixmap.isNull():
        return pixmap
    from media_core.styles.safe_areas import safe_area

    area = safe_area(platform)
    out = QPixmap(pixmap)
    w, h = out.width(), out.height()
    painter = QPainter(out)
    try:
        shade = QColor(220, 40, 60, 90)
        for band in area.bands(w, h).values():
            if band.width > 0 and band.height > 0:
                painter.fillRect(band.x, band.y, band.width, band.height, shade)
        safe = area.safe_rect(w, h)
        pen = QPen(QColor(60, 220, 120), max(2, w // 270), Qt.DashLine)
        painter.setPen(pen)
        painter.drawRect(QRectF(safe.x, safe.y, safe.width, safe.height))
        painter.setPen(QColor(255, 255, 255))
        font = painter.font()
        font.setPixelSize(max(12, h // 40))
        painter.setFont(font)
        painter.drawText(QRectF(safe.x + 8, safe.y + 6, safe.width - 16, h // 20), area.label)
    finally:
        painter.end()
    return out
