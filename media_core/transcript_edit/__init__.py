"""Edit a talking-head video by editing its transcript: drop filler words, chosen words and
long pauses, render the rest in one ffmpeg pass, and re-time the captions to match."""

from .fillers import DEFAULT_FILLERS, fillers_for, find_fillers
from .plan import CutOptions, CutPlan, Removal, Span, plan_cuts
from .preview import CutPreview, preview_cuts
from .render import TranscriptCutResult, cut_by_transcript

__all__ = [
    "DEFAULT_FILLERS",
    "CutOptions",
    "CutPlan",
    "CutPreview",
    "Removal",
    "Span",
    "TranscriptCutResult",
    "cut_by_transcript",
    "fillers_for",
    "find_fillers",
    "plan_cuts",
    "preview_cuts",
]
