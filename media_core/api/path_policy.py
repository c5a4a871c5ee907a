"""Which files a job submitted over HTTP may read and write (model: the Ollama path CVEs).

The desktop and the CLI act for the user and may name any path; an HTTP client may not.
For API jobs:

- every file a job *reads* must resolve (symlinks and ``..`` included) inside an allowed
  input root: the API's uploads folder, the outputs folder, or a folder the user allowed
  in Settings (``api.input_folders``);
- every file or folder a job *writes* must resolve inside the outputs folder;
- raw ffmpeg arguments, ``lavfi`` filter-graph inputs and cloud endpoints (which would
  carry the user's API key to any host) are refused; ``ffmpeg_transcode`` accepts a small
  allow-list of encoder options instead;
- a job type without an entry in :data:`POLICIES` is not available over HTTP at all.

:func:`check_api_params` is called by the API route before the job manager sees the
params. It inspects the JSON params as submitted, by job type, from one declarative table.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ReframeError
from ..paths import data_dir, outputs_dir


class PathNotAllowedError(ReframeError):
    """HTTP 403: the request names a file or an option an API client may not use."""

    code = "path_not_allowed"


@dataclass(frozen=True)
class JobPathPolicy:
    """Dotted field names (``a.b``; ``a[].b`` for every item of list ``a``) per role."""

    #: Files or folders the job reads.
    inputs: tuple[str, ...] = ()
    #: Files or folders the job writes.
    outputs: tuple[str, ...] = ()
    #: Files the job reads *and* rewrites in place (a shorts manifest): outputs folder only.
    in_place: tuple[str, ...] = ()
    #: Fields an API client may not set at all (value: why, shown in the 403).
    forbidden: tuple[tuple[str, str], ...] = ()
    #: Read only when the value looks like a path (``model`` is a name or a model folder).
    maybe_paths: tuple[str, ...] = ()
    #: A field holding extra ffmpeg output arguments, checked against :data:`SAFE_FFMPEG_OPTIONS`.
    ffmpeg_args: str | None = None


_CLOUD = "Cloud endpoints come from Reframe's Settings, never from an API request."
_RAW_FFMPEG = "Filter-graph (lavfi) inputs are not accepted over the API."
_CLIP_PATHS = tuple(f"clips[].{name}" for name in ("video_path", "srt_path", "ass_path", "thumbnail_path"))

POLICIES: dict[str, JobPathPolicy] = {
    "ffmpeg_transcode": JobPathPolicy(
        inputs=("input",), outputs=("output",), forbidden=(("lavfi", _RAW_FFMPEG),), ffmpeg_args="args"
    ),
    "captions": JobPathPolicy(
        inputs=("input",),
        outputs=("output_dir", "out_dir"),
        maybe_paths=("model", "transcription.model"),
    ),
    "translate_subtitles": JobPathPolicy(
        inputs=("input", "path"),
        outputs=("out", "out_dir"),
        forbidden=(("cloud_base_url", _CLOUD), ("translator", "Translators are chosen by name (backend).")),
    ),
    "translate_shorts": JobPathPolicy(
        in_place=("input", "manifest_path"),
        forbidden=(("cloud_base_url", _CLOUD), ("translator", "Translators are chosen by name (backend).")),
    ),
    "render_styled": JobPathPolicy(inputs=("input", "subtitles.path", "subtitles.fonts_dir"), outputs=("output",)),
    "burn": JobPathPolicy(inputs=("input", "video", "subs", "fonts_dir"), outputs=("out",)),
    "merge_av": JobPathPolicy(inputs=("input", "video", "audio"), outputs=("out",)),
    "cut": JobPathPolicy(inputs=("input", "video"), outputs=("out",)),
    "reframe": JobPathPolicy(inputs=("input", "video"), outputs=("out",)),
    "shorts": JobPathPolicy(
        inputs=("input",),
        outputs=("output_dir", "output_root", *_CLIP_PATHS),
        forbidden=(("llm", _CLOUD),),
        maybe_paths=("transcription.model",),
    ),
    "transcript_cut": JobPathPolicy(
        inputs=("input", "video", "transcript"), outputs=("output",), maybe_paths=("transcription.model",)
    ),
    "shorts_rerender": JobPathPolicy(in_place=("input", "manifest")),
    "shorts_export": JobPathPolicy(in_place=("input", "manifest"), outputs=("output_dir",)),
}

#: ffmpeg output options an API client may pass to ``ffmpeg_transcode`` (option → value pattern).
SAFE_FFMPEG_OPTIONS: dict[str, re.Pattern[str] | None] = {
    # No libaom-av1: the Linux installer's FFmpeg leaves libaom out (software AV1 at a frame
    # or two per second is no transcode to offer); every encoder here is in every installer.
    "-c:v": re.compile(r"libx264|libx265|libvpx-vp9|mpeg4|copy"),
    "-c:a": re.compile(r"aac|libopus|libmp3lame|flac|pcm_s16le|copy"),
    "-preset": re.compile(r"ultrafast|superfast|veryfast|faster|fast|medium|slow|slower|veryslow"),
    "-crf": re.compile(r"\d{1,2}"),
    "-b:v": re.compile(r"\d{1,6}[kM]?"),
    "-b:a": re.compile(r"\d{1,4}k"),
    "-r": re.compile(r"\d{1,3}(\.\d{1,3})?"),
    "-ar": re.compile(r"8000|16000|22050|24000|32000|44100|48000"),
    "-ac": re.compile(r"[1-8]"),
    "-pix_fmt": re.compile(r"yuv420p|yuv422p|yuv444p"),
    "-t": re.compile(r"\d{1,6}(\.\d{1,3})?"),
    "-an": None,
    "-vn": None,
    "-sn": None,
}

_ABSOLUTE = re.compile(r"^(/|~|\\\\|[A-Za-z]:[\\/])")


def upload_root() -> Path:
    """Where ``POST /files`` stores uploads (one random folder per upload)."""
    from ..paths import shared_dir

    shared = shared_dir()  # cluster workers must read uploads too
    return (shared if shared is not None else data_dir()) / "uploads"


def _real(path: str | os.PathLike) -> Path:
    """The path as the OS will open it: ``~``, ``..`` and every symlink resolved."""
    return Path(os.path.realpath(os.path.expanduser(os.fspath(path))))


def input_roots(extra: Iterable[str] = ()) -> list[Path]:
    folders: list[str | Path] = [upload_root(), outputs_dir(), *[e for e in extra if str(e).strip()]]
    return [_real(p) for p in folders]


def output_root() -> Path:
    return _real(outputs_dir())


def is_under(path: str | os.PathLike, root: Path) -> bool:
    return _real(path).is_relative_to(root)


def _values(params: Any, dotted: str) -> Iterator[tuple[str, Any]]:
    """(display name, value) of every value the dotted name reaches (``a[].b`` walks lists)."""
    head, _, rest = dotted.partition(".")
    if not isinstance(params, dict):
        return
    if head.endswith("[]"):
        items = params.get(head[:-2])
        if isinstance(items, list):
            for i, item in enumerate(items):
                for name, value in _values(item, rest):
                    yield f"{head[:-2]}[{i}].{name}", value
        return
    if head not in params:
        return
    value = params[head]
    if rest:
        for name, inner in _values(value, rest):
            yield f"{head}.{name}", inner
    else:
        yield head, value


def _paths_in(value: Any) -> list[str]:
    if isinstance(value, (str, os.PathLike)):
        return [os.fspath(value)] if os.fspath(value) else []
    if isinstance(value, list):
        return [os.fspath(v) for v in value if isinstance(v, (str, os.PathLike)) and os.fspath(v)]
    return []


def _looks_like_path(text: str) -> bool:
    return bool(_ABSOLUTE.match(text)) or "/" in text or "\\" in text or text.startswith(".")


def _declared(policy: JobPathPolicy) -> set[str]:
    names = {*policy.inputs, *policy.outputs, *policy.in_place, *policy.maybe_paths}
    return {n.replace("[]", "") for n in names} | ({policy.ffmpeg_args} if policy.ffmpeg_args else set())


def _walk_strings(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield prefix, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _walk_strings(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _walk_strings(inner, f"{prefix}[{i}]" if prefix else f"[{i}]")


def _undeclared_name(name: str) -> str:
    return re.sub(r"\[\d+\]", "", name)


def check_ffmpeg_args(args: Any) -> None:
    """Only :data:`SAFE_FFMPEG_OPTIONS`, each followed by a value its pattern accepts."""
    if args in (None, []):
        return
    if not isinstance(args, list):
        raise PathNotAllowedError("'args' must be a list of ffmpeg options.")
    items = [str(a) for a in args]
    i = 0
    while i < len(items):
        option = items[i]
        if option not in SAFE_FFMPEG_OPTIONS:
            allowed = ", ".join(SAFE_FFMPEG_OPTIONS)
            raise PathNotAllowedError(
                f"The ffmpeg option {option!r} is not accepted over the API (allowed: {allowed})."
            )
        pattern = SAFE_FFMPEG_OPTIONS[option]
        if pattern is None:
            i += 1
            continue
        if i + 1 >= len(items) or not pattern.fullmatch(items[i + 1]):
            raise PathNotAllowedError(f"The ffmpeg option {option} needs a value like the ones Reframe offers.")
        i += 2


def check_api_params(job_type: str, params: dict[str, Any], *, extra_input_roots: Iterable[str] = ()) -> None:
    """Raise :class:`PathNotAllowedError` unless an API client may run ``job_type`` with ``params``."""
    policy = POLICIES.get(job_type)
    if policy is None:
        raise PathNotAllowedError(f"The job type {job_type!r} is not available over the HTTP API.")
    if not isinstance(params, dict):
        raise PathNotAllowedError("Job parameters must be a JSON object.")
    for name, why in policy.forbidden:
        for shown, value in _values(params, name):
            if value not in (None, False, "", [], {}):
                raise PathNotAllowedError(f"'{shown}' cannot be set over the API. {why}")
    if policy.ffmpeg_args:
        check_ffmpeg_args(params.get(policy.ffmpeg_args))

    readable = input_roots(extra_input_roots)
    writable = output_root()
    for name in policy.inputs:
        for shown, value in _values(params, name):
            for path in _paths_in(value):
                _require(path, readable, shown, "read")
    for name in policy.maybe_paths:
        for shown, value in _values(params, name):
            if isinstance(value, str) and _looks_like_path(value):
                _require(value, readable, shown, "read")
    for name in policy.outputs:
        for shown, value in _values(params, name):
            for path in _paths_in(value):
                _require(path, [writable], shown, "write")
    for name in policy.in_place:
        for shown, value in _values(params, name):
            for path in _paths_in(value):
                _require(path, [writable], shown, "update")
    # Defence in depth: a path in a field the table does not know is refused, not ignored.
    declared = _declared(policy)
    for shown, text in _walk_strings(params):
        if _undeclared_name(shown) not in declared and _ABSOLUTE.match(text):
            raise PathNotAllowedError(f"'{shown}' names a file, which this job type does not take over the API.")


def _require(path: str, roots: list[Path], shown: str, verb: str) -> None:
    if "\x00" in path:
        raise PathNotAllowedError(f"'{shown}' is not a valid path.")
    real = _real(path)
    if not any(real.is_relative_to(root) for root in roots):
        where = (
            "the outputs folder" if verb != "read" else "uploads, the outputs folder or a folder allowed in Settings"
        )
        raise PathNotAllowedError(
            f"'{shown}': an API job may only {verb} files inside {where}.", detail=f"{path} resolves to {real}"
        )
