"""Identity backend: returns every text unchanged. For plumbing tests only — never offered in "auto"."""

from __future__ import annotations

from ..progress import CancelToken, ProgressFn, as_progress, as_token
from .base import normalize_lang


class IdentityTranslator:
    name = "identity"

    def __init__(self, **_options) -> None:
        pass

    def translate_batch(
        self,
        texts: list[str],
        src: str,
        tgt: str,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> list[str]:
        normalize_lang(src), normalize_lang(tgt)  # same validation as the real backends
        as_token(cancel).raise_if_cancelled()
        as_progress(progress)(1.0, "translating")
        return list(texts)

    def available_pairs(self) -> list[tuple[str, str]]:
        return []

    def supports_pair(self, src: str, tgt: str) -> bool:
        return True

    def is_available(self) -> bool:
        return True
