"""Read CTranslate2 ``model.bin`` files and store their weights as int8.

Why ahead of time: Reframe runs faster-whisper on the CPU with ``compute_type="int8"``, so
CTranslate2 turns every float ``…weight`` variable into int8 when it loads a float16 model
(``Model::set_compute_type`` → ``ensure_dtype`` in ``src/models/model.cc``). Writing that
result into the file halves it (tiny.en: 75.5 → 40 MB) and loads the very same numbers:

- which variables: the 2-D ones whose name ends in ``weight`` (``Model::is_quantizable``),
  the embeddings included (the output projection is an alias of them; CTranslate2 aliases
  the ``_scale`` along). Convolution weights (3-D) stay float: CTranslate2's oneDNN build
  runs convolutions in float32 and would only dequantize them again;
- how: one scale per output row, ``scale = 127 / max|row|`` (1 for an all-zero row),
  ``int8 = round_half_even(row * scale)`` in float32, the scale saved as ``<name>_scale``
  (``cpu::quantize_s8`` with ``round_before_cast``, on for binary version ≥ 5). The
  arithmetic is the converter's own (``ctranslate2.specs`` ``LayerSpec._quantize``, which
  follows the same rule), and the file is written by its ``ModelSpec._serialize``;
- everything else (biases, layer norms, position encodings, scalars, aliases) is kept
  byte for byte: CTranslate2 converts it to float32 at load exactly as before.

Layout of ``model.bin`` (little-endian; ``ModelSpec._serialize`` writes it, ``Model::load``
reads it): uint32 binary version, string spec name, uint32 spec revision, uint32 variable
count, then per variable: string name, uint8 rank, uint32 × rank dimensions, uint8 dtype id,
uint32 byte count, the bytes; then uint32 alias count and (alias, target) string pairs.
A string is a uint16 length (NUL included), the UTF-8 bytes and a NUL.

This is a build-time step (packaging/quantize_ct2_model.py; the PyInstaller spec ships the
packaged tiny.en this way). It lives in the engine because ggml_convert reads the same
files (now int8 ones too) and the model manager may one day shrink downloaded models.
"""

from __future__ import annotations

import os
import shutil
import struct
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidParameterError, ModelMissingError
from ..paths import fsync_dir, fsync_path
from ..progress import CancelToken, ProgressFn, as_progress, as_token

#: dtype ids of ``include/ctranslate2/types.h`` (bfloat16, id 5, has no numpy type).
DTYPES: dict[int, np.dtype] = {
    0: np.dtype("<f4"),
    1: np.dtype("i1"),
    2: np.dtype("<i2"),
    3: np.dtype("<i4"),
    4: np.dtype("<f2"),
}
#: The oldest binary version whose load-time quantization rounds (``round_before_cast``).
MIN_BINARY_VERSION = 5


@dataclass
class Ct2Model:
    """The contents of a ``model.bin``: variables in file order, aliases as (alias, target)."""

    binary_version: int
    spec: str
    revision: int
    variables: dict[str, np.ndarray] = field(default_factory=dict)
    aliases: list[tuple[str, str]] = field(default_factory=list)

    def is_int8_weight(self, name: str) -> bool:
        return self.variables[name].dtype == np.int8 and f"{name}_scale" in self.variables


def _damaged(path: Path, why: str) -> ModelMissingError:
    return ModelMissingError(
        f"{path} is not a complete CTranslate2 model ({why}). Copy or download the model again.",
    )


def read_model_bin(path: str | os.PathLike) -> Ct2Model:
    """Every variable of the CTranslate2 model file ``path`` (arrays are read-only views of a
    memory map). A truncated or malformed file raises :class:`ModelMissingError`."""
    path = Path(path)
    try:
        raw = np.memmap(path, dtype=np.uint8, mode="r")
    except (OSError, ValueError) as exc:  # ValueError: an empty file cannot be mapped
        raise _damaged(path, "the file is empty or unreadable") from exc
    pos = 0

    def take(count: int, what: str) -> np.ndarray:
        nonlocal pos
        if count < 0 or pos + count > raw.size:
            raise _damaged(path, f"it ends at byte {raw.size} inside {what}")
        chunk = raw[pos : pos + count]
        pos += count
        return chunk

    def number(fmt: str, what: str) -> int:
        value: int = struct.unpack("<" + fmt, take(struct.calcsize(fmt), what).tobytes())[0]
        return value

    def text(what: str) -> str:
        length = number("H", what)
        data = take(length, what).tobytes()
        if length == 0 or data[-1] != 0:
            raise _damaged(path, f"{what} is not a valid string at byte {pos - length}")
        try:
            return data[:-1].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _damaged(path, f"{what} is not valid UTF-8") from exc

    version = number("I", "the header")
    if not 1 <= version <= 64:  # a stray file rather than a model from the future
        raise _damaged(path, f"binary version {version} is not a CTranslate2 one")
    if version < 4:
        raise ModelMissingError(f"{path} is a CTranslate2 model of binary version {version}, too old to read.")
    model = Ct2Model(version, text("the spec name"), number("I", "the header"))
    for _ in range(number("I", "the header")):
        name = text("a variable name")
        rank = number("B", name)
        shape = tuple(int(d) for d in take(4 * rank, name).view("<u4")) if rank else ()
        dtype_id = number("B", name)
        nbytes = number("I", name)
        dtype = DTYPES.get(dtype_id)
        if dtype is None:
            raise InvalidParameterError(f"{path}: variable {name} has dtype id {dtype_id}, which is not supported.")
        if nbytes != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            raise _damaged(path, f"variable {name} has {nbytes} bytes for shape {shape}")
        model.variables[name] = take(nbytes, name).view(dtype).reshape(shape)
    for _ in range(number("I", "the alias table")):
        model.aliases.append((text("an alias"), text("an alias")))
    if pos != raw.size:
        raise _damaged(path, f"{raw.size - pos} unexpected bytes follow the alias table")
    return model


def dequantized(model: Ct2Model, name: str) -> np.ndarray:
    """Variable ``name`` as float32; int8/int16 weights are scaled back the way CTranslate2's
    ``Dequantize`` does (``q * (1 / scale)`` per row)."""
    value = model.variables[name]
    scale = model.variables.get(f"{name}_scale")
    if value.dtype.kind == "f" or scale is None:
        return value.astype(np.float32)
    inverse = np.float32(1) / scale.astype(np.float32)
    rows = value.reshape(-1, value.shape[-1]) if scale.ndim else value
    out = rows.astype(np.float32) * (inverse[:, None] if scale.ndim else inverse)
    return out.reshape(value.shape)


def quantizable(model: Ct2Model, name: str) -> bool:
    """Whether CTranslate2 turns ``name`` into int8 at load and we can store it that way."""
    value = model.variables[name]
    return name.endswith("weight") and value.ndim == 2 and value.dtype.kind == "f"


def quantize_int8(
    model: Ct2Model, *, progress: ProgressFn | None = None, cancel: CancelToken | None = None
) -> Ct2Model:
    """A copy of ``model`` whose quantizable weights are int8 with their ``_scale``."""
    from ctranslate2.specs.model_spec import LayerSpec, NumpyVariable

    class _Linear(LayerSpec):
        """One weight and its scale: the shape ``LayerSpec._quantize`` recognises."""

        def __init__(self, weight: np.ndarray) -> None:
            self.weight = NumpyVariable(np.array(weight, dtype=np.float32))
            self.weight_scale: Any = None  # set by _quantize

    if model.binary_version < MIN_BINARY_VERSION:
        raise InvalidParameterError(
            f"This model is of binary version {model.binary_version}: CTranslate2 quantizes it without "
            "rounding at load, so an int8 copy would not give the same results. Convert it again with a "
            "current ctranslate2 first."
        )
    names = [n for n in model.variables if quantizable(model, n)]
    if not names:
        raise InvalidParameterError("The model has no float weights to quantize (is it int8 already?).")
    report, token = as_progress(progress), as_token(cancel)
    out = Ct2Model(model.binary_version, model.spec, model.revision, aliases=list(model.aliases))
    done = 0
    for name, value in model.variables.items():
        if name not in names:
            out.variables[name] = value
            continue
        token.raise_if_cancelled()
        linear = _Linear(value)
        linear._quantize("int8")
        out.variables[name] = linear.weight.numpy()
        out.variables[f"{name}_scale"] = linear.weight_scale.numpy().astype(np.float32, copy=False)
        done += 1
        report(done / len(names), "quantizing weights to int8")
    return out


def write_model_bin(model: Ct2Model, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` with CTranslate2's own serializer (not atomic: callers
    write into a folder that appears only when complete)."""
    from ctranslate2.specs.model_spec import CURRENT_BINARY_VERSION, ModelSpec, NumpyVariable

    if model.binary_version != CURRENT_BINARY_VERSION:
        raise InvalidParameterError(
            f"The model is of binary version {model.binary_version} but the installed ctranslate2 writes "
            f"version {CURRENT_BINARY_VERSION}; install the matching ctranslate2 to rewrite it."
        )

    class _Stored(ModelSpec):
        """A spec whose variables are the ones already read, in their file order."""

        @property
        def name(self) -> str:
            return model.spec

        @property
        def revision(self) -> int:
            return model.revision

        def variables(self, prefix: str = "", ordered: bool = False) -> list[tuple[str, object]]:
            # Sorted like the converter writes them; aliases are strings, serialized after.
            # (np.asarray, not ascontiguousarray: that one turns the 0-d scalars into 1-d.)
            items: list[tuple[str, object]] = [
                (name, NumpyVariable(np.asarray(value, order="C"))) for name, value in model.variables.items()
            ]
            items += list(model.aliases)
            return sorted(items, key=lambda item: item[0])

    _Stored()._serialize(os.fspath(path))


def quantize_model_dir(
    source: str | os.PathLike,
    output: str | os.PathLike,
    *,
    overwrite: bool = False,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> Path:
    """Write the model folder ``source`` to ``output`` with int8 weights; the other files
    (config.json, tokenizer, vocabulary, …) are copied. ``output`` appears complete or not
    at all; an existing ``output`` is replaced only with ``overwrite``."""
    source, output = Path(source), Path(output)
    report, token = as_progress(progress), as_token(cancel)
    if not (source / "model.bin").is_file():
        raise ModelMissingError(f"{source} is not a CTranslate2 model folder (no model.bin).")
    if output.resolve() == source.resolve():
        raise InvalidParameterError("The int8 model needs its own folder; it cannot replace its source in place.")
    if output.exists() and not overwrite:
        raise InvalidParameterError(f"{output} exists already.")
    model = quantize_int8(read_model_bin(source / "model.bin"), progress=report.span(0.0, 0.8), cancel=token)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.parent / f".{output.name}.part-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        report(0.8, "writing the int8 model")
        write_model_bin(model, staging / "model.bin")
        for item in sorted(source.iterdir()):
            if item.name != "model.bin" and item.is_file():
                shutil.copy2(item, staging / item.name)
        for item in staging.iterdir():
            fsync_path(item)
        token.raise_if_cancelled()
        _replace_dir(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report(1.0, "int8 model ready")
    return output


def _replace_dir(staging: Path, output: Path) -> None:
    """Move the finished ``staging`` folder to ``output`` (an old ``output`` goes only after)."""
    old = output.parent / f".{output.name}.old-{uuid.uuid4().hex[:8]}"
    if output.exists():
        os.replace(output, old)
    try:
        os.replace(staging, output)
    except BaseException:
        if old.exists():
            os.replace(old, output)
        raise
    fsync_dir(output.parent)
    shutil.rmtree(old, ignore_errors=True)
