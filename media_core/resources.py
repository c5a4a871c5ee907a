"""Where packaged data (fonts, presets, the bundled sample, icons) lives.

The top-level ``resources/`` folder sits beside the packages in a checkout and an
editable install; a PyInstaller bundle puts it under ``sys._MEIPASS``.
``REFRAME_RESOURCES`` overrides both (portable installs, packagers).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    override = os.environ.get("REFRAME_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
