"""What each translation backend can do on this computer right now: for settings pages and menus.

:func:`backend_status` is the one call a UI needs: every user-facing backend (the
test-only ``identity`` is never listed) with whether it can run, a one-line status, and
its language pairs — Argos pairs reachable only through English carry ``via="en"``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..errors import ReframeError
from ..settings import offline_mode
from .base import LanguagePair, get_translator, user_backends

LABELS = {
    "argos": "Argos Translate (offline, neural)",
    "apertium": "Apertium (offline, rule-based)",
    "cloud": "Cloud (OpenAI-compatible endpoint)",
}


class BackendStatus(BaseModel):
    name: str
    label: str
    #: Runs without the network.
    offline: bool
    #: Can translate at least one pair now.
    available: bool
    #: One line for the user: what is installed/configured, or what is missing.
    detail: str
    #: True for the cloud backend: any pair the model knows, so ``pairs`` is empty.
    any_pair: bool = False
    pairs: list[LanguagePair] = Field(default_factory=list)


def backend_status(*, offline: bool | None = None) -> list[BackendStatus]:
    """Status of every user-facing backend, in the order ``backend="auto"`` tries them."""
    offline = bool(offline) or offline_mode()
    out = []
    for name in user_backends():
        label = LABELS.get(name, name)
        try:
            if name == "argos":
                out.append(_argos(label))
            elif name == "apertium":
                out.append(_apertium(label))
            elif name == "cloud":
                out.append(_cloud(label, offline))
            else:  # a plug-in backend: ask it through the Translator protocol
                tr = get_translator(name)
                pairs = [LanguagePair(src=a, tgt=b) for a, b in tr.available_pairs()]
                out.append(
                    BackendStatus(
                        name=name,
                        label=label,
                        offline=False,
                        available=tr.is_available(),
                        detail=f"{len(pairs)} pair(s)",
                        pairs=pairs,
                    )
                )
        except ReframeError as exc:
            out.append(BackendStatus(name=name, label=label, offline=name != "cloud", available=False, detail=str(exc)))
    return out


def _argos(label: str) -> BackendStatus:
    from . import argos

    try:
        import ctranslate2  # noqa: F401
        import sentencepiece  # noqa: F401
    except ImportError:
        return BackendStatus(
            name="argos",
            label=label,
            offline=True,
            available=False,
            detail="CTranslate2/SentencePiece are missing from this installation.",
        )
    installed = argos.list_installed()
    pairs = argos.ArgosTranslator().language_pairs()
    if not installed:
        detail = (
            "No language package installed: add one (a .argosmodel file, or a download from the Argos "
            "package list) in Settings → Translation or with `reframe translate-packages`."
        )
    else:
        pivots = sum(1 for p in pairs if p.via)
        detail = f"{len(installed)} package(s) installed" + (
            f", {pivots} more pair(s) through English" if pivots else ""
        )
    return BackendStatus(name="argos", label=label, offline=True, available=bool(installed), detail=detail, pairs=pairs)


def _apertium(label: str) -> BackendStatus:
    from .apertium import ApertiumTranslator

    tr = ApertiumTranslator()
    if not tr.exe:
        return BackendStatus(
            name="apertium",
            label=label,
            offline=True,
            available=False,
            detail="Not installed (Debian/Ubuntu: `sudo apt install apertium apertium-eng-spa`).",
        )
    pairs = [LanguagePair(src=a, tgt=b) for a, b in tr.available_pairs()]
    detail = (
        (f"{len(pairs)} pair(s): " + ", ".join(str(p) for p in pairs))
        if pairs
        else "Installed, but no language pair is (e.g. `sudo apt install apertium-eng-spa`)."
    )
    return BackendStatus(name="apertium", label=label, offline=True, available=bool(pairs), detail=detail, pairs=pairs)


def _cloud(label: str, offline: bool) -> BackendStatus:
    from .cloud import CloudConfig

    config = CloudConfig.from_settings()
    if offline:
        detail, available = "Off: offline mode is on.", False
    elif not config.base_url:
        detail, available = "Not configured: set the endpoint URL, model and API key in Settings → Translation.", False
    else:
        detail = f"{config.describe()}" + ("" if config.api_key else " (no API key)")
        available = True
    return BackendStatus(name="cloud", label=label, offline=False, available=available, detail=detail, any_pair=True)
