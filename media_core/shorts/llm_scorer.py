"""Optional LLM re-scoring through any OpenAI-compatible chat endpoint (OpenAI, Groq, Ollama, …).

Used only when the request asks for it, an endpoint is configured and offline
mode is off. The endpoint is the shared engine settings' ``shorts_llm`` (what the
desktop's Settings, the CLI and the HTTP API all read); a request may override it. The reply must be JSON of a fixed shape; anything else (network
error, HTTP error, malformed JSON, unknown ids) logs one line and the heuristic
scores stay — the feature never fails because a remote model misbehaved.
"""

from __future__ import annotations

import json
import logging

from pydantic import BaseModel, Field, ValidationError

from .. import settings
from ..ffmpeg import LogFn
from .models import LLMConfig, ShortClip, ShortsRequest

_log = logging.getLogger(__name__)

#: Only the best heuristic candidates go to the model: cost and context stay bounded.
MAX_CANDIDATES = 30
MAX_CHARS_PER_CLIP = 900

SYSTEM_PROMPT = (
    "You pick the best moments of a long video for short-form social clips. "
    "Score each candidate clip 0-100 for how well it works on its own as a short: a strong hook in the "
    "first sentence, a complete thought, clear value or emotion{prompt_part}. "
    'Reply with JSON only: {{"clips": [{{"id": "c1", "score": 0-100, "reason": "one short line"}}]}}.'
)


class _LLMClip(BaseModel):
    id: str
    score: float = Field(ge=0, le=100)
    reason: str = ""


class _LLMReply(BaseModel):
    clips: list[_LLMClip]


def offline_mode(request: ShortsRequest) -> bool:
    # The engine setting always wins: a request cannot switch offline mode off.
    return bool(request.offline) or settings.offline_mode()


def endpoint(request: ShortsRequest) -> LLMConfig | None:
    """The request's own endpoint if it names one, else the engine settings' ``shorts_llm``."""
    if request.llm is not None and request.llm.base_url.strip():
        return request.llm
    shared = settings.engine_settings().shorts_llm
    if not shared.configured:
        return None
    return LLMConfig(
        base_url=shared.base_url.strip(),
        api_key=shared.api_key or None,
        model=shared.model or LLMConfig.model_fields["model"].default,
    )


def build_messages(clips: list[ShortClip], prompt: str | None) -> list[dict]:
    prompt_part = f', and relevance to this request: "{prompt}"' if prompt else ""
    listing = "\n\n".join(f"[c{i}] ({c.duration:.0f} s) {c.text[:MAX_CHARS_PER_CLIP]}" for i, c in enumerate(clips, 1))
    return [
        {"role": "system", "content": SYSTEM_PROMPT.format(prompt_part=prompt_part)},
        {"role": "user", "content": f"Candidates:\n\n{listing}"},
    ]


def parse_reply(content: str, n: int) -> dict[int, _LLMClip]:
    """Validate the model's JSON; returns {candidate index: verdict}. Raises ValueError on garbage."""
    text = content.strip()
    if text.startswith("```"):  # models like to fence JSON even when told not to
        text = text.strip("`")
        text = text[text.find("{") :]
    reply = _LLMReply.model_validate(json.loads(text))
    out = {}
    for item in reply.clips:
        key = item.id.strip().lstrip("[").rstrip("]").lower().lstrip("c")
        if key.isdigit() and 1 <= int(key) <= n:
            out[int(key) - 1] = item
    if not out:
        raise ValueError("the reply names none of the candidates")
    return out


def llm_rescore(
    clips: list[ShortClip], request: ShortsRequest, *, transport=None, log: LogFn | None = None
) -> list[ShortClip] | None:
    """Re-score the top candidates with the LLM; ``None`` means "keep the heuristic scores"."""
    emit = log or _log.info
    if offline_mode(request):
        emit("LLM scorer skipped: offline mode is on; using the heuristic scores")
        return None
    cfg = endpoint(request)
    if cfg is None:
        emit("LLM scorer requested but no endpoint is set (engine settings: shorts_llm); using the heuristic scores")
        return None
    import httpx

    top = sorted(clips, key=lambda c: -c.score)[:MAX_CANDIDATES]
    emit(f"asking {cfg.model} at {cfg.base_url} to score the best {len(top)} candidates")
    headers = {"Authorization": f"Bearer {cfg.api_key}"} if cfg.api_key else {}
    body = {
        "model": cfg.model,
        "messages": build_messages(top, request.prompt),
        "temperature": 0,
        "response_format": {"type": "json_object"},
    }
    try:
        with httpx.Client(timeout=cfg.timeout, transport=transport) as client:
            resp = client.post(cfg.base_url.rstrip("/") + "/chat/completions", json=body, headers=headers)
            resp.raise_for_status()
            content = resp.json()["choices"][0]["message"]["content"]
        verdicts = parse_reply(content, len(top))
    except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError, ValidationError) as exc:
        (log or _log.warning)(f"LLM scorer failed ({type(exc).__name__}: {exc}); using the heuristic scores")
        return None
    rescored = []
    for i, clip in enumerate(top):
        v = verdicts.get(i)
        if v is None:  # not judged by the model: keep it, ranked below the judged ones' scale
            rescored.append(clip)
            continue
        features = dict(clip.features, heuristic=clip.score, llm=v.score)
        reason = (v.reason.strip().splitlines() or [""])[0][:160] or clip.reason
        rescored.append(clip.model_copy(update={"score": round(v.score, 1), "reason": reason, "features": features}))
    return rescored
