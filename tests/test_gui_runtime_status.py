"""The status bar says what transcription runs on and which video encoders work."""

from __future__ import annotations

import pytest

from tests.gui_helpers import make_window

pytestmark = pytest.mark.gui


def test_status_bar_shows_device_and_encoders(qtbot):
    w = make_window(qtbot, default_model="tiny.en")
    label = w.runtime_status
    qtbot.waitUntil(lambda: "·" in label.text(), timeout=60_000)
    assert label.text().startswith("tiny.en · CPU · ")
    assert "video: libx264" in label.text()
    assert "largest model that fits" in label.toolTip()
