"""Shorts: find the best moments of a long video and render them as captioned vertical clips.

Steps, one module each: ``candidates`` (clips cut on sentence/pause boundaries),
``scoring`` (explainable heuristic + prompt relevance, optional embeddings / LLM),
``select`` (top N without overlap), ``clip_subtitles`` (per-clip SRT/ASS),
``exports`` (manifest, CSV, EDL, FCPXML) and ``pipeline`` (transcribe once, plan, render).
"""

from .models import LLMConfig, ShortClip, ShortsPlanResult, ShortsRequest, ShortsResult
from .pipeline import find_shorts, render_shorts, rerender_clip

__all__ = [
    "LLMConfig",
    "ShortClip",
    "ShortsPlanResult",
    "ShortsRequest",
    "ShortsResult",
    "find_shorts",
    "render_shorts",
    "rerender_clip",
]
