"""Jobs tab: every job ever run, with filters, details, log and actions."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from media_core.jobs.models import STATUSES, UNSUCCESSFUL_STATES

from ..labels import DATE_RANGES, fill_combo
from ..widgets.batch_panel import BatchPanel
from ..widgets.common import open_path, reveal_path
from ..widgets.recent_jobs import job_outputs
from ..workers import run_in_background
from .base import BaseTab
from .job_table import JobFilterProxy, JobTableModel, ProgressDelegate


class JobsTab(BaseTab):
    name = "jobs"

    def __init__(self, client, settings, parent=None):
        super().__init__(client, settings, parent)
        self.model = JobTableModel(self)
        self.proxy = JobFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(self._build_filters())
        self.batches = BatchPanel(self.client, self)
        ll.addWidget(self.batches)
        ll.addWidget(self._build_table(), 1)
        ll.addLayout(self._build_actions())
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self._build_detail())
        split.setSizes([800, 460])
        QVBoxLayout(self).addWidget(split)

        self.client.jobsChanged.connect(self.refresh)
        self.client.jobUpdated.connect(self._on_job_updated)
        self.client.progress.connect(self.model.update_progress)
        self.client.logLine.connect(self._on_log)
        self._loaded = False

    def _build_table(self) -> QTableView:
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setItemDelegateForColumn(3, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QTableView.SelectRows)
        self.table.setSelectionMode(QTableView.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        for col, width in ((0, 150), (2, 90), (3, 110), (4, 125), (5, 70)):
            self.table.setColumnWidth(col, width)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_detail())
        return self.table

    def _build_filters(self) -> QHBoxLayout:
        self.status_filter = QComboBox()
        self.status_filter.addItem(self.tr("All statuses"), "")
        for s in STATUSES:
            self.status_filter.addItem(s, s)
        self.type_filter = QComboBox()
        self.type_filter.addItem(self.tr("All types"), "")
        self.date_filter = QComboBox()
        fill_combo(self.date_filter, DATE_RANGES)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search jobs…"))
        self.search.setClearButtonEnabled(True)
        self.status_filter.currentIndexChanged.connect(
            lambda: self.proxy.set_filters(status=self.status_filter.currentData())
        )
        self.type_filter.currentIndexChanged.connect(
            lambda: self.proxy.set_filters(job_type=self.type_filter.currentData())
        )
        self.date_filter.currentIndexChanged.connect(
            lambda: self.proxy.set_filters(days=self.date_filter.currentData())
        )
        self.search.textChanged.connect(lambda text: self.proxy.set_filters(text=text))
        filters = QHBoxLayout()
        for w in (self.status_filter, self.type_filter, self.date_filter):
            filters.addWidget(w)
        filters.addWidget(self.search, 1)
        return filters

    def _build_actions(self) -> QHBoxLayout:
        self.buttons = {}
        actions = QHBoxLayout()
        for key, text, slot in (
            ("cancel", self.tr("Cancel"), self.cancel_selected),
            ("retry", self.tr("Retry"), self._retry),
            ("pause", self.tr("Pause"), self._pause),
            ("resume", self.tr("Resume"), self._resume),
            ("delete", self.tr("Delete…"), self._delete),
            ("zip", self.tr("Export outputs (zip)…"), self._export_zip),
            ("transcript", self.tr("Copy transcript"), self._copy_transcript),
            ("cli", self.tr("Copy CLI command"), self._copy_cli),
        ):
            btn = QPushButton(text)
            btn.clicked.connect(slot)
            btn.setEnabled(False)
            self.buttons[key] = btn
            actions.addWidget(btn)
        actions.addStretch(1)
        return actions

    def _build_detail(self) -> QWidget:
        self.detail_title = QLabel()
        self.detail_title.setStyleSheet("font-weight: 600;")
        self.detail_title.setWordWrap(True)
        self.detail_params = QPlainTextEdit()
        self.detail_params.setReadOnly(True)
        self.outputs = QListWidget()
        self.outputs.itemDoubleClicked.connect(lambda item: open_path(item.data(Qt.UserRole)))
        out_buttons = QHBoxLayout()
        for text, fn in (
            (self.tr("Open"), open_path),
            (self.tr("Show in folder"), reveal_path),
            (self.tr("Copy path"), lambda p: QGuiApplication.clipboard().setText(str(p))),
        ):
            b = QPushButton(text)
            b.clicked.connect(lambda _=False, fn=fn: self._on_output(fn))
            out_buttons.addWidget(b)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setLineWrapMode(QPlainTextEdit.NoWrap)
        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.addWidget(self.detail_title)
        dl.addWidget(QLabel(self.tr("Parameters")))
        dl.addWidget(self.detail_params, 2)
        dl.addWidget(QLabel(self.tr("Outputs")))
        dl.addWidget(self.outputs, 1)
        dl.addLayout(out_buttons)
        dl.addWidget(QLabel(self.tr("Log")))
        dl.addWidget(self.log, 3)
        return detail

    def showEvent(self, event):
        if not self._loaded:
            self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        current = self.selected_job()
        try:
            jobs = self.client.list_jobs()
        except Exception as exc:  # job store unavailable: say so instead of an empty table
            self.detail_title.setText(str(exc))
            return
        self._loaded = True
        self.model.set_jobs(jobs)
        self.batches.refresh()
        for job in jobs:
            self._offer_type(job)
        if current is not None:
            self.select_job(current.id)

    def _on_job_updated(self, job_id: str) -> None:
        if not self._loaded:
            return  # the first showEvent loads everything
        job = self.client.get(job_id)
        if job is None:
            return
        self.model.upsert(job)
        self._offer_type(job)
        current = self.selected_job()
        if current is not None and current.id == job_id:
            self._show_detail()

    def _offer_type(self, job) -> None:
        """The type filter offers the types that exist."""
        if self.type_filter.findData(job.type) < 0:
            self.type_filter.addItem(getattr(job, "title", "") or job.type, job.type)

    def select_job(self, job_id: str) -> None:
        for row, job in enumerate(self.model.jobs):
            if job.id == job_id:
                idx = self.proxy.mapFromSource(self.model.index(row, 0))
                if idx.isValid():
                    self.table.setCurrentIndex(idx)
                return

    def selected_job(self):
        idx = self.table.currentIndex()
        if not idx.isValid():
            return None
        return self.proxy.data(idx, JobTableModel.JobRole)

    def _show_detail(self) -> None:
        job = self.selected_job()
        for b in self.buttons.values():
            b.setEnabled(job is not None)
        self.outputs.clear()
        if job is None:
            self.detail_title.clear()
            self.detail_params.clear()
            self.log.clear()
            return
        running = job.status in ("queued", "running", "paused")
        self.buttons["cancel"].setEnabled(running)
        self.buttons["retry"].setEnabled(job.status in UNSUCCESSFUL_STATES)
        self.buttons["pause"].setEnabled(job.status == "running")
        self.buttons["resume"].setEnabled(job.status in UNSUCCESSFUL_STATES or job.status == "paused")
        self.buttons["delete"].setEnabled(not running)
        outputs = job_outputs(job)
        self.buttons["zip"].setEnabled(bool(outputs))
        self.buttons["transcript"].setEnabled(any(k in outputs for k in ("txt", "json", "srt")))
        error = getattr(job, "error", None)
        name = getattr(job, "title", "") or job.type
        self.detail_title.setText(f"{name} · {job.status}" + (f" — {error}" if error else ""))
        self.detail_params.setPlainText(
            json.dumps(getattr(job, "params", {}) or {}, indent=2, default=str, ensure_ascii=False)
        )
        for name, path in outputs.items():
            item = QListWidgetItem(f"{name}: {path}")
            item.setData(Qt.UserRole, path)
            self.outputs.addItem(item)
        try:
            self.log.setPlainText(self.client.job_log(job.id))
        except Exception as exc:
            self.log.setPlainText(str(exc))

    def _on_log(self, job_id: str, line: str) -> None:
        job = self.selected_job()
        if job is not None and job.id == job_id:
            self.log.appendPlainText(line)

    def _on_output(self, fn) -> None:
        item = self.outputs.currentItem() or (self.outputs.item(0) if self.outputs.count() else None)
        if item is not None:
            fn(item.data(Qt.UserRole))

    # -- actions ------------------------------------------------------------------
    def cancel_selected(self) -> None:
        job = self.selected_job()
        if job is not None:
            self.client.cancel(job.id)

    def _retry(self) -> None:
        job = self.selected_job()
        if job is not None:
            try:
                self.select_job(self.client.retry(job.id))  # the new run, linked to this one
            except Exception as exc:  # e.g. it started again meanwhile: say why nothing happened
                self.notice.emit(str(exc))

    def _pause(self) -> None:
        job = self.selected_job()
        if job is not None and not self.client.pause(job.id):
            self.notice.emit(self.tr("The job is not running any more."))

    def _resume(self) -> None:
        job = self.selected_job()
        if job is not None:
            try:
                self.client.resume(job.id)
            except Exception as exc:
                self.notice.emit(str(exc))

    def _delete(self) -> None:
        job = self.selected_job()
        if job is None:
            return
        choice = self.confirm_delete(job)
        if choice is not None:
            self.client.delete(job.id, with_files=choice == "with_files")

    def confirm_delete(self, job) -> str | None:
        """Ask how to delete: "with_files", "keep_files" or None (cancelled)."""
        box = QMessageBox(
            QMessageBox.Warning,
            self.tr("Delete job"),
            self.tr("Delete this {0} job from the history?").format(job.type),
            parent=self,
        )
        box.setObjectName("confirmDelete")
        with_files = box.addButton(self.tr("Delete with its files"), QMessageBox.DestructiveRole)
        with_files.setObjectName("withFiles")
        only = box.addButton(self.tr("Delete, keep files"), QMessageBox.AcceptRole)
        only.setObjectName("keepFiles")
        box.addButton(QMessageBox.Cancel)
        box.exec()
        clicked = box.clickedButton()
        return "with_files" if clicked is with_files else "keep_files" if clicked is only else None

    def _export_zip(self) -> None:
        job = self.selected_job()
        if job is None:
            return
        dest, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Export outputs"),
            str(Path(self.output_dir()) / f"{job.type}-{job.id[:8]}.zip"),
            "Zip (*.zip)",
        )
        if dest:
            self.export_zip(job.id, dest)

    def export_zip(self, job_id: str, dest: str) -> None:
        """Zip the job's outputs into ``dest`` on a worker thread."""
        manager = self.client.manager

        def work():
            return manager.export_outputs(job_id, dest)

        run_in_background(
            work,
            lambda d: self.notice.emit(self.tr("Exported {0}").format(d)),
            lambda exc: self.notice.emit(str(exc)),
        )

    def _copy_transcript(self) -> None:
        job = self.selected_job()
        if job is None:
            return
        outputs = job_outputs(job)

        def work():
            if "txt" in outputs:
                return Path(outputs["txt"]).read_text(encoding="utf-8")
            if "json" in outputs:
                from media_core.models import Transcript

                return Transcript.model_validate_json(Path(outputs["json"]).read_text(encoding="utf-8")).text
            from media_core.subtitles import read_subtitles

            return "\n".join(line.text for line in read_subtitles(outputs["srt"]))

        def done(text):
            QGuiApplication.clipboard().setText(text)
            self.notice.emit(self.tr("Transcript copied"))

        run_in_background(work, done, lambda exc: self.notice.emit(str(exc)))

    def _copy_cli(self) -> None:
        job = self.selected_job()
        if job is not None:
            try:
                QGuiApplication.clipboard().setText(self.client.cli_command(job.id))
                self.notice.emit(self.tr("CLI command copied"))
            except Exception as exc:  # an unknown job type: say so in the status bar
                self.notice.emit(str(exc))
