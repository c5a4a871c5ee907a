"""One HTTP downloader for everything Reframe fetches: models, update installers, Argos packages.

:func:`download` streams a URL into a partial file next to the destination and installs it
only once it is complete and verified:

- **resume**: the partial file survives a dropped connection, a retry and an app restart;
  the next attempt asks for the missing tail with ``Range`` (a server that ignores the
  header is detected and the file starts over);
- **size cap**: the body may never grow past the declared ``size`` or the hard
  ``max_bytes``; a server sending more is cut off, the partial file deleted, and no byte
  beyond the limit is ever written;
- **checksum**: the sha256 is computed while the bytes arrive (the resumed prefix is hashed
  once from disk); a mismatch deletes the partial file, since resuming a corrupt file
  would only reproduce the corruption;
- **timeouts**: ``timeout`` bounds connecting, ``stall_timeout`` the wait for the next
  bytes of a body, so a server that stops sending fails with a clear message instead of
  hanging;
- **retries** with exponential backoff for transient failures (dropped connections,
  timeouts, HTTP 408/429/5xx); an attempt that received bytes resets the count, so a long
  download over a poor line still finishes;
- **cancel**: the token is checked between chunks and, while a read is blocked, wakes it by
  shutting the socket down; the partial file stays for a later resume;
- **atomic install**: fsync, ``os.replace`` onto the destination, fsync of the folder.

Progress is reported as a fraction of the expected size (declared, or else the server's
``Content-Length``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

from .errors import CancelledError, ModelDownloadError, error_from_oserror
from .paths import file_sha256
from .progress import CancelToken, ProgressFn, as_progress, as_token

#: Statuses worth retrying: the request may well succeed a moment later.
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "Reframe"


class DownloadError(ModelDownloadError):
    """A download that failed for good (after retries, or for a reason retrying cannot fix).

    ``status`` is the HTTP status when the server answered with an error, so callers can
    tell "there is no such file" (404) from a broken connection.
    """

    def __init__(self, message: str, *, detail: str | None = None, status: int | None = None) -> None:
        super().__init__(message, detail=detail)
        self.status = status
        # A refusal such as 404 stays a refusal; everything else may pass on a later try.
        self.transient = status is None or status in TRANSIENT_STATUSES


class ChecksumMismatchError(DownloadError):
    """The bytes arrived but are not the file that was promised (the partial file is gone)."""

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.transient = False  # the same source would send the same wrong bytes


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    size: int
    sha256: str
    #: Bytes that were already on disk from an earlier, interrupted attempt or call.
    resumed_from: int = 0


class _Retry(Exception):
    """An attempt failed in a way the next attempt may fix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def download(
    url: str,
    dest: str | os.PathLike[str],
    *,
    sha256: str | None = None,
    size: int | None = None,
    max_bytes: int | None = None,
    partial: str | os.PathLike[str] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    client: httpx.Client | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
    stall_timeout: float = 60.0,
    attempts: int = 5,
    backoff: float = 0.5,
    label: str | None = None,
    stage: str | None = None,
) -> DownloadResult:
    """Download ``url`` to ``dest`` (resumable, capped, verified, atomic); see the module doc.

    ``size`` is the exact size the file must have; ``max_bytes`` a hard ceiling when the size
    is not known. ``partial`` is where the unfinished bytes live (default ``<dest>.part``).
    An existing ``dest`` that matches ``sha256`` (or ``size`` when no hash is known) is
    returned without a request. ``label`` names the file in messages, in lower case ("the
    update X.AppImage"); ``stage`` is the progress text.
    """
    dest = Path(dest)
    part = Path(partial) if partial is not None else dest.with_name(dest.name + ".part")
    name = label or dest.name
    expected = sha256.lower() if sha256 else None
    caps = [v for v in (size, max_bytes) if v is not None]
    limit = min(caps) if caps else None
    token, report = as_token(cancel), as_progress(progress)
    stage_text = stage or f"downloading {name}"
    existing = _verified_existing(dest, expected, size, token)
    if existing is not None:
        report(1.0, stage_text)
        return existing
    own_client = client is None
    http = client or httpx.Client(headers={"User-Agent": USER_AGENT})
    request_timeout = httpx.Timeout(timeout, read=stall_timeout)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        part.parent.mkdir(parents=True, exist_ok=True)
        # Identity encoding: the cap counts the bytes on the wire and Range offsets mean file offsets.
        request_headers = {"Accept-Encoding": "identity", **(headers or {})}
        fetch = _Fetch(http, url, part, limit, size, token, report, stage_text, name, request_timeout, request_headers)
        resumed_from = fetch.run(attempts=attempts, backoff=backoff, stall_timeout=stall_timeout)
        return _install(part, dest, fetch.sha.hexdigest(), fetch.have, expected, size, name, resumed_from)
    except OSError as exc:
        mapped = error_from_oserror(exc, dest)
        raise mapped or DownloadError(f"Could not save {name} to {dest.parent}: {exc.strerror or exc}.") from exc
    finally:
        if own_client:
            http.close()


def _verified_existing(dest: Path, sha256: str | None, size: int | None, token: CancelToken) -> DownloadResult | None:
    if not dest.is_file() or (sha256 is None and size is None):
        return None
    actual_size = dest.stat().st_size
    if size is not None and actual_size != size:
        return None
    digest = file_sha256(dest, token)
    if sha256 is not None and digest != sha256:
        return None
    return DownloadResult(path=dest, size=actual_size, sha256=digest)


def _install(
    part: Path,
    dest: Path,
    digest: str,
    got: int,
    expected: str | None,
    size: int | None,
    name: str,
    resumed_from: int,
) -> DownloadResult:
    if size is not None and got != size:
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"{_sentence(name)} arrived with the wrong size ({got:,} bytes instead of {size:,}); it was discarded. Retry.",
            detail=f"size {got} != {size}",
        )
    if expected is not None and digest != expected:
        part.unlink(missing_ok=True)  # resuming a corrupt file would only keep the corruption
        raise ChecksumMismatchError(
            f"{_sentence(name)} failed its checksum test, so it was discarded. Retry the download.",
            detail=f"expected sha256 {expected}, got {digest}",
        )
    with open(part, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(part, dest)
    _fsync_dir(dest.parent)
    return DownloadResult(path=dest, size=got, sha256=digest, resumed_from=resumed_from)


def _sentence(name: str) -> str:
    return name[:1].upper() + name[1:]


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open folders and needs no such step.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Fetch:
    """The attempts of one download; ``have`` bytes of ``part`` are hashed into ``sha``."""

    def __init__(
        self,
        client: httpx.Client,
        url: str,
        part: Path,
        limit: int | None,
        size: int | None,
        token: CancelToken,
        report: ProgressFn,
        stage: str,
        name: str,
        timeout: httpx.Timeout,
        headers: dict[str, str],
    ) -> None:
        self.client, self.url, self.part, self.limit, self.size = client, url, part, limit, size
        self.token, self.report, self.stage, self.name = token, report, stage, name
        self.timeout, self.headers = timeout, headers
        self.sha = hashlib.sha256()
        self.have = 0
        self.total: int | None = limit

    def run(self, *, attempts: int, backoff: float, stall_timeout: float) -> int:
        """Fetch until ``part`` holds the whole body; returns how many bytes an earlier call left."""
        self._adopt_partial()
        resumed_from = self.have
        failures = 0
        while True:
            self.token.raise_if_cancelled()
            before = self.have
            try:
                self._attempt(stall_timeout)
                return resumed_from
            except _Retry as exc:
                failures = 1 if self.have > before else failures + 1
                if failures >= attempts:
                    raise DownloadError(
                        f"Downloading {self.name} kept failing ({exc.reason}). Check the connection and "
                        "retry; the download resumes where it stopped.",
                        detail=f"GET {self.url}: {exc.reason} ({failures} attempts in a row)",
                    ) from exc
                if self.token.wait(min(30.0, backoff * 2 ** (failures - 1))):
                    raise CancelledError() from exc

    def _adopt_partial(self) -> None:
        if not self.part.is_file():
            return
        if self.limit is not None and self.part.stat().st_size > self.limit:
            self.part.unlink()  # left by a different file under the same name
            return
        with open(self.part, "rb") as fh:
            while chunk := fh.read(1 << 20):
                self.sha.update(chunk)
                self.have += len(chunk)
                self.token.raise_if_cancelled()

    def _restart(self) -> None:
        self.sha = hashlib.sha256()
        self.have = 0
        self.part.unlink(missing_ok=True)

    def _attempt(self, stall_timeout: float) -> None:
        if self.size is not None and self.have == self.size:
            return  # an earlier call got every byte; verification decides the rest
        headers = dict(self.headers)
        if self.have:
            headers["Range"] = f"bytes={self.have}-"
        try:
            with self.client.stream(
                "GET", self.url, headers=headers, timeout=self.timeout, follow_redirects=True
            ) as resp:
                if self._accept(resp):
                    self._receive(resp)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ReadTimeout):
                raise _Retry(f"the server sent nothing for {stall_timeout:g} s") from exc
            raise _Retry(f"timed out: {exc}") from exc
        except httpx.TransportError as exc:
            self.token.raise_if_cancelled()  # a cancel shuts the socket down: report the cancel
            raise _Retry(f"connection lost: {exc or type(exc).__name__}") from exc
        except httpx.HTTPError as exc:  # too many redirects and the like: retrying will not help
            raise DownloadError(f"Downloading {self.name} failed: {exc}.", detail=f"GET {self.url}: {exc!r}") from exc

    def _accept(self, resp: httpx.Response) -> bool:
        """Check the status and position; False when the body needs no reading."""
        status = resp.status_code
        if status == 416 and self.have:
            if _complete_size(resp) == self.have:
                return False  # the earlier attempt had already received everything
            self._restart()  # the partial file does not fit the remote file: start over
            raise _Retry("the server refused to resume")
        if status in TRANSIENT_STATUSES:
            raise _Retry(f"HTTP {status}")
        if status not in (200, 206):
            raise DownloadError(
                f"The server refused {self.name} (HTTP {status}).", detail=f"GET {self.url} -> {status}", status=status
            )
        if status == 200 or _range_start(resp) != self.have:
            self._restart()  # the server ignored our Range: the body is the whole file
        length = resp.headers.get("content-length")
        if length is not None and length.isdigit():
            announced = self.have + int(length)
            self._check_limit(announced)
            self.total = self.total or announced
        return True

    def _check_limit(self, size: int) -> None:
        if self.limit is not None and size > self.limit:
            self._restart()
            raise DownloadError(
                f"{_sentence(self.name)} is larger than expected (more than {self.limit:,} bytes), so the download "
                "was stopped and discarded.",
                detail=f"GET {self.url}: body exceeds {self.limit} bytes",
            )

    def _receive(self, resp: httpx.Response) -> None:
        with _interrupt_on_cancel(resp, self.token), open(self.part, "ab") as fh:
            for chunk in resp.iter_raw():  # as the bytes arrive: a fixed chunk size would hold some back
                self.token.raise_if_cancelled()
                self._check_limit(self.have + len(chunk))
                self._write(fh, chunk)
            fh.flush()
        self.token.raise_if_cancelled()

    def _write(self, fh: BinaryIO, chunk: bytes) -> None:
        fh.write(chunk)  # unbuffered position bookkeeping: every byte that arrived is kept
        self.sha.update(chunk)
        self.have += len(chunk)
        if self.total:
            self.report(min(1.0, self.have / self.total), self.stage)


def _complete_size(resp: httpx.Response) -> int:
    # A 416 answer says "bytes */<size>".
    value = resp.headers.get("content-range", "")
    tail = value.rpartition("/")[2]
    return int(tail) if tail.isdigit() else -1


def _range_start(resp: httpx.Response) -> int:
    # "bytes 100-199/200" -> 100; anything unreadable counts as "not where we asked".
    value = resp.headers.get("content-range", "")
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return -1


@contextlib.contextmanager
def _interrupt_on_cancel(resp: httpx.Response, token: CancelToken) -> Iterator[None]:
    """While the body is read, a cancel shuts the socket down, which wakes a blocked read at
    once (closing it from another thread would not on Linux)."""
    stream = resp.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    active = threading.Event()
    active.set()

    def interrupt() -> None:
        if active.is_set() and isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    token.on_cancel(interrupt)
    try:
        yield
    finally:
        active.clear()
