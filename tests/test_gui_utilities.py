"""Utilities tab on real media: merge video + audio, cut + reframe in one render, and
subtitle translation with Apertium, each run to completion from the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.gui_helpers import make_window, wait_job

pytestmark = [pytest.mark.gui, pytest.mark.slow]

SRT = (
    "1\n00:00:00,500 --> 00:00:03,000\nAnd so my fellow Americans\n\n"
    "2\n00:00:03,200 --> 00:00:07,500\nask not what your country can do for you\n"
)


def test_merge_video_and_audio(qtbot, bikes_mp4, jfk_wav, tmp_path):
    from media_core.probe import probe

    w = make_window(qtbot, output_folder=str(tmp_path))
    util = w.tabs_by_name["utilities"]
    w.tabs.setCurrentWidget(util)
    util.sections.setCurrentIndex(0)
    util.merge_video.set_path(str(bikes_mp4))
    util.merge_audio.set_path(str(jfk_wav))
    util.merge_mode.setCurrentIndex(util.merge_mode.findData("replace"))
    util.merge_loudness.setChecked(True)
    job_id = util.submit_merge()
    assert job_id, util.merge_error.text()
    job = wait_job(qtbot, w, job_id, timeout=180_000)
    out = Path(job.outputs[0])
    assert out.parent == tmp_path
    info = probe(out)
    assert info.has_video and info.has_audio
    assert abs(info.duration - probe(bikes_mp4).duration) < 1.0


def test_cut_and_reframe_is_one_render(qtbot, bikes_mp4, tmp_path):
    from media_core.probe import probe

    w = make_window(qtbot, output_folder=str(tmp_path))
    util = w.tabs_by_name["utilities"]
    w.tabs.setCurrentWidget(util)
    util.sections.setCurrentIndex(3)
    util.cut_input.set_path(str(bikes_mp4))
    util.cut_start.setValue(2.0)
    util.cut_end.setValue(6.0)
    util.cut_aspect.setCurrentIndex(util.cut_aspect.findData("9:16"))
    util.cut_strategy.setCurrentIndex(util.cut_strategy.findData("crop"))
    util.cut_focus.setValue(30)
    before = {j.id for j in w.client.list_jobs()}
    qtbot.keyClick(util, Qt.Key_Return, Qt.ControlModifier)  # Ctrl+Enter runs the visible section
    new = [j for j in w.client.list_jobs() if j.id not in before]
    assert len(new) == 1 and new[0].type == "render_styled", util.cut_error.text()
    assert new[0].params["trim"] == {"start": 2.0, "end": 6.0}
    # Stored as the validated RenderPlan: every field, defaults included (the height stays the source's).
    assert new[0].params["reframe"] == {
        "aspect": "9:16",
        "strategy": "crop",
        "focus_x": 0.3,
        "height": None,
        # "Follow faces" left off: a fixed crop at the chosen position
        "follow_faces": False,
        "follow": None,
        "face_plan": None,
    }
    job = wait_job(qtbot, w, new[0].id, timeout=180_000)
    assert len(job.outputs) == 1
    info = probe(job.outputs[0])
    width, height = info.display_size
    assert abs(info.duration - 4.0) < 0.3
    assert abs(width / height - 9 / 16) < 0.02
    # Still one job when it finished: nothing was chained after it.
    qtbot.wait(300)
    assert len([j for j in w.client.list_jobs() if j.id not in before]) == 1


def test_cut_page_explains_what_is_missing(qtbot, bikes_mp4):
    w = make_window(qtbot)
    util = w.tabs_by_name["utilities"]
    assert util.submit_cut() is None and util.cut_error.text() == "Choose a video."
    util.cut_input.set_path(str(bikes_mp4))
    assert util.submit_cut() is None and "Set a start/end" in util.cut_error.text()
    util.cut_start.setValue(5)
    util.cut_end.setValue(4)
    assert util.submit_cut() is None and "after the start" in util.cut_error.text()
    assert not util.cut_strategy.isEnabled()  # nothing to reframe without an aspect


def test_translate_subtitles_with_apertium(qtbot, tmp_path):
    from media_core.subtitles import read_subtitles

    w = make_window(qtbot, output_folder=str(tmp_path))
    util = w.tabs_by_name["utilities"]
    srt = tmp_path / "jfk.srt"
    srt.write_text(SRT, encoding="utf-8")
    util.tr_input.set_path(str(srt))
    util.tr_source.setCurrentIndex(util.tr_source.findData("en"))
    util.tr_target.set_values(["es"])
    util.tr_engine.setCurrentIndex(util.tr_engine.findData("apertium"))
    util.tr_bilingual.setChecked(False)
    job_id = util.submit_translate()
    assert job_id, util.tr_error.text()
    job = wait_job(qtbot, w, job_id, timeout=120_000)
    lines = read_subtitles(job.outputs[0])
    original = read_subtitles(srt)
    assert [(c.start, c.end) for c in lines] == [(c.start, c.end) for c in original]
    text = " ".join(c.text for c in lines).lower()
    assert "país" in text and "country" not in text
