"""Transcription overhead benchmark: Reframe's transcribe() vs bare faster-whisper.

Both run on the same audio with the same model and options (beam 5, word timestamps,
VAD, int8, same thread count), each starting from the file path (so both include audio
decoding) and each with its model already loaded. Runs alternate after a warm-up; the
median of each is compared.

Prints both medians, the ratio reframe/bare (target <= 1.05) and the real-time factor.

Run: .venv/bin/python benchmarks/transcribe.py [AUDIO_OR_VIDEO] [--model tiny.en] [--runs 3] [--threads 1]
Default audio: JFK + the five LibriVox utterances concatenated (built once under test-assets/bench/).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from media_core import model_store
from media_core.audio import decode_audio
from media_core.transcription import TranscriptionConfig, transcribe
from tests import assets


def default_audio() -> Path:
    out = assets.asset_dir() / "bench" / "jfk_librivox.wav"
    if out.exists():
        return out
    rate = 16_000
    pieces = [decode_audio(assets.jfk_wav())] + [decode_audio(w) for w, _ in assets.librivox()]
    gap = np.zeros(rate // 2, np.float32)
    audio = np.concatenate([x for p in pieces for x in (p, gap)])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name("jfk_librivox.part.wav")
    with wave.open(str(tmp), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(rate)
        wf.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    tmp.replace(out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("audio", nargs="?")
    ap.add_argument("--model", default="tiny.en")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    audio = Path(args.audio) if args.audio else default_audio()
    model_dir = model_store.resolve_model(args.model)
    config = TranscriptionConfig(model=str(model_dir), threads=args.threads)
    duration = len(decode_audio(audio)) / 16_000

    from faster_whisper import WhisperModel

    bare_model = WhisperModel(
        str(model_dir), device=config.device, compute_type=config.compute_type, cpu_threads=args.threads
    )

    def bare() -> float:
        t0 = time.perf_counter()
        segments, _info = bare_model.transcribe(
            str(audio),
            language=config.language,
            beam_size=config.beam_size,
            word_timestamps=config.word_timestamps,
            vad_filter=config.vad,
            initial_prompt=config.initial_prompt,
        )
        n_words = sum(len(s.words or []) for s in segments)
        assert n_words > 0
        return time.perf_counter() - t0

    def reframe() -> float:
        t0 = time.perf_counter()
        result = transcribe(audio, config)
        assert result.words
        return time.perf_counter() - t0

    print(f"audio: {audio} ({duration:.1f} s), model: {args.model}, threads: {args.threads}, runs: {args.runs}")
    bare(), reframe()  # warm-up: load models, fill caches
    bare_times, reframe_times = [], []
    for i in range(args.runs):
        # Alternate the order so drift in machine load hits both sides alike.
        for fn, times in ((bare, bare_times), (reframe, reframe_times))[:: 1 if i % 2 == 0 else -1]:
            times.append(fn())
    b, r = statistics.median(bare_times), statistics.median(reframe_times)
    print(f"bare faster-whisper: median {b:.3f} s  (runs: {', '.join(f'{t:.2f}' for t in bare_times)})")
    print(f"reframe transcribe : median {r:.3f} s  (runs: {', '.join(f'{t:.2f}' for t in reframe_times)})")
    print(f"ratio reframe/bare : {r / b:.3f}  (target <= 1.05)")
    print(f"real-time factor   : reframe {r / duration:.3f}, bare {b / duration:.3f}")


if __name__ == "__main__":
    main()
