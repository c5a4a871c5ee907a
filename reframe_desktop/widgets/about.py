"""Help → About Reframe: the version (from pyproject.toml, stamped into frozen builds) and licence."""

from __future__ import annotations

import platform

from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget


def about_text(parent: QWidget) -> str:
    from media_core import __version__

    return parent.tr(
        "<h3>Reframe {0}</h3><p>Captions, styled subtitles, translation and shorts, on your own computer.</p><p>Python {1} · Qt {2}<br>GPL-3.0-or-later</p>"
    ).format(__version__, platform.python_version(), qVersion())


def show_about(parent: QWidget) -> None:
    QMessageBox.about(parent, parent.tr("About Reframe"), about_text(parent))
