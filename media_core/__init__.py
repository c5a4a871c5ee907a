"""Reframe's engine: transcription, subtitles, rendering, translation, shorts and jobs.

Qt-free by design: the desktop app, the CLI and the HTTP API all call this same code.
"""

from __future__ import annotations


def _version() -> str:
    """The version in ``pyproject.toml``, the one source of truth.

    A checkout reads it from the file beside the package (so an editable install of another
    tree cannot report a stale number); an installed wheel and the frozen app (whose build
    stamps a ``reframe-<version>.dist-info`` into the bundle) read the package metadata.
    """
    from pathlib import Path

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        with pyproject.open("rb") as fh:
            project = tomllib.load(fh).get("project", {})
        if project.get("name") == "reframe" and project.get("version"):
            return str(project["version"])
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("reframe")
    except PackageNotFoundError:
        return "0+unknown"


__version__ = _version()
