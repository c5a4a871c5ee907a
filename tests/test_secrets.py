"""Secrets on disk and on the command line: engine.json and the API token are 0600, the
token never comes from argv, and a non-ASCII or short token is refused with a clear error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from media_core.api import token as api_token
from media_core.errors import InvalidParameterError
from media_core.settings import EngineSettings, save_engine_settings, settings_path

ROOT = Path(__file__).resolve().parents[1]


def test_engine_settings_are_written_0600_and_old_files_are_tightened():
    save_engine_settings(EngineSettings())
    assert settings_path().stat().st_mode & 0o777 == 0o600
    settings_path().chmod(0o644)  # as an older Reframe left it
    from media_core.settings import load_engine_settings

    load_engine_settings()
    assert settings_path().stat().st_mode & 0o777 == 0o600


def test_token_file_is_0600_and_regenerate_replaces_it(monkeypatch):
    monkeypatch.delenv(api_token.TOKEN_ENV, raising=False)
    first = api_token.load_or_create_token()
    assert api_token.token_path().stat().st_mode & 0o777 == 0o600
    assert api_token.load_or_create_token() == first
    second = api_token.regenerate_token()
    assert second != first and api_token.load_or_create_token() == second
    assert api_token.token_path().stat().st_mode & 0o777 == 0o600


def test_environment_token_wins_and_bad_tokens_are_refused(monkeypatch, tmp_path):
    monkeypatch.setenv(api_token.TOKEN_ENV, "from-the-environment-0123456789")
    assert api_token.load_or_create_token() == "from-the-environment-0123456789"
    for bad in ("short", "jeton-non-ascii-éèêëēė-0123456789"):
        monkeypatch.setenv(api_token.TOKEN_ENV, bad)
        with pytest.raises(InvalidParameterError):
            api_token.load_or_create_token()
    monkeypatch.delenv(api_token.TOKEN_ENV)
    holder = tmp_path / "token"
    holder.write_text("a-token-kept-in-a-file-0123456789\n")
    monkeypatch.setenv(api_token.TOKEN_FILE_ENV, str(holder))
    assert api_token.load_or_create_token() == "a-token-kept-in-a-file-0123456789"


def test_tokens_compare_as_bytes():
    assert api_token.tokens_match(b"abc", b"abc")
    assert not api_token.tokens_match("é".encode(), b"abc")  # no TypeError, no 500


def test_reframe_serve_refuses_a_token_on_the_command_line():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "media_core", "serve", "--token", "visible-in-ps-0123456789"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "process list" in proc.stderr and "REFRAME_API_TOKEN" in proc.stderr
