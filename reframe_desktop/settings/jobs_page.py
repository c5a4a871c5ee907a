"""Jobs: how many heavy jobs run at once and how long working files are kept."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QSpinBox

from ..widgets.common import hint
from .page import SettingsDraft, SettingsPage


class JobsPage(SettingsPage):
    key = "jobs"

    def __init__(self, draft: SettingsDraft, parent=None):
        super().__init__(draft, parent)
        self.heavy_jobs = QSpinBox()
        self.heavy_jobs.setRange(1, 16)
        self.retention = QSpinBox()
        self.retention.setRange(0, 3650)
        self.retention.setSuffix(self.tr(" days"))
        self.retention.setSpecialValueText(self.tr("Keep forever"))
        form = QFormLayout(self)
        form.addRow(self.tr("Heavy jobs at once"), self.heavy_jobs)
        form.addRow(
            "",
            hint(
                self.tr("Transcriptions and renders each use the whole CPU: running one at a time is usually fastest.")
            ),
        )
        form.addRow(self.tr("Keep temporary files"), self.retention)
        form.addRow(
            "",
            hint(
                self.tr(
                    "Working files of finished jobs older than this are removed when "
                    "Reframe starts. Your outputs are never removed."
                )
            ),
        )

    def title(self) -> str:
        return self.tr("Jobs")

    def load(self) -> None:
        self.heavy_jobs.setValue(self.draft.engine.heavy_jobs)
        self.retention.setValue(self.draft.engine.retention_days)

    def save(self) -> None:
        self.draft.update_engine(heavy_jobs=self.heavy_jobs.value(), retention_days=self.retention.value())
