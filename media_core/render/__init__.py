"""The render engine: ffmpeg (libass, libx264) driven through media_core.ffmpeg, PyAV for probing."""

from .encoders import EncoderReport, EncoderStatus, detect_encoders
from .plan import EncoderSettings, Reframe, RenderPlan, RenderResult, Trim, execute
from .subtitle_input import SubtitleSpec

__all__ = [
    "EncoderReport",
    "EncoderSettings",
    "EncoderStatus",
    "Reframe",
    "RenderPlan",
    "RenderResult",
    "SubtitleSpec",
    "Trim",
    "detect_encoders",
    "execute",
]
