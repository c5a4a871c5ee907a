"""Utilities → Tighten on the fake job client: real transcript and real cut list of real
speech with fillers, words picked in the transcript, and the job the page submits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from media_core.jobs.requests import TranscriptCutJob
from tests import assets
from tests.gui_fakes import FakeJobClient

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def filler_talk():
    try:
        return assets.filler_talk_video()[0]
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")


def _norm(text: str) -> str:
    return re.sub(r"\W", "", text.lower())


def test_pick_words_see_the_cuts_and_submit_the_job(qtbot, tmp_path, filler_talk, tiny_en_model):
    from reframe_desktop.settings import AppSettings
    from reframe_desktop.tabs.utilities import UtilitiesTab

    client = FakeJobClient()
    tab = UtilitiesTab(client, AppSettings(output_folder=str(tmp_path / "out"), default_model=str(tiny_en_model)))
    qtbot.addWidget(tab)
    page = tab.tighten
    tab.sections.setCurrentWidget(page)
    assert tab.accept_file(str(filler_talk), "video") and page.video.path() == str(filler_talk)
    page.extra_fillers.setText("oh")
    page.find_btn.click()
    qtbot.waitUntil(lambda: page.plan is not None or page.find_btn.isEnabled(), timeout=180_000)
    assert page.plan is not None, page.status.text()

    words = page._source["transcript"].words
    assert page.picker.count() == len(words) > 30
    listed = [page.cuts.item(i).text() for i in range(page.cuts.count())]
    assert sum("filler" in t for t in listed) == 2 and any("pause" in t for t in listed), listed
    before = page.plan.removed

    # Pick JFK's closing sentence in the transcript: one more cut, longer than the sentence.
    first = max(i for i, w in enumerate(words) if _norm(w.text) == "ask")
    last = max(i for i, w in enumerate(words) if _norm(w.text) == "country")
    picked = list(range(first, last + 1))
    with qtbot.waitSignal(page.planUpdated, timeout=10_000):
        page.picker.set_picked(picked)
    assert page.picker.picked() == picked
    assert page.plan.removed >= before + words[last].end - words[first].start
    assert any("picked" in page.cuts.item(i).text() for i in range(page.cuts.count()))
    # Both "oh"s stay marked as fillers, also the one whose cut joined the picked sentence.
    ohs = [i for i, w in enumerate(words) if _norm(w.text) == "oh"]
    assert len(ohs) == 2 and set(ohs) <= page.picker._fillers
    assert page.picker.item(picked[0]).font().strikeOut()

    job_id = tab.primary_action()  # Ctrl+Enter on this section renders
    job_type, params = client.last()
    assert job_id and job_type == "transcript_cut"
    assert params["remove_words"] == picked and params["extra_fillers"] == ["oh"]
    assert Path(params["transcript"]).is_file() and Path(params["output"]).parent == tmp_path / "out"
    request = TranscriptCutJob.model_validate(params)  # what the real job manager would accept
    assert request.options().max_pause == 1.0

    # A refused submit shows under its field; an impossible pause setting is said, not raised.
    page.shorten_pauses.setChecked(False)
    assert page.cut_options()["max_pause"] is None
    page.shorten_pauses.setChecked(True)
    page.max_pause.setValue(0.2)
    page.keep_pause.setValue(0.5)
    page.replan()
    assert "keep_pause" in page.status.text()


def test_shorts_tab_sends_tighten_to_the_shorts_job(qtbot, tmp_path):
    from media_core.jobs.requests import ShortsJob
    from reframe_desktop.settings import AppSettings
    from reframe_desktop.tabs.shorts import ShortsTab

    tab = ShortsTab(FakeJobClient(), AppSettings(output_folder=str(tmp_path)))
    qtbot.addWidget(tab)
    tab.input.set_path(str(tmp_path / "talk.mp4"))
    assert tab.job_params()["tighten"] is False
    tab.tighten.setChecked(True)
    params = tab.job_params()
    assert ShortsJob.model_validate(params).tighten is True
    assert tab.options()["tighten"] is True
