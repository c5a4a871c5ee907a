"""Face-following reframe benchmark on a 1080p input with real faces and shot changes.

Input: the astronaut pan and the two-faces shot (tests/assets.py), alternated three
times, scaled to 1920x1080 (about 45 s, five shot changes), with real speech.

Prints, in one run:
  * face analysis time (PyAV decode + BlazeFace detection on 4 frames/s), and its real-time factor
  * face-tracked one-pass render / today's fixed-crop one-pass render   (target <= 1.3)
    at the source height (1080) and at the usual shorts height (1920)
The analysis is made once and handed to the render as a plan, so the render ratio
measures the render alone; both renders use the same encoder settings.

Run: .venv/bin/python benchmarks/reframe.py  (builds the input once under test-assets/bench/)
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from media_core.ffmpeg import ffmpeg_exe
from media_core.probe import probe
from media_core.reframe import FollowOptions, analyze, plan_faces
from media_core.render import EncoderSettings, Reframe, RenderPlan, execute
from media_core.render.geometry import target_size
from tests import assets

ENC = EncoderSettings(codec="libx264", preset="veryfast", crf=21)


def bench_input() -> Path:
    out = assets.asset_dir() / "bench" / "faces_1080p.mp4"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    listing = out.with_suffix(".txt")
    pan, two = assets.face_pan_video(), assets.two_faces_video()
    listing.write_text("".join(f"file '{p}'\n" for p in [pan, two] * 3))
    tmp = out.with_name("building.mp4")
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
         "-stream_loop", "-1", "-i", str(assets.jfk_wav()), "-map", "0:v:0", "-map", "1:a:0", "-shortest",
         "-vf", "scale=1920:1080:flags=bicubic,setsar=1", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", str(tmp)],
        check=True,
    )  # fmt: skip
    tmp.replace(out)
    return out


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def render(src: Path, out: Path, reframe: Reframe) -> tuple[float, float]:
    """Wall and CPU seconds of one render (the CPU time is ffmpeg's, which a busy machine distorts less)."""
    wall, cpu = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN)
    execute(RenderPlan(input=src, output=out, reframe=reframe, encoder=ENC))
    return time.perf_counter() - wall, _cpu(resource.RUSAGE_CHILDREN) - cpu


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    src = bench_input()
    info = probe(src)
    print(f"input: {src.name}, {info.duration:.1f} s, {info.display_size}; best of {reps} runs each")
    wall, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
    analysis = analyze(src)
    analysis_s, analysis_cpu = time.perf_counter() - wall, _cpu(resource.RUSAGE_SELF) - cpu
    print(
        f"  face analysis {analysis_s:7.2f} s wall, {analysis_cpu:7.2f} s CPU "
        f"({analysis_s / info.duration:.2f} x real time; {len(analysis.sample_times)} frames detected, "
        f"{len(analysis.cuts)} shot changes, {len(analysis.tracks)} tracks)"
    )
    out_dir = assets.asset_dir() / "bench" / "reframe-out"
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = []
    for height in (None, 1920):
        w, h = target_size(1920, 1080, "9:16", "crop", height)
        plan = plan_faces(analysis, out_w=w, out_h=h, options=FollowOptions())
        fixed, tracked = [], []
        for _ in range(reps):  # alternated, so a burst of load elsewhere hits both alike
            fixed.append(render(src, out_dir / f"fixed_{h}.mp4", Reframe(aspect="9:16", height=height)))
            tracked.append(
                render(src, out_dir / f"tracked_{h}.mp4", Reframe(aspect="9:16", height=height, face_plan=plan))
            )
        fw, fc = min(x[0] for x in fixed), min(x[1] for x in fixed)
        tw, tc = min(x[0] for x in tracked), min(x[1] for x in tracked)
        print(
            f"  {w}x{h}: fixed crop {fw:6.2f} s wall / {fc:6.2f} s CPU, "
            f"face-tracked {tw:6.2f} s wall / {tc:6.2f} s CPU, layouts {[s.layout for s in plan.segments]}"
        )
        summary.append((h, tw / fw, tc / fc))
    print()
    for h, by_wall, by_cpu in summary:
        print(
            f"face-tracked / fixed-crop render, {h}p: {by_cpu:.2f} by CPU time, {by_wall:.2f} by wall time (target <= 1.3)"
        )
    print(f"analysis / input duration: {analysis_s / info.duration:.2f} wall")


if __name__ == "__main__":
    main()
