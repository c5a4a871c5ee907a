"""Escaping of file paths inside ffmpeg filtergraphs (the classic ``subtitles=`` bug).

A path inside a filter option goes through TWO parsers (ffmpeg-filters manual,
"Notes on filtergraph escaping"):

1. the filter's option parser splits ``key=value:key=value`` and treats ``\\``, ``'``
   and ``:`` specially, so the value is escaped first for that level;
2. the filtergraph parser splits chains and filters on ``[ ] , ;`` and also
   un-escapes ``\\`` and ``'``, so the already escaped value is escaped again.

Quoting with ``'...'`` would be shorter but a quote inside the path cannot be written
within quotes, so plain backslash escaping is used for every special character.
Non-ASCII needs no escaping: the graph is passed as one argv element (UTF-8).
"""

from __future__ import annotations

import os
from pathlib import Path

_OPTION_SPECIALS = "\\':"
_GRAPH_SPECIALS = "\\'[],;"


def _backslash(value: str, specials: str) -> str:
    return "".join("\\" + ch if ch in specials else ch for ch in value)


def escape_option_value(value: str) -> str:
    """First level: a value as the filter's own option parser must see it."""
    return _backslash(value, _OPTION_SPECIALS)


def escape_graph_text(value: str) -> str:
    """Second level: protect an option string from the filtergraph parser."""
    return _backslash(value, _GRAPH_SPECIALS)


def filter_path(path: str | os.PathLike) -> str:
    """A path ready to be written after ``filename=`` / ``fontsdir=`` in a filtergraph.

    Windows paths use forward slashes: libass and libavformat accept them and it
    keeps drive-letter colons and backslash separators from doubling the escaping.
    """
    text = os.fspath(Path(path).resolve())
    if os.name == "nt":
        text = text.replace("\\", "/")
    return escape_graph_text(escape_option_value(text))
