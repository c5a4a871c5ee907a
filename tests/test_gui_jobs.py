"""GUI driving real jobs on real media: captions end to end, live style preview,
Jobs tab filters and cancel, and a responsiveness check while heavy jobs run."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer

from tests.gui_helpers import make_window, wait_job

pytestmark = [pytest.mark.gui, pytest.mark.slow]

SRT = ("1\n00:00:00,500 --> 00:00:03,000\nAnd so my fellow Americans\n\n"
       "2\n00:00:03,200 --> 00:00:07,500\nask not what your country can do for you\n")


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
    qtbot.waitUntil(lambda: row.stage.text() == "done", timeout=10_000)
    # Outputs listed in the recent-jobs panel, and they exist.
    names = sorted(p.rsplit(".", 1)[-1] for p in row.output_paths)
    assert {"srt", "vtt", "json"} <= set(names)
    srt = next(p for p in row.output_paths if p.endswith(".srt"))
    text = open(srt, encoding="utf-8").read().lower()
    assert "country" in text
    assert all(len(line) <= 32 for line in text.splitlines() if line and "-->" not in line and not line.isdigit())
    # The transcript viewer shows the speech and its search filters lines.
    qtbot.waitUntil(lambda: tab.transcript.count() > 0, timeout=10_000)
    tab.search.setText("country")
    visible = [tab.transcript.item(i) for i in range(tab.transcript.count()) if not tab.transcript.item(i).isHidden()]
    assert visible and all("country" in it.text().lower() for it in visible)
    tab.search.setText("zebra crossing")
    assert all(tab.transcript.item(i).isHidden() for i in range(tab.transcript.count()))
    # Click-to-seek shows the frame of that moment.
    tab.search.clear()
    tab._seek(tab.transcript.item(0))
    qtbot.waitUntil(lambda: tab.preview.pixmap() is not None and not tab.preview.pixmap().isNull(),
                    timeout=60_000)


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
    t0 = time.monotonic()
    jobs.buttons["cancel"].click()
    wait_job(qtbot, w, render_id, states=("cancelled",), timeout=30_000)
    assert time.monotonic() - t0 < 10
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


def test_ui_stays_responsive_while_jobs_run(qtbot, speech_video, bbb_trailer, tmp_path):
    w = make_window(qtbot, threads=1)
    srt = tmp_path / "bbb.srt"
    srt.write_text(SRT, encoding="utf-8")
    _, cap_id = _captions_job(qtbot, w, speech_video)
    styling = w.tabs_by_name["styling"]
    styling.video.set_path(str(bbb_trailer))
    styling.subtitles.set_path(str(srt))
    render_id = styling.render()
    assert render_id

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick():
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(tick)
    timer.start()
    both_ran = {"cap": False, "render": False}

    def watch():
        both_ran["cap"] |= w.client.get(cap_id).status in ("running", "succeeded")
        both_ran["render"] |= w.client.get(render_id).status in ("running", "succeeded")
        cap, render = w.client.get(cap_id), w.client.get(render_id)
        if cap.status in ("failed", "cancelled") or render.status == "failed":
            return True  # reported below with the job's own error
        return cap.status == "succeeded" and (render.status == "running" or render.is_finished)

    qtbot.waitUntil(watch, timeout=240_000)
    timer.stop()
    for job in (w.client.get(cap_id), w.client.get(render_id)):
        assert job.status not in ("failed",), f"{job.type} failed: {job.error}"
    w.client.cancel(render_id)
    wait_job(qtbot, w, render_id, states=("cancelled", "succeeded"), timeout=30_000)
    assert both_ran["cap"] and both_ran["render"]
    assert len(gaps) > 50
    worst = max(gaps)
    assert worst < 100, f"the UI thread stalled for {worst} ms"
