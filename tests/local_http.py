"""A real HTTP server on 127.0.0.1 serving files, for the download code's tests.

It answers like the Hugging Face hub and GitHub release assets do: HEAD with the
hub's ``X-Linked-Size`` (and ``X-Linked-Etag`` = sha256 for the paths in ``etags``),
GET with ``Range`` for resuming. ``delay`` slows every 64 KiB so a test can cancel
half-way, and ``drop_once`` cuts a path's first full GET off in the middle, the way a
dropped connection does. For the downloader's failure cases: ``status_once`` answers a
path's next GET with an error status (``status_always`` every GET), ``stall`` sends the
first half of a body and then nothing until the server closes, ``endless`` streams without a length until the client hangs up, and
``ignore_range`` answers ``Range`` requests with the whole body.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 1 << 16


class FileServer:
    def __init__(self, files: dict[str, bytes] | None = None, *, delay: float = 0.0):
        #: URL path → body; may be changed while the server runs.
        self.files: dict[str, bytes] = dict(files or {})
        #: URL path → sha256 sent as X-Linked-Etag on HEAD (what the hub does for LFS files).
        self.etags: dict[str, str] = {}
        self.drop_once: set[str] = set()
        self.delay = delay
        self.status_once: dict[str, int] = {}
        self.status_always: dict[str, int] = {}
        self.stall: set[str] = set()
        self.endless: set[str] = set()
        self.ignore_range: set[str] = set()
        #: Set when a stalled response has sent its first half (and so a client got bytes).
        self.stalled = threading.Event()
        self._release = threading.Event()
        #: (method, path, Range header) of every request, in order.
        self.requests: list[tuple[str, str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _lookup(self, method: str) -> bytes | None:
                server.requests.append((method, self.path, self.headers.get("Range")))
                body = server.files.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                return body

            def _headers(self, length: int, status: int = 200, extra: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(length))
                self.send_header("Accept-Ranges", "bytes")
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()

            def do_HEAD(self):
                body = self._lookup("HEAD")
                if body is not None:
                    extra = {"X-Linked-Size": str(len(body))}
                    if self.path in server.etags:
                        extra["X-Linked-Etag"] = f'"{server.etags[self.path]}"'
                    self._headers(len(body), extra=extra)

            def do_GET(self):
                status = server.status_once.pop(self.path, None) or server.status_always.get(self.path)
                if status is not None:
                    server.requests.append(("GET", self.path, self.headers.get("Range")))
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = self._lookup("GET")
                if body is None:
                    return
                if self.path in server.endless:
                    self._endless(body)
                    return
                rng = None if self.path in server.ignore_range else self.headers.get("Range")
                start = int(rng.removeprefix("bytes=").split("-")[0]) if rng else 0
                if rng:
                    self._headers(
                        len(body) - start, 206, {"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"}
                    )
                else:
                    self._headers(len(body))
                end = len(body)
                if not rng and self.path in server.drop_once:
                    server.drop_once.discard(self.path)
                    end = len(body) // 2
                    self.close_connection = True
                stall = self.path in server.stall
                if stall:  # the body stops at its middle, whatever range was asked for
                    end = max(start, len(body) // 2)
                try:
                    for i in range(start, end, CHUNK):
                        self.wfile.write(body[i : min(i + CHUNK, end)])
                        if server.delay:
                            time.sleep(server.delay)
                    self.wfile.flush()
                    if stall:
                        server.stalled.set()
                        server._release.wait()
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client cancelled

            def _endless(self, body: bytes) -> None:
                # No Content-Length: the body runs until the connection closes (HTTP/1.0 style).
                self.send_response(200)
                self.end_headers()
                self.close_connection = True
                try:
                    while not server._release.is_set():
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading, as it should

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FileServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
