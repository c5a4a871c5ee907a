"""Styling tab: design burned-in captions with a live preview frame, then render."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..widgets.common import SUBTITLE_FILTER, VIDEO_FILTER, FileField, hint, open_path, output_path
from ..widgets.recent_jobs import RecentJobsPanel, job_outputs
from ..widgets.safe_area_overlay import OverlayToggle, paint_safe_area
from ..widgets.style_editor import StyleEditor
from ..workers import run_in_background
from .base import BaseTab


class StylingTab(BaseTab):
    name = "styling"
    previewUpdated = Signal()
    #: "Generate captions first": transcribe this video (the window routes it to the Captions
    #: tab, which submits with its own settings, then hands the job back to watch_captions_job).
    captionsRequested = Signal(str)

    def __init__(self, client, settings, parent=None):
        super().__init__(client, settings, parent)
        self.recent = RecentJobsPanel(self.client)
        split = QSplitter()
        split.addWidget(self._build_left())
        split.addWidget(self._build_right())
        split.setSizes([460, 800])
        QVBoxLayout(self).addWidget(split)
        self.editor.changed.connect(self.schedule_preview)
        self.video.pathChanged.connect(self.schedule_preview)
        self.subtitles.pathChanged.connect(self.schedule_preview)
        self.at.valueChanged.connect(self.schedule_preview)

        self._timer = QTimer(self, singleShot=True, interval=250)  # debounce: one render per pause
        self._timer.timeout.connect(self._render_preview)
        self._seq = 0
        self._duration = 0.0
        self.preview_count = 0
        self._pending_captions: str | None = None
        self.last_preview_clip: str | None = None
        self.client.stateChanged.connect(self._on_state)

    def _build_left(self) -> QWidget:
        self.video = FileField(self.tr("Video to caption…"), VIDEO_FILTER)
        self.subtitles = FileField(self.tr("Subtitles (.srt, .vtt, .ass)…"), SUBTITLE_FILTER)
        self.generate_btn = QPushButton(self.tr("Generate captions first"))
        self.generate_btn.setToolTip(
            self.tr(
                "Transcribe this video with the Captions tab settings; "
                "the subtitles are filled in when the job finishes."
            )
        )
        self.generate_btn.clicked.connect(self._generate_captions)
        subs_row = QHBoxLayout()
        subs_row.addWidget(self.subtitles, 1)
        subs_row.addWidget(self.generate_btn)
        inputs = QFormLayout()
        inputs.addRow(self.tr("Video"), self.video)
        inputs.addRow(self.tr("Subtitles"), subs_row)
        self.editor = StyleEditor()
        save_preset = QPushButton(self.tr("Save preset…"))
        save_preset.clicked.connect(self._save_preset)
        load_preset = QPushButton(self.tr("Load preset file…"))
        load_preset.clicked.connect(self._load_preset_file)
        preset_row = QHBoxLayout()
        preset_row.addWidget(save_preset)
        preset_row.addWidget(load_preset)
        preset_row.addStretch(1)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.addLayout(inputs)
        ll.addWidget(self.editor)
        ll.addLayout(preset_row)
        ll.addStretch(1)
        return left

    def _build_right(self) -> QWidget:
        self.preview = QLabel(self.tr("Pick a video to see a live preview of the style."))
        self.preview.setAlignment(Qt.AlignCenter)
        self.preview.setMinimumSize(480, 270)
        self.preview.setStyleSheet("background: #111; color: #aaa; border-radius: 6px;")
        self.at = QSlider(Qt.Horizontal)
        self.at.setRange(0, 1000)
        self.at.setValue(100)
        self.at.setToolTip(self.tr("Moment of the video shown in the preview"))
        self.status = hint("")
        self.preview5_btn = QPushButton(self.tr("Preview 5 s"))
        self.preview5_btn.clicked.connect(self._preview_clip)
        self.render_btn = QPushButton(self.tr("Render video"))
        self.render_btn.setObjectName("primary")
        self.render_btn.clicked.connect(self.render)
        self.show_zones = OverlayToggle()
        self.show_zones.toggled.connect(self.schedule_preview)
        actions = QHBoxLayout()
        actions.addWidget(self.status, 1)
        actions.addWidget(self.show_zones)
        actions.addWidget(self.preview5_btn)
        actions.addWidget(self.render_btn)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.preview, 3)
        rl.addWidget(self.at)
        rl.addLayout(actions)
        rl.addWidget(self.recent, 2)
        return right

    # -- drops / options ----------------------------------------------------------
    def accept_file(self, path: str, kind: str) -> bool:
        if kind == "video":
            self.video.set_path(path)
            return True
        if kind == "subtitle":
            self.subtitles.set_path(path)
            return True
        return False

    def options(self) -> dict:
        return {"style": self.editor.style_dict(), "preset": self.editor.preset.currentText()}

    def restore_options(self, o: dict) -> None:
        if o.get("preset"):
            self.editor.preset.setCurrentText(o["preset"])
        if o.get("style"):
            self.editor.set_style(o["style"])

    # -- live preview -------------------------------------------------------------
    def schedule_preview(self) -> None:
        self._timer.start()

    def _preview_time(self) -> float:
        return self._duration * self.at.value() / 1000 if self._duration else 1.0

    def _render_preview(self) -> None:
        video = self.video.path()
        if not video or not Path(video).is_file():
            return
        self._seq += 1
        seq, subs, style = self._seq, self.subtitles.path() or None, self.editor.style_dict()
        at_fraction = self.at.value() / 1000
        self.status.setText(self.tr("Updating preview…"))

        def work():
            from media_core.paths import cache_dir
            from media_core.probe import probe
            from media_core.render.operations import preview_frame
            from media_core.styles import SubtitleStyle

            duration = probe(video).duration
            t = max(0.0, min(duration - 0.05, duration * at_fraction))
            out = cache_dir() / "previews" / f"styling-{os.getpid()}-{seq}.png"
            out.parent.mkdir(parents=True, exist_ok=True)
            source = subs
            if not source:
                # No subtitles yet: show the style on sample words placed at this moment.
                from media_core.styles import style_preview_lines

                source = style_preview_lines(start=max(0.0, t - 0.5))
            preview_frame(video, t, out, subtitles=source, style=SubtitleStyle.model_validate(style))
            try:
                return duration, out.read_bytes()
            finally:
                out.unlink(missing_ok=True)

        def done(result):
            if seq != self._seq:
                return  # stale: the style changed again while this frame was rendering
            self._duration, data = result
            pix = QPixmap()
            pix.loadFromData(data)
            if self.show_zones.isChecked():
                pix = paint_safe_area(pix, style.get("safe_area"))
            self.preview.setPixmap(pix.scaled(self.preview.size(), Qt.KeepAspectRatio, Qt.SmoothTransformation))
            self.preview_count += 1
            self.status.setText("")
            self.previewUpdated.emit()

        def failed(exc):
            if seq == self._seq:
                self.status.setText(str(exc))

        run_in_background(work, done, failed)

    # -- jobs ---------------------------------------------------------------------
    def _render_params(self) -> dict:
        """Params of the "burn" job: media_core.render.burn_subtitles(input, subs, out, style)."""
        video = self.video.path()
        return {
            "input": video,
            "subs": self.subtitles.path(),
            "out": output_path(self.output_dir(), video, "captioned", "mp4"),
            "style": self.editor.style_dict(),
        }

    def _check_inputs(self) -> bool:
        if not self.video.path() or not Path(self.video.path()).is_file():
            self.status.setText(self.tr("Choose a video first."))
            return False
        if not self.subtitles.path():
            self.status.setText(self.tr("Choose subtitles, or click “Generate captions first”."))
            return False
        return True

    def primary_action(self):
        return self.render()

    def render(self) -> str | None:
        if not self._check_inputs():
            return None
        try:
            job_id = self.client.submit("burn", self._render_params())
        except Exception as exc:  # InvalidParameterError: say which field, keep the window alive
            errors = getattr(exc, "field_errors", None) or {}
            self.status.setText("\n".join(f"{f}: {m}" for f, m in errors.items()) or str(exc))
            return None
        self.recent.add_job(job_id, self.tr("Render · {0}").format(Path(self.video.path()).name))
        return job_id

    def _preview_clip(self) -> None:
        """Five seconds rendered fast on a worker thread, then opened in the system player."""
        if not self._check_inputs():
            return
        video, subs, style = self.video.path(), self.subtitles.path(), self.editor.style_dict()
        start = self._preview_time()
        self.preview5_btn.setEnabled(False)
        self.status.setText(self.tr("Rendering a 5 s preview…"))

        def work():
            from media_core.paths import cache_dir
            from media_core.render.operations import preview_clip
            from media_core.styles import SubtitleStyle

            out = cache_dir() / "previews" / f"{Path(video).stem}-preview.mp4"
            preview_clip(video, out, start, 5.0, subtitles=subs, style=SubtitleStyle.model_validate(style))
            return out

        def done(out):
            self.preview5_btn.setEnabled(True)
            self.status.setText("")
            self.last_preview_clip = str(out)
            open_path(out)

        def failed(exc):
            self.preview5_btn.setEnabled(True)
            self.status.setText(str(exc))

        run_in_background(work, done, failed)

    def _generate_captions(self) -> None:
        video = self.video.path()
        if not video:
            self.status.setText(self.tr("Choose a video first."))
            return
        self.captionsRequested.emit(video)

    def watch_captions_job(self, job_id: str) -> None:
        """Fill the subtitles field from this captions job when it succeeds."""
        self._pending_captions = job_id
        self.status.setText(self.tr("Transcribing… the subtitles field fills in when it is done."))

    def _on_state(self, job_id: str, state: str) -> None:
        if job_id == self._pending_captions and state == "succeeded":
            outputs = job_outputs(self.client.get(job_id))
            subs = outputs.get("ass") or outputs.get("srt") or outputs.get("vtt")
            if subs:
                self.subtitles.set_path(subs)
            self.status.setText("")
            self._pending_captions = None

    # -- presets ------------------------------------------------------------------
    def _save_preset(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("Save preset"), self.tr("Preset name:"))
        if not ok or not name.strip():
            return
        try:
            from media_core.styles import SubtitleStyle, save_user_preset

            save_user_preset(SubtitleStyle.model_validate({**self.editor.style_dict(), "name": name.strip()}))
            self.editor.reload_presets()
            self.editor.preset.setCurrentText(name.strip())
        except Exception as exc:
            self.status.setText(str(exc))

    def _load_preset_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Load preset"), "", "Preset (*.json)")
        if path:
            try:
                from media_core.styles import SubtitleStyle

                style = SubtitleStyle.from_json(Path(path).read_text(encoding="utf-8"))
                self.editor.set_style(style.model_dump(mode="json"))
            except Exception as exc:  # unreadable file or an invalid style: say why
                self.status.setText(str(exc))
