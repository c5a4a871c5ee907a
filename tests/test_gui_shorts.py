"""Shorts tab on a real talk (LibriVox/JFK/Asterisk recordings over real footage)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests import assets
from tests.gui_helpers import drop_file, make_window, wait_job

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def test_shorts_tab_finds_and_shows_clips(qtbot):
    try:
        talk, _segments = assets.shorts_talk_video()
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")
    w = make_window(qtbot, threads=1)
    tab = w.tabs_by_name["shorts"]
    w.tabs.setCurrentWidget(tab)
    drop_file(w, talk)
    assert tab.input.path() == str(talk)
    tab.count.setValue(2)
    tab.min_len.setValue(8)
    tab.max_len.setValue(25)
    tab.quality.setCurrentIndex(tab.quality.findData(640))
    job_id = tab.submit()
    assert job_id, tab.error.text()
    stages = set()
    w.client.progress.connect(lambda jid, f, stage: stages.add(stage) if jid == job_id else None)
    wait_job(qtbot, w, job_id, timeout=400_000)
    qtbot.waitUntil(lambda: tab.results.count() > 0, timeout=10_000)
    assert len(stages) >= 2, f"progress by stage expected, got {stages}"
    assert 1 <= tab.results.count() <= 2
    item = tab.results.item(0)
    clip = item.data(Qt.UserRole)
    assert Path(clip["video"]).is_file()
    assert 8 - 0.5 <= clip["end"] - clip["start"] <= 25 + 0.5
    assert clip.get("reason") and "★" in item.text()
    assert not item.icon().isNull(), "thumbnail missing"
    # Selecting a clip loads its bounds into the editor; ignoring removes it from the grid.
    tab.results.setCurrentItem(item)
    assert tab.clip_start.value() == pytest.approx(clip["start"], abs=0.01)
    n = tab.results.count()
    tab._ignore()
    assert tab.results.count() == n - 1
