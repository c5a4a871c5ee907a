"""Face-following reframe on real faces: tracking error, steadiness, layouts, shot changes.

The pan video moves a real photo under the camera, so the face position is known at
every frame; the two-face video puts two real photos side by side. Verdicts are on
positions and layouts, never on wall time.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np
import pytest

from media_core.progress import CancelToken
from media_core.reframe import BlazeFaceDetector, FollowOptions, SpeakerHint, analyze, plan_faces
from media_core.reframe.analyze import DETECT_HEIGHT
from media_core.reframe.path import jerk
from media_core.reframe.sample import iter_frames
from media_core.render import EncoderSettings, Reframe, RenderPlan, execute
from media_core.render.geometry import target_size
from tests import assets

pytestmark = pytest.mark.slow

OUT = target_size(1280, 720, "9:16", "crop", None)  # 404 x 720


@pytest.fixture(scope="module")
def pan_analysis():
    return analyze(assets.face_pan_video())


@pytest.fixture(scope="module")
def two_analysis():
    return analyze(assets.two_faces_video())


def _frame_times(duration: float) -> list[float]:
    return [i / assets.PAN_FPS for i in range(round(duration * assets.PAN_FPS))]


def test_pan_face_stays_centred_and_camera_is_steadier_than_raw_detections(pan_analysis):
    plan = plan_faces(pan_analysis, out_w=OUT[0], out_h=OUT[1], options=FollowOptions())
    assert [s.layout for s in plan.segments] == ["single"]
    path = plan.segments[0].paths[0]
    times = _frame_times(assets.PAN_SECONDS)
    smooth = [path.x_at(t) for t in times]
    errors = [abs(assets.pan_face_x(t) - x) / path.width for t, x in zip(times, smooth, strict=True)]
    within = sum(e <= 0.10 for e in errors) / len(errors)
    assert within >= 0.95, f"face within 10 % of crop width in only {within:.1%} of frames"

    # A camera that follows the raw detections: the crop centred on the face the detector
    # finds in every frame (what a naive face-follow does), clamped to the frame like ours.
    detector = BlazeFaceDetector()
    raw = []
    frames = iter_frames(
        assets.face_pan_video(), [(0.0, None)], sample_fps=assets.PAN_FPS, det_height=DETECT_HEIGHT, rotation=0,
        cancel=CancelToken(), rgb_height=detector.frame_height,
    )  # fmt: skip
    for frame in frames:
        assert frame.rgb is not None
        face = max(detector.detect(frame.rgb), key=lambda b: b.w)
        cx = (face.x + face.w / 2) * 720 / frame.rgb.shape[0]
        raw.append(min(1280 - path.width / 2, max(path.width / 2, cx)))
    assert len(raw) == len(smooth)
    ratio = jerk(raw) / max(jerk(smooth), 1e-9)
    print(f"tracking: {within:.1%} frames within 10 %, max error {max(errors):.3f}, jerk ratio {ratio:.1f}")
    assert ratio >= 5.0, f"jerk only {ratio:.1f}x lower than following raw detections"


def _decode(path: Path, fmt: str = "gray") -> list[tuple[float, np.ndarray]]:
    """Decoded frames: gray to compare pixels, "rgb24" for the face detector (trained on colour)."""
    with av.open(str(path)) as c:
        return [(f.time, f.to_ndarray(format=fmt)) for f in c.decode(video=0)]


def test_pan_render_keeps_the_face_centred_in_one_ffmpeg_pass(tmp_path):
    out = tmp_path / "pan_9x16.mp4"
    result = execute(
        RenderPlan(
            input=assets.face_pan_video(),
            output=out,
            reframe=Reframe(aspect="9:16", follow_faces=True),
            encoder=EncoderSettings(codec="libx264", preset="ultrafast"),
        )
    )
    assert (result.width, result.height) == OUT
    assert "clip(t-" in " ".join(result.command)  # the moving crop is inside the one command
    detector = BlazeFaceDetector()
    frames = _decode(out, "rgb24")
    assert abs(len(frames) - assets.PAN_SECONDS * assets.PAN_FPS) <= 2
    checked = 0
    for t, rgb in frames[::10]:
        faces = detector.detect(rgb)
        assert faces, f"no face in the rendered frame at {t:.2f}s"
        face = max(faces, key=lambda b: b.w)
        offset = abs(face.x + face.w / 2 - OUT[0] / 2) / OUT[0]
        assert offset <= 0.12, f"face {offset:.1%} of the width off centre at {t:.2f}s"
        checked += 1
    assert checked >= 20


def test_two_people_get_the_split_layout_each_face_in_its_half(two_analysis, tmp_path):
    plan = plan_faces(two_analysis, out_w=1080, out_h=1920, options=FollowOptions())
    assert [s.layout for s in plan.segments] == ["split"]
    top, bottom = plan.segments[0].paths
    (left_x, _), (right_x, _) = assets.TWO_FACES
    assert abs(top.x_at(3.0) - left_x) <= 0.1 * top.width
    assert abs(bottom.x_at(3.0) - right_x) <= 0.1 * bottom.width

    out = tmp_path / "split.mp4"
    execute(
        RenderPlan(
            input=assets.two_faces_video(),
            output=out,
            reframe=Reframe(aspect="9:16", follow_faces=True, height=1280),
            encoder=EncoderSettings(codec="libx264", preset="ultrafast"),
        )
    )
    detector = BlazeFaceDetector()
    for t, rgb in _decode(out, "rgb24")[::30]:
        h = rgb.shape[0]
        for half, name in ((rgb[: h // 2], "top"), (rgb[h // 2 :], "bottom")):
            faces = detector.detect(np.ascontiguousarray(half))
            assert faces, f"no face in the {name} half at {t:.2f}s"
            f = max(faces, key=lambda b: b.w)
            assert f.y >= 0 and f.y + f.h <= half.shape[0], f"{name} face crosses its half"
            assert abs(f.x + f.w / 2 - half.shape[1] / 2) <= 0.15 * half.shape[1]


def test_forced_layouts_and_split_switch(two_analysis):
    def layouts(**kw):
        return [
            s.layout for s in plan_faces(two_analysis, out_w=OUT[0], out_h=OUT[1], options=FollowOptions(**kw)).segments
        ]

    assert layouts(layout="fit") == ["fit"]
    assert layouts(layout="single") == ["single"]
    # Two people too far apart for one window and no split allowed: the wide shot is shown whole.
    assert layouts(split_speakers=False) == ["fit"]


def test_active_speaker_hints_move_the_camera_to_who_speaks(two_analysis):
    hints = [SpeakerHint(start=0, end=2, x=0.2), SpeakerHint(start=2, end=6, x=0.8)]
    plan = plan_faces(
        two_analysis, out_w=OUT[0], out_h=OUT[1], options=FollowOptions(split_speakers=False, speaker_hints=hints)
    )
    assert [s.layout for s in plan.segments] == ["single"]
    path = plan.segments[0].paths[0]
    (left_x, _), (right_x, _) = assets.TWO_FACES
    assert abs(path.x_at(1.5) - left_x) <= 0.1 * path.width
    assert abs(path.x_at(5.9) - min(right_x, 1280 - path.width / 2)) <= 0.1 * path.width
    xs = [path.x_at(t) for t in _frame_times(6.0)]
    # It pans (no hard cut inside a shot): no frame-to-frame step above the speed limit.
    assert max(abs(b - a) for a, b in itertools.pairwise(xs)) <= 0.8 * path.width / assets.PAN_FPS + 0.5


def test_shot_change_is_found_and_only_there_the_camera_jumps(tmp_path):
    joined = tmp_path / "joined.mp4"
    execute(
        RenderPlan(input=assets.face_pan_video(), output=tmp_path / "a.mp4", trim={"start": 0, "end": 4}),
    )
    import subprocess

    listing = tmp_path / "list.txt"
    listing.write_text(f"file '{tmp_path / 'a.mp4'}'\nfile '{assets.two_faces_video()}'\n")
    subprocess.run(
        [assets.ffmpeg(), "-v", "error", "-f", "concat", "-safe", "0", "-i", str(listing), "-an",
         "-c:v", "libx264", "-preset", "ultrafast", str(joined)],
        check=True,
    )  # fmt: skip
    analysis = analyze(joined)
    assert len(analysis.cuts) == 1 and abs(analysis.cuts[0] - 4.0) <= 1.5 / assets.PAN_FPS
    plan = plan_faces(analysis, out_w=OUT[0], out_h=OUT[1], options=FollowOptions())
    assert [s.layout for s in plan.segments] == ["single", "split"]
    out = tmp_path / "joined_9x16.mp4"
    result = execute(
        RenderPlan(
            input=joined,
            output=out,
            reframe=Reframe(aspect="9:16", face_plan=plan),
            encoder=EncoderSettings(codec="libx264", preset="ultrafast"),
        )
    )
    assert "concat=n=2" in " ".join(result.command)
    assert abs(result.duration - 10.0) < 0.2


def test_no_face_falls_back_to_the_fixed_centre_of_interest_crop(tmp_path):
    blurred = assets._still_video(
        assets.astronaut_png(), tmp_path / "blurred.mp4", 2.0, "scale=1280:720,gblur=sigma=40"
    )
    analysis = analyze(blurred)
    assert analysis.tracks == []
    plan = plan_faces(analysis, out_w=OUT[0], out_h=OUT[1], options=FollowOptions(), focus_x=0.3)
    assert [s.layout for s in plan.segments] == ["center"]
    box = plan.crop_boxes_at(1.0, OUT[0] / OUT[1])[0]
    assert box[0] == pytest.approx((1280 - 405) * 0.3, abs=2)


def test_shorts_clip_with_silences_cut_follows_faces_across_the_joins(tmp_path):
    from media_core.probe import probe
    from media_core.shorts.render_clip import render_clip_video

    src = assets.face_pan_video()
    out = render_clip_video(
        src,
        probe(src),
        [(0.0, 2.5), (5.0, 7.5)],
        tmp_path / "clip.mp4",
        aspect="9:16",
        height=640,
        follow=FollowOptions(),
    )
    frames = _decode(out, "rgb24")
    assert abs(len(frames) - 5.0 * assets.PAN_FPS) <= 2
    detector = BlazeFaceDetector()
    for t, rgb in frames[::12]:
        face = max(detector.detect(rgb), key=lambda b: b.w)
        source_t = t if t < 2.5 else t + 2.5
        assert abs(face.x + face.w / 2 - rgb.shape[1] / 2) <= 0.12 * rgb.shape[1], (t, source_t)


def test_reframe_job_and_shorts_cli_take_the_face_options(tmp_path):
    import argparse

    from media_core.cli.shorts import register
    from media_core.jobs import JobManager, JobStore

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["shorts", "in.mp4", "--follow-faces", "--no-split", "--layout", "single"])
    assert (args.follow_faces, args.no_split, args.layout) == (True, True, "single")

    manager = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    try:
        params = {
            "input": str(assets.two_faces_video()),
            "out": str(tmp_path / "faces.mp4"),
            "aspect": "9:16",
            "height": 640,
            "follow_faces": True,
            "layout": "split",
        }
        job = manager.wait(manager.submit("reframe", params), timeout=600)
    finally:
        manager.shutdown()
    assert job.status == "succeeded", (job.error_code, job.error_message, job.error_detail)
    frames = _decode(Path(params["out"]), "rgb24")
    rgb = frames[len(frames) // 2][1]
    assert rgb.shape[:2] == (640, 360)
    detector = BlazeFaceDetector()
    assert detector.detect(np.ascontiguousarray(rgb[:320])) and detector.detect(np.ascontiguousarray(rgb[320:]))


def test_speaker_turns_move_onto_the_clip_timeline():
    from media_core.reframe.models import hints_on_output

    turns = [SpeakerHint(start=0, end=12, speaker="A"), SpeakerHint(start=12, end=30, speaker="B", x=0.8)]
    moved = hints_on_output(turns, [(10.0, 14.0), (20.0, 25.0)])  # a clip with its silence 14..20 cut out
    assert [(h.start, h.end, h.speaker) for h in moved] == [(0.0, 2.0, "A"), (2.0, 4.0, "B"), (4.0, 9.0, "B")]
    assert moved[1].x == 0.8


def test_a_long_path_goes_to_ffmpeg_in_a_file_and_still_renders(two_analysis, tmp_path):
    """An hour of following makes a long crop expression: it must not depend on command-line length."""
    from media_core.reframe.models import CropPath, FacePlan, Segment

    plan = plan_faces(two_analysis, out_w=OUT[0], out_h=OUT[1], options=FollowOptions(layout="single"))
    base = plan.segments[0].paths[0]
    times = [i * 0.01 for i in range(600)]
    xs = [300.0 + 200.0 * ((i // 50) % 2) + (i % 50) for i in range(600)]  # 600 keyframes of back-and-forth
    long_plan = FacePlan(
        src_width=1280,
        src_height=720,
        duration=6.0,
        segments=[
            Segment(start=0, end=6.0, layout="single", paths=[base.model_copy(update={"times": times, "xs": xs})])
        ],
    )
    assert isinstance(long_plan.segments[0].paths[0], CropPath)
    out = tmp_path / "long.mp4"
    result = execute(
        RenderPlan(
            input=assets.two_faces_video(),
            output=out,
            reframe=Reframe(aspect="9:16", face_plan=long_plan),
            encoder=EncoderSettings(codec="libx264", preset="ultrafast"),
        )
    )
    assert "-/filter_complex" in result.command
    frames = _decode(out)
    assert len(frames) == 150 and frames[0][1].shape == (720, 404)
    # ffmpeg evaluated the expression as the path says: each output frame is the source cut at x(t).
    source = _decode(assets.two_faces_video())[0][1].astype(np.int16)
    for t, gray in frames[::13]:
        x = round(long_plan.segments[0].paths[0].x_at(t) - 202)
        errors = {dx: np.abs(gray.astype(np.int16) - source[:, x + dx : x + dx + 404]).mean() for dx in (-12, 0, 12)}
        assert errors[0] < 4 and errors[0] < min(errors[-12], errors[12]) / 2, (t, errors)


def test_hard_cuts_in_real_footage_are_found_to_the_frame():
    """bikes.mp4 (real street footage) has five hard cuts; fast motion between them is not a cut."""
    from media_core.reframe.scenes import CutDetector

    detector = CutDetector()
    for frame in iter_frames(
        assets.bikes_mp4(), [(0.0, None)], sample_fps=0.5, det_height=90, rotation=0, cancel=CancelToken()
    ):
        detector.push(frame.t, frame.tiny)
    assert detector.cuts == pytest.approx([1.2, 3.04, 5.48, 7.48, 9.68], abs=0.05)


def test_a_stream_that_does_not_start_at_zero_is_followed_on_ffmpegs_timeline(tmp_path):
    """A stream whose first frame is at 1.4 s: analysis, the cut and the filters' t must agree."""
    import subprocess

    ts = tmp_path / "pan.mkv"
    subprocess.run(
        [assets.ffmpeg(), "-v", "error", "-i", str(assets.face_pan_video()), "-c:v", "libx264", "-preset",
         "ultrafast", "-output_ts_offset", "1.4", str(ts)],
        check=True,
    )  # fmt: skip
    out = tmp_path / "pan_ts.mp4"
    execute(
        RenderPlan(
            input=ts,
            output=out,
            trim={"start": 2.0, "end": 6.0},
            reframe=Reframe(aspect="9:16", follow_faces=True),
            encoder=EncoderSettings(codec="libx264", preset="ultrafast"),
        )
    )
    detector = BlazeFaceDetector()
    frames = _decode(out, "rgb24")
    assert abs(len(frames) - 4.0 * assets.PAN_FPS) <= 2
    for t, rgb in frames[::10]:
        face = max(detector.detect(rgb), key=lambda b: b.w)
        offset = abs(face.x + face.w / 2 - OUT[0] / 2) / OUT[0]
        assert offset <= 0.12, f"face {offset:.1%} of the width off centre at {t:.2f}s of the cut"
