"""A button showing a colour swatch; clicking opens QColorDialog."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QPushButton


class ColorButton(QPushButton):
    colorChanged = Signal(str)

    def __init__(self, color: str = "#ffffff", parent=None):
        super().__init__(parent)
        self._color = QColor(color)
        self.setFixedWidth(64)
        self.clicked.connect(self._pick)
        self._paint()

    def color(self) -> str:
        """``#RRGGBB``, or ``#RRGGBBAA`` (AA = opacity) when not opaque: SubtitleStyle's format."""
        rgb = self._color.name(QColor.HexRgb).upper()
        return rgb if self._color.alpha() == 255 else f"{rgb}{self._color.alpha():02X}"

    def set_color(self, color: str) -> None:
        c = _parse(color)
        if c.isValid() and c != self._color:
            self._color = c
            self._paint()
            self.colorChanged.emit(self.color())

    def _paint(self) -> None:
        self.setStyleSheet(f"background: {self._color.name()}; border: 1px solid #888; min-height: 20px;")
        self.setToolTip(self._color.name())

    def _pick(self) -> None:
        c = QColorDialog.getColor(self._color, self, self.tr("Pick a colour"),
                                  QColorDialog.ShowAlphaChannel)
        if c.isValid():
            self.set_color(c.name())


def _parse(value: str) -> QColor:
    """Read ``#RRGGBB[AA]`` (CSS order; QColor itself reads 8 digits as #AARRGGBB)."""
    value = value.strip()
    if len(value) == 9 and value.startswith("#"):
        c = QColor(value[:7])
        c.setAlpha(int(value[7:], 16))
        return c
    return QColor(value)
