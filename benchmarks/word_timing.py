"""Word timing against ground truth: how far word starts and ends land from the real speech.

The test speech is real utterances joined by known pauses (``tests.assets.timed_speech``):
where each utterance's speech starts and ends is known from where it was placed. The
first transcribed word of an utterance is scored against its onset, the last word against
its offset. Reports median and 90th percentile |error| per backend, with Reframe's word
boundary refinement off (what the recogniser alone gives) and on.

Run: .venv/bin/python benchmarks/word_timing.py [--set heldout|dev] [--backend faster-whisper whisper.cpp]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from media_core.models import Transcript
from media_core.transcription import TranscriptionConfig, transcribe
from tests import assets


def score(transcript: Transcript, layout: list[dict]) -> dict:
    """Signed onset/offset errors (seconds, + = late) of each utterance's first/last word.

    A word belongs to the utterance whose span (widened to the middle of the pauses on
    either side) holds the word's midpoint. Utterances that got no word count as missed.
    """
    bounds = []
    for i, utt in enumerate(layout):
        prev_end = (layout[i - 1]["offset"] or layout[i - 1]["end"]) if i else None
        end = utt["offset"] or utt["end"]
        lo = (prev_end + utt["onset"]) / 2 if prev_end is not None else -np.inf
        hi = (end + layout[i + 1]["onset"]) / 2 if i + 1 < len(layout) else np.inf
        bounds.append((lo, hi))
    onset, offset, missed = [], [], []
    for utt, (lo, hi) in zip(layout, bounds, strict=True):
        words = [w for w in transcript.words if lo <= (w.start + w.end) / 2 < hi]
        if not words:
            missed.append(utt["name"])
            continue
        onset.append(words[0].start - utt["onset"])
        if utt["offset"] is not None:
            offset.append(words[-1].end - utt["offset"])
    return {"onset": onset, "offset": offset, "missed": missed}


def summary(errors: list[float]) -> tuple[float, float]:
    """(median, 90th percentile) of |error|."""
    absolute = np.abs(np.asarray(errors, dtype=float))
    return float(np.median(absolute)), float(np.percentile(absolute, 90))


def measure(backend: str, refine: bool, set_name: str = "heldout", model: str = "tiny.en", threads: int = 1) -> dict:
    wav, layout = assets.timed_speech(set_name)
    config = TranscriptionConfig(backend=backend, model=model, threads=threads, refine_word_timing=refine)
    started = time.perf_counter()
    transcript = transcribe(wav, config)
    result = score(transcript, layout)
    result["elapsed"] = time.perf_counter() - started
    result["refine_seconds"] = float(transcript.meta.get("word_timing_seconds", 0.0))
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="heldout", choices=("heldout", "dev"))
    ap.add_argument("--backend", nargs="+", default=["faster-whisper", "whisper.cpp"])
    ap.add_argument("--model", default="tiny.en")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--verbose", action="store_true", help="print every utterance's errors")
    args = ap.parse_args()
    _, layout = assets.timed_speech(args.set)
    print(f"set {args.set}: {len(layout)} utterances, model {args.model}, threads {args.threads}")
    print(
        f"{'backend':<15} {'refine':<6} {'onset med':>9} {'onset p90':>9} {'offset med':>10} {'offset p90':>10}  missed"
    )
    for backend in args.backend:
        for refine in (False, True):
            r = measure(backend, refine, args.set, args.model, args.threads)
            (om, op), (fm, fp) = summary(r["onset"]), summary(r["offset"])
            late = sum(e > 0 for e in r["onset"])
            print(
                f"{backend:<15} {'on' if refine else 'off':<6} {om:9.3f} {op:9.3f} {fm:10.3f} {fp:10.3f}  "
                f"{len(r['missed'])}  (onsets late: {late}/{len(r['onset'])}; run {r['elapsed']:.1f} s, "
                f"refinement {r['refine_seconds']:.3f} s)"
            )
            if args.verbose:
                print("   onset  ", " ".join(f"{e:+.2f}" for e in r["onset"]))
                print("   offset ", " ".join(f"{e:+.2f}" for e in r["offset"]))


if __name__ == "__main__":
    main()
