"""Shorts end to end on a 10-minute talk: pipeline wall time vs its unavoidable work.

    .venv/bin/python benchmarks/shorts.py [--minutes 10] [--model PATH] [--height 1920]

Prints: transcription time alone (T), three bare ffmpeg renders of the chosen clips
(B: the same single-pass cut + 9:16 reframe + burned captions command, run directly),
the full pipeline wall time (W: transcribe + analyse + render + thumbnails + exports)
and the overhead ratio (W - (T + B)) / (T + B). Target: ≤ 10 %.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--model", default=None, help="faster-whisper model dir (default: tiny.en from PyPI)")
    parser.add_argument("--height", type=int, default=1920)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    from tests import assets

    video, layout = assets.shorts_long_video(args.minutes)
    model = args.model or str(assets.tiny_en_model())

    # Separate data dirs: the pipeline run must not find the transcript the baseline made.
    base_dir = Path(tempfile.mkdtemp(prefix="reframe-bench-"))
    os.environ["REFRAME_DATA_DIR"] = str(base_dir / "baseline")
    os.environ["REFRAME_CACHE_DIR"] = str(base_dir / "cache")

    from media_core.ffmpeg import ffmpeg_exe
    from media_core.models import Transcript
    from media_core.probe import probe
    from media_core.render import EncoderSettings, Reframe, RenderPlan, Trim
    from media_core.render.plan import build_args
    from media_core.render.subtitle_input import SubtitleSpec
    from media_core.shorts.clip_subtitles import clip_words, group_clip_words
    from media_core.shorts.models import ShortsRequest
    from media_core.shorts.pipeline import _transcription_config, find_shorts, render_shorts
    from media_core.styles import DEFAULT_PRESET, get_preset
    from media_core.transcription import transcribe

    info = probe(video)
    print(f"input: {video.name}, {info.duration:.0f} s, {len(layout)} recordings")
    request = ShortsRequest(
        num_clips=3,
        aspect="9:16",
        captions=True,
        output_height=args.height,
        output_dir=str(base_dir / "out"),
        transcription={"model": model, "language": "en", "threads": args.threads},
    )

    # The recogniser is loaded once per process and reused: load it before timing anything, so
    # the baseline does not pay a one-off cost that the pipeline run after it would dodge.
    from media_core import model_store
    from media_core.transcription.faster_whisper_backend import load_model

    config = _transcription_config(request)
    load_model(Path(model_store.resolve_model(config.model)), config)

    t0 = time.perf_counter()
    transcribe(video, config)
    t_transcribe = time.perf_counter() - t0
    print(f"T  transcription alone:        {t_transcribe:7.2f} s")

    # In-run breakdown too: on a shared machine the separate baseline drifts with the load,
    # while the pipeline's own ffmpeg and recogniser times are measured under the same load.
    ffmpeg_seconds: list[float] = []
    thumb_seconds: list[float] = []
    last_command = [""]

    class _FFmpegTimes(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if message.startswith("$ "):
                last_command[0] = message
            m = re.match(r"ffmpeg finished in ([0-9.]+)s", message)
            if m:
                ffmpeg_seconds.append(float(m.group(1)))
                if last_command[0].rstrip().endswith(".jpg"):
                    thumb_seconds.append(float(m.group(1)))

    logging.getLogger("media_core").addHandler(_FFmpegTimes())
    logging.getLogger("media_core").setLevel(logging.DEBUG)

    os.environ["REFRAME_DATA_DIR"] = str(base_dir / "pipeline")
    t0 = time.perf_counter()
    plan = find_shorts(video, request)
    t_find = time.perf_counter() - t0
    result = render_shorts(video, request, plan.clips, transcript_path=plan.transcript_path, scorer=plan.scorer_used)
    wall = time.perf_counter() - t0
    print(f"   find_shorts (incl. transcription): {t_find:7.2f} s")

    transcript = Transcript.model_validate_json(Path(plan.transcript_path).read_text(encoding="utf-8"))
    words = [w for w in transcript.words if w.text.strip()]
    t_bare = 0.0
    for clip in result.clips:
        # The same single-pass plan the pipeline ran (cut + reframe + styled captions), run bare.
        lines = [
            ln.model_copy(
                update={
                    "start": ln.start + clip.start,
                    "end": ln.end + clip.start,
                    "words": [
                        w.model_copy(update={"start": w.start + clip.start, "end": w.end + clip.start})
                        for w in ln.words
                    ],
                }
            )
            for ln in group_clip_words(clip_words(words, clip.start, clip.end))
        ]
        plan_ = RenderPlan(
            input=video,
            output=base_dir / f"bare-{clip.id}.mp4",
            trim=Trim(start=clip.start, end=clip.end),
            reframe=Reframe(aspect="9:16", height=args.height),
            subtitles=SubtitleSpec(lines=lines, style=get_preset(DEFAULT_PRESET)),
            encoder=EncoderSettings(codec="libx264", audio="aac"),
        )
        work = Path(tempfile.mkdtemp(prefix="bare-", dir=base_dir))
        t0 = time.perf_counter()
        cmd, _, _ = build_args(plan_, info, work, plan_.output)
        subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *cmd, str(plan_.output)], check=True)
        t_bare += time.perf_counter() - t0
    print(f"B  three bare ffmpeg renders:  {t_bare:7.2f} s")
    t_in_asr = float(transcript.meta.get("elapsed", 0.0))
    t_in_ffmpeg = sum(ffmpeg_seconds)
    inside = t_in_asr + t_in_ffmpeg
    print(f"W  pipeline wall time:         {wall:7.2f} s")
    baseline = t_transcribe + t_bare
    print(f"overhead (W - (T+B)) / (T+B):  {100 * (wall - baseline) / baseline:+6.1f} %  (target <= 10 %)")
    print(
        f"in-run: recogniser {t_in_asr:.2f} s + ffmpeg {t_in_ffmpeg:.2f} s ({len(ffmpeg_seconds)} runs: "
        f"3 renders + 3 thumbnails); everything else {wall - inside:.2f} s "
        f"= {100 * (wall - inside) / inside:+.1f} % of the unavoidable work"
    )
    t_render_ffmpeg = t_in_ffmpeg - sum(thumb_seconds)
    print(
        f"   breakdown: recogniser {t_in_asr:.2f} s, analysis after it {t_find - t_in_asr:.2f} s "
        f"(probe, audio decode wait, cache, candidates, scoring), clip renders {t_render_ffmpeg:.2f} s, "
        f"thumbnails {sum(thumb_seconds):.2f} s, the rest {wall - t_find - t_in_ffmpeg:.2f} s "
        f"(subtitles, probes, exports)"
    )
    for clip in result.clips:
        print(
            f"  #{clip.rank} {clip.start:7.2f}-{clip.end:7.2f} ({clip.duration:4.1f} s) score {clip.score:5.1f}  "
            f"{clip.reason}"
        )


if __name__ == "__main__":
    main()
