"""The Settings dialog: a sidebar of pages over one draft of both settings files.

OK asks every page to ``check`` (the first problem is shown and its page opened), then to
``save`` into the draft, then writes the engine's and the app's files. Model and package
actions on their pages happen at once: they are downloads and deletions, not preferences.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QListWidget, QStackedWidget, QVBoxLayout

from .api_page import ApiPage
from .app_settings import AppSettings, save_settings
from .engine_page import EnginePage
from .general_page import GeneralPage
from .jobs_page import JobsPage
from .models_page import ModelsPage
from .page import SettingsDraft, SettingsPage
from .remote_page import RemotePage
from .shorts_page import ShortsPage
from .speakers_page import SpeakersPage
from .translation_page import TranslationPage


class SettingsDialog(QDialog):
    def __init__(self, settings: AppSettings, parent=None, *, api_host=None):
        super().__init__(parent)
        from media_core.settings import load_engine_settings

        self.setWindowTitle(self.tr("Settings"))
        self.draft = SettingsDraft(settings.model_copy(deep=True), load_engine_settings(environment=False))
        pages: list[SettingsPage] = [
            GeneralPage(self.draft),
            EnginePage(self.draft),
            ModelsPage(self.draft),
            TranslationPage(self.draft),
            ShortsPage(self.draft),
            SpeakersPage(self.draft),
            JobsPage(self.draft),
            ApiPage(self.draft, api_host),
            RemotePage(self.draft),
        ]
        self.pages = {page.key: page for page in pages}
        self.sidebar = QListWidget()
        self.sidebar.setFixedWidth(150)
        self.stack = QStackedWidget()
        for page in pages:
            self.sidebar.addItem(page.title())
            self.stack.addWidget(page)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.sidebar.setCurrentRow(0)
        engine = self.pages["engine"]
        engine.offlineChanged.connect(self.pages["models"].manager.set_offline)
        engine.offlineChanged.connect(self.pages["translation"].argos.set_offline)

        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setStyleSheet("color: #d9443a;")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        body = QHBoxLayout()
        body.addWidget(self.sidebar)
        body.addWidget(self.stack, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(body, 1)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.resize(820, 560)
        for page in pages:
            page.load()

    def page(self, key: str):
        return self.pages[key]

    def show_page(self, key: str) -> None:
        self.sidebar.setCurrentRow(list(self.pages).index(key))

    @property
    def loaded(self) -> bool:
        """The model and package lists have been read (they load off the UI thread)."""
        return self.pages["models"].manager.loaded and self.pages["translation"].argos.loaded

    def problem(self) -> tuple[str, str] | None:
        """(page key, problem) of the first page whose fields cannot be saved."""
        for key, page in self.pages.items():
            text = page.check()
            if text:
                return key, text
        return None

    def result_settings(self) -> AppSettings:
        return self.draft.app

    def accept(self) -> None:
        from media_core.settings import save_engine_settings

        problem = self.problem()
        if problem is not None:
            self.show_page(problem[0])
            self.error.setText(problem[1])
            return
        for page in self.pages.values():
            page.save()
        try:
            save_engine_settings(self.draft.engine)
            save_settings(self.draft.app)
        except OSError as exc:
            self.error.setText(self.tr("Could not save the settings: {0}").format(exc))
            return
        self._close_tasks()
        super().accept()

    def reject(self) -> None:
        self._close_tasks()
        super().reject()

    def _close_tasks(self) -> None:
        for page in self.pages.values():
            page.close_tasks()
