"""The "Follow faces" controls in the Shorts and Utilities tabs, and the crop-box preview
on real faces (two people side by side: two boxes, one on each face)."""

from __future__ import annotations

import pytest

from tests import assets
from tests.gui_helpers import make_window

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def test_shorts_and_utilities_send_the_face_options(qtbot, tmp_path):
    w = make_window(qtbot, output_folder=str(tmp_path))
    shorts = w.tabs_by_name["shorts"]
    shorts.input.set_path(str(assets.two_faces_video()))
    assert shorts.job_params()["follow_faces"] is False
    shorts.faces.follow.setChecked(True)
    shorts.faces.split.setChecked(False)
    params = shorts.job_params()
    assert (params["follow_faces"], params["split_speakers"]) == (True, False)
    from media_core.shorts.models import ShortsRequest

    ShortsRequest(**{k: v for k, v in params.items() if k != "input"})  # the engine takes them as they are

    util = w.tabs_by_name["utilities"]
    util.sections.setCurrentIndex(3)
    util.cut_input.set_path(str(assets.two_faces_video()))
    util.cut_aspect.setCurrentIndex(util.cut_aspect.findData("9:16"))
    util.cut_strategy.setCurrentIndex(util.cut_strategy.findData("crop"))
    util.cut_faces.follow.setChecked(True)
    plan = util.cut_plan()
    assert plan is not None
    assert plan["reframe"]["follow_faces"] is True
    assert plan["reframe"]["follow"] == {"split_speakers": True}
    from media_core.render import RenderPlan

    RenderPlan(**plan)  # the render_styled job validates the same dict
    assert util.options()["cut_faces"] == {"follow_faces": True, "split_speakers": True}


def test_crop_preview_draws_one_box_per_face(qtbot, tmp_path):
    w = make_window(qtbot, output_folder=str(tmp_path))
    util = w.tabs_by_name["utilities"]
    util.sections.setCurrentIndex(3)
    util.cut_input.set_path(str(assets.two_faces_video()))
    util.cut_aspect.setCurrentIndex(util.cut_aspect.findData("9:16"))
    util.cut_strategy.setCurrentIndex(util.cut_strategy.findData("crop"))
    util.cut_start.setValue(3.0)
    faces = util.cut_faces
    faces.follow.setChecked(True)
    faces.preview_button.click()
    qtbot.waitUntil(lambda: faces.picture.isVisibleTo(util) or "rror" in faces.status.text(), timeout=300_000)
    assert faces.picture.pixmap() is not None and not faces.picture.pixmap().isNull(), faces.status.text()
    assert "two speakers stacked" in faces.status.text()
    boxes = faces.picture.boxes
    assert len(boxes) == 2
    scale = 640 / 1280  # the preview frame is at most 640 wide
    for (x, y, bw, bh), (fx, fy) in zip(boxes, assets.TWO_FACES, strict=True):
        assert x <= fx * scale <= x + bw and y <= fy * scale <= y + bh
