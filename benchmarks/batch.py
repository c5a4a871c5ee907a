"""Batch benchmark: 20 short speech files captioned as one batch vs one at a time.

Three passes over the same 20 files (the five LibriVox utterances, copied), each through the
job manager with the same captions settings (tiny.en, English, SRT, one thread):

- single runs: each file its own job with the model cache emptied first, i.e. what running
  ``reframe captions FILE`` once per file pays (minus the interpreter start);
- batch: the 20 files as one batch (``JobManager.submit_batch``), cache emptied once;
- warm single runs: each file its own job with the model already loaded (the job system's
  own overhead per job, for reference).

Prints each total, the batch ÷ single-runs ratio (goal <= 1.1) and the number of model loads.

Run: .venv/bin/python benchmarks/batch.py [--files 20] [--model tiny.en] [--threads 1]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from media_core.jobs import JobManager, JobStore
from media_core.transcription import faster_whisper_backend
from tests import assets


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--model", default="tiny.en")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reframe-batch-bench-"))
    speech = assets.librivox()
    files = []
    for n in range(args.files):
        target = work / "in" / f"talk {n:02d}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(speech[n % len(speech)][0], target)
        files.append(target)
    settings = {"model": args.model, "language": "en", "threads": args.threads, "formats": ["srt"]}
    manager = JobManager(JobStore(work / "jobs.sqlite3"))

    def params(path: Path, run: str) -> dict:
        return {**settings, "input": str(path), "output_dir": str(work / run)}

    def singles(run: str, cold: bool) -> tuple[float, int]:
        loads, total = faster_whisper_backend.load_count, 0.0
        for path in files:
            if cold:
                faster_whisper_backend.clear_model_cache()
            started = time.perf_counter()
            job = manager.wait(manager.submit("captions", params(path, run)))
            total += time.perf_counter() - started
            assert job.status == "succeeded", job.error
        return total, faster_whisper_backend.load_count - loads

    try:
        single, single_loads = singles("single", cold=True)
        faster_whisper_backend.clear_model_cache()
        loads = faster_whisper_backend.load_count
        started = time.perf_counter()
        batch_id = manager.submit_batch([("captions", params(p, "batch")) for p in files], title="bench")
        batch = manager.wait_batch(batch_id)
        batched = time.perf_counter() - started
        batch_loads = faster_whisper_backend.load_count - loads
        assert batch.counts == {"succeeded": len(files)}, batch.counts
        warm, _ = singles("warm", cold=False)
    finally:
        manager.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    print(f"files: {len(files)} · model {args.model} · threads {args.threads}")
    print(f"single runs (model loaded each time): {single:.2f} s total, {single_loads} model loads")
    print(f"batch (one drop):                     {batched:.2f} s total, {batch_loads} model load(s)")
    print(f"single runs, model already loaded:    {warm:.2f} s total")
    print(f"ratio batch / single runs: {batched / single:.3f} (goal <= 1.1)")
    print(f"ratio batch / warm single runs: {batched / warm:.3f}")


if __name__ == "__main__":
    main()
