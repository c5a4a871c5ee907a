"""The Captions tab's embedded player (QtMultimedia) on a real video: frames, seek,
play/pause, the slider, and the subtitle cue drawn over the picture."""

from __future__ import annotations

import pytest

from tests.gui_helpers import make_window

pytestmark = pytest.mark.gui

SRT = (
    "1\n00:00:00,500 --> 00:00:03,000\nAnd so my fellow Americans\n\n"
    "2\n00:00:03,200 --> 00:00:07,500\nask not what your country\n"
)


def _bright_pixels(image, top: float) -> int:
    """White-ish pixels in the image below ``top`` (a fraction of its height)."""
    count = 0
    for y in range(int(image.height() * top), image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if c.red() > 235 and c.green() > 235 and c.blue() > 235:
                count += 1
    return count


def test_player_seeks_plays_and_shows_the_current_cue(qtbot, speech_video, tmp_path):
    from media_core.subtitles import read_subtitles

    srt = tmp_path / "jfk.srt"
    srt.write_text(SRT, encoding="utf-8")
    w = make_window(qtbot)
    tab = w.tabs_by_name["captions"]
    w.tabs.setCurrentWidget(tab)
    player = tab.player
    player.load(speech_video, read_subtitles(srt))
    qtbot.waitUntil(lambda: player.duration_ms() > 10_000 and player.frames_shown > 0, timeout=120_000)
    assert player.slider.maximum() == player.duration_ms()
    assert not player.view.image.isNull() and player.view.image.width() == 640

    with qtbot.waitSignal(player.cueChanged, timeout=120_000) as cue:
        player.seek(4.0)
    assert cue.args == ["ask not what your country"]
    qtbot.waitUntil(lambda: abs(player.position_ms() - 4000) < 100, timeout=120_000)
    assert player.current_cue() == "ask not what your country"
    qtbot.waitUntil(lambda: player.slider.value() == player.position_ms(), timeout=120_000)
    with_cue = player.view.grab().toImage()

    player.seek(9.0)  # after the last cue
    qtbot.waitUntil(lambda: player.current_cue() == "", timeout=120_000)
    without_cue = player.view.grab().toImage()
    # The cue is painted: many more white pixels near the bottom with it than without.
    assert _bright_pixels(with_cue, 0.6) > _bright_pixels(without_cue, 0.6) + 50

    # Play runs the clock forward and shows new frames; pause stops it.
    player.seek(0.0)
    frames = player.frames_shown
    player.toggle()
    qtbot.waitUntil(lambda: player.position_ms() > 1200, timeout=120_000)
    assert player.is_playing() and player.frames_shown > frames + 5
    qtbot.waitUntil(lambda: player.current_cue() == "And so my fellow Americans", timeout=120_000)
    player.toggle()
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=120_000)
    paused_at = player.position_ms()
    qtbot.wait(500)
    assert abs(player.position_ms() - paused_at) < 50

    # Dragging the slider seeks.
    player.slider.setSliderDown(True)
    player.slider.setSliderPosition(6000)
    player.slider.setSliderDown(False)
    qtbot.waitUntil(lambda: abs(player.position_ms() - 6000) < 100, timeout=120_000)
    assert player.current_cue() == "ask not what your country"


def test_player_plays_audio_only_files(qtbot, jfk_wav, tmp_path):
    from media_core.subtitles import read_subtitles

    srt = tmp_path / "jfk.srt"
    srt.write_text(SRT, encoding="utf-8")
    w = make_window(qtbot)
    player = w.tabs_by_name["captions"].player
    player.load(jfk_wav, read_subtitles(srt))
    qtbot.waitUntil(lambda: player.duration_ms() > 10_000, timeout=120_000)
    qtbot.waitUntil(lambda: player.view.message == "Audio only", timeout=120_000)
    player.seek(1.0)
    qtbot.waitUntil(lambda: player.current_cue() == "And so my fellow Americans", timeout=120_000)
