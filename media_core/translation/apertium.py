"""Apertium backend: the free, offline, rule-based ``apertium`` command (e.g. Debian ``apertium-eng-spa``).

A whole batch goes through ONE ``apertium`` run: each text becomes its own paragraph and
paragraphs are separated by numbered marker paragraphs (``[[7]]``). Apertium treats a blank
line as a hard boundary, so words never move from one cue into the next, and it copies the
markers through untouched — we verify that and fall back to one run per text if not.
Line breaks inside a text are kept: each row travels as its own paragraph (Apertium would
otherwise read a row break as a space, or a blank line as our boundary).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import threading
import time

from ..errors import BackendUnavailableError, CancelledError, TranslationError
from ..progress import CancelToken, Progress
from .base import LogFn, RowTranslator, normalize_lang

log = logging.getLogger(__name__)

#: ISO 639-1 ↔ the ISO 639-3 codes Apertium names its modes with.
ISO1_TO_APERTIUM = {
    "en": "eng",
    "es": "spa",
    "ca": "cat",
    "fr": "fra",
    "pt": "por",
    "it": "ita",
    "gl": "glg",
    "eu": "eus",
    "oc": "oci",
    "ro": "ron",
    "eo": "epo",
    "nb": "nob",
    "nn": "nno",
    "da": "dan",
    "sv": "swe",
    "is": "isl",
    "de": "deu",
    "nl": "nld",
    "af": "afr",
    "cy": "cym",
    "br": "bre",
    "ga": "gle",
    "mt": "mlt",
    "ar": "ara",
    "kk": "kaz",
    "tt": "tat",
    "ru": "rus",
    "uk": "ukr",
    "be": "bel",
    "bg": "bul",
    "mk": "mkd",
    "sr": "srp",
    "hr": "hrv",
    "bs": "bos",
    "sl": "slv",
    "cs": "ces",
    "sk": "slk",
    "pl": "pol",
    "hi": "hin",
    "ur": "urd",
    "id": "ind",
    "ms": "msa",
    "tr": "tur",
    "fi": "fin",
    "et": "est",
    "hu": "hun",
    "lt": "lit",
    "lv": "lav",
    "el": "ell",
    "an": "arg",
    "ast": "ast",
    "sc": "srd",
    "co": "cos",
}
APERTIUM_TO_ISO1 = {v: k for k, v in ISO1_TO_APERTIUM.items()}

_MARKER = "[[{}]]"
_MARKER_LINE = re.compile(r"^\s*\[\[(\d+)\]\]\s*$", re.M)
DEFAULT_TIMEOUT = 600.0


def apertium_exe() -> str | None:
    return os.environ.get("REFRAME_APERTIUM") or shutil.which("apertium")


def to_apertium(code: str) -> str:
    code = normalize_lang(code)
    return ISO1_TO_APERTIUM.get(code, code)


def _mode_to_pair(mode: str) -> tuple[str, str] | None:
    """``"eng-spa"`` → ``("en", "es")``; variants like ``spa-eng_US`` map to their base pair."""
    match = re.fullmatch(r"([a-z]{2,3})-([a-z]{2,3})(?:[_-].*)?", mode.strip())
    if not match:
        return None
    src, tgt = match.groups()
    return APERTIUM_TO_ISO1.get(src, src), APERTIUM_TO_ISO1.get(tgt, tgt)


class ApertiumTranslator(RowTranslator):
    name = "apertium"

    def __init__(
        self, *, exe: str | None = None, timeout: float = DEFAULT_TIMEOUT, log: LogFn | None = None, **_options
    ) -> None:
        self.exe = exe or apertium_exe()
        self.timeout = timeout
        self.log = log or (lambda message: None)
        self._modes: list[str] | None = None

    def is_available(self) -> bool:
        return bool(self.exe) and bool(self.modes())

    def modes(self) -> list[str]:
        """Installed translation directions (``apertium -l``), cached per instance."""
        if self._modes is None:
            self._modes = []
            if self.exe:
                try:
                    out = subprocess.run([self.exe, "-l"], capture_output=True, text=True, timeout=30).stdout
                    self._modes = [m.strip() for m in out.splitlines() if m.strip()]
                except (OSError, subprocess.SubprocessError) as exc:
                    log.warning("apertium -l failed: %s", exc)
        return self._modes

    def available_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for mode in self.modes():
            pair = _mode_to_pair(mode)
            if pair and pair not in pairs:
                pairs.append(pair)
        return pairs

    def mode_for(self, src: str, tgt: str) -> str:
        if not self.exe:
            raise BackendUnavailableError(
                "Apertium is not installed. Install it (e.g. `sudo apt install apertium apertium-eng-spa`)."
            )
        # Most pairs name their modes in ISO 639-3 (eng-spa), older ones in 639-1 (en-gl).
        wanted = f"{to_apertium(src)}-{to_apertium(tgt)}"
        for mode in (wanted, f"{normalize_lang(src)}-{normalize_lang(tgt)}"):
            if mode in self.modes():
                return mode
        raise BackendUnavailableError(
            f"Apertium has no {normalize_lang(src)}→{normalize_lang(tgt)} pair installed "
            f'(looked for mode "{wanted}"; installed: {", ".join(self.modes()) or "none"}).'
        )

    def translate_rows(self, rows: list[str], src: str, tgt: str, report: Progress, token: CancelToken) -> list[str]:
        mode = self.mode_for(src, tgt)
        todo = [i for i, t in enumerate(rows) if t.strip()]
        out_rows = ["" for _ in rows]
        if todo:
            started = time.perf_counter()
            chunks = [re.sub(r"\s+", " ", rows[i]).strip() for i in todo]
            joined = "\n\n".join(f"{_MARKER.format(n)}\n\n{chunk}" for n, chunk in enumerate(chunks))
            raw = self._run(mode, joined + "\n", token)
            pieces = _split_markers(raw, len(chunks))
            runs = 1
            if pieces is None:
                log.warning("apertium did not keep the batch markers; translating %d texts one by one", len(chunks))
                self.log(f"apertium {mode}: batch markers were lost, translating {len(chunks)} texts one by one")
                pieces = []
                for k, chunk in enumerate(chunks):
                    pieces.append(self._run(mode, chunk + "\n", token))
                    report((k + 1) / len(chunks), "translating")
                runs += len(chunks)
            for i, piece in zip(todo, pieces, strict=False):
                out_rows[i] = _match_initial_case(rows[i], _clean(piece, rows[i]))
            self.log(
                f"apertium {mode}: {len(chunks)} text(s) in {time.perf_counter() - started:.2f} s"
                + (f" ({runs} runs)" if runs > 1 else "")
            )
        return out_rows

    def _run(self, mode: str, text: str, token: CancelToken) -> str:
        token.raise_if_cancelled()
        if not self.exe:
            raise TranslationError("Apertium is not installed.")
        cmd = [self.exe, "-u", "-f", "txt", mode]
        try:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
        except OSError as exc:
            raise BackendUnavailableError(f"Apertium could not be started: {exc}", detail=str(exc)) from exc
        # communicate() blocks, so a watcher kills the child as soon as the user cancels.
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                if token.wait(0.1):
                    proc.kill()
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            stdout, stderr = proc.communicate(text.encode("utf-8"), timeout=self.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise TranslationError(f"Apertium took longer than {self.timeout:.0f} s and was stopped.") from None
        finally:
            done.set()
            watcher.join(timeout=1)
        if token.is_cancelled:
            raise CancelledError()
        if proc.returncode != 0:
            tail = stderr.decode("utf-8", "replace")[-2000:]
            raise TranslationError(
                f"Apertium failed ({mode}): {tail.strip().splitlines()[-1] if tail.strip() else proc.returncode}",
                detail=f"command: {cmd}\n{tail}",
            )
        return stdout.decode("utf-8", "replace")


def _split_markers(raw: str, count: int) -> list[str] | None:
    """The texts between markers ``[[0]]..[[count-1]]``, or None if the markers did not survive."""
    found = list(_MARKER_LINE.finditer(raw))
    if [int(m.group(1)) for m in found] != list(range(count)):
        return None
    bounds = [m.end() for m in found]
    starts = [m.start() for m in found[1:]] + [len(raw)]
    return [raw[b:e] for b, e in zip(bounds, starts, strict=False)]


def _clean(text: str, source: str) -> str:
    # Only marks the source did not contain are Apertium's: a real hashtag or @name stays.
    marks = "".join(m for m in "*@#" if m not in source)
    if marks:
        text = re.sub(rf"(?<![\w*@#])[{re.escape(marks)}](?=\w)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _match_initial_case(source: str, translated: str) -> str:
    """Apertium capitalises each paragraph; a cue that continues a sentence should stay lower-case."""
    first_src = next((c for c in source if c.isalpha()), "")
    for k, c in enumerate(translated):
        if c.isalpha():
            if first_src.islower() and c.isupper():
                return translated[:k] + c.lower() + translated[k + 1 :]
            break
    return translated
