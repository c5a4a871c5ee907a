"""A video link instead of a file: download it with yt-dlp, once per URL.

yt-dlp knows YouTube, Vimeo and the other sites people link to, and its generic extractor
takes a direct ``.mp4`` address, so Reframe writes no site code of its own. What this
module adds is what a desktop job needs around it: a size and duration check before the
bytes arrive (and a hard cap while they arrive, for servers that lie), progress, a cancel
that stops within a chunk, a stall timeout, one readable line for every failure, and a
cache keyed by URL so the same link given twice is downloaded once.

A download lands in a private temporary folder and is moved into the cache only when it
is complete, so a cancelled or failed download never looks like a finished file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from .errors import CancelledError, InvalidParameterError, ReframeError
from .paths import data_dir, write_text_atomic
from .progress import CancelToken, LogFn, ProgressFn, as_progress, as_token

GIB = 1 << 30


class UrlDownloadError(ReframeError):
    """The link could not be turned into a local video (network, site, or content)."""

    code = "url_download_failed"


class UrlNetworkError(UrlDownloadError):
    code = "url_network"
    # A dropped connection or a stalled server may well work on the next attempt.
    transient = True


class UrlFetchOptions(BaseModel):
    """Limits for one download; the defaults suit a long talk at 1080p."""

    max_bytes: int = 8 * GIB
    max_duration: float = 6 * 3600.0
    #: Seconds without a byte before the connection counts as stalled.
    timeout: float = 30.0
    #: Extra attempts after a dropped or stalled connection (each resumes where it stopped).
    retries: int = 2
    #: yt-dlp format selection: the best single file with audio, so no merge step is needed.
    format: str = "best[acodec!=none]/best"


class UrlSource(BaseModel):
    url: str
    path: Path
    title: str
    duration: float | None = None
    size: int
    extractor: str = ""
    #: True when the file came from the cache of an earlier download of the same URL.
    reused: bool = False


def is_url(value: object) -> bool:
    """``http(s)://host/...``: what a user pastes from a browser's address bar."""
    if not isinstance(value, str):
        return False
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def downloads_dir() -> Path:
    path = data_dir() / "downloads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _cache_folder(url: str) -> Path:
    return downloads_dir() / hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]


def cached_source(url: str) -> UrlSource | None:
    """The earlier download of ``url``, if it is still complete on disk."""
    record = _cache_folder(url) / "source.json"
    try:
        source = UrlSource.model_validate_json(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        if source.url != url or source.path.stat().st_size != source.size:
            return None
    except OSError:
        return None
    return source.model_copy(update={"reused": True})


def resolve_input(
    value: str | os.PathLike,
    options: UrlFetchOptions | None = None,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> Path:
    """A local path for ``value``: the value itself, or the downloaded file when it is a link."""
    if is_url(value):
        return fetch_url(str(value), options, progress=progress, cancel=cancel, log=log).path
    return Path(value)


def fetch_url(
    url: str,
    options: UrlFetchOptions | None = None,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> UrlSource:
    """Download the video at ``url`` into the downloads cache (or reuse it) and describe it."""
    url = url.strip()
    if not is_url(url):
        raise InvalidParameterError(f"Not a web address: {url!r}. Use an http:// or https:// link.")
    options = options or UrlFetchOptions()
    report, token = as_progress(progress), as_token(cancel)
    say = log or (lambda message: None)
    say(f"source URL: {url}")
    cached = cached_source(url)
    if cached is not None:
        say(f"reusing the earlier download: {cached.path.name} ({cached.size:,} bytes)")
        report(1.0, "downloading")
        return cached

    import yt_dlp

    folder = _cache_folder(url)
    staging = downloads_dir() / f".part-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    hook = _ProgressHook(options, report, token)
    params: dict[str, Any] = {
        "outtmpl": str(staging / "%(title).80B [%(id).40B].%(ext)s"),
        "format": options.format,
        "noplaylist": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "socket_timeout": options.timeout,
        "retries": options.retries,
        "fragment_retries": options.retries,
        "progress_hooks": [hook],
        "logger": _QuietLogger(say),
        "restrictfilenames": False,
        "windowsfilenames": True,
        "overwrites": True,
        "cachedir": False,
    }
    try:
        with yt_dlp.YoutubeDL(params) as ydl:
            report(0.0, "looking up the video")
            info = _extract(ydl, url, download=False)
            token.raise_if_cancelled()
            _check_before_download(url, info, options, say)
            report(0.02, "downloading")
            info = _run(ydl, url, lambda: ydl.process_ie_result(info, download=True))
            downloaded = _downloaded_file(info, staging)
        size = downloaded.stat().st_size
        if size > options.max_bytes:
            raise UrlDownloadError(_too_large(url, size, options.max_bytes))
        source = _install(url, info, downloaded, size, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    say(
        f"downloaded {source.path.name}: {source.size:,} bytes"
        + (f", {source.duration:.1f} s" if source.duration else "")
    )
    report(1.0, "downloading")
    return source


class _QuietLogger:
    """yt-dlp's messages go to the job log, not to stderr of a desktop app."""

    def __init__(self, say: LogFn):
        self.say = say

    def debug(self, message: str) -> None:
        if not message.startswith("[debug] "):
            self.say(f"yt-dlp: {message}")

    def info(self, message: str) -> None:
        self.say(f"yt-dlp: {message}")

    def warning(self, message: str) -> None:
        self.say(f"yt-dlp warning: {message}")

    def error(self, message: str) -> None:
        self.say(f"yt-dlp error: {message}")


class _ProgressHook:
    """Progress, cancel and the byte cap, checked on every chunk yt-dlp writes."""

    def __init__(self, options: UrlFetchOptions, report, token: CancelToken):
        self.options, self.report, self.token = options, report, token

    def __call__(self, status: dict[str, Any]) -> None:
        self.token.raise_if_cancelled()
        total = status.get("total_bytes") or status.get("total_bytes_estimate")
        done = status.get("downloaded_bytes") or 0
        cap = self.options.max_bytes
        if (total and total > cap) or done > cap:
            raise UrlDownloadError(
                _too_large(status.get("info_dict", {}).get("webpage_url", "this link"), max(total or 0, done), cap)
            )
        if total:
            self.report(0.02 + 0.97 * min(1.0, done / total), "downloading")


def _too_large(url: str, size: int, cap: int) -> str:
    return f"The video at {url} is {size / GIB:.2f} GiB, more than the {cap / GIB:.2f} GiB limit for downloads."


def _extract(ydl, url: str, *, download: bool) -> dict[str, Any]:
    return _run(ydl, url, lambda: ydl.extract_info(url, download=download))


def _run(ydl, url: str, call):
    from yt_dlp.utils import DownloadError, ExtractorError

    try:
        result = call()
    except (CancelledError, UrlDownloadError):
        raise
    except (DownloadError, ExtractorError) as exc:
        cause = getattr(exc, "exc_info", None)
        inner = cause[1] if cause and len(cause) > 1 else None
        if isinstance(inner, (CancelledError, UrlDownloadError)):
            raise inner from None
        raise _readable_error(url, exc, inner) from exc
    if result is None:
        raise UrlDownloadError(f"Nothing could be downloaded from {url}.")
    if result.get("_type") == "playlist" or result.get("entries") is not None:
        raise UrlDownloadError(f"{url} is a playlist or a channel; paste the link of one video.")
    return result


def _readable_error(url: str, exc: Exception, inner: BaseException | None) -> UrlDownloadError:
    text = str(exc)
    lowered = text.lower()
    network_types: tuple[type[BaseException], ...] = (TimeoutError, ConnectionError, OSError)
    try:
        from yt_dlp.networking.exceptions import HTTPError, TransportError

        if isinstance(inner, HTTPError):
            status = inner.status
            if status in (401, 403):
                return UrlDownloadError(
                    f"The server refused access to {url} (HTTP {status}): the video may be private."
                )
            if status in (404, 410):
                return UrlDownloadError(f"No video at {url} (HTTP {status}): it was removed or the link is wrong.")
            return UrlNetworkError(f"The server failed while sending {url} (HTTP {status}); try again later.")
        network_types = (*network_types, TransportError)
    except ImportError:  # an older yt-dlp without the networking package
        pass
    if "unsupported url" in lowered:
        return UrlDownloadError(
            f"No video found at {url}: it is neither a video file nor a page of a site Reframe can download from."
        )
    if "private" in lowered or "sign in" in lowered or "login" in lowered or "members" in lowered:
        return UrlDownloadError(f"The video at {url} is private or needs a sign-in, so it cannot be downloaded.")
    if "unavailable" in lowered or "removed" in lowered or "does not exist" in lowered:
        return UrlDownloadError(f"The video at {url} is not available (removed, or the link is wrong).")
    if isinstance(inner, network_types) or "timed out" in lowered or "connection" in lowered:
        reason = str(inner or text).removeprefix("ERROR: ").strip()
        return UrlNetworkError(
            f"Downloading {url} failed: the connection failed or stalled ({reason}). Check the network and try again.",
            detail=text,
        )
    return UrlDownloadError(f"Downloading {url} failed: {text.removeprefix('ERROR: ').strip()}", detail=text)


def _check_before_download(url: str, info: dict[str, Any], options: UrlFetchOptions, say: LogFn) -> None:
    if info.get("is_live"):
        raise UrlDownloadError(f"{url} is a live stream; wait until it has ended and is available as a video.")
    size = info.get("filesize") or info.get("filesize_approx")
    if size and size > options.max_bytes:
        raise UrlDownloadError(_too_large(url, int(size), options.max_bytes))
    duration = info.get("duration") or _remote_duration(info.get("url"), options.timeout)
    if duration:
        info["duration"] = duration
        say(f"duration {duration:.1f} s" + (f", about {size:,} bytes" if size else ""))
        if duration > options.max_duration:
            raise UrlDownloadError(
                f"The video at {url} lasts {duration / 3600:.1f} h, longer than the "
                f"{options.max_duration / 3600:.1f} h limit for downloads."
            )


def _remote_duration(media_url: object, timeout: float) -> float | None:
    """A direct link names no duration; the container header says it without the whole file."""
    if not is_url(media_url):
        return None
    import av

    try:
        with av.open(str(media_url), timeout=timeout, metadata_errors="ignore") as container:
            if container.duration:
                return container.duration / 1_000_000
    except (av.FFmpegError, OSError, ValueError):
        return None  # not fatal: the local probe after the download checks the file again
    return None


def _downloaded_file(info: dict[str, Any], staging: Path) -> Path:
    for item in info.get("requested_downloads") or []:
        path = item.get("filepath")
        if path and Path(path).is_file():
            return Path(path)
    files = [p for p in staging.iterdir() if p.is_file() and not p.name.endswith((".part", ".ytdl"))]
    if len(files) == 1:
        return files[0]
    raise UrlDownloadError(f"The download of {info.get('webpage_url') or 'the link'} produced no video file.")


def _install(url: str, info: dict[str, Any], downloaded: Path, size: int, folder: Path) -> UrlSource:
    # Replacing a whole earlier folder (a partial record, a different title) keeps one file per URL.
    if folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / downloaded.name
    os.replace(downloaded, final)
    source = UrlSource(
        url=url,
        path=final,
        title=str(info.get("title") or final.stem),
        duration=info.get("duration"),
        size=size,
        extractor=str(info.get("extractor") or ""),
    )
    write_text_atomic(folder / "source.json", json.dumps(source.model_dump(mode="json"), indent=2))
    return source
