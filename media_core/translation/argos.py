"""Argos Translate packages, run with CTranslate2 + SentencePiece directly.

We do not depend on the ``argostranslate`` package (it pulls torch and stanza); we read
its package format instead. A ``.argosmodel`` is a zip holding one top folder with:
``metadata.json`` (package_version, argos_version, from_code, to_code, from_name, to_name…),
``model/`` (a CTranslate2 model), ``sentencepiece.model`` and an optional ``stanza/`` folder
(sentence splitting; without stanza a punctuation regex splits sentences).

Installed packages live in ``data_dir()/translation/argos/<from>_<to>/``. When no direct
package exists, text pivots through English (es→fr via es→en→fr).

Package management for front ends (the desktop's Settings → Translation page, the
``reframe translate-packages`` command): :func:`list_installed`, :func:`pivot_pairs`,
:func:`fetch_index`, :func:`install_package`, :func:`download_package` /
:func:`download_pair` and :func:`remove_package`. Downloads obey offline mode.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
import zipfile
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, Field

from ..errors import (
    BackendUnavailableError,
    InvalidParameterError,
    ModelDownloadError,
    ModelMissingError,
    TranslationError,
    error_from_oserror,
)
from ..paths import cache_dir, data_dir
from ..progress import CancelToken, Progress, ProgressFn, as_progress, as_token
from ..settings import offline_mode
from .base import LanguagePair, LogFn, RowTranslator, language_name, normalize_lang

log = logging.getLogger(__name__)

DEFAULT_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
PIVOT = "en"
#: Where users are sent to add a package (the desktop page and the command line).
INSTALL_HINT = (
    "Add one in Settings → Translation, or on the command line with "
    "`reframe translate-packages download {src} {tgt}` (or `install FILE.argosmodel`)."
)
#: Refuse archives that would unpack to more than this (zip bombs); real packages are < 1 GB.
MAX_UNPACKED_BYTES = 4 << 30
#: A download larger than this is cut off: no real package comes near it.
MAX_DOWNLOAD_BYTES = 2 << 30
_install_lock = threading.Lock()


class ArgosPackage(BaseModel):
    """One package, installed (``path`` set) or listed in the index (``links`` set)."""

    from_code: str
    to_code: str
    from_name: str = ""
    to_name: str = ""
    package_version: str = ""
    argos_version: str = ""
    code: str | None = None
    links: list[str] = Field(default_factory=list)
    #: sha256 of the .argosmodel when the index gives one (the official index does not).
    checksum: str | None = None
    size: int | None = None
    path: str | None = None

    @property
    def pair(self) -> tuple[str, str]:
        return normalize_lang(self.from_code), normalize_lang(self.to_code)

    @property
    def label(self) -> str:
        return (
            f"{self.from_name or language_name(self.from_code)} → {self.to_name or language_name(self.to_code)}"
            f" {self.package_version}"
        ).strip()


def packages_dir() -> Path:
    path = data_dir() / "translation" / "argos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def index_url() -> str:
    return os.environ.get("REFRAME_ARGOS_INDEX", DEFAULT_INDEX_URL)


# --- installed packages -----------------------------------------------------------------------


def _read_metadata(folder: Path) -> ArgosPackage:
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    if not isinstance(meta, dict):
        raise ValueError("metadata.json is not an object")
    pkg = ArgosPackage.model_validate({k: v for k, v in meta.items() if k in ArgosPackage.model_fields})
    return pkg.model_copy(update={"path": str(folder)})


def list_installed(root: Path | None = None) -> list[ArgosPackage]:
    out = []
    root = root or packages_dir()
    for folder in sorted(root.iterdir()) if root.exists() else []:
        if not folder.is_dir() or folder.name.startswith("."):
            continue  # dot-folders are installs in progress
        try:
            out.append(_read_metadata(folder))
        except (OSError, ValueError) as exc:
            log.warning("ignoring damaged Argos package %s: %s", folder, exc)
    return out


def find_installed(src: str, tgt: str) -> ArgosPackage | None:
    pair = (normalize_lang(src), normalize_lang(tgt))
    return next((p for p in list_installed() if p.pair == pair), None)


def pivot_pairs(installed: list[ArgosPackage] | None = None) -> list[LanguagePair]:
    """Pairs no installed package covers directly but two packages reach through English."""
    installed = list_installed() if installed is None else installed
    direct = {p.pair for p in installed}
    into = sorted({a for a, b in direct if b == PIVOT and a != PIVOT})
    out_of = sorted({b for a, b in direct if a == PIVOT and b != PIVOT})
    return [LanguagePair(src=a, tgt=b, via=PIVOT) for a in into for b in out_of if a != b and (a, b) not in direct]


def remove_package(src: str, tgt: str) -> bool:
    """Delete the installed ``src``→``tgt`` package; False if none was installed."""
    pkg = find_installed(src, tgt)
    if pkg is None or pkg.path is None:
        return False
    with _install_lock:
        _evict(pkg.path)
        trash = Path(pkg.path).with_name(f".trash-{uuid.uuid4().hex[:8]}")
        os.replace(pkg.path, trash)  # vanish from listings at once, then delete at leisure
        shutil.rmtree(trash, ignore_errors=True)
    return True


def install_package(
    archive: str | os.PathLike, *, progress: ProgressFn | None = None, cancel: CancelToken | None = None
) -> ArgosPackage:
    """Validate and unpack a ``.argosmodel``; replaces an installed package of the same pair."""
    archive = Path(archive)
    report = as_progress(progress)
    token = as_token(cancel)
    if not archive.is_file():
        raise InvalidParameterError(f"{archive} does not exist.")
    if not zipfile.is_zipfile(archive):
        raise InvalidParameterError(f"{archive.name} is not an Argos Translate package (not a zip archive).")
    try:
        return _install_zip(archive, report, token)
    except zipfile.BadZipFile as exc:
        raise InvalidParameterError(
            f"{archive.name} is damaged (bad zip data); download it again.", detail=str(exc)
        ) from exc
    except OSError as exc:
        mapped = error_from_oserror(exc, packages_dir())
        if mapped is not None:
            raise mapped from exc
        raise


def _install_zip(archive: Path, report, token: CancelToken) -> ArgosPackage:
    root = packages_dir()
    with zipfile.ZipFile(archive) as zf:
        top, members = _validate_members(zf, archive.name)
        try:
            meta = json.loads(zf.read(f"{top}metadata.json").decode("utf-8"))
            probe = ArgosPackage.model_validate({k: v for k, v in meta.items() if k in ArgosPackage.model_fields})
        except (KeyError, ValueError) as exc:
            raise InvalidParameterError(f"{archive.name} has no valid metadata.json.", detail=str(exc)) from exc
        src, tgt = probe.pair
        staging = root / f".install-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        try:
            total = sum(m.file_size for m in members) or 1
            done = 0
            for info in members:
                token.raise_if_cancelled()
                rel = PurePosixPath(info.filename.replace("\\", "/")).relative_to(top.rstrip("/"))
                dest = staging.joinpath(*rel.parts)
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as fsrc, open(dest, "wb") as fdst:
                    shutil.copyfileobj(fsrc, fdst, 1 << 20)
                done += info.file_size
                report(done / total, f"installing {src}→{tgt}")
            _check_layout(staging, archive.name)
            final = root / f"{_safe(src)}_{_safe(tgt)}"
            with _install_lock:
                old = find_installed(src, tgt)
                # The old package of this pair, and anything (e.g. a damaged install) squatting on the name.
                stale_paths = {Path(old.path) if old and old.path else None, final if final.exists() else None}
                for stale in (p for p in stale_paths if p is not None):
                    _evict(str(stale))
                    trash = stale.with_name(f".trash-{uuid.uuid4().hex[:8]}")
                    os.replace(stale, trash)
                    shutil.rmtree(trash, ignore_errors=True)
                os.replace(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    report(1.0, f"installed {src}→{tgt}")
    return _read_metadata(final)


def _safe(code: str) -> str:
    return re.sub(r"[^a-z0-9-]", "", code.lower()) or "x"


def _validate_members(zf: zipfile.ZipFile, name: str) -> tuple[str, list[zipfile.ZipInfo]]:
    """One top folder, no absolute paths / ``..`` / links, sane unpacked size."""
    members = zf.infolist()
    if not members:
        raise InvalidParameterError(f"{name} is empty.")
    tops = set()
    unpacked = 0
    for info in members:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", info.filename):
            raise InvalidParameterError(f"{name} contains an unsafe path ({info.filename}); it was not installed.")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise InvalidParameterError(f"{name} contains a symbolic link ({info.filename}); it was not installed.")
        if len(path.parts) == 1 and not info.is_dir():
            raise InvalidParameterError(f"{name} is not an Argos package: files must sit in one top folder.")
        tops.add(path.parts[0])
        unpacked += info.file_size
    if unpacked > MAX_UNPACKED_BYTES:
        raise InvalidParameterError(f"{name} would unpack to {unpacked / 1e9:.1f} GB; refusing to install it.")
    if len(tops) != 1:
        raise InvalidParameterError(f"{name} is not an Argos package: expected one top folder, found {len(tops)}.")
    top = tops.pop() + "/"
    files = [m for m in members if PurePosixPath(m.filename).as_posix().rstrip("/") != top.rstrip("/")]
    return top, files


def _check_layout(folder: Path, name: str) -> None:
    missing = [p for p in ("metadata.json", "model/model.bin", "sentencepiece.model") if not (folder / p).is_file()]
    if missing:
        raise InvalidParameterError(f"{name} is not a usable Argos package: missing {', '.join(missing)}.")


# --- the package index and downloads ------------------------------------------------------------


def _offline(requested: bool | None) -> bool:
    # None follows the saved settings. An explicit value wins because the one caller passing
    # False is the settings page itself, acting on its own (not yet saved) offline checkbox; a
    # package download sends no user data, unlike the cloud translator, where settings always win.
    return offline_mode() if requested is None else bool(requested)


def fetch_index(url: str | None = None, *, offline: bool | None = None, timeout: float = 30.0) -> list[ArgosPackage]:
    """Packages offered by the Argos index (``REFRAME_ARGOS_INDEX`` or ``url`` overrides it)."""
    if _offline(offline):
        raise BackendUnavailableError("Offline mode is on, so the Argos package list cannot be downloaded.")
    import httpx

    try:
        resp = httpx.get(url or index_url(), timeout=timeout, follow_redirects=True)
        resp.raise_for_status()
        data = resp.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ModelDownloadError("Could not download the list of translation packages.", detail=str(exc)) from exc
    if isinstance(data, dict):
        data = data.get("packages", [])
    out = []
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict) or entry.get("type", "translate") != "translate":
            continue
        if "sha256" in entry and "checksum" not in entry:
            entry = dict(entry, checksum=entry["sha256"])
        try:
            out.append(ArgosPackage.model_validate({k: v for k, v in entry.items() if k in ArgosPackage.model_fields}))
        except ValueError:
            log.debug("skipping index entry %r", entry)
    return out


def find_in_index(index: list[ArgosPackage], src: str, tgt: str) -> ArgosPackage | None:
    """The newest ``src``→``tgt`` package in ``index`` (None if it offers none)."""
    pair = (normalize_lang(src), normalize_lang(tgt))
    matches = [p for p in index if p.pair == pair]
    return max(matches, key=lambda p: _version_key(p.package_version), default=None)


def _version_key(version: str) -> tuple:
    return tuple(int(n) if n.isdigit() else 0 for n in re.split(r"[.\-_]", version or "0"))


def download_pair(
    src: str,
    tgt: str,
    *,
    index: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    offline: bool | None = None,
) -> ArgosPackage:
    """Find ``src``→``tgt`` in the package index and download and install it (one call for a UI's
    "Download" button). Raises :class:`ModelDownloadError` when the index offers no such package."""
    report = as_progress(progress)
    report(0.0, "reading the package list")
    offered = fetch_index(index, offline=offline)
    package = find_in_index(offered, src, tgt)
    if package is None:
        near = sorted({f"{a}→{b}" for a, b in (p.pair for p in offered) if normalize_lang(src) in (a, b)})
        raise ModelDownloadError(
            f"The package list has no {language_name(src)} → {language_name(tgt)} package"
            + (f" (it has {', '.join(near)}; pairs without a package can pivot through English)." if near else "."),
            detail=f"{len(offered)} packages listed",
        )
    installed = download_package(package, progress=report.span(0.02, 1.0), cancel=cancel, offline=offline)
    assert isinstance(installed, ArgosPackage)  # install=True returns the installed package
    return installed


def download_package(
    package: ArgosPackage,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    offline: bool | None = None,
    timeout: float = 60.0,
    install: bool = True,
) -> ArgosPackage | Path:
    """Download ``package`` (resuming a partial download), verify, and install it.

    Returns the installed package (or the downloaded file when ``install=False``).
    """
    if _offline(offline):
        raise BackendUnavailableError("Offline mode is on, so translation packages cannot be downloaded.")
    if not package.links:
        raise ModelDownloadError(f"The index gives no download link for {package.label}.")
    from ..download import ChecksumMismatchError, DownloadError, download

    report = as_progress(progress)
    token = as_token(cancel)
    src, tgt = package.pair
    final = (
        cache_dir()
        / "argos-downloads"
        / f"{_safe(src)}_{_safe(tgt)}-{_safe(package.package_version or '0')}.argosmodel"
    )
    errors = []
    fetch_report = report.span(0.0, 0.9) if install else report
    for url in package.links:  # the index lists mirrors: the next one may work when one fails
        try:
            download(
                url,
                final,
                sha256=package.checksum,
                max_bytes=MAX_DOWNLOAD_BYTES,
                progress=fetch_report,
                cancel=token,
                timeout=timeout,
                label=f"the package {package.label}",
                stage="downloading translation package",
            )
            break
        except ChecksumMismatchError:
            raise  # the index promised other bytes: another mirror is no more trustworthy
        except DownloadError as exc:
            errors.append(f"{url}: {exc.detail or exc}")
            log.warning("Argos download from %s failed: %s", url, exc)
    else:
        raise ModelDownloadError(
            f"Downloading {package.label} failed. Check your connection and retry.", detail="\n".join(errors)
        )
    if not install:
        return final
    try:
        return install_package(final, progress=report.span(0.9, 1.0), cancel=token)
    finally:
        final.unlink(missing_ok=True)


# --- translation ------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])\s+(?=\S)")
_translator_cache: dict[str, tuple[object, object]] = {}
_cache_lock = threading.Lock()


def split_sentences(text: str) -> list[str]:
    """Regex sentence splitter (used when a package ships no stanza model; we never load stanza)."""
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def _load(pkg: ArgosPackage, inter_threads: int, intra_threads: int):
    """(ctranslate2.Translator, SentencePieceProcessor), cached: loading costs far more than translating."""
    key = f"{pkg.path}|{inter_threads}|{intra_threads}"
    with _cache_lock:
        if key in _translator_cache:
            return _translator_cache[key]
        try:
            import ctranslate2
            import sentencepiece
        except ImportError as exc:
            raise BackendUnavailableError("CTranslate2/SentencePiece are not installed.", detail=str(exc)) from exc
        folder = Path(pkg.path or "")
        try:
            translator = ctranslate2.Translator(
                str(folder / "model"), device="cpu", inter_threads=inter_threads, intra_threads=intra_threads
            )
            sp = sentencepiece.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
        except (RuntimeError, OSError, ValueError) as exc:
            raise ModelMissingError(
                f"The {pkg.label} package is damaged; remove and reinstall it.", detail=str(exc)
            ) from exc
        _translator_cache[key] = (translator, sp)
        return translator, sp


class ArgosTranslator(RowTranslator):
    name = "argos"

    def __init__(
        self,
        *,
        threads: int = 1,
        inter_threads: int = 1,
        beam_size: int = 2,
        max_batch_size: int = 32,
        log: LogFn | None = None,
        **_options,
    ) -> None:
        # One thread by default: on small CPUs shared with other work, 1 CTranslate2 thread is fastest.
        self.intra_threads = max(1, int(threads or 1))
        self.inter_threads = max(1, int(inter_threads or 1))
        self.beam_size = beam_size
        self.max_batch_size = max_batch_size
        self.log = log or (lambda message: None)

    def is_available(self) -> bool:
        try:
            import ctranslate2  # noqa: F401
            import sentencepiece  # noqa: F401
        except ImportError:
            return False
        return bool(list_installed())

    def available_pairs(self) -> list[tuple[str, str]]:
        """Installed pairs, then the pairs reachable by pivoting through English."""
        return [(p.src, p.tgt) for p in self.language_pairs()]

    def language_pairs(self) -> list[LanguagePair]:
        """Like :meth:`available_pairs`, with pivot pairs marked (``via="en"``) for menus."""
        installed = list_installed()
        direct = [LanguagePair(src=a, tgt=b) for a, b in dict.fromkeys(p.pair for p in installed)]
        return direct + pivot_pairs(installed)

    def route(self, src: str, tgt: str) -> list[ArgosPackage]:
        """Packages to chain: the direct one, else ``src``→en→``tgt``."""
        src, tgt = normalize_lang(src), normalize_lang(tgt)
        direct = find_installed(src, tgt)
        if direct:
            return [direct]
        if PIVOT not in (src, tgt):
            first, second = find_installed(src, PIVOT), find_installed(PIVOT, tgt)
            if first and second:
                return [first, second]
        installed = ", ".join(f"{a}→{b}" for a, b in dict.fromkeys(p.pair for p in list_installed())) or "none"
        raise BackendUnavailableError(
            f"No Argos Translate package for {language_name(src)} → {language_name(tgt)} is installed "
            f"(installed: {installed}). " + INSTALL_HINT.format(src=src, tgt=tgt)
        )

    def supports_pair(self, src: str, tgt: str) -> bool:
        try:
            self.route(src, tgt)
            return True
        except BackendUnavailableError:
            return False

    def translate_rows(self, rows: list[str], src: str, tgt: str, report: Progress, token: CancelToken) -> list[str]:
        chain = self.route(src, tgt)
        current = rows
        for step, pkg in enumerate(chain):
            started = time.perf_counter()
            current = self._translate_one_package(
                pkg, current, report.span(step / len(chain), (step + 1) / len(chain)), token
            )
            a, b = pkg.pair
            self.log(
                f"argos {a}→{b} (package {pkg.package_version or '?'}"
                + (
                    f", step {step + 1}/{len(chain)} of {normalize_lang(src)}→{normalize_lang(tgt)} via {PIVOT}"
                    if len(chain) > 1
                    else ""
                )
                + f"): {sum(1 for t in current if t)} row(s) in {time.perf_counter() - started:.2f} s"
            )
        return current

    def _translate_one_package(self, pkg: ArgosPackage, texts: list[str], report, token: CancelToken) -> list[str]:
        translator, sp = _load(pkg, self.inter_threads, self.intra_threads)
        # Sentences are the unit the models were trained on; remember which text each came from.
        owners: list[int] = []
        sentences: list[list[str]] = []
        for i, text in enumerate(texts):
            for sentence in split_sentences(text):
                owners.append(i)
                sentences.append(sp.encode(sentence, out_type=str))
        results: list[list[str]] = []
        for start in range(0, len(sentences), self.max_batch_size):
            token.raise_if_cancelled()
            chunk = sentences[start : start + self.max_batch_size]
            longest = max((len(s) for s in chunk), default=1)
            try:
                out = translator.translate_batch(
                    chunk,
                    beam_size=self.beam_size,
                    max_batch_size=self.max_batch_size,
                    # A bound on output length: a broken model must not loop to 256 tokens per line.
                    max_decoding_length=min(512, 2 * longest + 10),
                    replace_unknowns=True,
                )
            except (RuntimeError, ValueError) as exc:
                raise TranslationError(f"Translation with {pkg.label} failed.", detail=str(exc)) from exc
            results.extend(r.hypotheses[0] for r in out)
            report(min(1.0, (start + len(chunk)) / max(1, len(sentences))), "translating")
        joined: list[list[str]] = [[] for _ in texts]
        for owner, tokens in zip(owners, results, strict=False):
            joined[owner].append(sp.decode(tokens).strip())
        return [" ".join(s for s in parts if s) for parts in joined]


def _evict(path: str) -> None:
    with _cache_lock:
        for key in [k for k in _translator_cache if k.split("|", 1)[0] == path]:
            del _translator_cache[key]


def clear_cache() -> None:
    with _cache_lock:
        _translator_cache.clear()
