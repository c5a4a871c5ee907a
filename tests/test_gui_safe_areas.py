"""Styling tab: the platform safe area goes into the style (and the render job), and the
preview shades the platform's covered bands when the overlay is on."""

from __future__ import annotations

import pytest

from media_core.ffmpeg import run_ffmpeg
from media_core.styles.safe_areas import safe_area
from tests.gui_fakes import FakeJobClient

pytestmark = pytest.mark.gui


@pytest.fixture
def vertical_clip(tmp_path):
    clip = tmp_path / "vertical.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "color=c=0x808080:s=270x480:r=25:d=2", "-c:v", "libx264", str(clip)], log=lambda s: None
    )
    return str(clip)


def test_platform_reaches_the_job_and_the_overlay_shades_its_bands(qtbot, tmp_path, vertical_clip):
    from reframe_desktop.settings import AppSettings
    from reframe_desktop.tabs.styling import StylingTab

    client = FakeJobClient()
    tab = StylingTab(client, AppSettings(output_folder=str(tmp_path / "out")))
    qtbot.addWidget(tab)
    tab.resize(1000, 700)
    tab.editor.platform.set_platform("tiktok")
    assert tab.editor.style_dict()["safe_area"] == "tiktok"
    # Loading a preset keeps the platform chosen.
    tab.editor.preset.setCurrentIndex(min(1, tab.editor.preset.count() - 1))
    tab.editor._load_preset()
    assert tab.editor.style_dict()["safe_area"] == "tiktok"

    with qtbot.waitSignal(tab.previewUpdated, timeout=60_000):
        tab.video.set_path(vertical_clip)
    plain = tab.preview.pixmap().toImage()
    with qtbot.waitSignal(tab.previewUpdated, timeout=60_000):
        tab.show_zones.setChecked(True)
    shaded = tab.preview.pixmap().toImage()
    w, h = shaded.width(), shaded.height()
    area = safe_area("tiktok")
    bottom_y = int(h * (1 - area.bottom / 2))  # the middle of the bottom band
    mid = shaded.pixelColor(w // 2, h // 2)
    band = shaded.pixelColor(int(w * 0.3), bottom_y)
    assert band.red() > band.blue() + 20, (band.getRgb(), mid.getRgb())  # tinted red
    assert plain.pixelColor(int(w * 0.3), bottom_y).red() < band.red()

    tab.subtitles.set_path(str(tmp_path / "lines.srt"))
    (tmp_path / "lines.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHi\n", encoding="utf-8")
    tab.render()
    job_type, params = client.last()
    assert job_type == "burn" and params["style"]["safe_area"] == "tiktok"
