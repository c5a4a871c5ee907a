"""Face-following reframe: detect, track, choose the subject, plan a steady crop and layouts.

``analyze`` -> :class:`FaceAnalysis`; ``plan_faces`` -> :class:`FacePlan`;
``face_chains`` renders the plan inside the render engine's single ffmpeg pass.
"""

from .analyze import analyze, follow_faces
from .blazeface import BlazeFaceDetector
from .detect import Box, FaceDetector, default_detector
from .graph import face_chains
from .models import (
    CropPath,
    Detection,
    FaceAnalysis,
    FacePlan,
    FaceTrack,
    FollowOptions,
    Layout,
    LayoutChoice,
    Segment,
    SpeakerHint,
)
from .planner import plan_faces

__all__ = [
    "BlazeFaceDetector",
    "Box",
    "CropPath",
    "Detection",
    "FaceAnalysis",
    "FaceDetector",
    "FacePlan",
    "FaceTrack",
    "FollowOptions",
    "Layout",
    "LayoutChoice",
    "Segment",
    "SpeakerHint",
    "analyze",
    "default_detector",
    "face_chains",
    "follow_faces",
    "plan_faces",
]
