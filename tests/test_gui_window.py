"""Main window shell: tabs, drop routing, settings round trip, subtitle editor, shortcuts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.gui_helpers import drop_file, make_window

pytestmark = pytest.mark.gui


def test_window_has_five_tabs(qtbot):
    w = make_window(qtbot)
    names = [w.tabs.tabText(i) for i in range(w.tabs.count())]
    assert names == ["Shorts", "Captions", "Styling", "Utilities", "Jobs"]
    qtbot.keyClick(w, Qt.Key_5, Qt.ControlModifier)
    assert w.tabs.currentWidget() is w.tabs_by_name["jobs"]


def test_drop_routes_files_to_the_right_field(qtbot, speech_video, jfk_wav, tmp_path, odd_dir):
    w = make_window(qtbot)
    # Video dropped on the Captions tab fills its input.
    w.tabs.setCurrentWidget(w.tabs_by_name["captions"])
    drop_file(w, speech_video)
    assert w.tabs_by_name["captions"].input.path() == str(speech_video)
    # Video dropped while on Styling goes to the Styling video field, not Captions.
    w.tabs.setCurrentWidget(w.tabs_by_name["styling"])
    odd_video = odd_dir / "clip [1].mp4"
    odd_video.write_bytes(speech_video.read_bytes())
    drop_file(w, odd_video)
    assert w.tabs_by_name["styling"].video.path() == str(odd_video)
    # A subtitle file dropped on the Jobs tab (which has no use for it) goes to the Utilities editor.
    srt = tmp_path / "subs.srt"
    srt.write_text("1\n00:00:00,500 --> 00:00:02,000\nHello there\n\n2\n00:00:02,500 --> 00:00:04,000\n"
                   "Second line\n", encoding="utf-8")
    w.tabs.setCurrentWidget(w.tabs_by_name["jobs"])
    drop_file(w, srt)
    util = w.tabs_by_name["utilities"]
    assert w.tabs.currentWidget() is util
    assert util.ed_path.path() == str(srt)
    # Audio goes to the merge page.
    drop_file(w, jfk_wav)
    assert util.merge_audio.path() == str(jfk_wav)
    assert str(jfk_wav) in w.settings.recent_files
    # Something unusable is refused with a message instead of an error.
    other = tmp_path / "notes.pdf"
    other.write_bytes(b"%PDF")
    assert w.route_file(str(other)) is False


def test_subtitle_editor_edits_validate_and_shift(qtbot, tmp_path):
    w = make_window(qtbot)
    util = w.tabs_by_name["utilities"]
    srt = tmp_path / "in.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\nOne\n\n2\n00:00:03,000 --> 00:00:04,500\nTwo\n",
                   encoding="utf-8")
    util.ed_path.set_path(str(srt))
    qtbot.waitUntil(lambda: util.ed_model.rowCount() == 2, timeout=10_000)
    model = util.ed_model
    # An end before the start is rejected with a reason.
    assert not model.setData(model.index(0, 1), "00:00:00.500")
    assert "after the start" in model.last_error
    assert not model.setData(model.index(0, 0), "not a time")
    assert model.setData(model.index(1, 2), "Two, edited")
    util.ed_shift.setValue(-250)
    util.shift(selected_only=False)
    assert model.lines[0].start == pytest.approx(0.75)
    out = tmp_path / "out.srt"
    util.save_editor(str(out))
    qtbot.waitUntil(out.exists, timeout=10_000)
    text = out.read_text(encoding="utf-8")
    assert "00:00:00,750" in text and "Two, edited" in text


def test_settings_round_trip(qtbot, tmp_path):
    from reframe_desktop.settings import AppSettings, load_settings, save_settings

    path = tmp_path / "settings.json"
    s = AppSettings(theme="dark", threads=1)
    s.add_recent("/a.mp4")
    s.add_recent("/b.mp4")
    s.add_recent("/a.mp4")
    save_settings(s, path)
    loaded = load_settings(path)
    assert loaded.theme == "dark" and loaded.recent_files == ["/a.mp4", "/b.mp4"]
    # A damaged field falls back to its default without losing the others.
    path.write_text('{"theme": "purple", "threads": 2}', encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.theme == "system" and loaded.threads == 2
    path.write_text("{not json", encoding="utf-8")
    assert load_settings(path) == AppSettings()


def test_window_remembers_tab_and_options(qtbot):
    from reframe_desktop.settings import load_settings

    w = make_window(qtbot)
    w.tabs.setCurrentIndex(3)
    w.tabs_by_name["captions"].max_chars.setValue(30)
    w.close()
    s = load_settings()
    assert s.last_tab == 3 and s.tab_options["captions"]["max_chars"] == 30 and s.window_geometry
    w2 = make_window(qtbot, **s.model_dump())
    assert w2.tabs.currentIndex() == 3
    assert w2.tabs_by_name["captions"].max_chars.value() == 30
