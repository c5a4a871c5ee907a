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


def built_model_dirs(kind: str, override_env: str) -> list[Path]:
    """Where a model that is built, never committed, is looked for, in order: the folder named
    by ``override_env``, the user's models folder (setup.sh builds it there), then the bundle's
    resources (build.sh stages it there)."""
    from .paths import models_dir

    override = os.environ.get(override_env)
    return [*([Path(override)] if override else []), models_dir() / kind, resource("models", kind)]
