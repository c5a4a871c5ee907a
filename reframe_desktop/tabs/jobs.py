"""Jobs tab: every job ever run, with filters, details, log and actions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
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
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from media_core.jobs.models import STATUSES, UNSUCCESSFUL_STATES

from ..widgets.common import fmt_duration, open_path, reveal_path
from ..widgets.recent_jobs import job_outputs
from ..workers import run_in_background
from .base import BaseTab

DATE_RANGES = [
    ("all", "Any time", None),
    ("today", "Today", 1),
    ("week", "Last 7 days", 7),
    ("month", "Last 30 days", 30),
]


def _ts(value) -> dt.datetime | None:
    """Job timestamps may be datetimes, ISO strings or epoch seconds: normalise to aware datetimes."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _created(job) -> dt.datetime:
    return _ts(getattr(job, "created_at", None)) or dt.datetime.min.replace(tzinfo=dt.UTC)


def job_input(job) -> str:
    params = getattr(job, "params", {}) or {}
    for key in ("input", "video", "path"):
        if params.get(key):
            return Path(str(params[key])).name
    return ""


class JobTableModel(QAbstractTableModel):
    COLUMNS = ("Type", "Input", "Status", "Progress", "Created", "Duration")
    JobRole = Qt.UserRole + 1

    def __init__(self, parent=None):
        super().__init__(parent)
        self.jobs: list = []
        self.live: dict[str, tuple[float, str]] = {}

    def set_jobs(self, jobs) -> None:
        self.beginResetModel()
        self.jobs = sorted(jobs, key=_created, reverse=True)
        self.endResetModel()

    def upsert(self, job) -> None:
        """One job changed or appeared: touch only its row, so a busy queue never resets the
        whole table (a reset re-lays out every row on the UI thread)."""
        for row, known in enumerate(self.jobs):
            if known.id == job.id:
                self.jobs[row] = job
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
                return
        row = next((i for i, known in enumerate(self.jobs) if _created(known) <= _created(job)), len(self.jobs))
        self.beginInsertRows(QModelIndex(), row, row)
        self.jobs.insert(row, job)
        self.endInsertRows()

    def update_progress(self, job_id: str, fraction: float, stage: str) -> None:
        self.live[job_id] = (fraction, stage)
        for row, job in enumerate(self.jobs):
            if job.id == job_id:
                idx = self.index(row, 3)
                self.dataChanged.emit(idx, idx)
                return

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.jobs)

    def columnCount(self, parent=QModelIndex()):
        return len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.COLUMNS[section]
        return None

    def progress_of(self, job) -> float:
        if job.id in self.live and job.status == "running":
            return self.live[job.id][0]
        if job.status == "succeeded":
            return 1.0
        return float(getattr(job, "progress", 0.0) or 0.0)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        job = self.jobs[index.row()]
        col = index.column()
        if role == self.JobRole:
            return job
        if role == Qt.DisplayRole:
            if col == 0:
                return getattr(job, "title", "") or job.type
            if col == 1:
                return job_input(job)
            if col == 2:
                return job.status
            if col == 3:
                return self.progress_of(job)
            if col == 4:
                created = _ts(getattr(job, "created_at", None))
                return created.astimezone().strftime("%Y-%m-%d %H:%M") if created else ""
            if col == 5:
                start, end = _ts(getattr(job, "started_at", None)), _ts(getattr(job, "finished_at", None))
                return fmt_duration((end - start).total_seconds()) if start and end else ""
        if role == Qt.ToolTipRole and col == 2 and getattr(job, "error", None):
            return str(job.error)
        return None


class ProgressDelegate(QStyledItemDelegate):
    def paint(self, painter, option, index):
        value = index.data(Qt.DisplayRole)
        if not isinstance(value, float):
            return super().paint(painter, option, index)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(4, 6, -4, -6)
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = int(value * 1000)
        bar.text = f"{value * 100:.0f} %"
        bar.textVisible = True
        bar.palette = option.palette
        bar.state = option.state
        QApplication.style().drawControl(QStyle.CE_ProgressBar, bar, painter)


class JobFilterProxy(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.status = ""
        self.job_type = ""
        self.days: int | None = None
        self.text = ""

    def set_filters(self, *, status=None, job_type=None, days=..., text=None) -> None:
        self.beginFilterChange()
        if status is not None:
            self.status = status
        if job_type is not None:
            self.job_type = job_type
        if days is not ...:
            self.days = days
        if text is not None:
            self.text = text.lower().strip()
        self.endFilterChange()

    def filterAcceptsRow(self, row, parent):
        job = self.sourceModel().jobs[row]
        if self.status and job.status != self.status:
            return False
        if self.job_type and job.type != self.job_type:
            return False
        if self.days is not None:
            created = _ts(getattr(job, "created_at", None))
            now = dt.datetime.now(dt.UTC)
            if self.days == 1:
                if not created or created.astimezone().date() != now.astimezone().date():
                    return False
            elif not created or now - created > dt.timedelta(days=self.days):
                return False
        if self.text:
            hay = " ".join(
                [job.type, job.status, job_input(job), json.dumps(getattr(job, "params", {}) or {}, default=str)]
            ).lower()
            if self.text not in hay:
                return False
        return True


class JobsTab(BaseTab):
    name = "jobs"

    def __init__(self, window, parent=None):
        super().__init__(window, parent)
        self.model = JobTableModel(self)
        self.proxy = JobFilterProxy(self)
        self.proxy.setSourceModel(self.model)
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

        self.status_filter = QComboBox()
        self.status_filter.addItem(self.tr("All statuses"), "")
        for s in STATUSES:
            self.status_filter.addItem(s, s)
        self.type_filter = QComboBox()
        self.type_filter.addItem(self.tr("All types"), "")
        self.date_filter = QComboBox()
        for _key, label, days in DATE_RANGES:
            self.date_filter.addItem(self.tr(label), days)
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

        self.buttons = {}
        actions = QHBoxLayout()
        for key, label, slot in (
            ("cancel", self.tr("Cancel"), self.cancel_selected),
            ("retry", self.tr("Retry"), self._retry),
            ("resume", self.tr("Resume"), self._resume),
            ("delete", self.tr("Delete…"), self._delete),
            ("zip", self.tr("Export outputs (zip)…"), self._export_zip),
            ("transcript", self.tr("Copy transcript"), self._copy_transcript),
            ("cli", self.tr("Copy CLI command"), self._copy_cli),
        ):
            btn = QPushButton(label)
            btn.clicked.connect(slot)
            btn.setEnabled(False)
            self.buttons[key] = btn
            actions.addWidget(btn)
        actions.addStretch(1)

        self.detail_title = QLabel()
        self.detail_title.setStyleSheet("font-weight: 600;")
        self.detail_title.setWordWrap(True)
        self.detail_params = QPlainTextEdit()
        self.detail_params.setReadOnly(True)
        self.outputs = QListWidget()
        self.outputs.itemDoubleClicked.connect(lambda item: open_path(item.data(Qt.UserRole)))
        out_buttons = QHBoxLayout()
        for label, fn in (
            (self.tr("Open"), open_path),
            (self.tr("Show in folder"), reveal_path),
            (self.tr("Copy path"), lambda p: QGuiApplication.clipboard().setText(str(p))),
        ):
            b = QPushButton(label)
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

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(filters)
        ll.addWidget(self.table, 1)
        ll.addLayout(actions)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(detail)
        split.setSizes([800, 460])
        QVBoxLayout(self).addWidget(split)

        self.client.jobsChanged.connect(self.refresh)
        self.client.jobUpdated.connect(self._on_job_updated)
        self.client.progress.connect(self.model.update_progress)
        self.client.logLine.connect(self._on_log)
        self._loaded = False

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
        running = job.status in ("queued", "running")
        self.buttons["cancel"].setEnabled(running)
        self.buttons["retry"].setEnabled(job.status in UNSUCCESSFUL_STATES)
        self.buttons["resume"].setEnabled(job.status in UNSUCCESSFUL_STATES)
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
                self.window_.notify(str(exc))

    def _resume(self) -> None:
        job = self.selected_job()
        if job is not None:
            try:
                self.client.resume(job.id)
            except Exception as exc:
                self.window_.notify(str(exc))

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
            lambda d: self.window_.notify(self.tr("Exported {0}").format(d)),
            lambda exc: self.window_.notify(str(exc)),
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
            self.window_.notify(self.tr("Transcript copied"))

        run_in_background(work, done, lambda exc: self.window_.notify(str(exc)))

    def _copy_cli(self) -> None:
        job = self.selected_job()
        if job is not None:
            try:
                QGuiApplication.clipboard().setText(self.client.cli_command(job.id))
                self.window_.notify(self.tr("CLI command copied"))
            except Exception as exc:  # an unknown job type: say so in the status bar
                self.window_.notify(str(exc))
