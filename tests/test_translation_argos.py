"""Argos backend for real: a tiny CTranslate2 Transformer + SentencePiece model built here.

No real Argos package can be downloaded on CI, so the test writes one itself: a
SentencePiece model trained on a few sentences and a 1-layer CTranslate2 Transformer
spec filled with seeded random weights (no torch needed). Its output is nonsense but
deterministic, which is all install/list/translate/pivot/remove need.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from media_core.errors import BackendUnavailableError, InvalidParameterError, ModelDownloadError
from media_core.translation import argos
from media_core.translation.argos import ArgosPackage, ArgosTranslator
from tests.local_http import FileServer

CORPUS = [
    "hello world this is a test",
    "the quick brown fox jumps over the lazy dog",
    "ask not what your country can do for you",
    "and so my fellow americans",
]


def _build_model(folder: Path, seed: int) -> None:
    import ctranslate2  # noqa: F401  (the spec module needs the package)
    import sentencepiece as spm
    from ctranslate2.specs import transformer_spec

    folder.mkdir(parents=True)
    corpus = folder.parent / f"corpus-{seed}.txt"
    corpus.write_text("\n".join(CORPUS * 10), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(folder / "sentencepiece"),
        vocab_size=60,
        model_type="bpe",
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
    )
    (folder / "sentencepiece.vocab").unlink()
    sp = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    vocab = ["<blank>", "<s>", "</s>", "<unk>"] + [p for p in pieces if p not in ("<unk>", "<s>", "</s>")]
    spec = transformer_spec.TransformerSpec.from_config(1, 2)
    d, ffn, n_vocab = 16, 32, len(vocab)
    rng = np.random.default_rng(seed)
    for name, value in spec.variables().items():
        if value is not None:
            continue
        leaf = name.split("/")[-1]
        if "embeddings" in name or name.endswith("projection/weight"):
            shape = (n_vocab, d)
        elif leaf in ("gamma", "beta"):
            shape = (d,)
        elif "ffn/linear_0" in name:
            shape = (ffn, d)
        elif "ffn/linear_1" in name:
            shape = (d, ffn)
        elif "self_attention/linear_0" in name:
            shape = (3 * d, d)
        elif "/attention/linear_1" in name:
            shape = (2 * d, d)
        else:
            shape = (d, d)
        arr = np.ones(shape) if leaf == "gamma" else np.zeros(shape) if leaf == "beta" else rng.normal(0, 0.5, shape)
        obj = spec
        for part in name.split("/")[:-1]:
            if hasattr(obj, part):
                obj = getattr(obj, part)
            else:  # "layer_0" / "linear_1" / "embeddings_0" are list items
                base, _, index = part.rpartition("_")
                obj = getattr(obj, base)[int(index)]
        setattr(obj, leaf, arr.astype(np.float32))
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    (folder / "model").mkdir()
    spec.save(str(folder / "model"))


def _package(root: Path, src: str, tgt: str, model: Path, *, top: str | None = None) -> Path:
    out = root / f"translate-{src}_{tgt}.argosmodel"
    top = top or f"translate-{src}_{tgt}-1_0"
    meta = {
        "package_version": "1.0",
        "argos_version": "1.0",
        "from_code": src,
        "to_code": tgt,
        "from_name": src.upper(),
        "to_name": tgt.upper(),
        "type": "translate",
    }
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(f"{top}/metadata.json", json.dumps(meta))
        zf.writestr(f"{top}/README.md", "test package")
        for f in model.rglob("*"):
            if f.is_file():
                zf.write(f, f"{top}/{f.relative_to(model).as_posix()}")
    return out


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("argos-build")
    out = {}
    for seed, (src, tgt) in enumerate((("en", "es"), ("es", "en"), ("en", "fr"))):
        model = root / f"model-{src}-{tgt}"
        _build_model(model, seed)
        out[f"{src}_{tgt}"] = _package(root, src, tgt, model)
    return out


@pytest.fixture(autouse=True)
def _clean_install_dir():
    for pkg in argos.list_installed():
        argos.remove_package(*pkg.pair)
    yield
    for pkg in argos.list_installed():
        argos.remove_package(*pkg.pair)


def test_install_list_translate_remove(packages):
    seen = []
    pkg = argos.install_package(packages["en_es"], progress=lambda f, s="": seen.append(f))
    assert pkg.pair == ("en", "es") and Path(pkg.path).is_dir()
    assert seen and seen[-1] == 1.0
    assert [p.pair for p in argos.list_installed()] == [("en", "es")]
    translator = ArgosTranslator(threads=1)
    assert translator.is_available() and translator.available_pairs() == [("en", "es")]
    texts = ["hello world", "", "ask not what your country can do for you. the quick brown fox."]
    first = translator.translate_batch(texts, "en", "es")
    assert len(first) == 3 and all(isinstance(t, str) for t in first)
    assert first[1] == ""
    assert first[0] and first[2]
    assert translator.translate_batch(texts, "en", "es") == first  # deterministic
    assert argos.remove_package("en", "es") is True
    assert argos.list_installed() == []
    assert argos.remove_package("en", "es") is False
    with pytest.raises(BackendUnavailableError, match="No Argos Translate package"):
        translator.translate_batch(["hello"], "en", "es")


def test_pivot_through_english(packages):
    for name in ("es_en", "en_fr"):
        argos.install_package(packages[name])
    translator = ArgosTranslator()
    assert translator.supports_pair("es", "fr") and not translator.supports_pair("fr", "es")
    texts = ["the quick brown fox", "hello world this is a test"]
    pivoted = translator.translate_batch(texts, "es", "fr")
    via_en = translator.translate_batch(translator.translate_batch(texts, "es", "en"), "en", "fr")
    assert pivoted == via_en and len(pivoted) == 2


def test_reinstall_replaces_and_bad_archives_are_refused(packages, tmp_path):
    argos.install_package(packages["en_es"])
    argos.install_package(packages["en_es"])
    assert len(argos.list_installed()) == 1
    not_zip = tmp_path / "x.argosmodel"
    not_zip.write_text("nope")
    with pytest.raises(InvalidParameterError, match="not a zip"):
        argos.install_package(not_zip)
    evil = tmp_path / "evil.argosmodel"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("pkg/metadata.json", json.dumps({"from_code": "en", "to_code": "de"}))
        zf.writestr("pkg/../../escaped.txt", "x")
    with pytest.raises(InvalidParameterError, match="unsafe path"):
        argos.install_package(evil)
    assert not (argos.packages_dir().parent / "escaped.txt").exists()
    incomplete = tmp_path / "incomplete.argosmodel"
    with zipfile.ZipFile(incomplete, "w") as zf:
        zf.writestr("pkg/metadata.json", json.dumps({"from_code": "en", "to_code": "de"}))
    with pytest.raises(InvalidParameterError, match="missing"):
        argos.install_package(incomplete)
    loose = tmp_path / "loose.argosmodel"
    with zipfile.ZipFile(loose, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"from_code": "en", "to_code": "de"}))
    with pytest.raises(InvalidParameterError, match="one top folder"):
        argos.install_package(loose)
    truncated = tmp_path / "truncated.argosmodel"
    truncated.write_bytes(packages["en_es"].read_bytes()[:-200])
    with pytest.raises(InvalidParameterError):
        argos.install_package(truncated)
    # Failed installs leave nothing behind, not even staging folders.
    assert [p.name for p in argos.packages_dir().iterdir()] == ["en_es"]


def test_download_from_index_with_progress_checksum_and_resume(packages, monkeypatch):
    data = packages["en_es"].read_bytes()
    good_sha = hashlib.sha256(data).hexdigest()
    server = FileServer({})
    try:
        index = [
            {
                "code": "translate-en_es",
                "type": "translate",
                "from_code": "en",
                "to_code": "es",
                "from_name": "English",
                "to_name": "Spanish",
                "package_version": "1.0",
                "argos_version": "1.0",
                "links": [server.url + "/missing.argosmodel", server.url + "/en_es.argosmodel"],
                "checksum": good_sha,
            },
            {"code": "x", "type": "sbd", "from_code": "en", "to_code": "en"},
        ]
        server.files = {"/index.json": json.dumps(index).encode(), "/en_es.argosmodel": data}
        monkeypatch.setenv("REFRAME_ARGOS_INDEX", server.url + "/index.json")
        offered = argos.fetch_index()
        assert [p.pair for p in offered] == [("en", "es")]

        # A damaged download is discarded and nothing is installed.
        bad = offered[0].model_copy(update={"checksum": "0" * 64})
        with pytest.raises(ModelDownloadError, match="checksum"):
            argos.download_package(bad)
        assert argos.list_installed() == []

        # Resume: half the file is already there from an interrupted run.
        part = argos.cache_dir() / "argos-downloads" / "en_es-10.argosmodel.part"
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(data[: len(data) // 2])
        seen = []
        server.requests.clear()
        installed = argos.download_package(offered[0], progress=lambda f, s="": seen.append(f))
        assert installed.pair == ("en", "es")
        assert ("GET", "/en_es.argosmodel", f"bytes={len(data) // 2}-") in server.requests
        assert seen and seen[-1] == 1.0 and all(b >= a for a, b in itertools.pairwise(seen))
        assert not part.exists()
        assert ArgosTranslator().translate_batch(["hello world"], "en", "es")[0]

        with pytest.raises(BackendUnavailableError, match="Offline"):
            argos.download_package(offered[0], offline=True)
        with pytest.raises(BackendUnavailableError, match="Offline"):
            argos.fetch_index(offline=True)
    finally:
        server.close()


def test_index_entry_model():
    pkg = ArgosPackage(from_code="en-US", to_code="ES")
    assert pkg.pair == ("en", "es")


def test_damaged_model_gives_clear_error(packages):
    from media_core.errors import ModelMissingError

    pkg = argos.install_package(packages["en_es"])
    (Path(pkg.path) / "model" / "model.bin").write_bytes(b"garbage")
    argos.clear_cache()
    with pytest.raises(ModelMissingError, match="damaged"):
        ArgosTranslator().translate_batch(["hello"], "en", "es")


def test_auto_prefers_installed_argos(packages, tmp_path):
    from media_core.translation import resolve_translator, translate_subtitle_file

    argos.install_package(packages["en_es"])
    assert resolve_translator("auto", "en", "es", offline=True).name == "argos"
    srt = tmp_path / "t.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,500\nhello world\n\n2\n00:00:02,000 --> 00:00:03,000\nthe fox\n")
    result = translate_subtitle_file(srt, "es", "en", offline=True, out=tmp_path / "t.es.srt")
    assert result.backend == "argos" and result.cues == 2
    assert "00:00:02,000 --> 00:00:03,000" in result.translated.read_text()


def test_pivot_pairs_are_listed_and_marked(packages):
    from media_core.translation import LanguagePair, backend_status

    for name in ("es_en", "en_fr"):
        argos.install_package(packages[name])
    translator = ArgosTranslator()
    assert translator.language_pairs() == [
        LanguagePair(src="en", tgt="fr"),
        LanguagePair(src="es", tgt="en"),
        LanguagePair(src="es", tgt="fr", via="en"),
    ]
    assert ("es", "fr") in translator.available_pairs() and ("fr", "es") not in translator.available_pairs()
    assert str(translator.language_pairs()[-1]) == "es→fr (via en)"
    status = {s.name: s for s in backend_status()}["argos"]
    assert status.available and "1 more pair(s) through English" in status.detail
    assert LanguagePair(src="es", tgt="fr", via="en") in status.pairs
    # A direct package wins over the pivot and the pair is no longer listed as one.
    argos.install_package(packages["en_es"])
    assert LanguagePair(src="en", tgt="es") in translator.language_pairs()
    assert all(p.via is None for p in translator.language_pairs() if (p.src, p.tgt) == ("en", "es"))


def test_log_names_packages_and_pivot(packages):
    for name in ("es_en", "en_fr"):
        argos.install_package(packages[name])
    lines: list[str] = []
    ArgosTranslator(log=lines.append).translate_batch(["the quick brown fox"], "es", "fr")
    assert len(lines) == 2
    assert lines[0].startswith("argos es→en (package 1.0, step 1/2 of es→fr via en)")
    assert lines[1].startswith("argos en→fr (package 1.0, step 2/2 of es→fr via en)") and " s" in lines[1]


def test_missing_package_message_points_to_settings_and_cli():
    with pytest.raises(BackendUnavailableError) as info:
        ArgosTranslator().translate_batch(["hello"], "de", "it")
    message = str(info.value)
    assert "Settings → Translation" in message and "reframe translate-packages download de it" in message
    assert "›" not in message


def test_rows_inside_a_text_are_kept(packages):
    argos.install_package(packages["en_es"])
    translator = ArgosTranslator()
    out = translator.translate_batch(["hello world\nthe quick brown fox", "ask not"], "en", "es")
    rows = out[0].split("\n")
    assert len(rows) == 2 and all(rows)
    # Each row went as its own text (the same batch as three separate texts gives the same output).
    assert out == [
        "\n".join(translator.translate_batch(["hello world", "the quick brown fox", "ask not"], "en", "es")[:2]),
        translator.translate_batch(["hello world", "the quick brown fox", "ask not"], "en", "es")[2],
    ]


def _cli(capsys, *argv) -> tuple[int, str, str]:
    from media_core.cli import main

    code = main(["translate-packages", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_install_list_remove(packages, capsys):
    code, out, err = _cli(capsys, "list")
    assert code == 0 and "No translation packages installed" in out
    code, out, err = _cli(capsys, "install", str(packages["es_en"]))
    assert code == 0 and "Installed es→en" in out
    assert "100.0%" in err  # the progress bar (plain lines when stderr is not a terminal)
    assert _cli(capsys, "install", "-q", str(packages["en_fr"]))[0] == 0
    code, out, _ = _cli(capsys, "list")
    assert code == 0 and out.splitlines()[0].startswith("en→fr\t") and out.splitlines()[1].startswith("es→en\t")
    assert "Also translated through English (two packages, slower): es→fr" in out
    code, out, _ = _cli(capsys, "remove", "es", "en")
    assert code == 0 and "Removed es→en" in out
    assert [p.pair for p in argos.list_installed()] == [("en", "fr")]
    code, _, err = _cli(capsys, "remove", "es", "en")
    assert code == 2 and "no es→en package is installed" in err
    code, _, err = _cli(capsys, "install", str(packages["es_en"].with_suffix(".missing")))
    assert code == 2 and "does not exist" in err and "Traceback" not in err


def test_cli_available_and_download_with_progress(packages, capsys, monkeypatch):
    data = packages["en_es"].read_bytes()
    server = FileServer({})
    try:
        index = [
            {
                "code": "translate-en_es",
                "type": "translate",
                "from_code": "en",
                "to_code": "es",
                "from_name": "English",
                "to_name": "Spanish",
                "package_version": "1.1",
                "argos_version": "1.0",
                "links": [server.url + "/en_es.argosmodel"],
                "size": len(data),
            },
            {
                "code": "translate-en_es-old",
                "type": "translate",
                "from_code": "en",
                "to_code": "es",
                "package_version": "1.0",
                "links": [server.url + "/missing.argosmodel"],
            },
            {
                "code": "translate-en_de",
                "type": "translate",
                "from_code": "en",
                "to_code": "de",
                "package_version": "1.0",
                "links": [server.url + "/missing.argosmodel"],
            },
        ]
        server.files = {"/index.json": json.dumps(index).encode(), "/en_es.argosmodel": data}
        monkeypatch.setenv("REFRAME_ARGOS_INDEX", server.url + "/index.json")
        monkeypatch.delenv("REFRAME_OFFLINE", raising=False)
        code, out, _ = _cli(capsys, "available")
        assert code == 0 and "en→de" in out and "English → Spanish 1.1" in out and "installed" not in out

        code, out, err = _cli(capsys, "download", "en", "es")
        assert code == 0, err
        assert "Installed en→es: EN → ES 1.0" in out  # what the package itself says it is
        # The newest version was fetched, and the bar went through the download.
        assert ("GET", "/en_es.argosmodel", None) in server.requests
        assert ("GET", "/missing.argosmodel", None) not in server.requests
        percents = [float(line.split("%")[0]) for line in err.splitlines() if "%" in line]
        assert len(percents) >= 3 and percents == sorted(percents) and percents[-1] == 100.0
        assert any("downloading translation package" in line for line in err.splitlines())
        assert ArgosTranslator().translate_batch(["hello world"], "en", "es")[0]
        code, out, _ = _cli(capsys, "available")
        assert "English → Spanish 1.1" in out and "\tinstalled" in out

        code, _, err = _cli(capsys, "download", "en", "ja")
        assert code == 2 and "no English → Japanese package" in err and "en→de" in err
        monkeypatch.setenv("REFRAME_OFFLINE", "1")
        server.requests.clear()
        code, _, err = _cli(capsys, "download", "en", "de")
        assert code == 2 and "Offline mode is on" in err and server.requests == []
        code, _, err = _cli(capsys, "available")
        assert code == 2 and "Offline mode is on" in err
    finally:
        server.close()


def test_cli_download_subprocess_shows_progress(packages, tmp_path):
    """The real command as a user runs it, in its own process."""
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    data = packages["en_fr"].read_bytes()
    server = FileServer({})
    try:
        server.files = {
            "/index.json": json.dumps(
                [
                    {
                        "type": "translate",
                        "from_code": "en",
                        "to_code": "fr",
                        "package_version": "2.0",
                        "links": [server.url + "/p.argosmodel"],
                    }
                ]
            ).encode(),
            "/p.argosmodel": data,
        }
        env = dict(os.environ, PYTHONPATH=str(repo), REFRAME_ARGOS_INDEX=server.url + "/index.json")
        env.pop("REFRAME_OFFLINE", None)
        proc = subprocess.run(
            [sys.executable, "-m", "media_core", "translate-packages", "download", "en", "fr"],
            capture_output=True,
            text=True,
            env=env,
            cwd=repo,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert "Installed en→fr" in proc.stdout and "100.0%" in proc.stderr
        assert [p.pair for p in argos.list_installed()] == [("en", "fr")]
    finally:
        server.close()
