"""Cut-by-transcript benchmark: the one-pass cut render against a plain one-pass re-encode.

Input: the filler talk (real speech, real "oh"s, long pauses) looped to about two minutes,
so the cut list has a few dozen joins. Both renders use libx264 veryfast, crf 21, AAC, the
same thread count; the transcript is made once beforehand (its time is reported apart).

Prints the cut render time / plain re-encode time (goal <= 1.2), the joins and the seconds
removed. Run: .venv/bin/python benchmarks/transcript_cut.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from media_core.ffmpeg import ffmpeg_exe
from media_core.render import EncoderSettings
from media_core.transcript_edit import CutOptions, cut_by_transcript
from media_core.transcription import TranscriptionConfig, transcribe
from tests import assets

LOOPS = 4
RUNS = 3
ENC = EncoderSettings(codec="libx264", preset="veryfast", crf=21, threads=2)


def bench_input() -> Path:
    video, _ = assets.filler_talk_video()
    out = assets.asset_dir() / "bench" / f"filler_talk_x{LOOPS}.mp4"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-stream_loop", str(LOOPS - 1),
             "-i", str(video), "-c", "copy", str(out)],
            check=True,
        )  # fmt: skip
    return out


def main() -> None:
    video = bench_input()
    config = TranscriptionConfig(model=str(assets.tiny_en_model()), language="en", threads=1)
    started = time.perf_counter()
    transcript = transcribe(video, config)
    transcribe_s = time.perf_counter() - started
    plain, cut = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(RUNS):
            out = Path(tmp) / "plain.mp4"
            started = time.perf_counter()
            subprocess.run(
                [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-threads", "2", "-i", str(video),
                 "-c:v", "libx264", "-preset", "veryfast", "-crf", "21", "-c:a", "aac", "-b:a", "160k", str(out)],
                check=True,
            )  # fmt: skip
            plain.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = cut_by_transcript(
                video, Path(tmp) / "cut.mp4", CutOptions(extra_fillers=["oh"]), transcript=transcript, encoder=ENC
            )
            cut.append(time.perf_counter() - started)
    p, c = statistics.median(plain), statistics.median(cut)
    print(f"input: {video.name}, {result.plan.duration:.1f} s; transcription {transcribe_s:.1f} s (not in the ratio)")
    print(f"cuts: {len(result.plan.removals)} ({len(result.plan.keep) - 1} joins), {result.plan.removed:.1f} s removed")
    print(f"plain one-pass re-encode: {p:.2f} s (median of {RUNS})")
    print(f"cut by transcript, one pass: {c:.2f} s (median of {RUNS})")
    print(f"ratio cut / plain re-encode: {c / p:.2f}  (goal <= 1.2)")


if __name__ == "__main__":
    main()
