"""Speaker labelling in the Captions tab: the options before a run, the speaker list after it.

``SpeakerOptions`` holds the "Label speakers" box, the speaker count and how SRT/VTT show
names. ``SpeakerList`` shows the speakers a finished job found with their speaking time and
lets the user rename them; "Apply names" rewrites every file of that job through
``media_core.captions.rename_speakers_in_outputs``, so exports and re-renders use the names.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..workers import run_in_background
from .common import fmt_duration


class SpeakerOptions(QWidget):
    """The "Label speakers" box with its speaker count and SRT/VTT label style."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.enabled = QCheckBox(self.tr("Label speakers (diarization)"))
        self.enabled.setToolTip(
            self.tr("Find who speaks when, offline, and put each speaker's name on their captions.")
        )
        self.count = QComboBox()
        self.count.addItem(self.tr("Any number of speakers"), None)
        for n in range(1, 9):
            self.count.addItem(self.tr("%n speaker(s)", "", n), n)
        self.style = QComboBox()
        self.style.addItem(self.tr("[Name] text"), "brackets")
        self.style.addItem(self.tr("Name: text"), "colon")
        self.style.addItem(self.tr("No names in SRT/VTT"), "none")
        self.backend = QComboBox()
        self.backend.setToolTip(self.tr("pyannote.audio and speechbrain need their packages and Settings → Speakers."))
        self.backend.addItem(self.tr("Built-in (offline)"), "offline")
        self.backend.addItem(self.tr("pyannote.audio"), "pyannote")
        self.backend.addItem(self.tr("speechbrain ECAPA"), "speechbrain")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.enabled)
        lay.addWidget(self.count)
        lay.addWidget(self.style)
        lay.addWidget(self.backend)
        lay.addStretch(1)
        self.enabled.toggled.connect(self._sync)
        self._sync(False)

    def _sync(self, on: bool) -> None:
        self.count.setEnabled(on)
        self.style.setEnabled(on)
        self.backend.setEnabled(on)

    def options(self) -> dict:
        return {
            "diarize": self.enabled.isChecked(),
            "speakers": self.count.currentData(),
            "speaker_label": self.style.currentData(),
            "diarization_backend": self.backend.currentData(),
        }

    def restore(self, o: dict) -> None:
        self.enabled.setChecked(bool(o.get("diarize", False)))
        for combo, key in (
            (self.count, "speakers"),
            (self.style, "speaker_label"),
            (self.backend, "diarization_backend"),
        ):
            index = combo.findData(o.get(key))
            if index >= 0:
                combo.setCurrentIndex(index)

    def job_params(self) -> dict:
        o = self.options()
        return o if o["diarize"] else {"diarize": False}


def read_speakers(json_path: str) -> list[tuple[str, float]]:
    """(speaker, seconds of speech) from a captions JSON, in order of first appearance."""
    data = json.loads(Path(json_path).read_text(encoding="utf-8"))
    totals: dict[str, float] = dict.fromkeys(data.get("speakers") or [], 0.0)
    for turn in data.get("turns") or []:
        totals[turn["speaker"]] = totals.get(turn["speaker"], 0.0) + max(0.0, turn["end"] - turn["start"])
    return list(totals.items())


class SpeakerList(QGroupBox):
    """The speakers of the shown job, renameable. Hidden when the job has no speakers."""

    #: Emitted after the job's files were rewritten with new names.
    renamed = Signal()

    def __init__(self, parent=None):
        super().__init__(self.tr("Speakers"), parent)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Speaks")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.AllEditTriggers)
        self.table.setMaximumHeight(150)
        self.apply = QPushButton(self.tr("Apply names"))
        self.apply.setToolTip(self.tr("Rewrite this job's subtitle files with these names."))
        self.apply.clicked.connect(self.apply_names)
        self.status = QLabel()
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.apply)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addLayout(row)
        self._outputs: dict[str, str] = {}
        self._style = "brackets"
        self._seq = 0
        self.setVisible(False)

    def load(self, outputs: dict[str, str], params: dict) -> None:
        """Show the speakers of a finished captions job (``outputs`` as the job registered them)."""
        self._outputs = dict(outputs)
        self._style = params.get("speaker_label") or "brackets"
        self.status.clear()
        json_path = outputs.get("json")
        if not json_path:
            self._show([])
            return
        self._seq += 1
        seq = self._seq
        run_in_background(
            lambda: read_speakers(json_path),
            lambda speakers: self._show(speakers) if seq == self._seq else None,
            lambda exc: self.status.setText(str(exc)),
        )

    def _show(self, speakers: list[tuple[str, float]]) -> None:
        self.table.setRowCount(len(speakers))
        for row, (name, seconds) in enumerate(speakers):
            item = QTableWidgetItem(name)
            item.setData(Qt.UserRole, name)
            self.table.setItem(row, 0, item)
            time_item = QTableWidgetItem(fmt_duration(seconds))
            time_item.setFlags(time_item.flags() & ~Qt.ItemIsEditable)
            self.table.setItem(row, 1, time_item)
        self.setVisible(bool(speakers))

    def names(self) -> dict[str, str]:
        out = {}
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            old, new = item.data(Qt.UserRole), item.text().strip()
            if new and new != old:
                out[old] = new
        return out

    def apply_names(self) -> None:
        names = self.names()
        if not names:
            self.status.setText(self.tr("Type a new name over a speaker first."))
            return
        final = [names.get(name, name) for name in self._current()]
        if len(set(final)) < len(final):
            self.status.setText(self.tr("Two speakers cannot have the same name."))
            return
        outputs, style = self._outputs, self._style
        self.apply.setEnabled(False)

        def work():
            from media_core.captions import rename_speakers_in_outputs

            return rename_speakers_in_outputs(outputs, names, style)

        def done(_paths):
            self.apply.setEnabled(True)
            self.status.setText(self.tr("Names saved in every file of this job."))
            self.renamed.emit()

        def failed(exc: BaseException):
            self.apply.setEnabled(True)
            self.status.setText(str(exc))

        run_in_background(work, done, failed)

    def _current(self) -> list[str]:
        return [self.table.item(row, 0).data(Qt.UserRole) for row in range(self.table.rowCount())]


def speaker_tag(speaker: str | None) -> str:
    """Prefix for a transcript line in the list view."""
    return f"[{speaker}] " if speaker else ""


class ShortsSpeakerOptions(QWidget):
    """Shorts: find speakers (cuts then fall between turns) and optionally favour one of them."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.enabled = QCheckBox(self.tr("Cut between speakers' turns"))
        self.enabled.setToolTip(self.tr("Find who speaks when, so no clip starts or ends while someone talks."))
        self.prefer = QLineEdit()
        self.prefer.setPlaceholderText(self.tr('Prefer a speaker, e.g. "Speaker 2"'))
        self.prefer.setToolTip(self.tr("Clips where this speaker talks rank higher."))
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.enabled)
        lay.addWidget(self.prefer, 1)
        self.enabled.toggled.connect(self.prefer.setEnabled)
        self.prefer.setEnabled(False)

    def options(self) -> dict:
        return {"diarize": self.enabled.isChecked(), "prefer_speaker": self.prefer.text().strip()}

    def restore(self, o: dict) -> None:
        self.enabled.setChecked(bool(o.get("diarize", False)))
        self.prefer.setText(o.get("prefer_speaker") or "")

    def job_params(self) -> dict:
        if not self.enabled.isChecked():
            return {}
        return {"diarize": True, "prefer_speaker": self.prefer.text().strip() or None}
