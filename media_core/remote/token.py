"""The token of the Reframe server this machine sends jobs to.

Stored like the API's own token: a file of its own (``config_dir()/remote-token``, 0600),
overridden by ``REFRAME_REMOTE_TOKEN`` or ``REFRAME_REMOTE_TOKEN_FILE``; never on a command line."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InvalidParameterError
from ..paths import config_dir, write_text_atomic

TOKEN_ENV = "REFRAME_REMOTE_TOKEN"
TOKEN_FILE_ENV = "REFRAME_REMOTE_TOKEN_FILE"


def token_path() -> Path:
    return config_dir() / "remote-token"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidParameterError(f"The server token file {path} cannot be read: {exc}") from exc


def load_remote_token(token_file: str | os.PathLike | None = None) -> str | None:
    """``token_file``, else the environment, else the stored token; ``None`` when there is none."""
    if token_file:
        value = _read(Path(token_file))
        if value is None:
            raise InvalidParameterError(f"The server token file {token_file} is missing or empty.")
        return value
    if os.environ.get(TOKEN_ENV, "").strip():
        return os.environ[TOKEN_ENV].strip()
    if os.environ.get(TOKEN_FILE_ENV, "").strip():
        return load_remote_token(os.environ[TOKEN_FILE_ENV])
    return _read(token_path())


def store_remote_token(token: str) -> None:
    write_text_atomic(token_path(), token.strip() + "\n", mode=0o600)
