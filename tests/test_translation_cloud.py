"""Cloud backend against a local fake OpenAI-compatible server (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import http.server
import json
import sqlite3
import threading
import time

import pytest

from media_core.errors import BackendUnavailableError, InvalidParameterError, TranslationError
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
                    texts = json.loads(body["messages"][1]["content"])
                    answer = [f"ES: {text}" for text in texts]
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
    return {
        "id": "x",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
    }


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
    return CloudTranslator(
        CloudConfig(
            base_url=url,
            api_key="sk-test",
            model="tiny-llm",
            backoff=0.05,
            max_retries=kw.pop("max_retries", 4),
            timeout=10,
        ),
        offline=False,
    )


def test_429_then_malformed_then_good(server_factory):
    server = server_factory(
        [
            (429, {"Retry-After": "1"}, {"error": "slow down"}),
            (200, {}, _completion("Sure! Here you go: not json")),
            "echo",
        ]
    )
    texts = ["Hello there.", "", "How are\nyou?"]
    out = _translator(server.url).translate_batch(texts, "en", "es")
    assert out == ["ES: Hello there.", "", "ES: How are\nyou?"]  # the line break survives the round trip
    assert len(server.requests) == 3
    assert server.times[1] - server.times[0] >= 0.9  # Retry-After honoured (not the 0.05 s backoff)
    first = server.requests[0]
    assert first["path"] == "/v1/chat/completions" and first["auth"] == "Bearer sk-test"
    assert first["body"]["model"] == "tiny-llm"
    assert json.loads(first["body"]["messages"][1]["content"]) == ["Hello there.", "How are\nyou?"]
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


@pytest.fixture
def settings_endpoint(monkeypatch):
    """Point the engine settings' cloud endpoint at a fake server (environment layer of the settings)."""
    monkeypatch.delenv("REFRAME_OFFLINE", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    def configure(url, key="sk-secret-from-settings", model="settings-model"):
        monkeypatch.setenv("REFRAME_TRANSLATE_BASE_URL", url)
        monkeypatch.setenv("REFRAME_TRANSLATE_API_KEY", key)
        monkeypatch.setenv("REFRAME_TRANSLATE_MODEL", model)

    return configure


SIX_CUES = (
    "1\n00:00:00,000 --> 00:00:01,000\nOne.\n\n"
    "2\n00:00:01,000 --> 00:00:02,500\nTwo lines\nare here\n\n"
    "3\n00:00:02,500 --> 00:00:03,000\n \n\n"
    "4\n00:00:03,000 --> 00:00:04,000\nThree\n\n"
    "5\n00:00:04,000 --> 00:00:05,000\nFour\n\n"
    "6\n00:00:05,000 --> 00:00:06,000\nFive <i>ok</i>\n"
)


def test_subtitle_file_in_several_batches_over_http(server_factory, settings_endpoint, tmp_path):
    import pysubs2

    from media_core.translation import translate_subtitle_file

    server = server_factory(["echo"])
    settings_endpoint(server.url)
    src = tmp_path / "talk.srt"
    src.write_text(SIX_CUES, encoding="utf-8")
    logged: list[str] = []
    result = translate_subtitle_file(
        src, "es", "en", backend="cloud", batch_size=2, out=tmp_path / "talk.es.srt", log=logged.append
    )
    assert result.backend == "cloud" and result.cues == 6
    # Five cues with text in batches of two: three requests, consecutive cues together, in order.
    sent = [json.loads(r["body"]["messages"][1]["content"]) for r in server.requests]
    assert sent == [["One.", "Two lines are here"], ["Three", "Four"], ["Five ok"]]
    assert {r["auth"] for r in server.requests} == {"Bearer sk-secret-from-settings"}
    assert {r["body"]["model"] for r in server.requests} == {"settings-model"}
    source, out = pysubs2.load(str(src)), pysubs2.load(str(result.translated))
    assert [(e.start, e.end) for e in out] == [(e.start, e.end) for e in source]
    assert out[0].plaintext == "ES: One."
    assert out[1].plaintext.count("\n") == 1 and out[1].plaintext.split() == ["ES:", "Two", "lines", "are", "here"]
    assert out[2].plaintext.strip() == ""
    assert out[5].text == "ES: Five {\\i1}ok{\\i0}"  # the SRT italics came back on the same word
    assert any("cloud en→es (settings-model at 127.0.0.1" in line for line in logged)
    assert not any("sk-secret" in line for line in logged)


def test_cancel_between_batches_leaves_no_file(server_factory, settings_endpoint, tmp_path):
    from media_core.errors import CancelledError
    from media_core.progress import CancelToken
    from media_core.translation import translate_subtitle_file

    server = server_factory(["echo"])
    settings_endpoint(server.url)
    src = tmp_path / "talk.srt"
    src.write_text(SIX_CUES, encoding="utf-8")
    token = CancelToken()

    def progress(fraction, stage=""):
        if server.requests:  # the first batch is back: stop now
            token.cancel()

    with pytest.raises(CancelledError):
        translate_subtitle_file(
            src,
            "es",
            "en",
            backend="cloud",
            batch_size=2,
            bilingual=True,
            out=tmp_path / "out" / "talk.es.srt",
            progress=progress,
            cancel=token,
        )
    assert len(server.requests) == 1
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_retry_after_beyond_the_limit_gives_up_at_once(server_factory, settings_endpoint, tmp_path):
    from media_core.translation import translate_subtitle_file

    server = server_factory([(429, {"Retry-After": "600"}, {"error": "quota exceeded"})])
    started = time.monotonic()
    with pytest.raises(TranslationError, match="asked to wait 600 s") as info:
        _translator(server.url).translate_batch(["a", "b"], "en", "es")
    assert "120 s" in str(info.value)
    # Far below the 600 s asked for: only waiting for it could take this long (a hang guard).
    assert len(server.requests) == 1 and time.monotonic() - started < 300
    # Through a whole file: the error surfaces, nothing is written.
    settings_endpoint(server.url)
    src = tmp_path / "talk.srt"
    src.write_text(SIX_CUES, encoding="utf-8")
    with pytest.raises(TranslationError, match="Try again later"):
        translate_subtitle_file(src, "es", "en", backend="cloud", out=tmp_path / "talk.es.srt")
    assert not (tmp_path / "talk.es.srt").exists()


def test_retry_after_as_http_date_within_the_limit_is_waited_for():
    import email.utils

    from media_core.translation.cloud import _retry_after

    assert _retry_after(email.utils.formatdate(time.time() + 30, usegmt=True)) == pytest.approx(30, abs=2)
    assert _retry_after("2") == 2.0 and _retry_after(None) is None and _retry_after("soon") is None


def test_large_inputs_are_split_into_requests(server_factory):
    server = server_factory(["echo"])
    translator = CloudTranslator(
        CloudConfig(base_url=server.url, model="m", max_lines_per_request=2, timeout=10), offline=False
    )
    seen = []
    out = translator.translate_batch(["a", "b", "c", "d", "e"], "en", "es", progress=lambda f, s="": seen.append(f))
    assert out == ["ES: a", "ES: b", "ES: c", "ES: d", "ES: e"]
    assert [json.loads(r["body"]["messages"][1]["content"]) for r in server.requests] == [["a", "b"], ["c", "d"], ["e"]]
    assert seen[-1] == 1.0 and seen == sorted(seen)


def test_per_call_overrides_never_move_the_stored_key(server_factory, settings_endpoint):
    server = server_factory(["echo"])
    settings_endpoint(server.url, key="sk-stored")
    same = CloudConfig.from_settings(model="other-model")
    assert same.api_key == "sk-stored" and same.model == "other-model" and same.base_url == server.url
    moved = CloudConfig.from_settings(base_url="http://evil.example/v1")
    assert moved.api_key is None and moved.model == "settings-model"
    # Another path on the same server is the same endpoint owner: the key goes along.
    assert CloudConfig.from_settings(base_url=server.url.replace("/v1", "/v2")).api_key == "sk-stored"
    assert CloudConfig.from_settings(base_url="http://evil.example/v1", api_key="sk-given").api_key == "sk-given"


def test_job_uses_the_settings_key_and_never_stores_it(server_factory, settings_endpoint, tmp_path):
    from media_core.jobs.manager import JobManager
    from media_core.jobs.store import JobStore

    main, other = server_factory(["echo"]), server_factory(["echo"])
    settings_endpoint(main.url, key="sk-secret-123")
    src = tmp_path / "talk.srt"
    src.write_text(SIX_CUES, encoding="utf-8")
    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    try:
        first = mgr.wait(
            mgr.submit(
                "translate_subtitles",
                {
                    "input": str(src),
                    "tgt": "es",
                    "src": "en",
                    "backend": "cloud",
                    "cloud_model": "job-model",
                    "out": str(tmp_path / "a.es.srt"),
                },
            ),
            timeout=60,
        )
        assert first.status == "succeeded", (first.error_message, first.error_detail)
        assert {r["auth"] for r in main.requests} == {"Bearer sk-secret-123"}
        assert {r["body"]["model"] for r in main.requests} == {"job-model"}
        job_log = mgr.store.get_log(first.id)
        assert "translation backend: cloud" in job_log and "job-model at 127.0.0.1" in job_log

        # Another endpoint for one job: it gets the text but not the stored key.
        moved = mgr.wait(
            mgr.submit(
                "translate_subtitles",
                {
                    "input": str(src),
                    "tgt": "es",
                    "src": "en",
                    "backend": "cloud",
                    "cloud_base_url": other.url,
                    "out": str(tmp_path / "b.es.srt"),
                },
            ),
            timeout=60,
        )
        assert moved.status == "succeeded", (moved.error_message, moved.error_detail)
        assert other.requests and {r["auth"] for r in other.requests} == {None}

        # A key cannot be passed as a job parameter at all: refused at submit, nothing stored.
        before = len(main.requests) + len(other.requests)
        with pytest.raises(InvalidParameterError) as refused:
            mgr.submit(
                "translate_subtitles",
                {
                    "input": str(src),
                    "tgt": "es",
                    "src": "en",
                    "backend": "cloud",
                    "api_key": "sk-typed",
                    "out": str(tmp_path / "c.es.srt"),
                },
            )
        assert refused.value.field_errors == {"api_key": "unknown setting"}
        assert len(main.requests) + len(other.requests) == before
        assert len(mgr.list_jobs()) == 2
        all_logs = "".join(mgr.store.get_log(j.id) for j in (first, moved))
    finally:
        mgr.shutdown()
    with sqlite3.connect(tmp_path / "jobs.sqlite3") as db:
        dump = "\n".join(db.iterdump())
    assert "job-model" in dump  # the params are there…
    assert "sk-secret-123" not in dump and "sk-secret-123" not in all_logs  # …the stored key never is
    assert "sk-typed" not in dump


def test_check_endpoint(server_factory, monkeypatch):
    from media_core.errors import BackendUnavailableError
    from media_core.translation.cloud import check_endpoint

    monkeypatch.delenv("REFRAME_OFFLINE", raising=False)
    good = server_factory(["echo"])
    assert check_endpoint(good.url, "m", "sk-x") == "ES: Hello, how are you?"
    assert good.requests[0]["auth"] == "Bearer sk-x"
    bad = server_factory([(401, {}, {"error": "bad key"})])
    with pytest.raises(TranslationError, match="API key"):
        check_endpoint(bad.url, "m", "sk-wrong")
    monkeypatch.setenv("REFRAME_OFFLINE", "1")
    with pytest.raises(BackendUnavailableError, match="Offline"):
        check_endpoint(good.url, "m")
    # Offline mode in the settings wins over a caller's offline=False.
    with pytest.raises(BackendUnavailableError, match="Offline"):
        CloudTranslator(CloudConfig(base_url=good.url), offline=False).translate_batch(["a"], "en", "es")
    assert len(good.requests) == 1
