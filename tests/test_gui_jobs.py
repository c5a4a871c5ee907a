"""GUI driving real jobs on real media: captions end to end, live style preview,
Jobs tab filters and cancel, and the UI's event loop running while heavy jobs run."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication

from tests.gui_helpers import click_in_modal, make_window, wait_job

pytestmark = [pytest.mark.gui, pytest.mark.slow]
#: Hang guard for waits on other threads; never a verdict.
HANG_GUARD_S = 600

SRT = (
    "1\n00:00:00,500 --> 00:00:03,000\nAnd so my fellow Americans\n\n"
    "2\n00:00:03,200 --> 00:00:07,500\nask not what your country can do for you\n"
)


def _captions_job(qtbot, w, media):
    tab = w.tabs_by_name["captions"]
    w.tabs.setCurrentWidget(tab)
    tab.input.set_path(str(media))
    tab.model.setCurrentIndex(tab.model.findData("tiny.en"))
    tab.language.setCurrentIndex(tab.language.findData("en"))
    for fmt, box in tab.formats.items():
        box.setChecked(fmt in ("srt", "vtt", "json"))
    tab.max_chars.setValue(32)
    job_id = tab.submit()
    assert job_id, tab.error.text()
    return tab, job_id


def test_captions_tab_runs_a_real_job(qtbot, speech_video):
    w = make_window(qtbot, threads=1)
    tab, job_id = _captions_job(qtbot, w, speech_video)
    row = tab.recent.rows[job_id]
    wait_job(qtbot, w, job_id)
    # The engine's last progress stage is also "done": wait for the state signal's outputs.
    qtbot.waitUntil(lambda: row.stage.text() == "done" and bool(row.output_paths), timeout=120_000)
    # Outputs listed in the recent-jobs panel, and they exist.
    names = sorted(p.rsplit(".", 1)[-1] for p in row.output_paths)
    assert {"srt", "vtt", "json"} <= set(names)
    srt = next(p for p in row.output_paths if p.endswith(".srt"))
    text = Path(srt).read_text(encoding="utf-8").lower()
    assert "country" in text
    assert all(len(line) <= 32 for line in text.splitlines() if line and "-->" not in line and not line.isdigit())
    # The transcript viewer shows the speech and its search filters lines.
    qtbot.waitUntil(lambda: tab.transcript.count() > 0, timeout=120_000)
    tab.search.setText("country")
    visible = [tab.transcript.item(i) for i in range(tab.transcript.count()) if not tab.transcript.item(i).isHidden()]
    assert visible and all("country" in it.text().lower() for it in visible)
    tab.search.setText("zebra crossing")
    assert all(tab.transcript.item(i).isHidden() for i in range(tab.transcript.count()))
    # The player has the video with the job's own subtitles; clicking a line seeks there.
    tab.search.clear()
    player = tab.player
    qtbot.waitUntil(lambda: player.source == str(speech_video) and player.frames_shown > 0, timeout=120_000)
    item = tab.transcript.item(tab.transcript.count() - 1)
    rect = tab.transcript.visualItemRect(item)
    qtbot.mouseClick(tab.transcript.viewport(), Qt.LeftButton, pos=rect.center())
    target = int(item.data(Qt.UserRole) * 1000)
    qtbot.waitUntil(lambda: abs(player.position_ms() - target) < 150, timeout=120_000)
    qtbot.waitUntil(lambda: player.current_cue() != "", timeout=120_000)
    assert player.current_cue().split()[0].lower() in item.text().lower()


def test_style_change_refreshes_preview(qtbot, speech_video, tmp_path):
    w = make_window(qtbot)
    tab = w.tabs_by_name["styling"]
    w.tabs.setCurrentWidget(tab)
    srt = tmp_path / "jfk.srt"
    srt.write_text(SRT, encoding="utf-8")
    tab.video.set_path(str(speech_video))
    tab.subtitles.set_path(str(srt))
    tab.at.setValue(150)
    qtbot.waitUntil(lambda: tab.preview_count >= 1, timeout=60_000)
    first = tab.preview.pixmap().toImage()
    count = tab.preview_count
    tab.editor.primary.set_color("#FF2020")
    tab.editor.size.setValue(tab.editor.size.value() + 30)
    qtbot.waitUntil(lambda: tab.preview_count > count, timeout=60_000)
    second = tab.preview.pixmap().toImage()
    assert not second.isNull() and second != first, "the preview did not change with the style"
    # A burst of edits is debounced into far fewer renders than edits.
    count = tab.preview_count
    for size in range(40, 60):
        tab.editor.size.setValue(size)
    qtbot.waitUntil(lambda: tab.preview_count > count, timeout=60_000)
    qtbot.wait(1500)
    assert tab.preview_count - count <= 3


def test_jobs_tab_filters_and_cancel_a_running_render(qtbot, bbb_trailer, jfk_wav, tmp_path):
    w = make_window(qtbot, threads=1)
    srt = tmp_path / "bbb.srt"
    srt.write_text(SRT, encoding="utf-8")
    # A real captions job that succeeds…
    _, cap_id = _captions_job(qtbot, w, jfk_wav)
    wait_job(qtbot, w, cap_id)
    # …and a real render of a 55 s 720p video, cancelled from the Jobs tab while it runs.
    styling = w.tabs_by_name["styling"]
    styling.video.set_path(str(bbb_trailer))
    styling.subtitles.set_path(str(srt))
    render_id = styling.render()
    assert render_id, styling.status.text()
    qtbot.waitUntil(lambda: w.client.get(render_id).status == "running", timeout=60_000)
    jobs = w.tabs_by_name["jobs"]
    w.tabs.setCurrentWidget(jobs)
    jobs.refresh()
    jobs.select_job(render_id)
    assert jobs.selected_job().id == render_id
    assert jobs.buttons["cancel"].isEnabled()
    jobs.buttons["cancel"].click()
    # A generous hang guard, not a speed verdict (the runner's cancel latency is benchmarked apart).
    wait_job(qtbot, w, render_id, states=("cancelled",), timeout=120_000)
    assert not [a for a in w.client.get(render_id).assets if a.role == "output"]

    # Filters: status, type, search and date all narrow the table.
    jobs.refresh()
    proxy = jobs.proxy

    def shown():
        return [proxy.data(proxy.index(r, 0), jobs.model.JobRole).id for r in range(proxy.rowCount())]

    assert {cap_id, render_id} <= set(shown())
    jobs.status_filter.setCurrentIndex(jobs.status_filter.findData("cancelled"))
    assert render_id in shown() and cap_id not in shown()
    assert all(proxy.data(proxy.index(r, 2)) == "cancelled" for r in range(proxy.rowCount()))
    jobs.status_filter.setCurrentIndex(0)
    cap_type = w.client.get(cap_id).type
    jobs.type_filter.setCurrentIndex(jobs.type_filter.findData(cap_type))
    assert cap_id in shown() and render_id not in shown()
    jobs.type_filter.setCurrentIndex(0)
    jobs.search.setText(bbb_trailer.name)
    assert render_id in shown() and cap_id not in shown()
    jobs.search.setText("no job has this text 123")
    assert shown() == []
    jobs.search.clear()
    jobs.date_filter.setCurrentIndex(jobs.date_filter.findData(1))  # today
    assert {cap_id, render_id} <= set(shown())
    # The detail pane shows the parameters and the log of the selected job.
    jobs.select_job(cap_id)
    assert str(jfk_wav.name) in jobs.detail_params.toPlainText()
    assert jobs.outputs.count() >= 1


def test_styling_render_completes(qtbot, bikes_mp4, tmp_path):
    from media_core.probe import probe

    w = make_window(qtbot, output_folder=str(tmp_path))
    tab = w.tabs_by_name["styling"]
    w.tabs.setCurrentWidget(tab)
    srt = tmp_path / "bikes.srt"
    srt.write_text(SRT, encoding="utf-8")
    tab.video.set_path(str(bikes_mp4))
    tab.subtitles.set_path(str(srt))
    tab.editor.box.setChecked(True)
    qtbot.keyClick(tab, Qt.Key_Return, Qt.ControlModifier)  # Ctrl+Enter = Render
    assert tab.recent.rows, tab.status.text()
    job_id = next(iter(tab.recent.rows))
    job = wait_job(qtbot, w, job_id, timeout=120_000)
    out = Path(job.outputs[0])
    assert out.parent == tmp_path and out.suffix == ".mp4"
    info = probe(out)
    assert info.has_video and abs(info.duration - probe(bikes_mp4).duration) < 0.5
    row = tab.recent.rows[job_id]
    qtbot.waitUntil(lambda: row.output_paths == [str(out)], timeout=120_000)


def test_jobs_tab_actions(qtbot, jfk_wav, bikes_mp4, bbb_trailer, tmp_path):
    """Cancel with Esc, retry, resume, copy transcript / CLI command, export a zip and
    delete with files, on real jobs."""
    import json
    import shlex

    w = make_window(qtbot, threads=1, output_folder=str(tmp_path))
    jobs = w.tabs_by_name["jobs"]
    _, cap_id = _captions_job(qtbot, w, jfk_wav)
    wait_job(qtbot, w, cap_id)

    # One heavy job at a time: a long render runs while a short cut/reframe waits its turn.
    styling = w.tabs_by_name["styling"]
    srt = tmp_path / "bbb.srt"
    srt.write_text(SRT, encoding="utf-8")
    styling.video.set_path(str(bbb_trailer))
    styling.subtitles.set_path(str(srt))
    long_id = styling.render()
    util = w.tabs_by_name["utilities"]
    util.cut_input.set_path(str(bikes_mp4))
    util.cut_end.setValue(3.0)
    short_id = util.submit_cut()
    assert long_id and short_id, util.cut_error.text()
    qtbot.waitUntil(lambda: w.client.get(long_id).status == "running", timeout=60_000)
    assert w.client.get(short_id).status == "queued"

    w.tabs.setCurrentWidget(jobs)
    jobs.select_job(short_id)
    jobs.table.setFocus()
    qtbot.keyClick(jobs.table, Qt.Key_Escape)  # Esc cancels the selected job
    wait_job(qtbot, w, short_id, states=("cancelled",), timeout=120_000)
    jobs.select_job(long_id)
    jobs.buttons["cancel"].click()
    wait_job(qtbot, w, long_id, states=("cancelled",), timeout=120_000)

    # Retry runs a new job with the same settings; resume runs the same job again.
    jobs.select_job(short_id)
    qtbot.waitUntil(lambda: jobs.buttons["retry"].isEnabled(), timeout=120_000)
    jobs.buttons["retry"].click()
    retry_id = jobs.selected_job().id
    assert retry_id != short_id and w.client.get(retry_id).params == w.client.get(short_id).params
    retried = wait_job(qtbot, w, retry_id, timeout=120_000)
    jobs.select_job(short_id)
    qtbot.waitUntil(lambda: jobs.buttons["resume"].isEnabled(), timeout=120_000)
    jobs.buttons["resume"].click()
    wait_job(qtbot, w, short_id, timeout=120_000)
    assert {Path(p).name for p in w.client.get(short_id).outputs} and Path(retried.outputs[0]).is_file()

    # Copy the transcript and the CLI command of the captions job.
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    jobs.select_job(cap_id)
    jobs.buttons["transcript"].click()
    qtbot.waitUntil(lambda: "country" in clipboard.text().lower(), timeout=120_000)
    jobs.buttons["cli"].click()
    command = shlex.split(clipboard.text())
    assert command == shlex.split(w.client.cli_command(cap_id))
    assert "captions" in command and json.loads(command[command.index("--params") + 1]) == w.client.get(cap_id).params

    # Export the outputs as a zip.
    outputs = [Path(p) for p in w.client.get(cap_id).outputs]
    dest = tmp_path / "export.zip"
    jobs.export_zip(cap_id, str(dest))
    qtbot.waitUntil(dest.exists, timeout=120_000)
    with zipfile.ZipFile(dest) as zf:
        assert sorted(zf.namelist()) == sorted(p.name for p in outputs)
        assert zf.read(outputs[0].name) == outputs[0].read_bytes()

    # Delete the retried job with its files, confirmed in the dialog.
    jobs.select_job(retry_id)
    out = Path(retried.outputs[0])
    click_in_modal(qtbot, lambda box: box.findChild(type(jobs.buttons["delete"]), "withFiles"))
    jobs.buttons["delete"].click()
    qtbot.waitUntil(lambda: all(j.id != retry_id for j in jobs.model.jobs), timeout=120_000)
    assert not out.exists()
    # Deleting while keeping the files leaves the outputs.
    jobs.select_job(cap_id)
    click_in_modal(qtbot, lambda box: box.findChild(type(jobs.buttons["delete"]), "keepFiles"))
    jobs.buttons["delete"].click()
    qtbot.waitUntil(lambda: all(j.id != cap_id for j in jobs.model.jobs), timeout=120_000)
    assert all(p.exists() for p in outputs)


def test_ui_keeps_running_while_two_heavy_jobs_run(qtbot, tmp_path):
    """A transcription beside another heavy job (two heavy slots): the UI thread's event
    loop keeps running the whole time. The other job waits on an event, so both certainly
    run at once, whatever the two jobs' speeds. How long the UI may stall is measured by
    benchmarks/gui_responsiveness.py, not judged here."""
    import threading

    from media_core.jobs.registry import default_registry
    from tests import assets

    talk, _ = assets.shorts_talk_video()
    entered, release = threading.Event(), threading.Event()

    def hold(params, ctx):
        entered.set()
        release.wait(HANG_GUARD_S)

    default_registry.register("test_hold", hold, heavy=True, max_attempts=1)
    w = make_window(qtbot, threads=1, heavy_jobs=2)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.time()))  # job times are wall-clock epochs too
    timer.start()
    try:
        hold_id = w.client.submit("test_hold", {})
        assert entered.wait(HANG_GUARD_S), "the holding job never started"
        _, cap_id = _captions_job(qtbot, w, talk)
        job = wait_job(qtbot, w, cap_id)
        assert w.client.get(hold_id).status == "running", "both heavy slots were in use throughout"
        release.set()
        wait_job(qtbot, w, hold_id)
    finally:
        release.set()
        timer.stop()
        default_registry.unregister("test_hold")  # other tests list every registered type
    assert job.started_at is not None and job.finished_at is not None
    during = [t for t in ticks if job.started_at < t < job.finished_at]
    assert during, "the UI thread ran no timer at all while the transcription ran"
    print(f"{len(during)} UI ticks during a {job.finished_at - job.started_at:.1f} s transcription")
