"""The Jobs tab's batches: one row per batch (files dropped together), with its progress,
what it came to, and cancel / retry / open-folder for the whole batch.

The rows are the job store's batches (media_core.jobs.store.JobStore.list_batches): each job
of a batch is still its own row in the jobs table below; this panel sums them up.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .common import open_path

#: Batches shown (newest first); older ones stay in the store and in the jobs table.
SHOWN = 20


class BatchPanel(QWidget):
    def __init__(self, client, parent=None):
        super().__init__(parent)
        self.client = client
        self.batches: list = []
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Batch"), self.tr("Progress"), self.tr("Files"), self.tr("Created")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeToContents)
        self.table.setColumnWidth(1, 120)
        self.table.setColumnWidth(2, 240)
        self.table.setMaximumHeight(150)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.buttons = {}
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Batches")))
        row.addStretch(1)
        for key, text, slot in (
            ("cancel", self.tr("Cancel batch"), self.cancel_selected),
            ("retry", self.tr("Retry failed in batch"), self.retry_selected),
            ("folder", self.tr("Open batch folder"), self.open_folder),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            button.setEnabled(False)
            self.buttons[key] = button
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.table)
        # Job events come in bursts (progress of 20 jobs): refresh at most a few times a second.
        self._timer = QTimer(self, singleShot=True, interval=300, timeout=self.refresh)
        client.jobUpdated.connect(lambda *_: self._timer.start())
        client.progress.connect(lambda *_: self._timer.isActive() or self._timer.start())
        client.jobsChanged.connect(self.refresh)
        self.setVisible(False)

    def refresh(self) -> None:
        selected = self.selected_batch()
        self.batches = list(self.client.list_batches())[:SHOWN]
        self.setVisible(bool(self.batches))
        self.table.setRowCount(len(self.batches))
        for row, batch in enumerate(self.batches):
            self._fill_row(row, batch)
            if selected is not None and batch.id == selected.id:
                self.table.selectRow(row)
        self._update_buttons()

    def _fill_row(self, row: int, batch) -> None:
        title = QTableWidgetItem(batch.title or self.tr("Batch of {0} files").format(batch.total))
        title.setData(Qt.UserRole, batch.id)
        self.table.setItem(row, 0, title)
        bar = self.table.cellWidget(row, 1)
        if not isinstance(bar, QProgressBar):
            bar = QProgressBar()
            bar.setRange(0, 1000)
            self.table.setCellWidget(row, 1, bar)
        bar.setValue(int(batch.progress * 1000))
        bar.setFormat(f"{batch.progress * 100:.0f} %")
        self.table.setItem(row, 2, QTableWidgetItem(self.summary(batch)))
        created = dt.datetime.fromtimestamp(batch.created_at).strftime("%Y-%m-%d %H:%M")
        self.table.setItem(row, 3, QTableWidgetItem(created))

    def summary(self, batch) -> str:
        """E.g. "17/20 done · 1 failed · 2 running" (only the states present)."""
        counts = batch.counts
        parts = [self.tr("{0}/{1} done").format(counts.get("succeeded", 0), batch.total)]
        for status, text in (
            ("running", self.tr("{0} running")),
            ("paused", self.tr("{0} paused")),
            ("queued", self.tr("{0} waiting")),
            ("failed", self.tr("{0} failed")),
            ("cancelled", self.tr("{0} cancelled")),
            ("interrupted", self.tr("{0} interrupted")),
        ):
            if counts.get(status):
                parts.append(text.format(counts[status]))
        return " · ".join(parts)

    def selected_batch(self):
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.batches):
            return None
        return self.batches[rows[0].row()]

    def _update_buttons(self) -> None:
        batch = self.selected_batch()
        self.buttons["cancel"].setEnabled(batch is not None and not batch.is_finished)
        unsuccessful = ("failed", "cancelled", "interrupted")
        self.buttons["retry"].setEnabled(batch is not None and any(batch.counts.get(s) for s in unsuccessful))
        self.buttons["folder"].setEnabled(batch is not None and bool(batch.folder))

    def cancel_selected(self) -> None:
        batch = self.selected_batch()
        if batch is not None:
            self.client.cancel_batch(batch.id)
            self.refresh()

    def retry_selected(self) -> None:
        batch = self.selected_batch()
        if batch is not None:
            self.client.retry_batch(batch.id)
            self.refresh()

    def open_folder(self) -> None:
        batch = self.selected_batch()
        if batch is not None and batch.folder:
            open_path(batch.folder)
