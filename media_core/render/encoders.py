"""Which H.264 encoders this machine can really use.

``ffmpeg -encoders`` lists every encoder the build *contains* (the static build lists
nvenc, qsv, amf, vaapi even on a machine without such hardware), so each listed
hardware encoder is tried on a 0.2 s synthetic clip and only the ones that succeed
are offered. The result is cached for the process: probing costs up to a second per
encoder and hardware does not appear while the app runs.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys

from pydantic import BaseModel

from ..ffmpeg import ffmpeg_exe, ffmpeg_info

SOFTWARE_ENCODER = "libx264"
#: Preferred order when several hardware encoders work (fastest/most common first).
HARDWARE_ENCODERS = ("h264_nvenc", "h264_qsv", "h264_videotoolbox", "h264_amf", "h264_vaapi")
VAAPI_DEVICE = "/dev/dri/renderD128"


class EncoderStatus(BaseModel):
    name: str
    hardware: bool
    listed: bool
    works: bool
    error: str | None = None


class EncoderReport(BaseModel):
    """For the System status panel: what exists, what works, what ``auto`` picks."""

    encoders: list[EncoderStatus]
    default: str

    @property
    def working(self) -> list[str]:
        return [e.name for e in self.encoders if e.works]


def _hw_input_args(name: str) -> list[str]:
    return ["-vaapi_device", VAAPI_DEVICE] if name == "h264_vaapi" else []


def upload_filter(name: str) -> str | None:
    """Filters an encoder needs at the end of the graph (VAAPI takes GPU surfaces)."""
    return "format=nv12,hwupload" if name == "h264_vaapi" else None


def _try_encoder(name: str) -> tuple[bool, str | None]:
    if name == "h264_vaapi" and not os.path.exists(VAAPI_DEVICE):
        return False, f"no {VAAPI_DEVICE}"
    if name == "h264_videotoolbox" and sys.platform != "darwin":
        return False, "macOS only"
    vf = ["-vf", upload_filter(name)] if upload_filter(name) else ["-pix_fmt", "yuv420p"]
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        *_hw_input_args(name),
        "-f",
        "lavfi",
        "-i",
        "color=c=gray:size=256x256:rate=25:duration=0.2",
        *vf,
        "-c:v",
        name,
        "-f",
        "null",
        "-",
    ]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=20, creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0)
        )
    except (subprocess.TimeoutExpired, OSError) as exc:
        return False, str(exc)
    if proc.returncode == 0:
        return True, None
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    return False, lines[0] if lines else f"exit code {proc.returncode}"


@functools.lru_cache(maxsize=1)
def detect_encoders() -> EncoderReport:
    listed = ffmpeg_info().encoders
    statuses = [
        EncoderStatus(
            name=SOFTWARE_ENCODER,
            hardware=False,
            listed=SOFTWARE_ENCODER in listed,
            works=SOFTWARE_ENCODER in listed,
            error=None if SOFTWARE_ENCODER in listed else "not in this ffmpeg build",
        )
    ]
    for name in HARDWARE_ENCODERS:
        if name not in listed:
            statuses.append(
                EncoderStatus(name=name, hardware=True, listed=False, works=False, error="not in this ffmpeg build")
            )
            continue
        ok, err = _try_encoder(name)
        statuses.append(EncoderStatus(name=name, hardware=True, listed=True, works=ok, error=err))
    hw = [s.name for s in statuses if s.hardware and s.works]
    return EncoderReport(encoders=statuses, default=hw[0] if hw else SOFTWARE_ENCODER)


#: Hardware encoders that passed the probe but then failed a real render, with why.
_broken: dict[str, str] = {}


def mark_broken(name: str, reason: str) -> None:
    """Stop offering ``name`` for the rest of this process (see render.plan.execute)."""
    _broken[name] = reason


def resolve_encoder(codec: str) -> str:
    """``auto`` -> the best working encoder; a named one that does not work -> libx264."""
    if codec == SOFTWARE_ENCODER:
        return codec
    working = [name for name in detect_encoders().working if name not in _broken]
    if codec == "auto":
        return next((name for name in working if name != SOFTWARE_ENCODER), SOFTWARE_ENCODER)
    return codec if codec in working else SOFTWARE_ENCODER


def video_codec_args(encoder: str, crf: int, preset: str) -> list[str]:
    """Quality settings in each encoder's own vocabulary (CRF-like constant quality)."""
    if encoder == "libx264":
        return ["-c:v", "libx264", "-preset", preset, "-crf", str(crf)]
    if encoder == "h264_nvenc":
        return ["-c:v", encoder, "-preset", "p4", "-rc", "vbr", "-cq", str(crf), "-b:v", "0"]
    if encoder == "h264_qsv":
        return ["-c:v", encoder, "-global_quality", str(crf)]
    if encoder == "h264_videotoolbox":
        # videotoolbox's -q:v runs 1..100 (higher is better); map CRF 18..35 roughly onto it.
        return ["-c:v", encoder, "-q:v", str(max(1, min(100, 100 - (crf - 10) * 3)))]
    if encoder == "h264_amf":
        return ["-c:v", encoder, "-rc", "cqp", "-qp_i", str(crf), "-qp_p", str(crf)]
    if encoder == "h264_vaapi":
        return ["-c:v", encoder, "-qp", str(crf)]
    return ["-c:v", encoder]


def hw_input_args(encoder: str) -> list[str]:
    return _hw_input_args(encoder)
