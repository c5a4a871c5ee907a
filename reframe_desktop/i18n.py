"""Translations of the UI strings (everything passed through ``self.tr``).

A language is a ``reframe_<code>.qm`` file in ``reframe_desktop/translations/`` made
with Qt's tools from the sources:

    pyside6-lupdate reframe_desktop -ts reframe_desktop/translations/reframe_de.ts
    (translate the .ts with pyside6-linguist)
    pyside6-lrelease reframe_desktop/translations/reframe_de.ts

Only English ships today (it is the source language, so it needs no file); Qt's own
dialog buttons are translated from the ``qtbase_*.qm`` files that come with PySide6.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
SOURCE_LANGUAGE = "en"

_installed: list[QTranslator] = []


def available_languages(folders: list[Path] | None = None) -> list[str]:
    """Language codes the UI can show: English and every ``reframe_<code>.qm`` found."""
    codes = {SOURCE_LANGUAGE}
    for folder in folders or [TRANSLATIONS_DIR]:
        if Path(folder).is_dir():
            codes.update(p.stem.removeprefix("reframe_") for p in Path(folder).glob("reframe_*.qm"))
    return sorted(codes)


def language_name(code: str) -> str:
    locale = QLocale(code)
    name = locale.nativeLanguageName() or code
    return name[:1].upper() + name[1:]


def install_translators(language: str = "", folders: list[Path] | None = None) -> list[str]:
    """Load the UI translation for ``language`` ("" = the system locale) into the app,
    replacing any loaded before; returns the files loaded (none for English)."""
    app = QCoreApplication.instance()
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    locale = QLocale(language) if language else QLocale.system()
    loaded = []
    for folder in folders or [TRANSLATIONS_DIR]:
        translator = QTranslator(app)
        if translator.load(locale, "reframe", "_", str(folder)):
            app.installTranslator(translator)
            _installed.append(translator)
            loaded.append(translator.filePath())
            break
    if loaded:  # Qt's own strings (OK/Cancel…) only when the app itself is translated
        qt = QTranslator(app)
        if qt.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
            _installed.append(qt)
            loaded.append(qt.filePath())
    return loaded
