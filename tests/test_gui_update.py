"""The desktop updater: the start check (opt-out, once a day, off the UI thread), Help → Check
for updates…, the dialog with version and notes, download with progress and cancel, install.

The window runs in this process as the installed one-folder build of tests/update_release.py
(``REFRAME_EXECUTABLE`` names its executable, as its launcher does; the build's pinned key is
the test release key), against a local feed."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QTimer

from tests.gui_helpers import make_window
from tests.update_release import FEED, NEW, OLD, Release

pytestmark = pytest.mark.gui


@pytest.fixture
def release(tmp_path, monkeypatch):
    rel = Release(tmp_path)
    for key in ("REFRAME_UPDATE_FEED", "REFRAME_UPDATE_ALLOW_HTTP", "REFRAME_DATA_DIR", "REFRAME_CACHE_DIR"):
        monkeypatch.setenv(key, rel.env[key])
    monkeypatch.setenv("REFRAME_EXECUTABLE", str(rel.exe))
    # This process plays the installed build, which was built with the release key pinned.
    monkeypatch.setattr("media_core.updates.keys.PINNED_PUBLIC_KEYS", (rel.public,))
    monkeypatch.delenv("REFRAME_NO_UPDATE_CHECK", raising=False)
    yield rel
    rel.server.close()


def _dialog(qtbot, window):
    checker = window.update_checker
    qtbot.waitUntil(lambda: checker.dialog is not None and checker.dialog.isVisible(), timeout=120_000)
    return checker.dialog


def test_menu_check_shows_version_and_notes_then_installs(qtbot, release):
    window = make_window(qtbot, check_updates=False)
    assert window.update_checker.last_result == ""  # opted out: nothing ran at start
    help_menu = next(a for a in window.menuBar().actions() if a.text() == "&Help").menu()
    action = next(a for a in help_menu.actions() if a.text() == "Check for &updates…")
    action.trigger()
    dialog = _dialog(qtbot, window)
    from PySide6.QtWidgets import QLabel

    assert f"Reframe {NEW} is available" in dialog.findChild(QLabel, "updateHeading").text()
    assert f"What is new in {NEW}." in dialog.notes.toPlainText()
    dialog.restartRequested.disconnect()  # the test process must not quit
    restarts: list[str] = []
    dialog.restartRequested.connect(restarts.append)
    dialog.install_button.click()
    qtbot.waitUntil(lambda: bool(restarts), timeout=300_000)
    assert restarts == [str(release.exe)]
    assert dialog.progress.value() == 1000
    assert release.version() == f"reframe {NEW}"


def test_download_can_be_cancelled_and_nothing_changes(qtbot, release):
    release.server.stall.add(release.asset_path)
    window = make_window(qtbot, check_updates=False)
    window.update_checker.check_now()
    dialog = _dialog(qtbot, window)
    dialog.install_button.click()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=120_000)  # half the installer arrived
    assert dialog.later_button.text() == "Cancel"
    dialog.later_button.click()
    qtbot.waitUntil(lambda: dialog.status.text() == "Download cancelled; nothing was changed.", timeout=120_000)
    assert dialog.install_button.isEnabled() and dialog.progress.isHidden()
    assert release.version() == f"reframe {OLD}"


def test_start_check_runs_in_the_background_once_a_day(qtbot, release, monkeypatch):
    release.server.stall.add(FEED)  # the feed hangs, for good: the window must not
    window = make_window(qtbot, check_updates=True)
    ticks = []
    timer = QTimer(window)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=60_000)  # the UI thread runs while the check waits
    assert window.update_checker.dialog is None
    # A fresh start with a feed that answers shows the dialog … (at another address: were
    # the stalled one to answer now, the first window's retry could pop its dialog up over
    # the new window, first or second depending on timing)
    answering = "/answering" + FEED
    release.server.files[answering] = release.server.files[FEED]
    monkeypatch.setenv("REFRAME_UPDATE_FEED", release.server.url + answering)
    window2 = make_window(qtbot, check_updates=True)
    _dialog(qtbot, window2)
    # … and the check was recorded: the next start within a day does not ask the feed.
    asked = release.server.requests.count(answering)
    window3 = make_window(qtbot, check_updates=True)
    qtbot.waitUntil(lambda: window3.update_checker.last_result == "not due", timeout=60_000)
    assert release.server.requests.count(answering) == asked
    assert window.update_checker.dialog is None
    assert os.environ["REFRAME_EXECUTABLE"] == str(release.exe)


def test_settings_page_has_the_opt_out(qtbot):
    from reframe_desktop.settings import AppSettings
    from reframe_desktop.settings.general_page import GeneralPage
    from reframe_desktop.settings.page import SettingsDraft

    draft = SettingsDraft(app=AppSettings(check_updates=True), engine=None)
    page = GeneralPage(draft)
    qtbot.addWidget(page)
    page.load()
    assert page.check_updates.isChecked()
    page.check_updates.setChecked(False)
    page.save()
    assert draft.app.check_updates is False
