"""Help → About Reframe: the version (from pyproject.toml, stamped into frozen builds) and licence."""

from __future__ import annotations

import platform

from PySide6.QtCore import QObject, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget


class AboutTexts(QObject):
    """The About box's words, in a class so Qt's translation tools give them a context."""

    def title(self) -> str:
        return self.tr("About Reframe")

    def body(self) -> str:
        from media_core import __version__

        return self.tr(
            "<h3>Reframe {0}</h3><p>Captions, styled subtitles, translation and shorts, on your own "
            "computer.</p><p>Python {1} · Qt {2}<br>GPL-3.0-or-later</p>"
        ).format(__version__, platform.python_version(), qVersion())


def about_text(parent: QWidget) -> str:
    return AboutTexts(parent).body()


def show_about(parent: QWidget) -> None:
    texts = AboutTexts(parent)
    QMessageBox.about(parent, texts.title(), texts.body())
