"""Regenerate the layout pictures in docs/reframe/ with the engine itself.

Each picture: the source frame with the crop windows the engine chose (left) and the
frame the one-pass render wrote (right). Sources are the real-face test videos of
tests/assets.py plus a three-person shot built the same way.

Run: .venv/bin/python docs/reframe/render_examples.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import av
import numpy as np
from PIL import Image, ImageDraw

from media_core.reframe import FollowOptions, analyze, plan_faces
from media_core.render import EncoderSettings, Reframe, RenderPlan, execute
from media_core.render.geometry import target_size
from tests import assets

HERE = Path(__file__).resolve().parent
COLOURS = ((255, 204, 0), (53, 199, 255))  # RGB: amber, sky blue


def three_people(folder: Path) -> Path:
    out = folder / "three.mp4"
    mx, my = int(assets.MESSI_FACE[0] - 80), int(assets.MESSI_FACE[1] - 80)
    canvas = assets._canvas(
        1280,
        720,
        [
            (assets.astronaut_png(), (0, 0, 512, 512), (20, 180, 400)),
            (assets.messi_jpg(), (mx, my, 160, 160), (440, 180, 400)),
            (assets.astronaut_png(), (0, 0, 512, 512), (860, 180, 400)),
        ],
    )
    canvas[180:580, 860:1260] = canvas[180:580, 860:1260][:, ::-1]  # mirrored: a third person facing in
    png = folder / "three.png"
    assets._save_png(canvas, png)
    return assets._still_video(png, out, 3.0, "null")


def frame_at(video: Path, t: float) -> np.ndarray:
    with av.open(str(video)) as c:
        for f in c.decode(video=0):
            if f.time >= t:
                return f.to_ndarray(format="rgb24")
    raise RuntimeError(f"no frame at {t}")


def picture(video: Path, t: float, name: str, work: Path) -> None:
    analysis = analyze(video)
    out_w, out_h = target_size(analysis.width, analysis.height, "9:16", "crop", 1280)
    plan = plan_faces(analysis, out_w=out_w, out_h=out_h, options=FollowOptions())
    rendered = work / f"{name}.mp4"
    execute(
        RenderPlan(
            input=video,
            output=rendered,
            reframe=Reframe(aspect="9:16", height=1280, face_plan=plan),
            encoder=EncoderSettings(codec="libx264", preset="veryfast", crf=18),
        )
    )
    source = Image.fromarray(frame_at(video, t))
    draw = ImageDraw.Draw(source)
    for i, (x, y, w, h) in enumerate(plan.crop_boxes_at(t, out_w / out_h)):
        draw.rectangle((int(x), int(y), int(x + w), int(y + h)), outline=COLOURS[i % 2], width=6)
    out = Image.fromarray(frame_at(rendered, t))
    out = out.resize((round(out.width * source.height / out.height), source.height), Image.Resampling.BOX)
    gap = np.full((source.height, 24, 3), 32, np.uint8)
    both = Image.fromarray(np.hstack([np.asarray(source), gap, np.asarray(out)]))
    small = both.resize((both.width * 2 // 3, both.height * 2 // 3), Image.Resampling.BOX)
    small.save(HERE / f"{name}.png")
    print(name, plan.layout_at(t).layout, "->", HERE / f"{name}.png")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        picture(assets.face_pan_video(), 4.0, "layout-single", work)
        picture(assets.two_faces_video(), 3.0, "layout-split", work)
        picture(three_people(work), 1.5, "layout-fit", work)


if __name__ == "__main__":
    main()
