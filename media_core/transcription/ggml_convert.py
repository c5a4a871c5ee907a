"""Turn a faster-whisper (CTranslate2) Whisper model into a whisper.cpp ggml model.

Both hold the same OpenAI Whisper weights under different names: CTranslate2 fuses
the query/key/value projections and stores layer norms as gamma/beta. Converting
lets the whisper.cpp engine run offline with the models Reframe already has (the
packaged tiny.en, the assembled base, any downloaded one) instead of needing a
second download of the same network.

The output follows whisper.cpp's legacy ggml layout (what ``convert-pt-to-ggml.py``
writes): magic, hyper-parameters, mel filters, the byte-level BPE vocabulary, then
named tensors with their dimensions in reverse order; 1-D tensors, conv biases and
positional embeddings in float32, the rest in float16.
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..audio import SAMPLE_RATE
from ..errors import ModelMissingError
from ..paths import atomic_output
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from .ct2_model import dequantized
from .ct2_model import read_model_bin as read_ct2_model_bin

GGML_MAGIC = 0x67676D6C
N_FFT = 400


def read_ct2_model(path: Path) -> dict[str, np.ndarray]:
    """The variables of a CTranslate2 Whisper ``model.bin``, aliases resolved; int8 weights
    (the packaged tiny.en in the app) are dequantized to float32 the way CTranslate2 does."""
    model = read_ct2_model_bin(path)
    if model.binary_version < 5:
        raise ModelMissingError(f"{path} is a CTranslate2 model of format {model.binary_version}, too old to convert.")
    if model.spec != "WhisperSpec":
        raise ModelMissingError(f"{path} is not a Whisper model (it is a {model.spec}).")
    variables: dict[str, np.ndarray] = {}
    for name, value in model.variables.items():
        if name.endswith("_scale"):
            continue
        if model.is_int8_weight(name):
            variables[name] = dequantized(model, name)
        elif value.dtype.kind == "f" or name.endswith("num_heads"):
            variables[name] = value
        elif name.endswith("/weight"):
            raise ModelMissingError(
                f"{path} holds {value.dtype} weights ({name}); whisper.cpp conversion needs float or int8 weights."
            )
    for alias, target in model.aliases:
        if target in variables:
            variables[alias] = variables[target]
    return variables


def _layers(variables: dict[str, np.ndarray], side: str) -> int:
    pattern = re.compile(rf"^{side}/layer_(\d+)/")
    return len({m.group(1) for name in variables if (m := pattern.match(name))})


def _tensors(v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """OpenAI checkpoint names (what whisper.cpp looks up) → weights."""
    d = v["encoder/conv1/weight"].shape[0]
    out: dict[str, np.ndarray] = {
        "encoder.positional_embedding": v["encoder/position_encodings/encodings"],
        "encoder.conv1.weight": v["encoder/conv1/weight"],
        "encoder.conv1.bias": v["encoder/conv1/bias"].reshape(-1, 1),
        "encoder.conv2.weight": v["encoder/conv2/weight"],
        "encoder.conv2.bias": v["encoder/conv2/bias"].reshape(-1, 1),
        "encoder.ln_post.weight": v["encoder/layer_norm/gamma"],
        "encoder.ln_post.bias": v["encoder/layer_norm/beta"],
        "decoder.positional_embedding": v["decoder/position_encodings/encodings"],
        "decoder.token_embedding.weight": v["decoder/embeddings/weight"],
        "decoder.ln.weight": v["decoder/layer_norm/gamma"],
        "decoder.ln.bias": v["decoder/layer_norm/beta"],
    }

    def norm(dst: str, src: str) -> None:
        out[f"{dst}.weight"], out[f"{dst}.bias"] = v[f"{src}/gamma"], v[f"{src}/beta"]

    def linear(dst: str, src: str, rows: slice = slice(None), bias: bool = True) -> None:
        out[f"{dst}.weight"] = v[f"{src}/weight"][rows]
        if bias:  # Whisper's key projections have no bias (CTranslate2 fused zeros in)
            out[f"{dst}.bias"] = v[f"{src}/bias"][rows]

    q, k, val = slice(0, d), slice(d, 2 * d), slice(2 * d, 3 * d)
    for side in ("encoder", "decoder"):
        for i in range(_layers(v, side)):
            src, dst = f"{side}/layer_{i}", f"{side}.blocks.{i}"
            norm(f"{dst}.attn_ln", f"{src}/self_attention/layer_norm")
            linear(f"{dst}.attn.query", f"{src}/self_attention/linear_0", q)
            linear(f"{dst}.attn.key", f"{src}/self_attention/linear_0", k, bias=False)
            linear(f"{dst}.attn.value", f"{src}/self_attention/linear_0", val)
            linear(f"{dst}.attn.out", f"{src}/self_attention/linear_1")
            if side == "decoder":
                norm(f"{dst}.cross_attn_ln", f"{src}/attention/layer_norm")
                linear(f"{dst}.cross_attn.query", f"{src}/attention/linear_0")
                linear(f"{dst}.cross_attn.key", f"{src}/attention/linear_1", slice(0, d), bias=False)
                linear(f"{dst}.cross_attn.value", f"{src}/attention/linear_1", slice(d, 2 * d))
                linear(f"{dst}.cross_attn.out", f"{src}/attention/linear_2")
            norm(f"{dst}.mlp_ln", f"{src}/ffn/layer_norm")
            linear(f"{dst}.mlp.0", f"{src}/ffn/linear_0")
            linear(f"{dst}.mlp.2", f"{src}/ffn/linear_1")
    return out


def _byte_decoder() -> dict[str, int]:
    """GPT-2's printable stand-ins for bytes, reversed (tokenizer.json stores tokens that way)."""
    printable = (
        list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    )
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(printable, chars, strict=False)}


def _vocabulary(model_dir: Path) -> list[bytes]:
    """The BPE tokens in id order, without the special tokens (whisper.cpp adds those itself)."""
    tokenizer = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    special = {t["id"] for t in tokenizer.get("added_tokens", []) if t.get("special")}
    vocab = sorted(((i, tok) for tok, i in tokenizer["model"]["vocab"].items() if i not in special))
    if [i for i, _ in vocab] != list(range(len(vocab))):
        raise ModelMissingError(f"The vocabulary in {model_dir} is not contiguous; it cannot be converted.")
    decode = _byte_decoder()
    return [bytes(decode[ch] for ch in tok) for _, tok in vocab]


def _mel_filters(n_mels: int) -> np.ndarray:
    from faster_whisper.feature_extractor import FeatureExtractor

    return FeatureExtractor.get_mel_filters(SAMPLE_RATE, N_FFT, n_mels=n_mels).astype(np.float32)


def _write_tensor(fh: BinaryIO, name: str, data: np.ndarray) -> None:
    small = data.ndim < 2 or name in (
        "encoder.conv1.bias",
        "encoder.conv2.bias",
        "encoder.positional_embedding",
        "decoder.positional_embedding",
    )
    data = np.ascontiguousarray(data, dtype=np.float32 if small else np.float16)
    encoded = name.encode("utf-8")
    fh.write(struct.pack("<iii", data.ndim, len(encoded), 0 if small else 1))
    fh.write(struct.pack("<" + "i" * data.ndim, *reversed(data.shape)))
    fh.write(encoded)
    fh.write(data.tobytes())


def convert_to_ggml(
    model_dir: str | Path, output: str | Path, *, progress: ProgressFn | None = None, cancel: CancelToken | None = None
) -> Path:
    """Write ``output`` (atomically) from the faster-whisper model folder ``model_dir``."""
    model_dir, output = Path(model_dir), Path(output)
    report, token = as_progress(progress), as_token(cancel)
    if not (model_dir / "model.bin").is_file() or not (model_dir / "tokenizer.json").is_file():
        raise ModelMissingError(f"{model_dir} is not a faster-whisper model folder (model.bin + tokenizer.json).")
    v = read_ct2_model(model_dir / "model.bin")
    tensors = _tensors(v)
    n_vocab, n_text_state = v["decoder/embeddings/weight"].shape
    n_audio_ctx, n_audio_state = v["encoder/position_encodings/encodings"].shape
    n_mels = v["encoder/conv1/weight"].shape[1]
    hparams = (
        n_vocab,
        n_audio_ctx,
        n_audio_state,
        int(v["encoder/num_heads"]),
        _layers(v, "encoder"),
        v["decoder/position_encodings/encodings"].shape[0],
        n_text_state,
        int(v["decoder/num_heads"]),
        _layers(v, "decoder"),
        n_mels,
        1,
    )
    filters = _mel_filters(n_mels)
    vocabulary = _vocabulary(model_dir)
    with atomic_output(output) as tmp, open(tmp, "wb") as fh:
        fh.write(struct.pack("<i", GGML_MAGIC))
        fh.write(struct.pack("<11i", *hparams))
        fh.write(struct.pack("<ii", *filters.shape))
        fh.write(filters.tobytes())
        fh.write(struct.pack("<i", len(vocabulary)))
        for token_bytes in vocabulary:
            fh.write(struct.pack("<i", len(token_bytes)))
            fh.write(token_bytes)
        for n, (name, data) in enumerate(tensors.items(), 1):
            token.raise_if_cancelled()
            _write_tensor(fh, name, data)
            report(n / len(tensors), "converting the model for whisper.cpp")
    return output
