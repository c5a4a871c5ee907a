"""Per-clip caption styles of a shorts run: the manifest records each clip's style, and a
style override re-renders only that clip (the others' files keep their bytes and mtimes)
with captions that really use the new colour."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from media_core.errors import InvalidParameterError
from media_core.shorts.models import ShortClip, ShortsRequest
from media_core.shorts.pipeline import get_transcript, render_shorts, rerender_from_manifest
from media_core.styles import DEFAULT_PRESET, get_preset

MAGENTA = "#FF00FF"


@pytest.fixture(scope="module")
def request_base(tiny_en_model) -> ShortsRequest:
    return ShortsRequest(
        min_duration=1.0,
        max_duration=30.0,
        output_height=320,
        transcription={"model": str(tiny_en_model), "language": "en", "threads": 1},
    )


@pytest.fixture(scope="module")
def transcript(speech_video, request_base):
    return get_transcript(speech_video, request_base)


def _render_run(speech_video, request_base, transcript, folder: Path):
    text, path = transcript
    clips = [
        ShortClip(id="clip-01", start=0.0, end=3.6, rank=1, title="one"),
        ShortClip(id="clip-02", start=3.6, end=7.2, rank=2, title="two"),
        ShortClip(id="clip-03", start=7.2, end=11.0, rank=3, title="three"),
    ]
    req = request_base.model_copy(update={"output_dir": str(folder)})
    return render_shorts(speech_video, req, clips, transcript=text, transcript_path=path)


def fingerprint(path: str | Path) -> tuple[int, str]:
    """(mtime in ns, sha256): what must not change for a clip that was not re-rendered."""
    p = Path(path)
    return p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()


def clip_fingerprints(clip: dict) -> dict[str, tuple[int, str]]:
    return {clip[k]: fingerprint(clip[k]) for k in ("video", "srt", "ass", "thumbnail")}


def magenta_pixels(video: str | Path) -> int:
    """The most strongly magenta pixels in any frame of ``video`` (bikes footage has none)."""
    import av

    best = 0
    with av.open(str(video)) as container:
        for frame in container.decode(container.streams.video[0]):
            rgb = frame.to_ndarray(format="rgb24").astype(int)
            mask = (rgb[..., 0] > 170) & (rgb[..., 2] > 170) & (rgb[..., 1] < 100)
            best = max(best, int(mask.sum()))
    return best


def magenta_style():
    return get_preset(DEFAULT_PRESET).model_copy(
        update={"name": "Magenta", "text_color": MAGENTA, "highlight_color": MAGENTA, "highlight_mode": "none"}
    )


def test_manifest_records_each_clips_style(speech_video, request_base, transcript, tmp_path):
    run = _render_run(speech_video, request_base, transcript, tmp_path / "run")
    manifest = json.loads(Path(run.manifest_path).read_text(encoding="utf-8"))
    default = get_preset(DEFAULT_PRESET).model_dump(mode="json")
    assert [c["style"] for c in manifest["clips"]] == [default] * 3
    assert all(c.style is not None and c.style.name == DEFAULT_PRESET for c in run.clips)


def test_style_override_rerenders_only_that_clip(speech_video, request_base, transcript, tmp_path):
    run = _render_run(speech_video, request_base, transcript, tmp_path / "run")
    before = {c["id"]: c for c in json.loads(Path(run.manifest_path).read_text(encoding="utf-8"))["clips"]}
    untouched = {**clip_fingerprints(before["clip-01"]), **clip_fingerprints(before["clip-03"])}
    target_before = clip_fingerprints(before["clip-02"])
    assert magenta_pixels(before["clip-02"]["video"]) < 20, "the default style has no magenta"

    style = magenta_style()
    lines: list[str] = []
    result = rerender_from_manifest(run.manifest_path, "clip-02", style=style, log=lines.append)

    after = {c["id"]: c for c in json.loads(Path(run.manifest_path).read_text(encoding="utf-8"))["clips"]}
    assert {p: fingerprint(p) for p in untouched} == untouched, "a clip that was not re-rendered changed"
    assert all(fingerprint(p)[1] != sha for p, (_m, sha) in target_before.items() if not p.endswith(".srt"))
    # The manifest records the override; the other clips keep the run's style; bounds, score, title stay.
    assert after["clip-02"]["style"] == style.model_dump(mode="json")
    assert after["clip-01"]["style"]["name"] == after["clip-03"]["style"]["name"] == DEFAULT_PRESET
    for key in ("start", "end", "score", "title", "rank"):
        assert after["clip-02"][key] == before["clip-02"][key]
    assert next(c for c in result.clips if c.id == "clip-02").style == style
    # The new captions really are magenta: in the ASS and on the frames.
    assert "&H00FF00FF" in Path(after["clip-02"]["ass"]).read_text(encoding="utf-8")
    assert magenta_pixels(after["clip-02"]["video"]) > 50
    assert len([line for line in lines if line.startswith("$ ") and "libx264" in line]) == 1
    # Moving the clip later keeps its own style.
    rerender_from_manifest(run.manifest_path, "clip-02", 3.0, 7.2)
    moved = next(
        c for c in json.loads(Path(run.manifest_path).read_text(encoding="utf-8"))["clips"] if c["id"] == "clip-02"
    )
    assert moved["start"] == 3.0 and moved["style"] == style.model_dump(mode="json")
    assert magenta_pixels(moved["video"]) > 50


@pytest.fixture(scope="module")
def manager(tmp_path_factory):
    from media_core.jobs.manager import JobManager
    from media_core.jobs.store import JobStore

    mgr = JobManager(JobStore(tmp_path_factory.mktemp("store") / "jobs.sqlite3"))
    yield mgr
    mgr.shutdown()


def test_rerender_job_takes_a_style_dict_or_a_preset_name(speech_video, request_base, transcript, tmp_path, manager):
    from media_core.styles import preset_names

    run = _render_run(speech_video, request_base, transcript, tmp_path / "run")
    other = next(n for n in preset_names() if n != DEFAULT_PRESET)
    job = manager.wait(
        manager.submit("shorts_rerender", {"input": run.manifest_path, "clip_id": "clip-03", "style": other}),
        timeout=300,
    )
    assert job.status == "succeeded", (job.error_code, job.error_message)
    entry = next(c for c in json.loads(Path(run.manifest_path).read_text())["clips"] if c["id"] == "clip-03")
    assert entry["style"]["name"] == other
    bad = {"input": run.manifest_path, "clip_id": "clip-03", "style": {"font_size": -3}}
    with pytest.raises(InvalidParameterError, match="style"):
        manager.submit("shorts_rerender", bad)
