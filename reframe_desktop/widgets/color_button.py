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
        return _format(self._color)

    def set_color(self, color: str) -> None:
        c = _parse(color)
        if c.isValid() and c != self._color:
            self._color = c
            self._paint()
            self.colorChanged.emit(self.color())

    def _paint(self) -> None:
        c = self._color
        # rgba() so a see-through colour looks see-through on the swatch too.
        self.setStyleSheet(
            f"background: rgba({c.red()}, {c.green()}, {c.blue()}, {c.alpha()}); "
            "border: 1px solid #888; min-height: 20px;"
        )
        opacity = "" if c.alpha() == 255 else self.tr(", opacity {0} %").format(round(c.alpha() * 100 / 255))
        self.setToolTip(c.name().upper() + opacity)

    def _pick(self) -> None:
        c = QColorDialog.getColor(self._color, self, self.tr("Pick a colour"), QColorDialog.ShowAlphaChannel)
        if c.isValid():
            # c.name() would drop the opacity chosen in the dialog's alpha channel.
            self.set_color(_format(c))


def _format(c: QColor) -> str:
    rgb = c.name(QColor.HexRgb).upper()
    return rgb if c.alpha() == 255 else f"{rgb}{c.alpha():02X}"


def _parse(value: str) -> QColor:
    """Read ``#RRGGBB[AA]`` (CSS order; QColor itself reads 8 digits as #AARRGGBB)."""
    value = value.strip()
    if len(value) == 9 and value.startswith("#"):
        c = QColor(value[:7])
        c.setAlpha(int(value[7:], 16))
        return c
    return QColor(value)
