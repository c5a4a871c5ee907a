"""Checks every request passes before any route runs (a pure ASGI middleware).

In order: the ``Host`` must be a loopback name when the server only listens on
loopback (DNS rebinding); a browser request from another site (``Origin`` or
``Sec-Fetch-Site``) is refused; the bearer token is required on every path except a
bare ``GET /health`` (``/docs`` and ``/openapi.json`` included); a body must say what
it is (JSON for JSON routes, multipart for ``/files``): a web page can only send
``text/plain`` or a form without a CORS preflight, so this closes cross-site posts
even if the other checks had a gap; bodies and uploads are capped (413).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..errors import ReframeError
from .token import TokenSource

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
#: Paths any local process may ask without a token (nothing but "is it up").
OPEN_PATHS = {"/health"}
UPLOAD_PATH = "/files"
#: Multipart framing (boundaries, part headers) on top of the file itself.
MULTIPART_OVERHEAD = 64 * 1024
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_SAFE_FETCH_SITES = {"same-origin", "none"}


class _BodyTooLarge(Exception):
    pass


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class ApiGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        tokens: TokenSource,
        loopback_only: bool,
        max_body_bytes: int,
        max_upload_bytes: int,
    ):
        self.app = app
        self.tokens = tokens
        self.loopback_only = loopback_only
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[str, bytes] = {}
        for key, value in scope.get("headers") or []:
            name = key.decode("latin-1").lower()
            # Two Authorization (or Host) headers are never legitimate: keep a marker that fails.
            headers[name] = value if name not in headers else b"\x00duplicate"
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await _respond(send, *refusal)
            return
        limit = self.max_upload_bytes + MULTIPART_OVERHEAD if scope["path"] == UPLOAD_PATH else self.max_body_bytes
        await self._run_capped(scope, receive, send, limit)

    # -- the checks, in order -------------------------------------------------------------
    def _refusal(self, scope: Scope, headers: dict[str, bytes]) -> tuple[int, str, str, dict[str, str]] | None:
        host = headers.get("host", b"").decode("latin-1")
        if self.loopback_only and _host_name(host) not in LOOPBACK_HOSTS:
            return 403, "foreign_host", "This API only answers requests addressed to localhost.", {}
        origin = headers.get("origin")
        if origin is not None and origin.decode("latin-1").strip().lower() != f"http://{host.lower()}":
            return 403, "cross_site", "Requests from web pages of other sites are refused.", {}
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site is not None and fetch_site.decode("latin-1").strip().lower() not in _SAFE_FETCH_SITES:
            return 403, "cross_site", "Requests from web pages of other sites are refused.", {}
        if not (scope["path"] in OPEN_PATHS and scope["method"] in ("GET", "HEAD")):
            scheme, _, given = headers.get("authorization", b"").partition(b" ")
            try:
                accepted = scheme.lower() == b"bearer" and self.tokens.matches(given.strip())
            except ReframeError as exc:  # the token file became unreadable: refuse, clearly
                return 503, "token_unavailable", str(exc), {}
            if not accepted:
                return (
                    401,
                    "unauthorized",
                    "Missing or wrong API token (send 'Authorization: Bearer <token>'; Settings shows it).",
                    {"www-authenticate": "Bearer"},
                )
        if scope["method"] in _BODY_METHODS and _has_body(headers):
            content_type = headers.get("content-type", b"").decode("latin-1")
            if scope["path"] == UPLOAD_PATH:
                if not content_type.lower().startswith("multipart/form-data"):
                    return 415, "content_type", "Upload files as multipart/form-data.", {}
            elif not _is_json(content_type):
                return 415, "content_type", "Send JSON bodies with 'Content-Type: application/json'.", {}
            length = headers.get("content-length")
            if length is not None:
                if not length.strip().isdigit():
                    return 400, "bad_request", "Content-Length is not a number.", {}
                cap = (
                    self.max_upload_bytes + MULTIPART_OVERHEAD if scope["path"] == UPLOAD_PATH else self.max_body_bytes
                )
                if int(length) > cap:
                    return 413, "too_large", _too_large_message(scope["path"], cap), {}
        return None

    # -- body cap for chunked (or lying) requests -----------------------------------------
    async def _run_capped(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        exceeded = False
        responded = False

        async def capped_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal responded
            if exceeded:  # whatever the app made of the aborted body, the answer is 413
                if not responded:
                    responded = True
                    await _respond(send, 413, "too_large", _too_large_message(scope["path"], limit), {})
                return
            responded = responded or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, capped_receive, guarded_send)
        except _BodyTooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded and not responded:
            responded = True
            await _respond(send, 413, "too_large", _too_large_message(scope["path"], limit), {})


def _has_body(headers: dict[str, bytes]) -> bool:
    length = headers.get("content-length")
    if length is not None:
        return length.strip() != b"0"
    return b"chunked" in headers.get("transfer-encoding", b"").lower()


def _too_large_message(path: str, cap: int) -> str:
    what = "Uploads" if path == UPLOAD_PATH else "Request bodies"
    return f"{what} are limited to {cap // 1024} KiB here (see the API settings)."


async def _respond(send: Send, status: int, code: str, message: str, extra: dict[str, str]) -> None:
    body = json.dumps({"error": code, "message": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in extra.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
