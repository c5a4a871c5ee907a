"""The per-tab "recent jobs" panel: one row per job submitted from the tab, with a
progress bar while it runs and its outputs (open / reveal) once it finished."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QVBoxLayout, QWidget

from media_core.jobs.models import FINISHED_STATES, UNSUCCESSFUL_STATES

from .common import open_path, reveal_path


def job_outputs(job) -> dict[str, str]:
    """``{kind: path}`` of a job's registered outputs (kind falls back to the file extension)."""
    assets = getattr(job, "assets", None)
    if assets is not None:
        result: dict[str, str] = {}
        for a in assets:
            if a.role != "output":
                continue
            key = a.kind or Path(a.path).suffix.lstrip(".") or "file"
            if key in result:  # several outputs of one kind (shorts clips): keep them all
                key = f"{key} {Path(a.path).name}"
            result[key] = a.path
        return result
    outputs = getattr(job, "outputs", None) or {}
    if isinstance(outputs, list):
        return {Path(p).suffix.lstrip(".") or str(i): str(p) for i, p in enumerate(outputs)}
    return {str(k): str(v) for k, v in outputs.items()}


class JobRow(QFrame):
    def __init__(self, job_id: str, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.job_id = job_id
        self.setFrameShape(QFrame.StyledPanel)
        self.title = QLabel(title)
        self.title.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(8)
        self.stage = QLabel(self.tr("queued"))
        self.stage.setObjectName("hint")
        self.outputs = QVBoxLayout()
        self.outputs.setSpacing(2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.addWidget(self.title)
        lay.addWidget(self.bar)
        lay.addWidget(self.stage)
        lay.addLayout(self.outputs)
        self.output_paths: list[str] = []

    def set_progress(self, fraction: float, stage: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        if stage:
            self.stage.setText(stage)

    def set_state(self, state: str, job=None) -> None:
        if state == "succeeded":
            self.bar.setValue(1000)
            self.stage.setText(self.tr("done"))
            self.show_outputs(job_outputs(job) if job is not None else {})
        elif state in UNSUCCESSFUL_STATES:
            error = getattr(job, "error", None) if job is not None else None
            self.stage.setText(f"{state}: {error}" if error else state)
        else:
            self.stage.setText(state)

    def show_outputs(self, outputs: dict[str, str]) -> None:
        self.output_paths = list(outputs.values())
        for name, path in outputs.items():
            row = QHBoxLayout()
            label = QLabel(f"{name}: {Path(path).name}")
            label.setToolTip(path)
            open_btn = QPushButton(self.tr("Open"))
            open_btn.clicked.connect(lambda _=False, p=path: open_path(p))
            reveal_btn = QPushButton(self.tr("Show in folder"))
            reveal_btn.clicked.connect(lambda _=False, p=path: reveal_path(p))
            row.addWidget(label, 1)
            row.addWidget(open_btn)
            row.addWidget(reveal_btn)
            self.outputs.addLayout(row)


class RecentJobsPanel(QWidget):
    """Rows for the jobs this tab submitted, newest first."""

    jobFinished = Signal(str, str)  # job id, state

    def __init__(self, client, parent: QWidget | None = None):
        super().__init__(parent)
        self.client = client
        self.rows: dict[str, JobRow] = {}
        header = QLabel(self.tr("Recent jobs"))
        header.setStyleSheet("font-weight: 600;")
        self._inner = QWidget()
        self._list = QVBoxLayout(self._inner)
        self._list.addStretch(1)
        self.empty = QLabel(self.tr("Jobs you start here appear in this list."))
        self.empty.setObjectName("hint")
        self._list.insertWidget(0, self.empty)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._inner)
        scroll.setFrameShape(QFrame.NoFrame)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(header)
        lay.addWidget(scroll, 1)
        client.progress.connect(self._on_progress)
        client.stateChanged.connect(self._on_state)

    def add_job(self, job_id: str, title: str) -> JobRow:
        self.empty.hide()
        row = JobRow(job_id, title)
        self.rows[job_id] = row
        self._list.insertWidget(0, row)
        return row

    def _on_progress(self, job_id: str, fraction: float, stage: str) -> None:
        row = self.rows.get(job_id)
        if row is not None:
            row.set_progress(fraction, stage)

    def _on_state(self, job_id: str, state: str) -> None:
        row = self.rows.get(job_id)
        if row is None:
            return
        job = self.client.get(job_id) if state in FINISHED_STATES else None
        row.set_state(state, job)
        if state in FINISHED_STATES:
            self.jobFinished.emit(job_id, state)
