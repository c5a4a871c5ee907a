"""Tell the user, once, that a damaged job history was moved aside at start."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget


class StoreNotice(QObject):
    """Opens the job store (moving a damaged one aside, see media_core.jobs.store) and
    shows the engine's message in a non-modal box; ``text`` keeps what was shown."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window
        self.text: str | None = None
        self.box: QMessageBox | None = None

    def check(self) -> str | None:
        from media_core.jobs.store import JobStore, take_store_notice

        # Opening the store is what moves a damaged one aside; the job manager itself
        # still starts on first use (the Jobs tab, a submission), as before.
        store = JobStore()
        store.close()
        self.text = take_store_notice(store.path)
        if self.text:
            print(f"Reframe: {self.text}", file=sys.stderr, flush=True)
            self.box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Job history"), self.text, parent=self.window)
            self.box.setModal(False)
            self.box.show()
        return self.text


def show_store_notice(window: QWidget) -> StoreNotice:
    notice = StoreNotice(window)
    notice.check()
    return notice
