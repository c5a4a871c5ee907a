"""Draw the app icon (resources/icons/reframe.png, 512 px) with Qt so it needs no design tool.

A rounded gradient tile with a vertical 9:16 frame inside a 16:9 frame: "reframing".
Run: QT_QPA_PLATFORM=offscreen python packaging/make_icon.py
"""

from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPen

OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"


def draw(size: int = 512) -> QImage:
    img = QImage(size, size, QImage.Format_ARGB32)
    img.fill(Qt.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    grad = QLinearGradient(0, 0, size, size)
    grad.setColorAt(0, QColor("#7C3AED"))
    grad.setColorAt(1, QColor("#EC4899"))
    p.setBrush(QBrush(grad))
    p.setPen(Qt.NoPen)
    p.drawRoundedRect(QRectF(0, 0, size, size), size * 0.22, size * 0.22)
    s = size / 512
    p.setBrush(Qt.NoBrush)
    p.setPen(QPen(QColor(255, 255, 255, 150), 18 * s))
    p.drawRoundedRect(QRectF(64 * s, 136 * s, 384 * s, 240 * s), 24 * s, 24 * s)
    p.setPen(QPen(QColor("white"), 26 * s))
    p.setBrush(QColor(255, 255, 255, 40))
    p.drawRoundedRect(QRectF(186 * s, 80 * s, 140 * s, 352 * s), 22 * s, 22 * s)
    p.setPen(Qt.NoPen)
    p.setBrush(QColor("#FDE047"))
    p.drawRoundedRect(QRectF(210 * s, 340 * s, 92 * s, 24 * s), 10 * s, 10 * s)
    p.end()
    return img


if __name__ == "__main__":
    app = QGuiApplication([])
    OUT.mkdir(parents=True, exist_ok=True)
    draw(512).save(str(OUT / "reframe.png"))
    draw(256).save(str(OUT / "reframe-256.png"))
    print(OUT / "reframe.png")
