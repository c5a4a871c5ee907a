"""Help → About shows the version from pyproject.toml (the one source of truth)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

VERSION = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]["version"]


def test_version_comes_from_pyproject():
    import media_core

    assert media_core.__version__ == VERSION


def test_about_dialog_shows_the_version(qtbot):
    from PySide6.QtWidgets import QWidget

    from reframe_desktop.widgets.about import about_text

    parent = QWidget()
    qtbot.addWidget(parent)
    assert f"Reframe {VERSION}" in about_text(parent)
