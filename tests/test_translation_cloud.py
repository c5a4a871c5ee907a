"""Cloud backend against a local fake OpenAI-compatible server (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import http.server
import json
import re
import threading
import time

import pytest

from media_core.errors import BackendUnavailableError, TranslationError
from media_core.translation.cloud import CloudConfig, CloudTranslator, parse_reply


class FakeOpenAI:
    """Replies from a script: each item is (status, headers, body) or "echo" (a correct answer)."""

    def __init__(self, script):
        self.script = list(script)
        self.requests: list[dict] = []
        self.times: list[float] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                fake.times.append(time.monotonic())
                step = fake.script.pop(0) if len(fake.script) > 1 else fake.script[0]
                if step == "echo":
                    lines = body["messages"][1]["content"].splitlines()
                    answer = [f"ES: {re.sub(r'^[0-9]+[.] ', '', line)}" for line in lines]
                    step = (200, {}, _completion(json.dumps(answer, ensure_ascii=False)))
                status, headers, payload = step
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _completion(content: str) -> dict:
    return {"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant",
                                                                                           "content": content}}]}


@pytest.fixture
def server_factory():
    servers = []

    def make(script):
        s = FakeOpenAI(script)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.close()


def _translator(url, **kw) -> CloudTranslator:
    return CloudTranslator(CloudConfig(base_url=url, api_key="sk-test", model="tiny-llm", backoff=0.05,
                                       max_retries=kw.pop("max_retries", 4), timeout=10), offline=False)


def test_429_then_malformed_then_good(server_factory):
    server = server_factory([(429, {"Retry-After": "1"}, {"error": "slow down"}),
                             (200, {}, _completion("Sure! Here you go: not json")),
                             "echo"])
    texts = ["Hello there.", "", "How are\nyou?"]
    out = _translator(server.url).translate_batch(texts, "en", "es")
    assert out == ["ES: Hello there.", "", "ES: How are you?"]
    assert len(server.requests) == 3
    assert server.times[1] - server.times[0] >= 0.9  # Retry-After honoured (not the 0.05 s backoff)
    first = server.requests[0]
    assert first["path"] == "/v1/chat/completions" and first["auth"] == "Bearer sk-test"
    assert first["body"]["model"] == "tiny-llm"
    assert first["body"]["messages"][1]["content"] == "1. Hello there.\n2. How are you?"
    assert "Spanish" in first["body"]["messages"][0]["content"]


def test_wrong_count_and_server_errors_are_retried(server_factory):
    server = server_factory([(200, {}, _completion('["only one"]')), (503, {}, "busy"), "echo"])
    assert _translator(server.url).translate_batch(["a", "b"], "en", "fr") == ["ES: a", "ES: b"]
    assert len(server.requests) == 3


def test_always_malformed_gives_translation_error(server_factory):
    server = server_factory([(200, {}, _completion("I cannot do that"))])
    with pytest.raises(TranslationError, match="malformed reply") as info:
        _translator(server.url, max_retries=2).translate_batch(["a"], "en", "es")
    assert len(server.requests) == 3
    assert "after 3 attempts" in str(info.value)


def test_auth_error_is_not_retried(server_factory):
    server = server_factory([(401, {}, {"error": "bad key"})])
    with pytest.raises(TranslationError, match="API key"):
        _translator(server.url).translate_batch(["a"], "en", "es")
    assert len(server.requests) == 1


def test_offline_and_unconfigured(server_factory, monkeypatch):
    server = server_factory(["echo"])
    offline = CloudTranslator(CloudConfig(base_url=server.url), offline=True)
    assert not offline.is_available()
    with pytest.raises(BackendUnavailableError, match="Offline mode"):
        offline.translate_batch(["a"], "en", "es")
    monkeypatch.setenv("REFRAME_OFFLINE", "1")
    with pytest.raises(BackendUnavailableError, match="Offline mode"):
        CloudTranslator(CloudConfig(base_url=server.url)).translate_batch(["a"], "en", "es")
    assert server.requests == []
    monkeypatch.delenv("REFRAME_OFFLINE")
    monkeypatch.delenv("REFRAME_TRANSLATE_BASE_URL", raising=False)
    with pytest.raises(BackendUnavailableError, match="No cloud translation endpoint"):
        CloudTranslator().translate_batch(["a"], "en", "es")
    monkeypatch.setenv("REFRAME_TRANSLATE_BASE_URL", server.url)
    assert CloudTranslator().translate_batch(["a"], "en", "es") == ["ES: a"]


def test_parse_reply_variants():
    assert parse_reply('```json\n["x", "y"]\n```', 2) == ["x", "y"]
    assert parse_reply('{"translations": ["x"]}', 1) == ["x"]
    with pytest.raises(ValueError):
        parse_reply('["x"]', 2)
    with pytest.raises(ValueError):
        parse_reply("nothing", 1)
