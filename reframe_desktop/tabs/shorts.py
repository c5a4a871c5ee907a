"""Shorts tab: find the best moments of a long video and render vertical clips."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QListView, QListWidget, QListWidgetItem, QProgressBar,
                               QPushButton, QSpinBox, QSplitter, QVBoxLayout, QWidget, QFileDialog)

from ..widgets.common import VIDEO_FILTER, FileField, fmt_duration, hint, open_path, reveal_path
from ..widgets.recent_jobs import job_outputs
from .base import BaseTab
from .utilities import ASPECTS

#: media_core.shorts.ShortsRequest.strategy values.
STRATEGIES = [("crop", "Crop at the centre of interest"), ("blur_bg", "Blurred background"),
              ("pad", "Pad with bars")]


class ShortsTab(BaseTab):
    name = "shorts"

    def __init__(self, window, parent=None):
        super().__init__(window, parent)
        self.input = FileField(self.tr("Drop a long video (talk, podcast, stream)…"), VIDEO_FILTER)
        self.count = QSpinBox()
        self.count.setRange(1, 20)
        self.count.setValue(3)
        self.min_len = QDoubleSpinBox()
        self.min_len.setRange(5, 600)
        self.min_len.setValue(20)
        self.min_len.setSuffix(" s")
        self.max_len = QDoubleSpinBox()
        self.max_len.setRange(5, 600)
        self.max_len.setValue(60)
        self.max_len.setSuffix(" s")
        lengths = QHBoxLayout()
        lengths.addWidget(self.min_len)
        lengths.addWidget(QLabel("–"))
        lengths.addWidget(self.max_len)
        lengths.addStretch(1)
        self.aspect = QComboBox()
        for key, label in ASPECTS[1:]:
            self.aspect.addItem(self.tr(label), key)
        self.strategy = QComboBox()
        for key, label in STRATEGIES:
            self.strategy.addItem(self.tr(label), key)
        self.captions = QCheckBox(self.tr("Burn in captions"))
        self.captions.setChecked(True)
        self.preset = QComboBox()
        try:  # listing presets is a cheap read of packaged JSON
            from media_core.styles import preset_names

            self.preset.addItems(preset_names())
        except Exception:
            pass
        self.captions.toggled.connect(self.preset.setEnabled)
        cap_row = QHBoxLayout()
        cap_row.addWidget(self.captions)
        cap_row.addWidget(self.preset, 1)
        self.quality = QComboBox()
        # ShortsRequest.output_height: the frame height (the width follows the aspect).
        for height, label in ((1920, "Full HD (1080 wide for 9:16)"), (1280, "HD (720 wide for 9:16)"),
                              (640, "Draft (fast, 360 wide for 9:16)")):
            self.quality.addItem(self.tr(label), height)
        self.trim = QCheckBox(self.tr("Trim long silences inside clips"))
        self.prompt = QLineEdit()
        self.prompt.setPlaceholderText(self.tr("Optional: “moments where I talk about pricing”"))
        self.error = QLabel()
        self.error.setStyleSheet("color: #d9443a;")
        self.error.setWordWrap(True)
        self.go = QPushButton(self.tr("Find shorts"))
        self.go.setObjectName("primary")
        self.go.clicked.connect(self.submit)
        self.stage = hint(self.tr("Reframe transcribes the video, scores every complete thought and "
                                  "renders the best ones."))
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.hide()

        box = QGroupBox(self.tr("Shorts"))
        form = QFormLayout(box)
        form.addRow(self.tr("Input"), self.input)
        form.addRow(self.tr("Clips"), self.count)
        form.addRow(self.tr("Length"), lengths)
        form.addRow(self.tr("Aspect"), self.aspect)
        form.addRow(self.tr("Reframe"), self.strategy)
        form.addRow(self.tr("Quality"), self.quality)
        form.addRow(self.tr("Captions"), cap_row)
        form.addRow("", self.trim)
        form.addRow(self.tr("Prompt"), self.prompt)
        form.addRow(self.error)
        form.addRow(self.stage)
        form.addRow(self.bar)
        form.addRow("", self.go)

        self.results = QListWidget()
        self.results.setViewMode(QListView.IconMode)
        self.results.setIconSize(QSize(160, 284))
        self.results.setGridSize(QSize(230, 400))
        self.results.setResizeMode(QListView.Adjust)
        self.results.setMovement(QListView.Static)
        self.results.setWordWrap(True)
        self.results.setSpacing(8)
        self.results.itemDoubleClicked.connect(lambda item: open_path(item.data(Qt.UserRole)["video"]))
        self.results.currentItemChanged.connect(self._on_clip_selected)

        self.clip_start = QDoubleSpinBox()
        self.clip_start.setRange(0, 86_400)
        self.clip_start.setSuffix(" s")
        self.clip_start.setDecimals(2)
        self.clip_end = QDoubleSpinBox()
        self.clip_end.setRange(0, 86_400)
        self.clip_end.setSuffix(" s")
        self.clip_end.setDecimals(2)
        play = QPushButton(self.tr("Play"))
        play.clicked.connect(lambda: self._with_clip(lambda c: open_path(c["video"])))
        rerender = QPushButton(self.tr("Re-render clip"))
        rerender.clicked.connect(self.rerender_selected)
        ignore = QPushButton(self.tr("Ignore"))
        ignore.clicked.connect(self._ignore)
        export = QPushButton(self.tr("Export all…"))
        export.clicked.connect(self._export_all)
        clip_row = QHBoxLayout()
        for w in (QLabel(self.tr("Start")), self.clip_start, QLabel(self.tr("End")), self.clip_end,
                  rerender, play, ignore):
            clip_row.addWidget(w)
        clip_row.addStretch(1)
        clip_row.addWidget(export)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        title = QLabel(self.tr("Clips"))
        title.setStyleSheet("font-weight: 600;")
        rl.addWidget(title)
        rl.addWidget(self.results, 1)
        rl.addLayout(clip_row)
        split = QSplitter()
        split.addWidget(box)
        split.addWidget(right)
        split.setSizes([420, 860])
        QVBoxLayout(self).addWidget(split)

        self.job_id: str | None = None
        self.manifest_path: str | None = None
        self.client.progress.connect(self._on_progress)
        self.client.stateChanged.connect(self._on_state)

    def accept_file(self, path: str, kind: str) -> bool:
        if kind == "video":
            self.input.set_path(path)
            return True
        return False

    def options(self) -> dict:
        return {"count": self.count.value(), "min": self.min_len.value(), "max": self.max_len.value(),
                "aspect": self.aspect.currentData(), "strategy": self.strategy.currentData(),
                "captions": self.captions.isChecked(), "preset": self.preset.currentText(),
                "trim": self.trim.isChecked()}

    def restore_options(self, o: dict) -> None:
        self.count.setValue(o.get("count", 3))
        self.min_len.setValue(o.get("min", 20))
        self.max_len.setValue(o.get("max", 60))
        for combo, key in ((self.aspect, "aspect"), (self.strategy, "strategy")):
            idx = combo.findData(o.get(key))
            if idx >= 0:
                combo.setCurrentIndex(idx)
        self.captions.setChecked(o.get("captions", True))
        if o.get("preset"):
            self.preset.setCurrentText(o["preset"])
        self.trim.setChecked(o.get("trim", False))

    def submit(self) -> str | None:
        path = self.input.path()
        if not path or not Path(path).is_file():
            self.error.setText(self.tr("Choose a video first."))
            return None
        if self.min_len.value() >= self.max_len.value():
            self.error.setText(self.tr("The shortest length must be below the longest."))
            return None
        self.error.clear()
        # Job params are {"input": path, **ShortsRequest fields} (media_core.jobs.builtin).
        params = {"input": path,"num_clips": self.count.value(), "min_duration": self.min_len.value(),
                   "max_duration": self.max_len.value(), "aspect": self.aspect.currentData(),
                   "strategy": self.strategy.currentData(), "captions": self.captions.isChecked(),
                   "style": self.preset.currentText() or "default", "trim_silences": self.trim.isChecked(),
                   "prompt": self.prompt.text().strip() or None, "offline": self.settings.offline_mode,
                   "output_height": self.quality.currentData(), "output_dir": self.output_dir()}
        if self.threads():
            params["transcription"] = {"threads": self.threads()}
        try:
            self.job_id = self.client.submit("shorts", params)
        except Exception as exc:
            self.error.setText(str(exc))
            return None
        self.results.clear()
        self.bar.setValue(0)
        self.bar.show()
        self.stage.setText(self.tr("Queued…"))
        self.window_.remember_file(path)
        return self.job_id

    def _on_progress(self, job_id: str, fraction: float, stage: str) -> None:
        if job_id == self.job_id:
            self.bar.setValue(int(fraction * 1000))
            if stage:
                self.stage.setText(stage)

    def _on_state(self, job_id: str, state: str) -> None:
        if job_id != self.job_id or state not in ("succeeded", "failed", "cancelled"):
            return
        self.bar.hide()
        job = self.client.get(job_id)
        if state != "succeeded":
            self.stage.setText(f"{state}: {getattr(job, 'error', '') or ''}")
            return
        outputs = job_outputs(job)
        manifest = outputs.get("manifest") or next((p for p in outputs.values() if p.endswith(".json")), None)
        if manifest:
            self.load_manifest(manifest)
        self.stage.setText(self.tr("{0} clips ready").format(self.results.count()))

    def load_manifest(self, manifest: str) -> None:
        """Fill the grid from the shorts manifest JSON (a list of clips with video/thumbnail/score/reason)."""
        self.manifest_path = manifest
        data = json.loads(Path(manifest).read_text(encoding="utf-8"))
        base = Path(manifest).parent
        self.results.clear()
        for clip in data.get("clips", []):
            for key in ("video", "thumbnail", "srt", "ass"):
                if clip.get(key) and not Path(clip[key]).is_absolute():
                    clip[key] = str(base / clip[key])
            duration = float(clip.get("end", 0)) - float(clip.get("start", 0))
            score = float(clip.get("score", 0))
            score_text = f"{score:.0f}" if score > 1 else f"{score:.2f}"  # 0–100 scale, or 0–1
            text = (f"{clip.get('title') or ''}\n★ {score_text} · {fmt_duration(duration)}\n"
                    f"{clip.get('reason', '')}")
            item = QListWidgetItem(text.strip())
            item.setToolTip(clip.get("reason", ""))
            if clip.get("thumbnail") and Path(clip["thumbnail"]).is_file():
                item.setIcon(QIcon(QPixmap(clip["thumbnail"])))
            item.setData(Qt.UserRole, clip)
            self.results.addItem(item)

    def _on_clip_selected(self, item, _prev=None) -> None:
        if item is None:
            return
        clip = item.data(Qt.UserRole)
        self.clip_start.setValue(float(clip.get("start", 0)))
        self.clip_end.setValue(float(clip.get("end", 0)))

    def _with_clip(self, fn) -> None:
        item = self.results.currentItem()
        if item is not None:
            fn(item.data(Qt.UserRole))

    def rerender_selected(self) -> str | None:
        item = self.results.currentItem()
        if item is None or not self.manifest_path:
            return None
        clip = item.data(Qt.UserRole)
        if self.clip_end.value() <= self.clip_start.value():
            self.error.setText(self.tr("The end must come after the start."))
            return None
        manifest = json.loads(Path(self.manifest_path).read_text(encoding="utf-8"))
        # Params of media_core.shorts.pipeline.rerender_clip: the clip as a ShortClip, its new
        # bounds and the request the clips were made with.
        short_clip = {"id": clip.get("id", ""), "start": clip.get("start", 0.0), "end": clip.get("end", 0.0),
                      "text": clip.get("text", ""), "score": clip.get("score", 0.0), "reason": clip.get("reason", ""),
                      "title": clip.get("title", ""), "rank": clip.get("rank", 0),
                      "video_path": clip.get("video"), "srt_path": clip.get("srt"), "ass_path": clip.get("ass"),
                      "thumbnail_path": clip.get("thumbnail")}
        params = {"input": manifest.get("input"), "clip": short_clip, "new_start": self.clip_start.value(),
                  "new_end": self.clip_end.value(), "request": manifest.get("request", {}),
                  "manifest": self.manifest_path}
        try:
            self.job_id = self.client.submit("shorts_rerender", params)
        except Exception as exc:
            self.error.setText(str(exc))
            return None
        self.bar.show()
        return self.job_id

    def _ignore(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self.results.takeItem(self.results.row(item))

    def _export_all(self) -> None:
        if not self.manifest_path:
            return
        folder = QFileDialog.getExistingDirectory(self, self.tr("Export clips to"), self.output_dir())
        if not folder:
            return
        clips = [self.results.item(i).data(Qt.UserRole) for i in range(self.results.count())]
        from ..workers import run_in_background

        def work():
            import shutil

            for clip in clips:
                for key in ("video", "srt", "thumbnail"):
                    if clip.get(key) and Path(clip[key]).is_file():
                        shutil.copy2(clip[key], folder)
            return folder

        run_in_background(work, reveal_path, lambda exc: self.error.setText(str(exc)))
