"""Main window shell: tabs, drop routing, settings round trip, subtitle editor, shortcuts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

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
    srt.write_text(
        "1\n00:00:00,500 --> 00:00:02,000\nHello there\n\n2\n00:00:02,500 --> 00:00:04,000\nSecond line\n",
        encoding="utf-8",
    )
    w.tabs.setCurrentWidget(w.tabs_by_name["jobs"])
    drop_file(w, srt)
    util = w.tabs_by_name["utilities"]
    assert w.tabs.currentWidget() is util
    assert util.editor.path_field.path() == str(srt)
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
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\nOne\n\n2\n00:00:03,000 --> 00:00:04,500\nTwo\n", encoding="utf-8")
    util.editor.path_field.set_path(str(srt))
    qtbot.waitUntil(lambda: util.editor.model.rowCount() == 2, timeout=120_000)
    model = util.editor.model
    # An end before the start is rejected with a reason.
    assert not model.setData(model.index(0, 1), "00:00:00.500")
    assert "after the start" in model.last_error
    assert not model.setData(model.index(0, 0), "not a time")
    assert model.setData(model.index(1, 2), "Two, edited")
    util.editor.shift_by.setValue(-250)
    util.editor.shift(selected_only=False)
    assert model.lines[0].start == pytest.approx(0.75)
    out = tmp_path / "out.srt"
    util.editor.save(str(out))
    qtbot.waitUntil(out.exists, timeout=120_000)
    text = out.read_text(encoding="utf-8")
    assert "00:00:00,750" in text and "Two, edited" in text


def test_settings_round_trip(qtbot, tmp_path):
    from reframe_desktop.settings import AppSettings, load_settings, save_settings

    path = tmp_path / "settings.json"
    s = AppSettings(theme="dark", ui_language="en")
    s.add_recent("/a.mp4")
    s.add_recent("/b.mp4")
    s.add_recent("/a.mp4")
    save_settings(s, path)
    loaded = load_settings(path)
    assert loaded.theme == "dark" and loaded.recent_files == ["/a.mp4", "/b.mp4"] and loaded.ui_language == "en"
    # A damaged field falls back to its default without losing the others.
    path.write_text('{"theme": "purple", "ui_language": "de"}', encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.theme == "system" and loaded.ui_language == "de"
    path.write_text("{not json", encoding="utf-8")
    assert load_settings(path) == AppSettings()


def test_old_engine_fields_move_to_the_engine_settings(qtbot, tmp_path):
    """Threads, ffmpeg and offline mode used to live in the app's file: they move to the
    engine's (shared with the CLI and the API) and leave the app's file at its next save."""
    from media_core.settings import load_engine_settings
    from reframe_desktop.settings import load_settings, save_settings
    from tests.gui_helpers import set_engine_settings

    set_engine_settings()
    path = tmp_path / "settings.json"
    path.write_text('{"theme": "light", "threads": 3, "offline_mode": true, "ffmpeg_path": ""}', encoding="utf-8")
    loaded = load_settings(path)
    engine = load_engine_settings(environment=False)
    assert loaded.theme == "light" and engine.threads == 3 and engine.offline is True
    assert loaded.offline_mode is True  # the read-only view of the engine setting
    save_settings(loaded, path)
    assert "threads" not in path.read_text(encoding="utf-8")
    set_engine_settings()


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


def test_window_remembers_splitters_and_utilities_options(qtbot):
    from PySide6.QtWidgets import QSplitter

    from reframe_desktop.settings import load_settings

    w = make_window(qtbot)
    util = w.tabs_by_name["utilities"]
    util.sections.setCurrentIndex(3)
    util.cut_aspect.setCurrentIndex(util.cut_aspect.findData("1:1"))
    util.cut_strategy.setCurrentIndex(util.cut_strategy.findData("blur_bg"))
    util.merge_offset.setValue(1.5)
    util.merge_duck.setChecked(True)
    util.tr_engine.setCurrentIndex(util.tr_engine.findData("apertium"))
    splitter = util.findChildren(QSplitter)[0]
    splitter.setSizes([300, 900])
    sizes = splitter.sizes()
    w.close()
    s = load_settings()
    w2 = make_window(qtbot, **s.model_dump())
    util2 = w2.tabs_by_name["utilities"]
    assert util2.sections.currentIndex() == 3
    assert util2.cut_aspect.currentData() == "1:1" and util2.cut_strategy.currentData() == "blur_bg"
    assert util2.merge_offset.value() == 1.5 and util2.merge_duck.isChecked()
    assert util2.tr_engine.currentData() == "apertium"
    assert util2.findChildren(QSplitter)[0].sizes() == sizes


def test_drops_on_child_fields_are_routed_not_pasted(qtbot, speech_video, jfk_wav, tmp_path):
    w = make_window(qtbot)
    captions = w.tabs_by_name["captions"]
    styling = w.tabs_by_name["styling"]
    util = w.tabs_by_name["utilities"]
    srt = tmp_path / "drop.srt"
    srt.write_text("1\n00:00:00,500 --> 00:00:02,000\nHello\n", encoding="utf-8")

    # A video onto the Captions input's line edit: the field takes it (a path, not a file:// URL).
    w.tabs.setCurrentWidget(captions)
    drop_file(captions.input.edit, speech_video)
    assert captions.input.path() == str(speech_video)
    # A subtitle onto the same edit does not fit: routed to the Utilities editor, edit unchanged.
    drop_file(captions.input.edit, srt)
    assert captions.input.path() == str(speech_video)
    assert util.editor.path_field.path() == str(srt) and w.tabs.currentWidget() is util
    # A file dropped on a search box is routed, never typed into it.
    w.tabs.setCurrentWidget(captions)
    drop_file(captions.search, jfk_wav)
    assert captions.search.text() == ""
    assert captions.input.path() == str(jfk_wav)
    # On a spin box (its inner line edit) and on a field of the wrong kind, the same.
    w.tabs.setCurrentWidget(styling)
    drop_file(styling.editor.size.findChild(QLineEdit), speech_video)
    assert styling.video.path() == str(speech_video)
    drop_file(styling.video.edit, srt)
    assert styling.video.path() == str(speech_video) and styling.subtitles.path() == str(srt)
    # Audio on the Styling video field: Styling has no use for it, the Utilities merge page has.
    drop_file(styling.video.edit, jfk_wav)
    assert util.merge_audio.path() == str(jfk_wav) and styling.video.path() == str(speech_video)
    # Plain text (not a file) still drops into a text field as text.
    from PySide6.QtCore import QMimeData, QPointF
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    w.tabs.setCurrentWidget(captions)
    mime = QMimeData()
    mime.setText("country")
    captions.search.clear()
    for cls in (QDragEnterEvent, QDragMoveEvent, QDropEvent):
        QApplication.sendEvent(captions.search, cls(QPointF(5, 5), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    assert captions.search.text() == "country"
    assert str(jfk_wav) in w.settings.recent_files and str(srt) in w.settings.recent_files


def test_file_field_in_a_dialog_takes_fitting_drops(qtbot, tmp_path, speech_video):
    from reframe_desktop.widgets.common import FileField

    field = FileField("folder", "", directory=True)
    qtbot.addWidget(field)
    drop_file(field.edit, tmp_path)
    assert field.path() == str(tmp_path)
    drop_file(field.edit, speech_video)  # not a folder, and no main window to route it to
    assert field.path() == str(tmp_path)


def test_theme_menu_is_exclusive_synced_and_follows_the_system(qtbot):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    w = make_window(qtbot, theme="light")
    actions = w.theme_actions
    assert w.theme_group.isExclusive()
    assert [a.isChecked() for a in actions.values()] == [False, True, False]
    actions["dark"].trigger()
    assert [a.isChecked() for a in actions.values()] == [False, False, True]
    assert app.property("reframeTheme") == "dark" and w.settings.theme == "dark"
    # The Settings dialog and the menu show and change the same setting.
    dialog = w.open_settings()
    theme = dialog.page("general").theme
    assert theme.currentData() == "dark"
    theme.setCurrentIndex(theme.findData("system"))
    dialog.accept()
    qtbot.waitUntil(lambda: w.settings.theme == "system")
    assert actions["system"].isChecked() and not actions["dark"].isChecked()
    # "Follow system": the OS switching scheme re-themes the running app.
    hints = app.styleHints()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert app.property("reframeTheme") == "dark"
    dark_window = app.palette().color(QPalette.Window)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert app.property("reframeTheme") == "light"
    assert app.palette().color(QPalette.Window) != dark_window
    # A manual choice is not overridden by the OS.
    actions["dark"].trigger()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert app.property("reframeTheme") == "dark"


def test_shortcuts_run_search_and_are_listed(qtbot, jfk_wav, tmp_path):
    from PySide6.QtWidgets import QTableWidget

    w = make_window(qtbot)
    captions = w.tabs_by_name["captions"]
    w.tabs.setCurrentWidget(captions)
    # Ctrl+F focuses the tab's search box.
    qtbot.keyClick(w, Qt.Key_F, Qt.ControlModifier)
    qtbot.waitUntil(captions.search.hasFocus)
    # Ctrl+Enter starts the tab's job (here with nothing chosen: it explains instead).
    qtbot.keyClick(captions.search, Qt.Key_Return, Qt.ControlModifier)
    assert "Choose a video or audio file" in captions.errors.label("input").text()  # under its field
    jobs = w.tabs_by_name["jobs"]
    w.tabs.setCurrentWidget(jobs)
    qtbot.keyClick(w, Qt.Key_F, Qt.ControlModifier)
    qtbot.waitUntil(jobs.search.hasFocus)
    dialog = w.show_shortcuts()
    qtbot.addWidget(dialog)
    table = dialog.findChild(QTableWidget, "shortcuts")
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows["Start the current tab's job"].startswith("Ctrl+Return")
    assert rows["Find"] == "Ctrl+F"
    assert rows["Cancel the selected job (Jobs tab)"] == "Esc"
    assert rows["Jobs"] == "Ctrl+5" and rows["Settings…"] == "Ctrl+,"


def test_colour_picker_keeps_the_opacity(qtbot, monkeypatch):
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QColorDialog

    from reframe_desktop.widgets.color_button import ColorButton

    button = ColorButton("#000000")
    qtbot.addWidget(button)
    chosen = QColor(10, 20, 30, 128)
    seen = {}

    def pick(initial, parent, title, options):  # the OS dialog, answered as a user would
        seen["options"] = options
        return chosen

    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(pick))
    with qtbot.waitSignal(button.colorChanged) as sig:
        button.click()
    assert seen["options"] & QColorDialog.ShowAlphaChannel
    assert button.color() == "#0A141E80" and sig.args == ["#0A141E80"]


def test_ui_translation_is_loaded(qtbot, tmp_path):
    """A .qm made with Qt's own tools translates self.tr() strings; English needs no file."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from reframe_desktop.i18n import available_languages, install_translators
    from reframe_desktop.settings import AppSettings
    from reframe_desktop.settings.dialog import SettingsDialog

    ts = tmp_path / "reframe_de.ts"
    ts.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS><TS version="2.1" language="de">
<context><name>SettingsDialog</name>
<message><source>Settings</source><translation>Einstellungen</translation></message>
</context></TS>""",
        encoding="utf-8",
    )
    lrelease = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent))
    subprocess.run([lrelease, str(ts), "-qm", str(tmp_path / "reframe_de.qm")], check=True, capture_output=True)
    assert available_languages([tmp_path]) == ["de", "en"]
    assert install_translators("en", [tmp_path]) == []
    try:
        assert install_translators("de", [tmp_path])
        dialog = SettingsDialog(AppSettings())
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "Einstellungen"
    finally:
        install_translators("en", [tmp_path])
    dialog = SettingsDialog(AppSettings())
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Settings"
