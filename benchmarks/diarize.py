"""Diarization cost benchmark: offline diarization time as a ratio to tiny.en transcription.

Both start from the same file (both decode it), each with its models loaded; runs alternate
after a warm-up and medians are compared, in wall-clock time and in CPU time of this process
(CPU time is steadier on a shared machine). Transcription uses Reframe's transcribe() with
tiny.en, int8, beam 5, word timestamps, VAD and ``--threads``; diarization uses the same
thread count. Peak memory is measured in a fresh child process: its peak RSS after loading
the models and diarizing, and how much of that the diarization added.

Prints the medians, the ratio diarization/transcription (goal <= 0.5) and the memory figures.

Run: .venv/bin/python benchmarks/diarize.py [AUDIO] [--runs 3] [--threads 1]
Default audio: the three-voice compilation of tests/assets.py (about 72 s of real speech).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media_core.audio import decode_audio  # noqa: E402
from media_core.diarization import DiarizationOptions, diarize_file  # noqa: E402
from tests import assets  # noqa: E402


def _peak_rss_mb() -> float:
    """This process's peak RSS. Linux: VmHWM (ru_maxrss of a child can still show the parent's
    peak from before exec, which here is the loaded Whisper model)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_memory(audio: str, threads: int) -> None:
    """Run in a fresh process: RSS before and after one diarization, printed as JSON."""
    import psutil

    from media_core.diarization.models_onnx import sessions

    sessions(threads=threads)
    decode_audio(audio)
    before = psutil.Process().memory_info().rss / 2**20
    result = diarize_file(audio, DiarizationOptions(threads=threads))
    print(json.dumps({"before_mb": before, "peak_mb": _peak_rss_mb(), "speakers": len(result.speakers)}))


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("audio", nargs="?")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--child-memory", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    audio = Path(args.audio) if args.audio else assets.three_speakers()[0]
    if args.child_memory:
        child_memory(str(audio), args.threads)
        return
    from media_core import model_store
    from media_core.transcription import TranscriptionConfig, transcribe

    duration = len(decode_audio(audio)) / 16_000
    config = TranscriptionConfig(model=str(model_store.resolve_model("tiny.en")), threads=args.threads)
    options = DiarizationOptions(threads=args.threads)

    def transcription() -> None:
        assert transcribe(audio, config).words

    def diarization() -> None:
        assert diarize_file(audio, options).turns

    print(f"audio: {audio} ({duration:.1f} s), threads: {args.threads}, runs: {args.runs}")
    transcription(), diarization()  # warm-up: load models, fill caches
    times: dict[str, list[tuple[float, float]]] = {"transcription": [], "diarization": []}
    for i in range(args.runs):
        pair = (("transcription", transcription), ("diarization", diarization))
        for name, fn in pair[:: 1 if i % 2 == 0 else -1]:  # alternate so load drift hits both alike
            times[name].append(timed(fn))
    medians = {name: tuple(statistics.median(t[k] for t in runs) for k in (0, 1)) for name, runs in times.items()}
    for name, (wall, cpu) in medians.items():
        print(f"{name:14s}: median wall {wall:.2f} s (RTF {wall / duration:.3f}), CPU {cpu:.2f} s")
    t_wall, t_cpu = medians["transcription"]
    d_wall, d_cpu = medians["diarization"]
    print(f"ratio diarization/transcription: wall {d_wall / t_wall:.2f}, CPU {d_cpu / t_cpu:.2f}  (goal <= 0.5)")

    child = subprocess.run(
        [sys.executable, __file__, str(audio), "--threads", str(args.threads), "--child-memory"],
        capture_output=True,
        text=True,
        check=True,
    )
    mem = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"peak memory: {mem['peak_mb']:.0f} MB RSS for the whole process "
        f"(diarizing added {mem['peak_mb'] - mem['before_mb']:.0f} MB to the {mem['before_mb']:.0f} MB "
        "of the process with the models loaded)"
    )


if __name__ == "__main__":
    main()
