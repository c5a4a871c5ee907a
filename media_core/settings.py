"""Engine settings shared by every front end (desktop, CLI, HTTP API).

One pydantic model stored as JSON in the config dir. The desktop's Settings dialog
edits it; the CLI and the API read the same file, so a job behaves the same whoever
submits it. Environment variables win over the file (CI, scripts, portable installs):

``REFRAME_OFFLINE``, ``REFRAME_FFMPEG``, ``REFRAME_THREADS``,
``REFRAME_TRANSLATE_BASE_URL`` / ``_API_KEY`` / ``_MODEL``,
``REFRAME_LLM_BASE_URL`` / ``_API_KEY`` / ``_MODEL``.

The file is written atomically; a damaged file or field falls back to its default
instead of stopping the engine.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import secrets
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from .paths import config_dir, write_text_atomic

log = logging.getLogger(__name__)

_TRUE = ("1", "true", "yes", "on")


class EndpointSettings(BaseModel):
    """An OpenAI-compatible chat endpoint (OpenAI, Groq, a local Ollama at http://localhost:11434/v1)."""

    base_url: str = ""
    api_key: str = ""
    model: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.base_url.strip())


class ApiSettings(BaseModel):
    """The local HTTP API for scripts (media_core.api).

    The API always needs a token (media_core.api.token keeps it in a file of its own,
    0600); ``token`` here only carries one read from an older engine.json (it is
    never written back) or one given to :class:`~media_core.api.ApiServer` in code.
    """

    enabled: bool = False
    port: int = Field(8765, ge=0, le=65535)
    #: Listen on every interface instead of 127.0.0.1.
    allow_lan: bool = False
    token: str | None = Field(None, exclude=True)
    #: Folders (besides files uploaded through the API) that API jobs may read.
    input_folders: list[str] = Field(default_factory=list)
    #: Largest JSON request body, in bytes.
    max_body_bytes: int = Field(1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    #: Largest upload through ``POST /files``, in bytes.
    max_upload_bytes: int = Field(2 * 1024**3, ge=1024, le=1024**4)
    #: Queued jobs above which a new API submission gets HTTP 429.
    max_queued_jobs: int = Field(100, ge=1, le=100_000)

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(24)


class RemoteSettings(BaseModel):
    """Where heavy jobs run: this computer, or another Reframe server (media_core.remote).

    The server's token is kept in a file of its own (``config_dir()/remote-token``, 0600;
    media_core.remote.token), never here."""

    run_on: Literal["local", "server"] = "local"
    #: The server's address, e.g. ``https://gpu-box.lan:8443`` (a TLS reverse proxy in front).
    url: str = ""

    @property
    def active(self) -> bool:
        return self.run_on == "server" and bool(self.url.strip())


class EngineSettings(BaseModel):
    #: No network at all: no model downloads, no cloud translation, no LLM scoring.
    offline: bool = False
    #: A user's own ffmpeg; empty = the bundled one.
    ffmpeg_path: str = ""
    #: CPU threads for CTranslate2 and ffmpeg; 0 = let each library choose. On a busy
    #: two-core machine one CTranslate2 thread can beat two, so users get to pick.
    threads: int = Field(0, ge=0, le=256)
    #: Heavy jobs (transcription, renders) running at once.
    heavy_jobs: int = Field(1, ge=1, le=16)
    #: Finished jobs' temporary data older than this is removed at start; 0 keeps it forever.
    retention_days: int = Field(30, ge=0, le=3650)
    cloud_translation: EndpointSettings = Field(default_factory=EndpointSettings)
    shorts_llm: EndpointSettings = Field(default_factory=EndpointSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    remote: RemoteSettings = Field(default_factory=RemoteSettings)
    #: Hugging Face token for the optional pyannote.audio speaker backend.
    huggingface_token: str = ""
    #: Local speechbrain ECAPA model folder for the optional speechbrain speaker backend.
    speechbrain_model_dir: str = ""


_lock = threading.Lock()
#: The file's values, read once per process; the environment is applied on every read so
#: scripts and tests that change it are seen at once.
_file_values: dict | None = None
#: Weak references: a listener (a job manager, say) must not be kept alive by being one.
_listeners: list[weakref.ReferenceType] = []


def settings_path() -> Path:
    return config_dir() / "engine.json"


#: engine.json holds cloud API keys: only its owner may read it.
PRIVATE_FILE_MODE = 0o600


def _tighten(path: Path) -> None:
    """A file written by an older Reframe (0644) becomes 0600 the first time it is read."""
    try:
        if os.name == "posix" and path.stat().st_mode & 0o077:
            path.chmod(PRIVATE_FILE_MODE)
    except OSError:
        pass


def _read_file(path: Path) -> dict:
    _tighten(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("engine settings %s unreadable (%s); using defaults", path, exc)
        return {}
    if not isinstance(raw, dict):
        return {}
    good: dict = {}
    for name, value in raw.items():  # keep every field that is still valid
        if name not in EngineSettings.model_fields:
            continue
        try:
            EngineSettings.model_validate({name: value})
        except ValidationError:
            log.warning("engine settings: ignoring invalid %s", name)
            continue
        good[name] = value
    return good


def _env_overrides(values: dict) -> dict:
    env = os.environ
    values = dict(values)
    if env.get("REFRAME_OFFLINE", "").strip():
        values["offline"] = env["REFRAME_OFFLINE"].strip().lower() in _TRUE
    if env.get("REFRAME_FFMPEG"):
        values["ffmpeg_path"] = env["REFRAME_FFMPEG"]
    if env.get("REFRAME_THREADS", "").strip().isdigit():
        values["threads"] = int(env["REFRAME_THREADS"])
    if env.get("REFRAME_HF_TOKEN") or env.get("HF_TOKEN"):
        values["huggingface_token"] = env.get("REFRAME_HF_TOKEN") or env["HF_TOKEN"]
    if env.get("REFRAME_SPEECHBRAIN_MODEL"):
        values["speechbrain_model_dir"] = env["REFRAME_SPEECHBRAIN_MODEL"]
    for key, prefix in (("cloud_translation", "REFRAME_TRANSLATE_"), ("shorts_llm", "REFRAME_LLM_")):
        endpoint = dict(values.get(key) or {})
        for field in ("base_url", "api_key", "model"):
            value = env.get(prefix + field.upper())
            if value:
                endpoint[field] = value
        if key == "cloud_translation" and not endpoint.get("api_key") and env.get("OPENAI_API_KEY"):
            endpoint["api_key"] = env["OPENAI_API_KEY"]
        values[key] = endpoint
    return values


def load_engine_settings(path: Path | None = None, *, environment: bool = True) -> EngineSettings:
    """The file's settings, with the environment applied on top unless ``environment=False``
    (what a settings editor shows and saves, so an API key from the environment is never
    written to disk). Not cached."""
    values = _read_file(path or settings_path())
    return EngineSettings.model_validate(_env_overrides(values) if environment else values)


def engine_settings() -> EngineSettings:
    """The current settings: the file (read once per process, refreshed by
    :func:`save_engine_settings`) with the environment on top."""
    global _file_values
    with _lock:
        if _file_values is None:
            _file_values = _read_file(settings_path())
        values = _file_values
    return EngineSettings.model_validate(_env_overrides(values))


def save_engine_settings(settings: EngineSettings, path: Path | None = None) -> Path:
    """Store ``settings`` (atomically) and make them current for this process."""
    written = write_text_atomic(path or settings_path(), settings.model_dump_json(indent=2), mode=PRIVATE_FILE_MODE)
    reload_engine_settings()
    return written


def reload_engine_settings() -> EngineSettings:
    """Read the file again and notify listeners."""
    global _file_values
    with _lock:
        _file_values = None
    current = engine_settings()
    for ref in list(_listeners):
        listener = ref()
        if listener is None:
            _listeners.remove(ref)
        else:
            listener(current)
    return current


def on_change(listener: Callable[[EngineSettings], None]) -> None:
    """Call ``listener(settings)`` whenever the settings are saved or reloaded (held weakly)."""
    _listeners.append(weakref.WeakMethod(listener) if inspect.ismethod(listener) else weakref.ref(listener))


def offline_mode() -> bool:
    return engine_settings().offline
