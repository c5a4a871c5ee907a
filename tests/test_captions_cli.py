"""The captions pipeline and the ``reframe`` CLI end to end: real video, real model, real files.

Everything runs through ``python -m media_core`` in a subprocess, like a user would,
except the request-model and progress checks, which call the engine directly.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from media_core.captions import CaptionsRequest, generate_captions
from media_core.errors import CancelledError
from media_core.paths import TEMP_MARKER
from media_core.progress import CancelToken
from media_core.subtitles import read_subtitles
from tests.assets import JFK_TEXT, ffmpeg

REPO = Path(__file__).resolve().parent.parent
ALL = ["srt", "vtt", "ass", "txt", "json"]
PRECISION = {"srt": 0.0005, "vtt": 0.0005, "ass": 0.0051}


def words_of(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "media_core", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_cli_speech_video_to_all_formats(speech_video, tiny_en_model, odd_dir):
    source = odd_dir / "talk «1» [final].mp4"
    shutil.copy(speech_video, source)
    out = odd_dir / "out (ünïcode) 'q'"
    proc = cli(
        "captions",
        str(source),
        "--format",
        ",".join(ALL),
        "--model",
        str(tiny_en_model),
        "--language",
        "en",
        "--threads",
        "1",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    printed = [Path(line) for line in proc.stdout.splitlines()]
    expected = [out / f"talk «1» [final].{fmt}" for fmt in ALL]
    assert printed == expected
    assert files_in(out) == sorted(expected)
    assert "100.0%" in proc.stderr  # the progress bar ran (line mode: stderr is a pipe here)

    data = json.loads(expected[4].read_text(encoding="utf-8"))
    assert data["language"] == "en"
    assert 10.5 < data["duration"] < 11.5
    words = [w for seg in data["segments"] for w in seg["words"]]
    assert all(w["start"] < w["end"] and 0 <= w["probability"] <= 1 for w in words)
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(words))
    spoken = words_of(" ".join(w["text"] for w in words))
    reference = words_of(JFK_TEXT)
    assert sum(1 for w in set(reference) if w in spoken) >= 0.9 * len(set(reference))

    # SRT/VTT/ASS re-read equal the lines the pipeline built (kept word-level in the JSON).
    built = data["lines"]
    assert built and all(len(ln["text"].split("\n")) <= 2 for ln in built)
    for fmt, path in zip(ALL[:3], expected[:3], strict=False):
        lines = read_subtitles(path)
        assert [ln.text for ln in lines] == [ln["text"] for ln in built], fmt
        for ln, b in zip(lines, built, strict=False):
            assert ln.start == pytest.approx(b["start"], abs=PRECISION[fmt])
            assert ln.end == pytest.approx(b["end"], abs=PRECISION[fmt])
    txt = expected[3].read_text(encoding="utf-8")
    assert {"fellow", "americans", "country"} <= set(words_of(txt))


def _truncated(speech_video: Path, folder: Path) -> Path:
    data = speech_video.read_bytes()
    path = folder / "cut off.mp4"
    path.write_bytes(data[: int(len(data) * 0.3)])
    return path


BAD_INPUTS = {
    "text renamed .mp4": (
        lambda sv, bikes, d: _write(d / "notes.mp4", b"Meeting notes, not a video.\n" * 20),
        "not a video or audio file",
    ),
    "zero-byte file": (lambda sv, bikes, d: _write(d / "empty.mp4", b""), "empty"),
    "truncated MP4": (lambda sv, bikes, d: _truncated(sv, d), "cut off.mp4"),
    "video without audio": (lambda sv, bikes, d: bikes, "no audio track"),
    "missing file": (lambda sv, bikes, d: d / "nowhere.mp4", "not found"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_cli_bad_inputs(case, speech_video, bikes_mp4, odd_dir):
    make, expected = BAD_INPUTS[case]
    source = make(speech_video, bikes_mp4, odd_dir)
    out = odd_dir / "out"
    proc = cli("captions", str(source), "--format", ",".join(ALL), "--threads", "1", "--out", str(out), "--quiet")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert expected.lower() in lines[0].lower()
    assert proc.stdout == ""
    assert files_in(out) == []


def test_cli_debug_shows_the_traceback(tmp_path):
    bad = _write(tmp_path / "notes.mp4", b"not media")
    proc = cli("captions", str(bad), "--debug", "--quiet")
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr and "NotMediaError" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: ")


def test_cli_bad_options(speech_video, tmp_path):
    proc = cli("captions", str(speech_video), "--format", "srt,docx", "--out", str(tmp_path))
    assert proc.returncode == 2 and "docx" in proc.stderr and "Traceback" not in proc.stderr
    proc = cli("captions", str(speech_video), "--max-chars", "0", "--out", str(tmp_path))
    assert proc.returncode == 2 and "max_chars_per_line" in proc.stderr
    assert files_in(tmp_path) == []


def test_cli_ctrl_c_cancels_without_partial_files(jfk_wav, tiny_en_model, tmp_path):
    # A minute of real speech (JFK six times) so the interrupt lands mid-transcription.
    long_audio = tmp_path / "jfk x6.wav"
    subprocess.run(
        [ffmpeg(), "-v", "error", "-stream_loop", "5", "-i", str(jfk_wav), "-c", "copy", str(long_audio)], check=True
    )
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "media_core",
            "captions",
            str(long_audio),
            "--format",
            ",".join(ALL),
            "--model",
            str(tiny_en_model),
            "--threads",
            "1",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    seen = []
    assert proc.stderr is not None
    for line in proc.stderr:  # progress lines: interrupt once the model is transcribing
        seen.append(line)
        if "transcribing" in line:
            break
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, "".join(seen) + stderr
    assert "Cancelled" in stderr and "Traceback" not in stderr
    assert stdout == ""
    assert files_in(out) == []
    print(f"cancel took {time.monotonic() - started:.2f} s")


def test_demo_runs(tmp_path):
    out = tmp_path / "demo out"
    proc = cli("demo", "--threads", "1", "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    printed = [Path(p) for p in proc.stdout.splitlines()]
    assert sorted(printed) == files_in(out) and len(printed) == 5
    assert {p.suffix for p in printed} == {f".{fmt}" for fmt in ALL}
    assert "country" in (out / "sample.txt").read_text(encoding="utf-8").lower()
    assert "Files written to" in proc.stderr


def test_help_and_missing_command():
    proc = cli("--help")
    assert proc.returncode == 0 and "captions" in proc.stdout and "demo" in proc.stdout
    proc = cli()
    assert proc.returncode == 2


# -- the engine function directly -------------------------------------------------------------


def test_generate_captions_progress_and_flat_request(speech_video, tiny_en_model, tmp_path):
    # The desktop sends flat job parameters; they are routed into the nested settings.
    request = CaptionsRequest(
        output_dir=str(tmp_path / "flat"),
        language="auto",
        model=str(tiny_en_model),
        threads=1,
        formats=["srt", "json"],
        max_chars_per_line=30,
        max_lines=1,
        vad=True,
        beam_size=5,
        initial_prompt=None,
        translate_to="",
        basename="speech",
    )
    assert request.transcription.language is None and request.grouping.max_lines == 1
    reports: list[tuple[float, str]] = []
    log: list[str] = []
    result = generate_captions(speech_video, request, progress=lambda f, s="": reports.append((f, s)), log=log.append)
    assert set(result.outputs) == {"srt", "json"}
    assert result.outputs["srt"] == tmp_path / "flat" / "speech.srt"
    assert result.transcript.language == "en"
    assert all("\n" not in ln.text and len(ln.text) <= 30 for ln in result.lines if len(ln.words) > 1)
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    # Probe 0–2 %, transcription 2–95 %, writing 95–100 %.
    assert any(0.02 < f < 0.95 for f in fractions)
    assert [f for f, s in reports if s == "writing files"] == [0.95]
    assert any(msg.startswith("wrote ") for msg in log)


def test_generate_captions_cancelled_writes_nothing(speech_video, tiny_en_model, tmp_path):
    token = CancelToken()
    request = CaptionsRequest(
        transcription={"model": str(tiny_en_model), "threads": 1}, formats=ALL, out_dir=tmp_path / "c"
    )

    def cancel_midway(fraction: float, stage: str = "") -> None:
        if fraction > 0.3:
            token.cancel()

    with pytest.raises(CancelledError):
        generate_captions(speech_video, request, progress=cancel_midway, cancel=token)
    assert files_in(tmp_path) == []
    assert not list(tmp_path.rglob(f"*{TEMP_MARKER}*"))


def test_request_validation():
    from pydantic import ValidationError

    assert CaptionsRequest(formats="srt, VTT,.json").formats == ["srt", "vtt", "json"]
    with pytest.raises(ValidationError):
        CaptionsRequest(formats=["srt", "docx"])
    with pytest.raises(ValidationError):
        CaptionsRequest(formats=[])
    with pytest.raises(ValidationError):
        CaptionsRequest(basename="../escape")


def test_translate_to_three_languages_in_one_job(speech_video, tiny_en_model, tmp_path):
    # Apertium (Debian apertium-eng-spa, -eng-cat, -en-gl, installed by .ci/run) translates offline.
    request = CaptionsRequest(
        transcription={"model": str(tiny_en_model), "threads": 1, "language": "en"},
        formats=["srt", "vtt", "txt"],
        out_dir=tmp_path,
        translate_to="es, ca,gl,es",
    )
    assert request.translate_to == ["es", "ca", "gl"]
    log: list[str] = []
    result = generate_captions(speech_video, request, log=log.append)
    assert set(result.outputs) == {"srt", "vtt", "txt"} | {
        f"{f}.{t}" for f in ("srt", "vtt") for t in ("es", "ca", "gl")
    }
    original = read_subtitles(result.outputs["srt"])
    country = {"es": "país", "ca": "país", "gl": "país"}
    texts = {}
    for tgt in ("es", "ca", "gl"):
        translated = read_subtitles(result.outputs[f"srt.{tgt}"])
        assert [(ln.start, ln.end) for ln in translated] == [(ln.start, ln.end) for ln in original]
        texts[tgt] = " ".join(ln.text for ln in translated).lower()
        assert country[tgt] in texts[tgt] and "country" not in texts[tgt]
    assert len(set(texts.values())) == 3  # three different languages, not one copied
    assert sum("translating en → " in line for line in log) == 3


def test_progress_bar_modes():
    import io

    from media_core.cli.progress_bar import ProgressBar

    tty = io.StringIO()
    bar = ProgressBar(tty, tty=True, min_interval=0)
    for i in range(11):
        bar(i / 10, "transcribing")
    bar.close()
    text = tty.getvalue()
    assert text.count("\r") == 11 and text.endswith("\n") and "100.0%" in text and "[" in text
    log = io.StringIO()
    bar = ProgressBar(log, tty=False)
    for i in range(101):
        bar(i / 100, "transcribing")
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue() and 10 <= len(lines) <= 12  # one line per 10 %, not per call
    quiet = io.StringIO()
    ProgressBar(quiet, enabled=False)(0.5, "x")
    assert quiet.getvalue() == ""
