"""General: output folder, theme and UI language."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout

from ..i18n import available_languages, language_name
from ..widgets.common import FileField, hint
from .page import SettingsDraft, SettingsPage


class GeneralPage(SettingsPage):
    key = "general"

    def __init__(self, draft: SettingsDraft, parent=None):
        super().__init__(draft, parent)
        self.output = FileField(self.tr("Default: Reframe's outputs folder"), "", directory=True)
        self.theme = QComboBox()
        self.theme.addItem(self.tr("Follow system"), "system")
        self.theme.addItem(self.tr("Light"), "light")
        self.theme.addItem(self.tr("Dark"), "dark")
        self.language = QComboBox()
        form = QFormLayout(self)
        form.addRow(self.tr("Output folder"), self.output)
        form.addRow(self.tr("Theme"), self.theme)
        form.addRow(self.tr("Language"), self.language)
        form.addRow("", hint(self.tr("A new language shows after Reframe restarts.")))
        self.check_updates = QCheckBox(self.tr("Check for updates when Reframe starts (at most once a day)"))
        form.addRow(self.tr("Updates"), self.check_updates)

    def title(self) -> str:
        return self.tr("General")

    def load(self) -> None:
        app = self.draft.app
        self.output.set_path(app.output_folder)
        self.theme.setCurrentIndex(max(0, self.theme.findData(app.theme)))
        self.check_updates.setChecked(app.check_updates)
        self.language.clear()
        self.language.addItem(self.tr("System language"), "")
        for code in available_languages():
            self.language.addItem(language_name(code), code)
        index = self.language.findData(app.ui_language)
        if index < 0:  # a language whose translation file has gone: keep it visible
            self.language.addItem(app.ui_language, app.ui_language)
            index = self.language.count() - 1
        self.language.setCurrentIndex(index)

    def save(self) -> None:
        self.draft.update_app(
            output_folder=self.output.path(),
            theme=self.theme.currentData(),
            ui_language=self.language.currentData() or "",
            check_updates=self.check_updates.isChecked(),
        )
