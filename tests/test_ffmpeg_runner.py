"""The ffmpeg runner: real ffmpeg, progress, cancel within a second, errors with context."""

from __future__ import annotations

import itertools

import pytest

from media_core import errors
from media_core.ffmpeg import ffmpeg_exe, ffmpeg_info, run_ffmpeg
from media_core.paths import TEMP_MARKER, atomic_output, sweep_orphan_temps, write_text_atomic
from media_core.probe import probe
from media_core.progress import CancelToken, Progress


def test_bundled_ffmpeg_has_libass():
    info = ffmpeg_info()
    assert info.path == ffmpeg_exe()
    assert info.has_libass
    assert {"ass", "subtitles", "loudnorm"} <= info.filters
    assert "libx264" in info.encoders


def test_an_installer_s_own_ffmpeg_comes_before_the_wheel_s(tmp_path, monkeypatch):
    """A frozen app (sys._MEIPASS) runs the ffmpeg at its top level, built with the FFmpeg
    its PyAV uses (packaging/linux/build_ffmpeg.sh); without one it keeps the wheel's."""
    import sys

    from media_core import ffmpeg as runner

    wheel_ffmpeg = runner._locate("")
    bundle = tmp_path / "bundle with spaces"
    bundle.mkdir()
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    runner._locate.cache_clear()
    try:
        assert runner._locate("") == wheel_ffmpeg
        runner._locate.cache_clear()
        (bundle / "ffmpeg").symlink_to(wheel_ffmpeg)
        assert runner._locate("") == str(bundle / "ffmpeg")
        assert runner._locate(wheel_ffmpeg) == wheel_ffmpeg  # the user's own choice still wins
    finally:
        runner._locate.cache_clear()


def test_progress_is_monotonic_and_reaches_one(tmp_path):
    seen: list[float] = []
    out = tmp_path / "out.mp4"
    run_ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=25:duration=4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(out),
        ],
        duration=4.0,
        progress=lambda f, s="": seen.append(f),
    )
    assert seen and seen[-1] == pytest.approx(1.0)
    assert all(b >= a for a, b in itertools.pairwise(seen))
    assert probe(out).duration == pytest.approx(4.0, abs=0.05)


def test_cancel_stops_ffmpeg_before_its_end(tmp_path):
    """``-re`` makes ffmpeg take 60 s of real time, so a cancel at its first progress report
    certainly comes before its natural end; how fast the child dies is benchmarked
    (benchmarks/cancel_latency.py), not judged here."""
    token = CancelToken()
    lines: list[str] = []
    final = tmp_path / "long.mp4"

    def progress(fraction: float, stage: str = "") -> None:
        if fraction > 0:
            token.cancel()

    with pytest.raises(errors.CancelledError):
        with atomic_output(final) as tmp:
            run_ffmpeg(
                [
                    "-re",
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc2=size=320x240:rate=25:duration=60",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    str(tmp),
                ],
                duration=60,
                progress=progress,
                cancel=token,
                log=lines.append,
            )
    # The runner raises CancelledError only when it stopped a still-running ffmpeg.
    assert any(line.startswith("ffmpeg cancelled after") for line in lines), lines[-3:]
    assert not any(line.startswith("ffmpeg finished") for line in lines)
    assert not final.exists()
    assert not list(tmp_path.iterdir()), "the temporary output must be removed too"


def test_failure_carries_command_and_stderr_tail(tmp_path):
    lines: list[str] = []
    with pytest.raises(errors.FFmpegError) as info:
        run_ffmpeg(["-i", str(tmp_path / "does not exist.mp4"), str(tmp_path / "x.mp4")], log=lines.append)
    exc = info.value
    assert "ffmpeg failed" in str(exc)
    assert "does not exist.mp4" in exc.detail and "exit code" in exc.detail
    assert any(line.startswith("$ ") for line in lines)


def test_progress_spans_nest():
    seen: list[tuple[float, str]] = []
    root = Progress(lambda f, s="": seen.append((round(f, 3), s)))
    step = root.span(0.5, 1.0, "render")
    step(0.5, "encoding")
    step(0.2)  # never goes backwards
    assert seen[0] == (0.75, "render: encoding")
    assert seen[1][0] == 0.75
    # A step reporting its own span's name says it once ("downloading", not "downloading: downloading").
    download = root.span(0.0, 0.3, "downloading")
    download(0.5, "downloading")
    download(0.6, "looking up the video")
    assert [s for _f, s in seen[-2:]] == ["downloading", "downloading: looking up the video"]


def test_orphan_temps_are_swept(tmp_path):
    done = write_text_atomic(tmp_path / "a.srt", "x")
    orphan = tmp_path / f"b{TEMP_MARKER}1234.mp4"
    orphan.write_bytes(b"partial")
    assert sweep_orphan_temps(tmp_path) == [orphan]
    assert done.exists() and not orphan.exists()


def test_full_disk_is_a_clear_error():
    import os

    if not os.path.exists("/dev/full"):
        pytest.fail("/dev/full is needed to simulate a full disk")
    from media_core.errors import error_from_oserror

    try:
        with open("/dev/full", "w") as fh:
            fh.write("x" * 10000)
            fh.flush()
    except OSError as exc:
        mapped = error_from_oserror(exc, "/dev/full")
    assert isinstance(mapped, errors.DiskFullError)
    assert "full" in str(mapped).lower()
