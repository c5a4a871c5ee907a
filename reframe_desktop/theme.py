"""Light/dark Fusion palettes; "system" follows QStyleHints.colorScheme live."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

ACCENT = QColor("#e8553d")  # Reframe's brand orange (matches the app icon)


def system_is_dark(scheme: Qt.ColorScheme | None = None) -> bool:
    if scheme is None:
        scheme = QGuiApplication.styleHints().colorScheme()
    return scheme == Qt.ColorScheme.Dark


def resolve(theme: str, scheme: Qt.ColorScheme | None = None) -> str:
    """``"system"`` → ``"light"``/``"dark"`` from the OS (or ``scheme``, the value a
    ``colorSchemeChanged`` signal just carried); the others pass through."""
    if theme == "system":
        return "dark" if system_is_dark(scheme) else "light"
    return theme


def _palette(dark: bool) -> QPalette:
    p = QPalette()
    if dark:
        window, base, alt, text = QColor("#202124"), QColor("#17181a"), QColor("#26272b"), QColor("#e8e8ea")
        button, disabled = QColor("#2d2e32"), QColor("#7a7b80")
    else:
        window, base, alt, text = QColor("#f3f3f5"), QColor("#ffffff"), QColor("#f7f7f9"), QColor("#1d1d1f")
        button, disabled = QColor("#fbfbfc"), QColor("#a0a0a5")
    p.setColor(QPalette.Window, window)
    p.setColor(QPalette.WindowText, text)
    p.setColor(QPalette.Base, base)
    p.setColor(QPalette.AlternateBase, alt)
    p.setColor(QPalette.Text, text)
    p.setColor(QPalette.Button, button)
    p.setColor(QPalette.ButtonText, text)
    p.setColor(QPalette.ToolTipBase, base)
    p.setColor(QPalette.ToolTipText, text)
    p.setColor(QPalette.PlaceholderText, disabled)
    p.setColor(QPalette.Highlight, ACCENT)
    p.setColor(QPalette.HighlightedText, QColor("#ffffff"))
    p.setColor(QPalette.Link, ACCENT.lighter(120) if dark else ACCENT.darker(110))
    p.setColor(QPalette.Mid, QColor("#3a3b40") if dark else QColor("#c8c8cc"))
    p.setColor(QPalette.Light, QColor("#3a3b40") if dark else QColor("#ffffff"))
    p.setColor(QPalette.Midlight, QColor("#33343a") if dark else QColor("#e6e6ea"))
    p.setColor(QPalette.Dark, QColor("#101113") if dark else QColor("#a8a8ad"))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, disabled)
    return p


_STYLESHEET = """
QTabWidget::pane { border: 0; }
QTabBar::tab { padding: 7px 16px; }
QGroupBox { font-weight: 600; margin-top: 14px; padding-top: 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; }
QPushButton#primary { background: %(accent)s; color: white; font-weight: 600; padding: 6px 18px;
                      border-radius: 4px; border: 0; }
QPushButton#primary:disabled { background: %(muted)s; }
QLabel#hint { color: %(muted)s; }
QFrame#dropZone { border: 2px dashed %(muted)s; border-radius: 8px; }
"""


def apply_theme(app: QApplication, theme: str, scheme: Qt.ColorScheme | None = None) -> str:
    """Apply ``theme`` ("system" | "light" | "dark"); returns the resolved one."""
    resolved = resolve(theme, scheme)
    dark = resolved == "dark"
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(_palette(dark))
    app.setStyleSheet(_STYLESHEET % {"accent": ACCENT.name(), "muted": "#6b6c72" if dark else "#9a9aa0"})
    app.setProperty("reframeTheme", resolved)
    return resolved
