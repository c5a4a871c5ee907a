"""Catalogue of malformed and unusual inputs, driven through the CLI as a user would.

Every input is made here from real media (JFK's speech, the bikes footage, the Big Buck
Bunny trailer) with the bundled ffmpeg, kept short (4 s, 320x136) so the whole catalogue
stays cheap on a shared 2-core machine. Each case states its expected outcome: it works
(exit 0, the files it printed exist, the speech is in them) or it fails cleanly (exit 2,
one line ``error: …`` naming the problem, no traceback, no output file left behind).

The outcomes are also written as a Markdown table to ``test-assets/bad_inputs.md`` for the
release notes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from media_core.subtitles import read_subtitles
from tests import assets

REPO = Path(__file__).resolve().parent.parent
SPEECH_WORDS = {"so", "fellow"}  # JFK's first four seconds: "And so my fellow Americans"
FR_TEXT = ("Ça a été très agréable, n'est-ce pas ?", "Le café est prêt. À bientôt, Hélène !")
TEXTS = {
    "fr": FR_TEXT,
    "zh": ("我们今天讨论字幕编码的问题。", "谢谢大家的收看。"),
    "ja": ("今日は字幕の文字コードについて話します。", "ありがとうございました。"),
}


def ffmpeg(*args: str) -> None:
    subprocess.run([assets.ffmpeg(), "-v", "error", "-y", *args], check=True, capture_output=True)


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "media_core", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def words_of(text: str) -> set[str]:
    return set(re.sub(r"[^\w\s']", " ", text.lower()).split())


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


class Media:
    """Short real media made on demand in one folder, each file once."""

    def __init__(self, root: Path):
        self.root = root
        self.jfk = assets.jfk_wav()
        self.bikes = assets.bikes_mp4()

    def make(self, name: str, build: Callable[[Path], None]) -> Path:
        path = self.root / name
        if not path.exists():
            build(path)
        return path

    @property
    def base(self) -> Path:
        """4 s of bikes footage at 320x136 with JFK's first words, H.264 + AAC."""
        return self.make(
            "base.mp4",
            lambda p: ffmpeg(
                "-i", str(self.bikes), "-i", str(self.jfk), "-t", "4", "-map", "0:v", "-map", "1:a",
                "-vf", "scale=320:136", "-r", "25", "-c:v", "libx264", "-preset", "ultrafast",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", str(p),
            ),
        )  # fmt: skip

    def copy_as(self, name: str, source: Path | None = None) -> Path:
        folder = self.root / "named"
        folder.mkdir(exist_ok=True)
        target = folder / name
        shutil.copy(source or self.base, target)
        return target

    def subtitle(self, name: str, lang: str, encoding: str, bom: bool = False) -> Path:
        first, second = TEXTS[lang]
        text = f"1\n00:00:00,500 --> 00:00:02,000\n{first}\n\n2\n00:00:02,200 --> 00:00:03,800\n{second}\n"
        data = text.encode(encoding)
        if bom and encoding == "utf-8":
            data = b"\xef\xbb\xbf" + data
        path = self.root / "subs" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        return path


# --- input makers ----------------------------------------------------------------------------


def _video_longer_mkv(m: Media) -> Path:
    """A plain remux to MKV of a good MP4 whose picture runs 2 s past its audio."""

    def build(p: Path) -> None:
        mp4 = m.root / "video_longer.mp4"
        ffmpeg(
            "-i", str(m.bikes), "-i", str(m.jfk), "-map", "0:v", "-map", "1:a", "-t", "6", "-af", "atrim=0:4",
            "-vf", "scale=320:136", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(mp4),
        )  # fmt: skip
        ffmpeg("-i", str(mp4), "-map", "0", "-c", "copy", str(p))

    return m.make("video longer than audio.mkv", build)


def _cut(source: Path, target: Path) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 3])
    return target


def _truncated_mp4(m: Media) -> Path:
    faststart = m.make(
        "faststart.mp4", lambda p: ffmpeg("-i", str(m.base), "-c", "copy", "-movflags", "+faststart", str(p))
    )
    return _cut(faststart, m.root / "cut off.mp4")


def _truncated_mkv(m: Media) -> Path:
    mkv = m.make("whole.mkv", lambda p: ffmpeg("-i", str(m.base), "-c", "copy", str(p)))
    return _cut(mkv, m.root / "cut off.mkv")


def _vfr(m: Media) -> Path:
    return m.make(
        "vfr.mp4",
        lambda p: ffmpeg(
            "-i", str(m.base), "-vf", "select='not(eq(mod(n\\,4)\\,1))'", "-fps_mode", "vfr",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy", str(p),
        ),
    )  # fmt: skip


def _odd_size(m: Media) -> Path:
    return m.make(
        "odd 321x241.mp4",
        lambda p: ffmpeg(
            "-i", str(m.base), "-vf", "scale=321:241", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv444p", "-c:a", "copy", str(p),
        ),
    )  # fmt: skip


def _rotated(m: Media) -> Path:
    return m.make(
        "phone rotated.mp4", lambda p: ffmpeg("-display_rotation", "90", "-i", str(m.base), "-c", "copy", str(p))
    )


def _audio(name: str, *args: str) -> Callable[[Media], Path]:
    return lambda m: m.make(name, lambda p: ffmpeg("-i", str(m.jfk), "-t", "4", *args, str(p)))


def _two_tracks(m: Media) -> Path:
    return m.make(
        "two audio tracks.mkv",
        lambda p: ffmpeg(
            "-i", str(m.base), "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-map", "0:v", "-map", "0:a",
            "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-shortest", str(p),
        ),
    )  # fmt: skip


def _long_path(m: Media) -> Path:
    folder = m.root
    for i in range(4):
        folder = folder / (f"level {i} " + "x" * 80)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / ("a very long file name " + "y" * 150 + ".mp4")
    shutil.copy(m.base, target)
    assert len(str(target)) > 500
    return target


def _text_as_mp4(m: Media) -> Path:
    path = m.root / "notes.mp4"
    path.write_bytes(b"Meeting notes, not a video.\n" * 20)
    return path


def _zero_bytes(m: Media) -> Path:
    path = m.root / "empty.mp4"
    path.write_bytes(b"")
    return path


def _folder(m: Media) -> Path:
    path = m.root / "a folder.mp4"
    path.mkdir(exist_ok=True)
    return path


def _silence(m: Media) -> Path:
    return m.make("silence.wav", lambda p: ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "10", str(p)))


def _two_hours(m: Media) -> Path:
    """JFK, then silence up to two hours: AAC, 16 kHz mono (about 1 MB)."""
    return m.make(
        "two hours.m4a",
        lambda p: ffmpeg(
            "-i", str(m.jfk), "-af", "apad=whole_dur=7200", "-ac", "1", "-ar", "16000", "-c:a", "aac", "-b:a", "24k", str(p),
        ),
    )  # fmt: skip


def _broken_cues(m: Media) -> Path:
    path = m.root / "subs" / "broken cues.srt"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        "1\n00:00:00,500 --> 00:00:02,000\nA good cue.\n\n"
        "2\n00:00:0x,000 -> 00:00:03\nA cue with a broken time line.\n\n"
        "three\n\nText without any time.\n\n"
        "4\n00:00:02,500 --> 00:00:03,500\nAnother good cue.\n",
        encoding="utf-8",
    )
    return path


def _no_cue_at_all(m: Media) -> Path:
    path = m.root / "subs" / "no cues.srt"
    path.parent.mkdir(exist_ok=True)
    path.write_text("1\n00:00:0x,000 -> 00:00:03\nbroken\n\nnothing here either\n", encoding="utf-8")
    return path


def _binary_srt(m: Media) -> Path:
    path = m.root / "subs" / "binary.srt"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(bytes(range(256)) * 16)
    return path


def _empty_srt(m: Media) -> Path:
    path = m.root / "subs" / "empty.srt"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"")
    return path


# --- the catalogue -----------------------------------------------------------------------------


@dataclass
class Case:
    what: str
    #: "captions" runs ``captions INPUT``; "burn" runs ``run burn`` with ``subs`` on ``video``.
    command: str
    #: "works" or "error"
    expect: str
    #: captions: the input; burn: the subtitle file.
    make: Callable[[Media], Path]
    #: error: text the one error line must contain; works: "speech" / "no words" (captions)
    #: or the language whose text the editor must read back (burn).
    check: str = "speech"
    extra: tuple[str, ...] = ()
    video: Callable[[Media], Path] | None = None


NAMES = {
    "quotes": "it's \"quoted\" 'twice'.mp4",
    "brackets": "[draft] (v2) {final}.mp4",
    "percent": "100% done %d %s.mp4",
    "semicolon": "part 1; rm -rf now.mp4",
    "dollar": "$HOME $(id) `x` cost $5.mp4",
    "colon": "10:30 meeting: notes.mp4",
    "CJK": "会议记录 日本語 한국어.mp4",
    "RTL": "שלום עולם مرحبا بالعالم.mp4",
    "emoji and backslash": "take 🎬 back\\slash.mp4",
}

ODD_NAME = 'it\'s [50%]; $x: 会议 "q"'

CASES = [
    Case("MKV remux, video 2 s longer than audio", "captions", "works", _video_longer_mkv),
    Case("MP4 cut at a third (index first)", "captions", "error", _truncated_mp4, "truncated"),
    Case("MKV cut at a third", "captions", "error", _truncated_mkv, "truncated"),
    Case("variable frame rate video", "captions", "works", _vfr),
    Case("odd frame size 321x241 (4:4:4)", "captions", "works", _odd_size),
    Case("rotated phone video (display matrix 90°)", "captions", "works", _rotated),
    Case("8 kHz telephone WAV", "captions", "works", _audio("jfk 8k.wav", "-ar", "8000")),
    Case("6-channel (5.1) AAC", "captions", "works", _audio("six channels.m4a", "-ac", "6", "-c:a", "aac")),
    Case("Opus in WebM, 48 kHz", "captions", "works", _audio("speech.webm", "-c:a", "libopus", "-b:a", "32k")),
    Case("MP3", "captions", "works", _audio("speech.mp3", "-c:a", "libmp3lame")),
    Case("two audio tracks (speech first)", "captions", "works", _two_tracks),
    Case("path longer than 500 characters", "captions", "works", _long_path),
    *[
        Case(f"file name with {label}", "captions", "works", (lambda n: lambda m: m.copy_as(n))(name))
        for label, name in NAMES.items()
    ],
    Case("text file named .mp4", "captions", "error", _text_as_mp4, "not a video or audio file"),
    Case("zero-byte .mp4", "captions", "error", _zero_bytes, "empty"),
    Case("a folder instead of a file", "captions", "error", _folder, "folder"),
    Case("missing file", "captions", "error", lambda m: m.root / "nowhere.mp4", "not found"),
    Case("video without audio", "captions", "error", lambda m: m.bikes, "no audio track"),
    Case("music only (Big Buck Bunny trailer)", "captions", "works", lambda m: assets.bbb_trailer(), "no words"),
    Case("10 s of digital silence", "captions", "works", _silence, "no words"),
    Case("--language xx_klingon", "captions", "error", lambda m: m.base, "unknown language code", ("-l", "xx_klingon")),
    Case("--language jp (a country code)", "captions", "error", lambda m: m.base, "did you mean ja", ("-l", "jp")),
    Case("English-only model, --language es", "captions", "error", lambda m: m.base, "english only", ("-l", "es")),
    Case("subtitles in Windows-1252", "burn", "works", lambda m: m.subtitle("cp1252.srt", "fr", "cp1252"), "fr"),
    Case("subtitles in Latin-1", "burn", "works", lambda m: m.subtitle("latin1.srt", "fr", "latin-1"), "fr"),
    Case("subtitles in UTF-16 (BOM)", "burn", "works", lambda m: m.subtitle("utf16.srt", "fr", "utf-16"), "fr"),
    Case("subtitles in UTF-8 with BOM", "burn", "works", lambda m: m.subtitle("bom.srt", "fr", "utf-8", True), "fr"),
    Case("subtitles in GB18030", "burn", "works", lambda m: m.subtitle("gb18030.srt", "zh", "gb18030"), "zh"),
    Case("subtitles in Shift-JIS", "burn", "works", lambda m: m.subtitle("sjis.srt", "ja", "shift_jis"), "ja"),
    Case("subtitle file that is binary", "burn", "error", _binary_srt, "could not be decoded"),
    Case("empty subtitle file", "burn", "error", _empty_srt, "empty"),
    Case("subtitles with broken cues among good ones", "burn", "works", _broken_cues, "good"),
    Case("subtitles with no readable cue", "burn", "error", _no_cue_at_all, "no subtitle cues"),
    Case(
        "burn: quotes, brackets, %, ;, $, colon, CJK in both names",
        "burn",
        "works",
        lambda m: m.subtitle(f"{ODD_NAME}.srt", "fr", "utf-8"),
        "fr",
        video=lambda m: m.copy_as(f"{ODD_NAME}.mp4"),
    ),
    Case(
        "burn onto an odd-size video",
        "burn",
        "works",
        lambda m: m.subtitle("odd.srt", "fr", "utf-8"),
        "fr",
        video=_odd_size,
    ),
    Case(
        "burn onto a rotated phone video",
        "burn",
        "works",
        lambda m: m.subtitle("rot.srt", "fr", "utf-8"),
        "fr",
        video=_rotated,
    ),
]

_results: list[tuple[str, str, str]] = []


@pytest.fixture(scope="module")
def media(tmp_path_factory, tiny_en_model):
    m = Media(tmp_path_factory.mktemp("bad inputs"))
    yield m
    table = ["| input | command | expected | outcome |", "|---|---|---|---|"]
    table += [f"| {what} | {command} | {outcome} | {detail} |" for what, command, outcome, detail in _results]
    (assets.asset_dir() / "bad_inputs.md").write_text("\n".join(table) + "\n", encoding="utf-8")


def _check_one_clean_error(proc: subprocess.CompletedProcess, expected: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = [ln for ln in proc.stderr.strip().splitlines() if not ln.startswith("job ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert expected.lower() in lines[0].lower(), lines[0]
    return lines[0].removeprefix("error: ")


@pytest.mark.parametrize("case", CASES, ids=[c.what for c in CASES])
def test_catalogue(case: Case, media: Media, tmp_path):
    out = tmp_path / "out"
    source = case.make(media)
    if case.command == "captions":
        proc = cli("captions", str(source), "-f", "srt,json", "--threads", "1", "-o", str(out), "-q", *case.extra)
        if case.expect == "error":
            message = _check_one_clean_error(proc, case.check)
            assert proc.stdout == "" and files_in(out) == []
            _results.append((case.what, "captions", "exit 2", message))
            return
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr
        written = [Path(line) for line in proc.stdout.splitlines()]
        assert sorted(written) == files_in(out) and len(written) == 2
        srt = next(p for p in written if p.suffix == ".srt")
        said = words_of(srt.read_text(encoding="utf-8"))
        if case.check == "no words":
            assert len(said) <= 2, said
            detail = f"works, {len(said)} words"
        else:
            assert said >= SPEECH_WORDS, said
            detail = "works, speech transcribed"
        _results.append((case.what, "captions", "works", detail))
        return
    video = (case.video or (lambda m: m.base))(media)
    target = out / f"{video.stem} captioned.mp4"
    params = {"input": str(video), "subs": str(source), "out": str(target)}
    proc = cli("run", "burn", "--params", json.dumps(params, ensure_ascii=False), "--quiet")
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    if case.expect == "error":
        assert proc.returncode == 2, proc.stderr
        error = json.loads(proc.stdout)["error"]
        assert "\n" not in error and case.check.lower() in error.lower() and source.name in error, error
        assert files_in(out) == []
        _results.append((case.what, "run burn", "exit 2", error))
        return
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert files_in(out) == [target]
    from media_core.probe import probe

    info = probe(target)
    assert info.has_video and abs(info.duration - 4.0) < 0.5
    # The editor and the translators read the same file through the same decoder.
    lines = read_subtitles(source)
    if case.check in TEXTS:
        assert [ln.text for ln in lines] == list(TEXTS[case.check])
    else:
        assert [ln.text for ln in lines] == ["A good cue.", "Another good cue."]
    _results.append((case.what, "run burn", "works", f"burned, {len(lines)} cues read correctly"))


def test_two_hour_audio_keeps_memory_bounded(media: Media, tmp_path):
    """Two hours of audio (JFK, then silence): works, and the whole CLI run's peak RSS, read
    with ``resource`` in a parent process whose only child is the CLI, stays bounded."""
    source = _two_hours(media)
    out = tmp_path / "out"
    probe_rss = (
        "import resource, subprocess, sys\n"
        "proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stderr.write(proc.stderr)\n"
        "print(proc.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(proc.stdout, end='')\n"
    )
    argv = [sys.executable, "-m", "media_core", "captions", str(source), "--threads", "1", "-o", str(out), "-q"]
    proc = subprocess.run(
        [sys.executable, "-c", probe_rss, *argv], capture_output=True, text=True, cwd=REPO, timeout=1800
    )
    first, *paths = proc.stdout.splitlines()
    code, peak_kb = (int(x) for x in first.split())
    assert code == 0, proc.stderr[-2000:]
    srt = Path(paths[0])
    assert words_of(srt.read_text(encoding="utf-8")) >= SPEECH_WORDS
    peak_mb = peak_kb / 1024
    print(f"two-hour audio: peak RSS {peak_mb:.0f} MB")
    _results.append(("two-hour AAC audio (JFK + silence)", "captions", "works", f"works, peak RSS {peak_mb:.0f} MB"))
    # 16 kHz float32 for two hours is 440 MB by itself (the engine keeps the decoded audio);
    # before pieces, block-wise VAD and copy-free energy this run peaked at 2.2 GB.
    assert peak_mb < 1300, peak_mb
