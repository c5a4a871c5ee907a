"""Render every built-in caption preset with libass on a real frame, for docs/presets/.

    .venv/bin/python packaging/make_preset_screenshots.py [--video PATH] [--seek 24.5]

For each preset it writes ``docs/presets/<slug>_9x16.png`` (432x768, centre crop)
and ``<slug>_16x9.png`` (768x432), both captured while the second word of the
sample caption is active so the highlight mode is visible, plus an index
``docs/presets/README.md``. Uses the real pipeline: ``build_ass`` + the bundled
fonts + the same ffmpeg/libass the app uses.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from media_core.ffmpeg import run_ffmpeg  # noqa: E402
from media_core.styles import build_ass, fonts_dir, list_presets, style_preview_lines  # noqa: E402

SIZES = {"9x16": (432, 768), "16x9": (768, 432)}


def filter_path(path: Path) -> str:
    """A path as an ``ass`` filter option value (quoted for the option and the graph level)."""
    text = str(path).replace("\\", "/")
    return "'" + text.replace("'", r"'\''").replace(":", r"\:") + "'"


def render(video: Path, seek: float, at: float, ass_text: str, size: tuple[int, int], out: Path, work: Path) -> None:
    w, h = size
    ass_path = work / "captions.ass"
    ass_path.write_text(ass_text, encoding="utf-8")
    # Centre-crop to the target aspect, then scale; timestamps are moved to the caption time.
    crop = f"crop='min(iw,ih*{w}/{h})':'min(ih,iw*{h}/{w})'"
    vf = (
        f"{crop},scale={w}:{h},setsar=1,setpts=PTS-STARTPTS+{at}/TB,"
        f"ass=filename={filter_path(ass_path)}:fontsdir={filter_path(fonts_dir())},"
        # A 256-colour palette keeps the committed screenshots small (~4x smaller than RGB).
        "split[a][b];[a]palettegen=max_colors=256:stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(
        [
            "-ss",
            f"{seek}",
            "-i",
            str(video),
            "-vf",
            vf,
            "-frames:v",
            "1",
            "-update",
            "1",
            "-compression_level",
            "9",
            "-pred",
            "mixed",
            str(out),
        ],
        log=lambda s: None,
    )


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", type=Path, help="footage (default: Big Buck Bunny trailer from tests/assets.py)")
    parser.add_argument("--seek", type=float, default=24.5, help="where in the footage to take the frame")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "presets")
    args = parser.parse_args()
    video = args.video
    if video is None:
        from tests.assets import bbb_trailer

        video = bbb_trailer()
    lines = style_preview_lines(start=0.5)
    # Middle of the second word: the highlight is on "every".
    second = lines[0].words[1]
    at = (second.start + second.end) / 2
    rows = [
        "# Caption presets",
        "",
        (
            "Rendered by `packaging/make_preset_screenshots.py` with libass and the bundled fonts, "
            "while the second word is active."
        ),
        "",
        "| Preset | Font | Highlight | 9:16 | 16:9 |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="reframe-shots-") as tmp:
        for style in list_presets():
            s = slug(style.name)
            for label, size in SIZES.items():
                out = args.out / f"{s}_{label}.png"
                render(video, args.seek, at, build_ass(lines, style, *size), size, out, Path(tmp))
                print(out.relative_to(REPO) if out.is_relative_to(REPO) else out)
            rows.append(
                f"| {style.name} | {style.font_family} | {style.highlight_mode} | "
                f"![{style.name} 9:16]({s}_9x16.png) | ![{style.name} 16:9]({s}_16x9.png) |"
            )
    (args.out / "README.md").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
