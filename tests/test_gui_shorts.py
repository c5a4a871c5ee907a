"""Shorts tab on a real talk (LibriVox/JFK/Asterisk recordings over real footage)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMessageBox

from media_core.probe import probe
from reframe_desktop.widgets.common import fmt_duration
from tests import assets
from tests.gui_helpers import drop_file, make_window, wait_job

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def _run_shorts(qtbot, w, talk):
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
    qtbot.waitUntil(lambda: tab.results.count() > 0, timeout=120_000)
    return tab, job_id, stages


def _talk():
    try:
        return assets.shorts_talk_video()
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")


def test_shorts_tab_finds_and_shows_clips(qtbot, monkeypatch):
    talk, _segments = _talk()
    w = make_window(qtbot, threads=1)
    tab, job_id, stages = _run_shorts(qtbot, w, talk)
    assert len(stages) >= 2, f"progress by stage expected, got {stages}"
    assert 1 <= tab.results.count() <= 2
    item = tab.results.item(0)
    clip = item.data(Qt.UserRole)
    assert Path(clip["video"]).is_file()
    assert 8 - 0.5 <= clip["end"] - clip["start"] <= 25 + 0.5
    assert clip.get("reason") and "★" in item.text()
    assert not item.icon().isNull(), "thumbnail missing"
    # The run has a folder of its own inside the output folder, and its job log has the ffmpeg commands.
    run_dir = Path(tab.manifest_path).parent
    assert run_dir.parent == Path(tab.output_dir()) and run_dir.name.startswith(f"{talk.stem} shorts")
    assert "$ " in w.client.job_log(job_id) and "-filter_complex" in w.client.job_log(job_id)
    # Selecting a clip loads its bounds and its transcript.
    tab.results.setCurrentItem(item)
    assert tab.clip_start.value() == pytest.approx(clip["start"], abs=0.01)
    qtbot.waitUntil(lambda: tab.index is not None, timeout=120_000)
    first_word = clip["text"].split()[0].strip(".,?!")
    assert first_word in tab.transcript_view.toPlainText()
    # Titles translated into the run's manifest (Apertium, offline), shown on the tiles.
    tab.title_language.setCurrentIndex(tab.title_language.findData("es"))
    qtbot.mouseClick(tab.translate_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: "es:" in tab.results.item(0).toolTip(), timeout=60_000)
    translated = json.loads(Path(tab.manifest_path).read_text(encoding="utf-8"))["clips"][0]["translations"]["es"]
    assert translated["title"] and translated["title"] != clip["title"]
    # Deleting a clip removes the tile, its files and its manifest entry.
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    n = tab.results.count()
    qtbot.mouseClick(tab.delete_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: tab.results.count() == n - 1, timeout=120_000)
    assert not Path(clip["video"]).exists() and not Path(clip["thumbnail"]).exists()
    manifest = json.loads(Path(tab.manifest_path).read_text(encoding="utf-8"))
    assert clip["id"] not in [c["id"] for c in manifest["clips"]]


def _click_anchor(qtbot, view, href: str) -> None:
    """A real mouse click on the transcript word/sentence link ``href``."""
    doc = view.document()
    block = doc.begin()
    position = None
    while block.isValid() and position is None:
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.charFormat().anchorHref() == href:
                position = frag.position() + min(1, frag.length() - 1)
                break
            it += 1
        block = block.next()
    assert position is not None, f"{href} is not in the transcript view"
    cursor = QTextCursor(doc)
    cursor.setPosition(position)
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    rect = view.cursorRect(cursor)
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=rect.center())


def test_adjust_a_clip_on_the_transcript_and_rerender_it(qtbot, tmp_path):
    talk, _segments = _talk()
    w = make_window(qtbot, threads=1)
    tab, _job, _stages = _run_shorts(qtbot, w, talk)
    item = tab.results.item(0)
    clip = item.data(Qt.UserRole)
    tab.results.setCurrentItem(item)
    qtbot.waitUntil(lambda: tab.index is not None and "w:" in tab.transcript_view.toHtml(), timeout=120_000)
    index = tab.index
    # The transcript follows a theme change (its HTML carries the palette's colours).
    from PySide6.QtGui import QPalette

    for theme in ("dark", "light"):
        w.set_theme(theme)
        text_colour = tab.palette().color(QPalette.Text).name()
        qtbot.waitUntil(
            lambda text_colour=text_colour: f"color:{text_colour}" in tab.transcript_view.toHtml().replace(" ", ""),
            timeout=120_000,
        )
    # The first sentence of at least 2 s after the clip's opening one: the clip will become exactly it.
    shown = index.around(clip["start"], clip["end"], 20.0)
    opening = next(i for i, s in enumerate(shown) if s.last >= clip["first_word"])
    target = next(s for s in shown[opening + 1 :] if s.end - s.start >= 2.0)
    assert tab.set_start_btn.isChecked()
    _click_anchor(qtbot, tab.transcript_view, f"w:{target.first}")
    assert tab.clip_start.value() == pytest.approx(index.start_before(target.first), abs=0.006)
    assert tab.set_end_btn.isChecked(), "after the start, a click sets the end"
    _click_anchor(qtbot, tab.transcript_view, f"w:{target.last}")
    start, end = index.start_before(target.first), index.end_after(target.last)
    assert tab.clip_end.value() == pytest.approx(end, abs=0.006)
    assert "changed" in tab.clip_title.text()
    old_thumb = Path(clip["thumbnail"]).read_bytes()
    old_icon = item.icon().pixmap(64, 114).toImage()

    qtbot.mouseClick(tab.rerender_btn, Qt.LeftButton)
    rerender = next(iter(tab.side_jobs), None)
    assert rerender and w.client.get(rerender).type == "shorts_rerender"
    assert "re-rendering" in tab.results.currentItem().text()
    wait_job(qtbot, w, rerender, timeout=300_000)
    qtbot.waitUntil(lambda: rerender not in tab.side_jobs, timeout=120_000)

    tile = tab.results.currentItem()
    fresh = tile.data(Qt.UserRole)
    assert fresh["id"] == clip["id"]
    assert (fresh["start"], fresh["end"]) == (pytest.approx(start, abs=0.002), pytest.approx(end, abs=0.002))
    assert probe(fresh["video"]).duration == pytest.approx(end - start, abs=0.15)
    assert fresh["title"] and fresh["title"] in tile.text() and fmt_duration(end - start) in tile.text()
    assert Path(fresh["thumbnail"]).read_bytes() != old_thumb
    assert tile.icon().pixmap(64, 114).toImage() != old_icon, "the tile still shows the old thumbnail"
    manifest = json.loads(Path(tab.manifest_path).read_text(encoding="utf-8"))
    assert next(c for c in manifest["clips"] if c["id"] == clip["id"])["start"] == pytest.approx(start, abs=0.002)
    assert "$ " in w.client.job_log(rerender)

    # Export all copies everything an editor needs, as a job.
    export = tab.export_all(str(tmp_path))
    assert export
    wait_job(qtbot, w, export, timeout=60_000)
    names = {p.name for p in tmp_path.iterdir()}
    assert {"manifest.json", "clips.csv", "clips.edl", "clips.fcpxml"} <= names
    for entry in manifest["clips"]:
        assert {f"{entry['id']}{ext}" for ext in (".mp4", ".srt", ".ass", ".jpg")} <= names
