"""Cloud backend: any OpenAI-compatible chat-completions endpoint (OpenAI, Groq, a local Ollama…).

Texts go as a JSON array (so line breaks inside a text survive) in requests of at most
``max_lines_per_request`` and must come back as a JSON array of the same length, so one
bad reply can never shift translations onto the wrong cues. Transient failures (timeouts,
5xx, 429, malformed replies) are retried with exponential backoff. A 429's ``Retry-After``
is honoured up to ``max_retry_after`` seconds; a server that asks for a longer wait makes
the request fail at once with a clear error instead of stalling the job for minutes
(the user can retry the job later). Disabled in offline mode: no text ever leaves the
machine then.

Configuration: constructor arguments win over the engine settings' ``cloud_translation``
endpoint (media_core.settings, where ``REFRAME_TRANSLATE_BASE_URL`` / ``_API_KEY`` /
``_MODEL`` and ``OPENAI_API_KEY`` apply). Per-call overrides of the URL and model
(:meth:`CloudConfig.from_settings`) never carry an API key: the stored key is only sent
to the endpoint it was stored for. Offline mode in the settings always wins.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import time
from urllib.parse import urlsplit

from pydantic import BaseModel

from ..errors import BackendUnavailableError, CancelledError, TranslationError
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from ..settings import offline_mode
from .base import LogFn, check_batch, language_name, normalize_lang

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You are a professional subtitle translator. The user sends a JSON array of {n} strings in {src}; "
    "translate each string to {tgt}. Keep the meaning, tone and roughly the length of each string; the "
    "strings are consecutive subtitles or texts of one video, so use them as context for each other, but "
    "never merge, split, drop or reorder them. Keep line breaks (\\n) inside a string where they are. "
    "Reply with JSON only: an array of exactly {n} strings, the translation of the first string first."
)
#: Default longest wait accepted from a Retry-After header; a longer one fails the request.
MAX_RETRY_AFTER = 120.0


class CloudConfig(BaseModel):
    base_url: str = ""
    api_key: str | None = None
    model: str = "gpt-4o-mini"
    timeout: float = 60.0
    max_retries: int = 4
    #: First backoff delay; doubles on each retry.
    backoff: float = 1.0
    temperature: float = 0.0
    #: Texts per HTTP request; bigger inputs are split into several requests.
    max_lines_per_request: int = 40
    #: A 429 asking to wait longer than this (seconds) fails the request instead of waiting.
    max_retry_after: float = MAX_RETRY_AFTER

    @classmethod
    def from_settings(cls, **overrides) -> CloudConfig:
        """The endpoint configured in the engine settings (or the environment), with ``overrides``.

        A ``base_url`` override pointing at another server than the configured one gets no API
        key unless ``api_key`` is passed too: a job's parameters (which anyone with access to the
        local API can set) must not be able to send the stored key somewhere else. A keyless
        local server (Ollama, llama.cpp) works that way; another paid provider needs Settings.
        """
        from ..settings import engine_settings

        endpoint = engine_settings().cloud_translation
        values = {
            "base_url": endpoint.base_url,
            "api_key": endpoint.api_key or None,
            "model": endpoint.model or "gpt-4o-mini",
        }
        given = {k: v for k, v in overrides.items() if v is not None and k in cls.model_fields}
        if "base_url" in given and "api_key" not in given and _origin(given["base_url"]) != _origin(endpoint.base_url):
            values["api_key"] = None
        values.update(given)
        return cls(**values)

    def describe(self) -> str:
        """Model and host for logs and menus (never the key, nor credentials inside the URL)."""
        parts = urlsplit(self.base_url)
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        return f"{self.model} at {host or 'an unnamed endpoint'}"


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit((url or "").strip())
    return parts.scheme.lower(), parts.netloc.lower()


class _Retryable(Exception):
    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


class CloudTranslator:
    name = "cloud"

    def __init__(
        self,
        config: CloudConfig | None = None,
        *,
        offline: bool | None = None,
        transport=None,
        log: LogFn | None = None,
        **options,
    ) -> None:
        self.config = config or CloudConfig.from_settings(**options)
        self._offline = offline
        self._transport = transport  # tests may pass an httpx transport; real HTTP otherwise
        self.log = log or (lambda message: None)

    @property
    def offline(self) -> bool:
        # Read at use, not at construction: switching offline mode on stops the next request.
        return bool(self._offline) or offline_mode()

    def is_available(self) -> bool:
        return bool(self.config.base_url) and not self.offline

    def available_pairs(self) -> list[tuple[str, str]]:
        return []  # an LLM has no fixed list: any pair it is asked for

    def supports_pair(self, src: str, tgt: str) -> bool:
        return self.is_available()

    def _check_usable(self) -> None:
        if self.offline:
            raise BackendUnavailableError(
                "Offline mode is on, so the cloud translator is disabled. Turn offline mode off or "
                "use an offline backend (Argos Translate or Apertium)."
            )
        if not self.config.base_url:
            raise BackendUnavailableError(
                "No cloud translation endpoint is configured: set its URL, API key and model in "
                "Settings → Translation (or REFRAME_TRANSLATE_BASE_URL / _API_KEY / _MODEL)."
            )

    def translate_batch(
        self,
        texts: list[str],
        src: str,
        tgt: str,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> list[str]:
        self._check_usable()
        src, tgt = normalize_lang(src), normalize_lang(tgt)
        token = as_token(cancel)
        report = as_progress(progress)
        todo = [i for i, t in enumerate(texts) if t.strip()]
        out = ["" for _ in texts]
        if todo:
            # Spaces are normalised per row only: the rows themselves are the text's layout.
            lines = [
                "\n".join(re.sub(r"[ \t]+", " ", row).strip() for row in texts[i].strip().split("\n")) for i in todo
            ]
            size = max(1, self.config.max_lines_per_request)
            requests = (len(lines) + size - 1) // size
            import httpx

            with httpx.Client(timeout=self.config.timeout, transport=self._transport) as client:
                for n, start in enumerate(range(0, len(lines), size)):
                    chunk = lines[start : start + size]
                    started = time.perf_counter()
                    translated = self._request_with_retries(client, chunk, src, tgt, token)
                    for i, text in zip(todo[start : start + size], translated, strict=False):
                        out[i] = text
                    self.log(
                        f"cloud {src}→{tgt} ({self.config.describe()}): request {n + 1}/{requests}, "
                        f"{len(chunk)} text(s) in {time.perf_counter() - started:.2f} s"
                    )
                    report((n + 1) / requests, "translating")
        report(1.0, "translating")
        return check_batch(texts, out, self.name)

    def _request_with_retries(self, client, lines: list[str], src: str, tgt: str, token: CancelToken) -> list[str]:
        cfg = self.config
        last = ""
        for attempt in range(cfg.max_retries + 1):
            token.raise_if_cancelled()
            try:
                return self._request(client, lines, src, tgt)
            except _Retryable as exc:
                last = str(exc)
                if exc.wait is not None and exc.wait > cfg.max_retry_after:
                    raise TranslationError(
                        f"The cloud translator is rate-limited and asked to wait {exc.wait:.0f} s, longer than "
                        f"Reframe waits ({cfg.max_retry_after:.0f} s). Try again later.",
                        detail=last,
                    ) from None
                if attempt == cfg.max_retries:
                    break
                wait = exc.wait if exc.wait is not None else cfg.backoff * (2**attempt)
                log.info("cloud translation attempt %d failed (%s); retrying in %.1f s", attempt + 1, exc, wait)
                self.log(f"cloud: attempt {attempt + 1} failed ({exc}); retrying in {wait:.1f} s")
                if token.wait(wait):
                    raise CancelledError() from exc
        raise TranslationError(f"The cloud translator failed after {cfg.max_retries + 1} attempts: {last}", detail=last)

    def _request(self, client, lines: list[str], src: str, tgt: str) -> list[str]:
        import httpx

        cfg = self.config
        payload = json.dumps(lines, ensure_ascii=False, indent=1)
        body = {
            "model": cfg.model,
            "temperature": cfg.temperature,
            "messages": [
                {
                    "role": "system",
                    "content": SYSTEM_PROMPT.format(src=language_name(src), tgt=language_name(tgt), n=len(lines)),
                },
                {"role": "user", "content": payload},
            ],
        }
        headers = {"Authorization": f"Bearer {cfg.api_key}"} if cfg.api_key else {}
        url = cfg.base_url.rstrip("/") + "/chat/completions"
        try:
            resp = client.post(url, json=body, headers=headers)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise _Retryable(f"network error: {exc}") from exc
        if resp.status_code == 429:
            raise _Retryable("rate limited (HTTP 429)", _retry_after(resp.headers.get("retry-after")))
        if resp.status_code >= 500:
            raise _Retryable(f"server error (HTTP {resp.status_code})")
        if resp.status_code in (401, 403):
            raise TranslationError(
                f"The cloud translator rejected the API key (HTTP {resp.status_code}). Check it in "
                "Settings → Translation.",
                detail=resp.text[:2000],
            )
        if resp.status_code >= 400:
            raise TranslationError(
                f"The cloud translator refused the request (HTTP {resp.status_code}).", detail=resp.text[:2000]
            )
        try:
            content = resp.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise _Retryable("the reply is not a chat completion") from exc
        try:
            return parse_reply(content, len(lines))
        except ValueError as exc:
            raise _Retryable(f"malformed reply: {exc}") from exc


def parse_reply(content: str, n: int) -> list[str]:
    """The JSON array of ``n`` strings in a model's reply (code fences and a wrapping object tolerated)."""
    text = (content or "").strip()
    if text.startswith("```"):
        text = re.sub(r"^```[a-zA-Z]*\s*|\s*```$", "", text)
    start, end = text.find("["), text.rfind("]")
    data = None
    try:
        data = json.loads(text)
    except ValueError:
        if start != -1 and end > start:
            try:
                data = json.loads(text[start : end + 1])
            except ValueError:
                pass
    if isinstance(data, dict):  # {"translations": [...]} from json_object-mode models
        data = next((v for v in data.values() if isinstance(v, list)), None)
    if not isinstance(data, list):
        raise ValueError("no JSON array in the reply")
    if len(data) != n:
        raise ValueError(f"expected {n} lines, got {len(data)}")
    if not all(isinstance(x, (str, int, float)) for x in data):
        raise ValueError("the array holds non-text items")
    return ["\n".join(row.strip() for row in str(x).strip().split("\n")) for x in data]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds)


def check_endpoint(
    base_url: str,
    model: str = "",
    api_key: str | None = None,
    *,
    timeout: float = 20.0,
    cancel: CancelToken | None = None,
) -> str:
    """Translate one short sentence (English → Spanish) with an endpoint that need not be saved yet:
    a settings page's "Test" button. Returns the translation; raises the error to show
    (offline mode, unreachable server, rejected key, a reply that is not a translation)."""
    config = CloudConfig(
        base_url=base_url.strip(),
        api_key=(api_key or "").strip() or None,
        model=model.strip() or "gpt-4o-mini",
        timeout=timeout,
        max_retries=0,
    )
    return CloudTranslator(config).translate_batch(["Hello, how are you?"], "en", "es", cancel=cancel)[0]
