"""What a bug report needs to know about this installation, as plain text.

Version, platform, the ffmpeg in use (its version and whether it has libass), the speech
models present, GPU and video encoders, and the data folders. Shared by the desktop's
"Copy debug info" and ``reframe debug-info``. Every part is gathered on its own: a part
that fails says why in its line instead of hiding the others.
"""

from __future__ import annotations

import importlib.metadata
import platform
import shutil
import sys
from collections.abc import Callable

from pydantic import BaseModel

#: Packages whose versions explain most engine behaviour; the installers carry their metadata.
REPORTED_PACKAGES = (
    "PySide6-Essentials",
    "faster-whisper",
    "ctranslate2",
    "av",
    "pysubs2",
    "yt-dlp",
    "imageio-ffmpeg",
    "pydantic",
)


class DebugInfo(BaseModel):
    #: (section title, [(label, value)]) in display order.
    sections: list[tuple[str, list[tuple[str, str]]]]

    def value(self, section: str, label: str) -> str | None:
        for title, rows in self.sections:
            if title == section:
                return dict(rows).get(label)
        return None

    def to_text(self) -> str:
        out = []
        for title, rows in self.sections:
            out.append(f"## {title}")
            out += [f"{label}: {value}" for label, value in rows]
            out.append("")
        return "\n".join(out).rstrip() + "\n"


def _safe(gather: Callable[[], list[tuple[str, str]]], what: str) -> list[tuple[str, str]]:
    try:
        return gather()
    except Exception as exc:  # a broken part is reported, never fatal: this is for bug reports
        return [(what, f"unavailable ({type(exc).__name__}: {exc})")]


def _app() -> list[tuple[str, str]]:
    from . import __version__

    rows = [
        ("Reframe", __version__),
        ("Python", f"{platform.python_version()} ({sys.executable})"),
        ("Platform", f"{platform.platform()} ({platform.machine()})"),
    ]
    for name in REPORTED_PACKAGES:
        try:
            rows.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            rows.append((name, "not installed"))
    return rows


def _ffmpeg() -> list[tuple[str, str]]:
    import av

    from .ffmpeg import ffmpeg_info

    info = ffmpeg_info()
    burn = {"subtitles", "ass"} & info.filters
    return [
        ("path", info.path),
        ("version", info.version),
        # The Linux installers build both from one FFmpeg; elsewhere PyAV brings its own.
        ("FFmpeg libraries PyAV decodes with", av.ffmpeg_version_info),
        (
            "libass",
            f"yes (filters: {', '.join(sorted(burn))})" if info.has_libass else "NO: burned-in captions will not work",
        ),
    ]


def _encoders() -> list[tuple[str, str]]:
    from .render.encoders import detect_encoders

    report = detect_encoders()
    rows = [
        (e.name, ("works" if e.works else f"not usable ({e.error or 'not listed'})") + (" · GPU" if e.hardware else ""))
        for e in report.encoders
    ]
    rows.append(("default", report.default))
    try:
        import ctranslate2

        rows.append(("CUDA devices (speech models)", str(ctranslate2.get_cuda_device_count())))
    except Exception as exc:
        rows.append(("CUDA devices (speech models)", f"unknown ({exc})"))
    return rows


def _models() -> list[tuple[str, str]]:
    from .model_store import list_models

    installed = [m for m in list_models() if m.installed]
    if not installed:
        return [("speech models", "none installed")]
    return [(f"{m.name} ({m.kind})", f"{m.source}: {m.path}") for m in installed]


def _translation() -> list[tuple[str, str]]:
    apertium = shutil.which("apertium")
    rows = [("apertium", apertium or "not installed")]
    try:
        rows.append(("argostranslate", importlib.metadata.version("argostranslate")))
    except importlib.metadata.PackageNotFoundError:
        rows.append(("argostranslate", "not installed"))
    return rows


def _folders() -> list[tuple[str, str]]:
    from .paths import cache_dir, config_dir, data_dir, models_dir, outputs_dir

    rows = [
        ("data", str(data_dir())),
        ("config", str(config_dir())),
        ("cache", str(cache_dir())),
        ("models", str(models_dir())),
        ("outputs", str(outputs_dir())),
    ]
    usage = shutil.disk_usage(data_dir())
    rows.append(("free disk", f"{usage.free / 1e9:.1f} GB of {usage.total / 1e9:.1f} GB"))
    return rows


def collect_debug_info() -> DebugInfo:
    """Everything above, gathered now (runs ffmpeg a few times: call it off a UI thread)."""
    return DebugInfo(
        sections=[
            ("Reframe", _safe(_app, "version")),
            ("ffmpeg", _safe(_ffmpeg, "ffmpeg")),
            ("GPU and encoders", _safe(_encoders, "encoders")),
            ("Speech models", _safe(_models, "models")),
            ("Translation", _safe(_translation, "translation")),
            ("Data folders", _safe(_folders, "folders")),
        ]
    )
