"""The Jobs tab's table: a model of job rows, its progress-bar delegate and its filters."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionProgressBar

from ..labels import JOB_COLUMNS, label
from ..widgets.common import fmt_duration


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
    COLUMNS = JOB_COLUMNS
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
            return label(self.COLUMNS[section])
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
                title = getattr(job, "title", "") or job.type
                # The "remote" badge: the job runs on the Reframe server chosen in Settings.
                remote = QCoreApplication.translate("JobTable", "remote")
                return f"{title}  [{remote}]" if getattr(job, "remote_url", None) else title
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
        if role == Qt.ToolTipRole and col == 0 and getattr(job, "remote_url", None):
            return QCoreApplication.translate("JobTable", "Runs on {0}").format(job.remote_url)
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
