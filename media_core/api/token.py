"""The HTTP API's bearer token: always required, kept out of ``ps`` and out of engine.json.

Like Jupyter's and Syncthing's: generated on first use and stored in a file of its own
(``config_dir()/api-token``, mode 0600). ``REFRAME_API_TOKEN`` (the token itself) or
``REFRAME_API_TOKEN_FILE`` (a file holding it) override the stored one for scripts and
services; a token is never accepted on a command line, where every local user can read it.

A running server asks :class:`TokenSource` on every request, so a token regenerated in
the desktop's Settings (or by another process) takes effect at once.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
from pathlib import Path

from ..errors import InvalidParameterError
from ..paths import config_dir, write_text_atomic

TOKEN_ENV = "REFRAME_API_TOKEN"
TOKEN_FILE_ENV = "REFRAME_API_TOKEN_FILE"
TOKEN_FILE_MODE = 0o600
#: Shorter tokens are refused: they could be guessed over the loopback at thousands a second.
MIN_TOKEN_LENGTH = 16

_lock = threading.Lock()


def token_path() -> Path:
    return config_dir() / "api-token"


def new_token() -> str:
    """32 random bytes, URL-safe (43 ASCII characters)."""
    return secrets.token_urlsafe(32)


def _check(token: str, where: str) -> str:
    token = token.strip()
    if len(token) < MIN_TOKEN_LENGTH:
        raise InvalidParameterError(
            f"The API token from {where} is too short: use at least {MIN_TOKEN_LENGTH} characters."
        )
    if not token.isascii() or not token.isprintable():
        raise InvalidParameterError(
            f"The API token from {where} must be printable ASCII (it travels in an HTTP header)."
        )
    return token


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidParameterError(f"The API token file {path} cannot be read: {exc}") from exc


def _store(token: str) -> str:
    write_text_atomic(token_path(), token + "\n", mode=TOKEN_FILE_MODE)
    return token


def load_or_create_token() -> str:
    """The token clients must send: the environment's, else the stored one, else a new one
    (stored 0600). A token left in an older engine.json is moved into the token file."""
    if os.environ.get(TOKEN_ENV, "").strip():
        return _check(os.environ[TOKEN_ENV], TOKEN_ENV)
    if os.environ.get(TOKEN_FILE_ENV, "").strip():
        path = Path(os.environ[TOKEN_FILE_ENV])
        value = _read(path)
        if value is None:
            raise InvalidParameterError(f"The API token file {path} ({TOKEN_FILE_ENV}) is missing or empty.")
        return _check(value, str(path))
    with _lock:
        stored = _read(token_path())
        if stored:
            return _check(stored, str(token_path()))
        from ..settings import engine_settings

        legacy = engine_settings().api.token
        if legacy and len(legacy.strip()) >= MIN_TOKEN_LENGTH and legacy.strip().isascii():
            return _store(legacy.strip())
        return _store(new_token())


def regenerate_token() -> str:
    """Replace the stored token with a new one (old clients get 401 from the next request)."""
    with _lock:
        return _store(new_token())


def read_token_file(path: str | os.PathLike) -> str:
    """A token given as ``--token-file``: checked like any other."""
    value = _read(Path(path))
    if value is None:
        raise InvalidParameterError(f"The API token file {path} is missing or empty.")
    return _check(value, str(path))


def tokens_match(given: bytes, expected: bytes) -> bool:
    """Constant-time comparison on bytes: any header value (non-ASCII included) is just a mismatch."""
    return hmac.compare_digest(given, expected)


class TokenSource:
    """The token a server checks: a fixed one, or the stored one re-read when its file changes."""

    def __init__(self, fixed: str | None = None):
        self._fixed = _check(fixed, "the server settings").encode() if fixed else None
        self._cache: tuple[tuple[int, int] | None, bytes] | None = None
        if self._fixed is None:
            self.current()  # create it now: the server must never run without one

    def _stamp(self) -> tuple[int, int] | None:
        if os.environ.get(TOKEN_ENV) or os.environ.get(TOKEN_FILE_ENV):
            return None
        try:
            st = token_path().stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_ino)

    def current(self) -> bytes:
        if self._fixed is not None:
            return self._fixed
        stamp = self._stamp()
        cached = self._cache
        if cached is not None and stamp is not None and cached[0] == stamp:
            return cached[1]
        value = load_or_create_token().encode()
        self._cache = (self._stamp(), value)
        return value

    def matches(self, given: bytes) -> bool:
        return tokens_match(given, self.current())
