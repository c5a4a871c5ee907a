"""Area-averaging resize in numpy: what OpenCV's ``INTER_AREA`` did for the analysis, without OpenCV."""

from __future__ import annotations

import functools

import numpy as np


@functools.lru_cache(maxsize=64)
def _weights(src: int, dst: int) -> np.ndarray:
    """(dst, src) matrix: each output pixel averages the input pixels its footprint covers (rows sum to 1)."""
    scale = src / dst
    edges = np.arange(dst + 1, dtype=np.float64) * scale
    left = np.maximum(edges[:-1, None], np.arange(src)[None, :])
    right = np.minimum(edges[1:, None], np.arange(1, src + 1)[None, :])
    cover = np.clip(right - left, 0.0, None)
    return (cover / cover.sum(axis=1, keepdims=True)).astype(np.float32)


def area_resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` (H x W or H x W x C) resized to ``width`` x ``height`` by area averaging, as float32."""
    pixels = image.astype(np.float32, copy=False)
    if pixels.shape[0] != height:
        pixels = np.tensordot(_weights(pixels.shape[0], height), pixels, axes=(1, 0))
    if pixels.shape[1] != width:
        pixels = np.moveaxis(np.tensordot(_weights(pixels.shape[1], width), pixels, axes=(1, 1)), 0, 1)
    return pixels


def area_resize_u8(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """:func:`area_resize` rounded back to 8-bit pixels."""
    if image.shape[0] == height and image.shape[1] == width:
        return image
    return np.clip(area_resize(image, width, height) + 0.5, 0, 255).astype(np.uint8)
