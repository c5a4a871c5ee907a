"""Render engine benchmark on one 60 s 1080p input (real footage + real speech).

Prints, in one run:
  * the engine's plain re-encode / the same encode as a bare ffmpeg command (the engine's overhead)
  * burn-in time / plain re-encode time           (target <= 1.3)
  * single-pass cut+reframe+burn / three passes   (target <= 0.5)
  * frames per second of each render

Run: .venv/bin/python benchmarks/render.py  (builds the input once under test-assets/bench/)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from media_core.ffmpeg import ffmpeg_exe
from media_core.models import SubtitleLine, Word
from media_core.probe import probe
from media_core.render import EncoderSettings, Reframe, RenderPlan, SubtitleSpec, Trim, execute
from media_core.render.operations import burn_subtitles, cut, reframe
from tests import assets

SECONDS = 60.0
ENC = EncoderSettings(codec="libx264", preset="veryfast", crf=21)


def bench_input() -> Path:
    out = assets.asset_dir() / "bench" / "bbb_speech_1080p_60s.mp4"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name("building.mp4")
    subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            str(assets.bbb_trailer()),
            "-stream_loop",
            "-1",
            "-i",
            str(assets.jfk_wav()),
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
            "-t",
            str(SECONDS),
            "-vf",
            "scale=1920:1080:flags=bicubic,setsar=1",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "20",
            "-pix_fmt",
            "yuv420p",
            "-r",
            "24",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            str(tmp),
        ],
        check=True,
    )
    os.replace(tmp, out)
    return out


def caption_lines(duration: float) -> list[SubtitleLine]:
    words = [
        "and",
        "so",
        "my",
        "fellow",
        "Americans",
        "ask",
        "not",
        "what",
        "your",
        "country",
        "can",
        "do",
        "for",
        "you",
    ]
    lines, t, i = [], 0.0, 0
    while t + 2.0 <= duration:
        ws = [Word(text=words[(i + k) % len(words)], start=t + k * 0.5, end=t + k * 0.5 + 0.45) for k in range(4)]
        lines.append(SubtitleLine(start=t, end=t + 2.0, text=" ".join(w.text for w in ws), words=ws))
        t += 2.0
        i += 4
    return lines


def timed(label: str, fn):
    t0 = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - t0
    frames = probe(result.output).duration * 24
    print(f"  {label:<42} {elapsed:7.2f} s  {frames / elapsed:6.1f} fps")
    return elapsed


def cpu_now() -> float:
    """CPU seconds of this process and its finished children: wall time lies on a shared, busy box."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench_preview(src: Path, d: Path) -> None:
    from media_core.render.operations import preview_frame
    from media_core.styles import SubtitleStyle

    lines = caption_lines(60.0)
    for label, t in (
        ("cold (decode from keyframe)", 31.0),
        ("warm (style change, cached frame)", 31.0),
        ("warm, 9:16 1080x1920", 31.0),
    ):
        rf = Reframe(aspect="9:16", height=1920) if "9:16" in label else None
        w0, c0 = time.perf_counter(), cpu_now()
        preview_frame(src, t, d / "p.png", subtitles=lines, style=SubtitleStyle(), reframe=rf)
        print(f"  preview_frame 1080p {label:<36} wall {time.perf_counter() - w0:5.2f} s  cpu {cpu_now() - c0:5.2f} s")


def main() -> None:
    src = bench_input()
    info = probe(src)
    print(
        f"input: {src.name} {info.video.width}x{info.video.height} {info.duration:.1f}s, "
        f"ffmpeg {ffmpeg_exe()}, cpus {os.cpu_count()}"
    )
    lines = caption_lines(info.duration)
    with tempfile.TemporaryDirectory(prefix="reframe-bench-") as d:
        d = Path(d)
        t0 = time.perf_counter()
        subprocess.run(
            [
                ffmpeg_exe(),
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-i",
                str(src),
                "-c:v",
                "libx264",
                "-preset",
                ENC.preset,
                "-crf",
                str(ENC.crf),
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "copy",
                str(d / "bare.mp4"),
            ],
            check=True,
        )
        bare = time.perf_counter() - t0
        print(f"  {'bare ffmpeg re-encode (baseline)':<42} {bare:7.2f} s  {info.duration * 24 / bare:6.1f} fps")
        plain = timed(
            "plain re-encode (libx264 veryfast)",
            lambda: execute(RenderPlan(input=src, output=d / "plain.mp4", encoder=ENC)),
        )
        burn = timed("burn-in (styled word highlight)", lambda: burn_subtitles(src, lines, d / "burn.mp4", encoder=ENC))
        start, end = 10.0, 50.0
        clip_lines = lines
        single = timed(
            "single pass cut+reframe 9:16+burn",
            lambda: execute(
                RenderPlan(
                    input=src,
                    output=d / "single.mp4",
                    trim=Trim(start=start, end=end),
                    reframe=Reframe(aspect="9:16", strategy="crop", height=1920),
                    subtitles=SubtitleSpec(lines=clip_lines),
                    encoder=ENC,
                )
            ),
        )
        t0 = time.perf_counter()
        timed("  pass 1/3 cut", lambda: cut(src, start, end, d / "p1.mp4", encoder=ENC))
        timed(
            "  pass 2/3 reframe", lambda: reframe(d / "p1.mp4", d / "p2.mp4", "9:16", "crop", height=1920, encoder=ENC)
        )
        shifted = [
            ln.model_copy(
                update={
                    "start": ln.start - start,
                    "end": ln.end - start,
                    "words": [w.model_copy(update={"start": w.start - start, "end": w.end - start}) for w in ln.words],
                }
            )
            for ln in clip_lines
            if ln.start >= start and ln.end <= end
        ]
        timed("  pass 3/3 burn", lambda: burn_subtitles(d / "p2.mp4", shifted, d / "p3.mp4", encoder=ENC))
        three = time.perf_counter() - t0
        print(f"  {'three separate passes (total)':<42} {three:7.2f} s")
        os.environ["REFRAME_CACHE_DIR"] = str(d / "cache")  # a truly cold first preview
        bench_preview(src, d)
    print()
    print(f"engine / bare ffmpeg re-encode = {plain / bare:.2f}")
    print(f"burn-in / plain re-encode      = {burn / plain:.2f}  (target <= 1.3)")
    print(f"single pass / three passes     = {single / three:.2f}  (target <= 0.5)")


if __name__ == "__main__":
    main()
