"""Screenshots of every tab, light and dark, at 1280×800, with real content.

Run under a real X server so fonts and styles render as users see them:

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python packaging/make_screenshots.py

It works in a throw-away data dir: runs a real captions job on the test speech video
and a real render, so the Captions, Styling and Jobs tabs show genuine results.
Writes docs/screenshots/<tab>-<theme>.png and settings-<theme>.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
_home = Path(tempfile.mkdtemp(prefix="reframe-shots-"))
for var, sub in (("REFRAME_DATA_DIR", "data"), ("REFRAME_CONFIG_DIR", "config"), ("REFRAME_CACHE_DIR", "cache")):
    os.environ[var] = str(_home / sub)

from PySide6.QtTest import QTest  # noqa: E402

from tests import assets  # noqa: E402

OUT = REPO / "docs" / "screenshots"
TABS = ["shorts", "captions", "styling", "utilities", "jobs"]


def pump(seconds: float) -> None:
    # QTest.qWait, not processEvents(): PySide6 6.12 aborts when Python pumps events with
    # processEvents() while job threads run Python code.
    QTest.qWait(int(seconds * 1000))


def wait_for(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QTest.qWait(50)
        if predicate():
            return
    print(f"warning: timed out waiting for {what}", file=sys.stderr)


def job_done(window, job_id) -> bool:
    return window.client.get(job_id).status in ("succeeded", "failed", "cancelled", "interrupted")


def main() -> int:
    from media_core.settings import EngineSettings, save_engine_settings
    from reframe_desktop.app import build_window, create_app
    from reframe_desktop.settings import AppSettings
    from reframe_desktop.theme import apply_theme

    app = create_app([])
    speech = assets.speech_video()
    # One transcription thread: the fastest on a small shared machine (see the notes).
    save_engine_settings(EngineSettings(threads=1))
    settings = AppSettings(default_model="tiny.en")
    window = build_window(app, settings)
    window.resize(1280, 800)
    window.show()
    pump(0.5)

    # Real content: a captions job, then a styled render of its subtitles.
    captions = window.tabs_by_name["captions"]
    captions.input.set_path(str(speech))
    cap_job = captions.submit()
    shorts = window.tabs_by_name["shorts"]
    talk, _ = assets.shorts_talk_video()
    shorts.input.set_path(str(talk))
    shorts.count.setValue(3)
    shorts.min_len.setValue(8)
    shorts.max_len.setValue(25)
    shorts.quality.setCurrentIndex(shorts.quality.findData(640))
    shorts_job = shorts.submit()
    util = window.tabs_by_name["utilities"]
    util.merge_video.set_path(str(assets.bikes_mp4()))
    util.merge_audio.set_path(str(assets.jfk_wav()))
    merge_job = util.submit_merge()
    util.cut_input.set_path(str(assets.bikes_mp4()))
    util.cut_start.setValue(2.0)
    util.cut_end.setValue(8.0)
    util.cut_aspect.setCurrentIndex(util.cut_aspect.findData("9:16"))
    cut_job = util.submit_cut()
    styling = window.tabs_by_name["styling"]
    styling.video.set_path(str(speech))
    styling.at.setValue(550)
    if cap_job:
        wait_for(lambda: job_done(window, cap_job), 180, "captions job")
        pump(0.5)
        from reframe_desktop.widgets.recent_jobs import job_outputs

        outs = job_outputs(window.client.get(cap_job))
        subs = outs.get("srt")
        if subs:
            styling.subtitles.set_path(subs)
            util.editor.path_field.set_path(subs)
            render_job = styling.render()
            if render_job:
                wait_for(lambda: job_done(window, render_job), 180, "render job")
        wait_for(
            lambda: captions.transcript.count() > 0 and captions.player.frames_shown > 0,
            30,
            "captions transcript and player",
        )
        if captions.transcript.count() > 1:
            # A moment with a cue on screen, its transcript line highlighted.
            item = captions.transcript.item(1)
            captions.transcript.setCurrentItem(item)
            captions.seek_to_item(item)
            wait_for(lambda: captions.player.current_cue() != "", 10, "a cue over the video")
            pump(1)
    if shorts_job:
        wait_for(lambda: job_done(window, shorts_job), 400, "shorts job")
        pump(1)
        if shorts.results.count():
            shorts.results.setCurrentRow(0)  # shows the clip on its transcript
            pump(1)
    for job in (merge_job, cut_job):
        if job:
            wait_for(lambda job=job: job_done(window, job), 180, "utilities job")
    wait_for(lambda: styling.preview_count > 0, 60, "styling preview")
    util.sections.setCurrentIndex(2 if util.editor.model.rowCount() else 0)

    settings_dialog = window.open_settings()
    settings_dialog.show_page("models")
    wait_for(
        lambda: settings_dialog.loaded and "version" in settings_dialog.page("engine").ffmpeg_info.text(),
        30,
        "settings dialog",
    )
    settings_dialog.page("models").manager.select("small")

    OUT.mkdir(parents=True, exist_ok=True)
    for theme in ("light", "dark"):
        apply_theme(app, theme)
        for i, name in enumerate(TABS):
            window.tabs.setCurrentIndex(i)
            if name == "jobs":
                jobs = window.tabs_by_name["jobs"]
                jobs.refresh()
                if jobs.proxy.rowCount():
                    jobs.table.selectRow(0)
            pump(0.6)
            path = OUT / f"{name}-{theme}.png"
            window.grab().save(str(path))
            print(path)
        settings_dialog.raise_()
        pump(0.6)
        path = OUT / f"settings-{theme}.png"
        settings_dialog.grab().save(str(path))
        print(path)
    settings_dialog.reject()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
