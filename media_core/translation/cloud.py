"""Cloud backend: any OpenAI-compatible chat-completions endpoint (OpenAI, Groq, a local Ollama…).

Lines go in numbered batches and must come back as a JSON array of the same length, so
one bad reply can never shift translations onto the wrong cues. Transient failures
(timeouts, 5xx, 429) are retried with exponential backoff; a 429's ``Retry-After`` is
honoured. Disabled in offline mode: no text ever leaves the machine then.

Configuration: constructor arguments win over the engine settings' ``cloud_translation``
endpoint (media_core.settings, where ``REFRAME_TRANSLATE_BASE_URL`` / ``_API_KEY`` /
``_MODEL`` and ``OPENAI_API_KEY`` apply); offline mode: ``offline=True`` or the settings.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import time

from pydantic import BaseModel

from ..errors import BackendUnavailableError, CancelledError, TranslationError
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from ..settings import offline_mode
from .base import check_batch, language_name, normalize_lang

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You are a professional subtitle translator. Translate each numbered line from {src} to {tgt}. "
    "Keep the meaning, tone and roughly the length of each line; lines are consecutive subtitles, so use "
    "them as context for each other, but never merge, split, drop or reorder lines. "
    "Reply with JSON only: an array of exactly {n} strings, the translation of line 1 first."
)
#: Longest wait we accept from a Retry-After header before giving up on the batch.
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

    @classmethod
    def from_settings(cls, **overrides) -> "CloudConfig":
        """The endpoint configured in the engine settings (or the environment), with ``overrides``."""
        from ..settings import engine_settings

        endpoint = engine_settings().cloud_translation
        values = {"base_url": endpoint.base_url, "api_key": endpoint.api_key or None,
                  "model": endpoint.model or "gpt-4o-mini"}
        values.update({k: v for k, v in overrides.items() if v is not None and k in cls.model_fields})
        return cls(**values)


class _Retryable(Exception):
    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


class CloudTranslator:
    name = "cloud"

    def __init__(self, config: CloudConfig | None = None, *, offline: bool | None = None,
                 transport=None, **options) -> None:
        self.config = config or CloudConfig.from_settings(**options)
        self.offline = offline_mode() if offline is None else offline
        self._transport = transport  # tests may pass an httpx transport; real HTTP otherwise

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
                "use an offline backend (Argos Translate or Apertium).")
        if not self.config.base_url:
            raise BackendUnavailableError(
                "No cloud translation endpoint is configured (set its URL, API key and model in Settings, "
                "or REFRAME_TRANSLATE_BASE_URL).")

    def translate_batch(self, texts: list[str], src: str, tgt: str, *,
                        progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> list[str]:
        self._check_usable()
        src, tgt = normalize_lang(src), normalize_lang(tgt)
        token = as_token(cancel)
        report = as_progress(progress)
        todo = [i for i, t in enumerate(texts) if t.strip()]
        out = ["" for _ in texts]
        if todo:
            lines = [re.sub(r"\s*\n\s*", " ", texts[i]).strip() for i in todo]
            for i, translated in zip(todo, self._request_with_retries(lines, src, tgt, token)):
                out[i] = translated
        report(1.0, "translating")
        return check_batch(texts, out, self.name)

    def _request_with_retries(self, lines: list[str], src: str, tgt: str, token: CancelToken) -> list[str]:
        import httpx

        cfg = self.config
        last = ""
        with httpx.Client(timeout=cfg.timeout, transport=self._transport) as client:
            for attempt in range(cfg.max_retries + 1):
                token.raise_if_cancelled()
                try:
                    return self._request(client, lines, src, tgt)
                except _Retryable as exc:
                    last = str(exc)
                    if attempt == cfg.max_retries:
                        break
                    wait = exc.wait if exc.wait is not None else cfg.backoff * (2 ** attempt)
                    log.info("cloud translation attempt %d failed (%s); retrying in %.1f s", attempt + 1, exc, wait)
                    if token.wait(wait):
                        raise CancelledError()
        raise TranslationError(
            f"The cloud translator failed after {cfg.max_retries + 1} attempts: {last}", detail=last)

    def _request(self, client, lines: list[str], src: str, tgt: str) -> list[str]:
        import httpx

        cfg = self.config
        numbered = "\n".join(f"{n}. {line}" for n, line in enumerate(lines, 1))
        body = {
            "model": cfg.model,
            "temperature": cfg.temperature,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT.format(src=language_name(src), tgt=language_name(tgt),
                                                                   n=len(lines))},
                {"role": "user", "content": numbered},
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
            raise TranslationError("The cloud translator rejected the API key (HTTP %d). Check it in Settings."
                                   % resp.status_code, detail=resp.text[:2000])
        if resp.status_code >= 400:
            raise TranslationError(f"The cloud translator refused the request (HTTP {resp.status_code}).",
                                   detail=resp.text[:2000])
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
                data = json.loads(text[start:end + 1])
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
    return [str(x).strip() for x in data]


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
    return max(0.0, min(MAX_RETRY_AFTER, seconds))
