"""Utilities tab: merge audio, translate subtitles, edit subtitles, cut/reframe."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QPushButton,
    QSlider,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..labels import ASPECTS, KEEP_ASPECT, LANGUAGES, STRATEGIES, TRANSLATE_TARGETS, fill_combo
from ..widgets.common import AUDIO_FILTER, SUBTITLE_FILTER, VIDEO_FILTER, FileField, hint, output_path
from ..widgets.face_follow import FaceFollowControls
from ..widgets.field_errors import FieldErrors, error_label
from ..widgets.language_picker import LanguagePicker
from ..widgets.recent_jobs import RecentJobsPanel
from .base import BaseTab
from .subtitle_editor import SubtitleEditor
from .tighten_page import TightenPage


class UtilitiesTab(BaseTab):
    name = "utilities"

    def __init__(self, client, settings, parent=None):
        super().__init__(client, settings, parent)
        self.sections = QTabWidget()
        self.sections.setDocumentMode(True)
        self.sections.addTab(self._merge_page(), self.tr("Merge audio"))
        self.sections.addTab(self._translate_page(), self.tr("Translate subtitles"))
        self.editor = SubtitleEditor()
        self.sections.addTab(self.editor, self.tr("Subtitle editor"))
        self.sections.addTab(self._cut_page(), self.tr("Cut / reframe"))
        self.tighten = TightenPage(self._submit, self.output_dir, lambda: self.settings.default_model)
        self.sections.addTab(self.tighten, self.tr("Tighten (cut by transcript)"))
        self.recent = RecentJobsPanel(self.client)
        split = QSplitter()
        split.addWidget(self.sections)
        split.addWidget(self.recent)
        split.setSizes([840, 420])
        QVBoxLayout(self).addWidget(split)

    # -- merge --------------------------------------------------------------------
    def _merge_page(self) -> QWidget:
        page = QWidget()
        self.merge_video = FileField(self.tr("Video…"), VIDEO_FILTER)
        self.merge_audio = FileField(self.tr("Audio (music, voice-over)…"), AUDIO_FILTER)
        self.merge_offset = QDoubleSpinBox()
        self.merge_offset.setRange(-3600, 3600)
        self.merge_offset.setSuffix(" s")
        self.merge_offset.setToolTip(self.tr("Positive: the audio starts later than the video."))
        self.merge_mode = QComboBox()
        self.merge_mode.addItem(self.tr("Replace the original audio"), "replace")
        self.merge_mode.addItem(self.tr("Mix with the original audio"), "mix")
        self.merge_duck = QCheckBox(self.tr("Duck the music under speech"))
        self.merge_loudness = QCheckBox(self.tr("Normalise loudness (−14 LUFS, for social media)"))
        self.merge_loudness.setChecked(True)
        self.merge_error = error_label()
        self.merge_errors = FieldErrors(self.merge_error)
        wrap = self.merge_errors.wrap
        go = QPushButton(self.tr("Merge"))
        go.setObjectName("primary")
        go.clicked.connect(self.submit_merge)
        form = QFormLayout(page)
        form.addRow(self.tr("Video"), wrap("input", self.merge_video))
        form.addRow(self.tr("Audio"), wrap("audio", self.merge_audio))
        form.addRow(self.tr("Offset"), wrap("offset", self.merge_offset))
        form.addRow(self.tr("Mode"), wrap("mode", self.merge_mode))
        form.addRow("", wrap("ducking", self.merge_duck))
        form.addRow("", wrap("loudness_normalize", self.merge_loudness))
        form.addRow(self.merge_error)
        form.addRow("", go)
        return page

    def submit_merge(self) -> str | None:
        self.merge_errors.clear()
        video, audio = self.merge_video.path(), self.merge_audio.path()
        if not video or not audio:
            self.merge_error.setText(self.tr("Choose both a video and an audio file."))
            return None
        params = {
            "input": video,
            "audio": audio,
            "out": output_path(self.output_dir(), video, "merged"),
            "offset": self.merge_offset.value(),
            "mode": self.merge_mode.currentData(),
            "ducking": self.merge_duck.isChecked(),
            "loudness_normalize": self.merge_loudness.isChecked(),
        }
        return self._submit("merge_av", params, self.tr("Merge · {0}").format(Path(video).name), self.merge_errors)

    # -- translate ----------------------------------------------------------------
    def _translate_page(self) -> QWidget:
        page = QWidget()
        self.tr_input = FileField(self.tr("Subtitle file to translate…"), SUBTITLE_FILTER)
        self.tr_source = QComboBox()
        fill_combo(self.tr_source, LANGUAGES)
        self.tr_target = LanguagePicker(TRANSLATE_TARGETS, self.tr("Choose languages…"))
        self.tr_target.set_values(["es"])
        self.tr_bilingual = QCheckBox(self.tr("Bilingual: keep the original line above the translation"))
        self.tr_engine = QComboBox()
        self.tr_engine.addItem(self.tr("Best available offline engine"), "auto")
        self.tr_engine.addItem("Apertium (offline, rule-based)", "apertium")
        self.tr_engine.addItem("Argos Translate (offline)", "argos")
        self.tr_engine.addItem(self.tr("Cloud (needs an API key in Settings)"), "cloud")
        self.tr_error = error_label()
        self.tr_errors = FieldErrors(self.tr_error)
        go = QPushButton(self.tr("Translate"))
        go.setObjectName("primary")
        go.clicked.connect(self.submit_translate)
        form = QFormLayout(page)
        wrap = self.tr_errors.wrap
        form.addRow(self.tr("Subtitles"), wrap("input", self.tr_input))
        form.addRow(self.tr("From"), wrap("src", self.tr_source))
        form.addRow(self.tr("To"), wrap("tgt", self.tr_target))
        form.addRow(self.tr("Engine"), self.tr_engine)
        form.addRow("", self.tr_bilingual)
        form.addRow(self.tr_error)
        form.addRow("", go)
        return page

    def submit_translate(self) -> str | None:
        self.tr_errors.clear()
        path = self.tr_input.path()
        if not path:
            self.tr_errors.show_field("input", self.tr("Choose a subtitle file."))
            return None
        src = self.tr_source.currentData()
        targets = self.tr_target.values()
        if not targets:
            self.tr_errors.show_field("tgt", self.tr("Choose at least one language."))
            return None
        # Offline mode is not passed: the engine applies its own setting to every job.
        params = {
            "input": path,
            "tgt": targets[0] if len(targets) == 1 else targets,
            "src": None if src == "auto" else src,
            "backend": self.tr_engine.currentData(),
            "bilingual": self.tr_bilingual.isChecked(),
        }
        if len(targets) == 1:
            params["out"] = output_path(self.output_dir(), path, targets[0], Path(path).suffix.lstrip(".") or "srt")
        else:  # one <name>.<lang>.<ext> per language, in one job
            params["out_dir"] = self.output_dir()
        return self._submit(
            "translate_subtitles", params, self.tr("Translate · {0}").format(Path(path).name), self.tr_errors
        )

    # -- cut / reframe ------------------------------------------------------------
    def _cut_page(self) -> QWidget:
        page = QWidget()
        self.cut_input = FileField(self.tr("Video…"), VIDEO_FILTER)
        self.cut_start = QDoubleSpinBox()
        self.cut_start.setRange(0, 86_400)
        self.cut_start.setSuffix(" s")
        self.cut_end = QDoubleSpinBox()
        self.cut_end.setRange(0, 86_400)
        self.cut_end.setSuffix(" s")
        self.cut_end.setSpecialValueText(self.tr("end of video"))
        self.cut_aspect = QComboBox()
        fill_combo(self.cut_aspect, [KEEP_ASPECT, *ASPECTS])
        self.cut_strategy = QComboBox()
        fill_combo(self.cut_strategy, STRATEGIES)
        self.cut_focus = QSlider(Qt.Horizontal)
        self.cut_focus.setRange(0, 100)
        self.cut_focus.setValue(50)
        self.cut_focus.setToolTip(self.tr("Which part of the picture a crop keeps: left edge, centre, right edge"))
        self.cut_aspect.currentIndexChanged.connect(self._update_cut_fields)
        self.cut_strategy.currentIndexChanged.connect(self._update_cut_fields)
        self.cut_error = error_label()
        self.cut_errors = FieldErrors(self.cut_error)
        wrap = self.cut_errors.wrap
        go = QPushButton(self.tr("Cut / reframe"))
        go.setObjectName("primary")
        go.clicked.connect(self.submit_cut)
        form = QFormLayout(page)
        form.addRow(self.tr("Video"), wrap("input", self.cut_input))
        form.addRow(self.tr("Start"), wrap("trim.start", self.cut_start, "trim"))
        form.addRow(self.tr("End"), wrap("trim.end", self.cut_end))
        form.addRow(self.tr("Aspect"), wrap("reframe.aspect", self.cut_aspect, "reframe"))
        form.addRow(self.tr("Reframe"), wrap("reframe.strategy", self.cut_strategy))
        form.addRow(self.tr("Crop position"), wrap("reframe.focus_x", self.cut_focus))
        self.cut_faces = FaceFollowControls(
            lambda: (self.cut_input.path(), self.cut_aspect.currentData(), self.cut_start.value())
        )
        form.addRow("", wrap("reframe.follow", self.cut_faces, "reframe.follow_faces"))
        form.addRow("", hint(self.tr("Cutting and reframing happen in one pass: the video is encoded once.")))
        form.addRow(self.cut_error)
        form.addRow("", go)
        self._update_cut_fields()
        return page

    def _update_cut_fields(self) -> None:
        reframing = bool(self.cut_aspect.currentData())
        self.cut_strategy.setEnabled(reframing)
        self.cut_focus.setEnabled(reframing and self.cut_strategy.currentData() == "crop")
        self.cut_faces.setEnabled(reframing and self.cut_strategy.currentData() == "crop")

    def cut_plan(self) -> dict | None:
        """The RenderPlan (as JSON) of the page, or None after showing what is missing."""
        self.cut_errors.clear()
        path = self.cut_input.path()
        if not path:
            self.cut_error.setText(self.tr("Choose a video."))
            return None
        start, end = self.cut_start.value(), self.cut_end.value() or None
        if end is not None and end <= start:
            self.cut_error.setText(self.tr("The end must come after the start."))
            return None
        aspect = self.cut_aspect.currentData()
        trim = {"start": start, "end": end} if start or end is not None else None
        if not aspect and trim is None:
            self.cut_error.setText(self.tr("Set a start/end to cut, or an aspect to reframe to."))
            return None
        tag = "-".join(t for t in ("cut" if trim else "", aspect.replace(":", "x") if aspect else "") if t)
        reframe = (
            {
                "aspect": aspect,
                "strategy": self.cut_strategy.currentData(),
                "focus_x": self.cut_focus.value() / 100,
                **(self.cut_faces.render_fields() if self.cut_strategy.currentData() == "crop" else {}),
            }
            if aspect
            else None
        )
        return {
            "input": path,
            "output": output_path(self.output_dir(), path, tag, "mp4"),
            "trim": trim,
            "reframe": reframe,
        }

    def submit_cut(self) -> str | None:
        plan = self.cut_plan()
        if plan is None:
            return None
        what = (
            self.tr("Cut + reframe")
            if plan["trim"] and plan["reframe"]
            else self.tr("Cut")
            if plan["trim"]
            else self.tr("Reframe")
        )
        return self._submit("render_styled", plan, f"{what} · {Path(plan['input']).name}", self.cut_errors)

    # -- shared -------------------------------------------------------------------
    def _submit(self, job_type: str, params: dict, title: str, errors: FieldErrors) -> str | None:
        try:
            job_id = self.client.submit(job_type, params)
        except Exception as exc:  # InvalidParameterError: shown under its fields
            errors.show(exc)
            return None
        self.recent.add_job(job_id, title)
        return job_id

    def accept_file(self, path: str, kind: str) -> bool:
        if kind == "subtitle":
            self.sections.setCurrentIndex(2)
            self.editor.path_field.set_path(path)
            self.tr_input.set_path(path)
            return True
        if kind == "audio":
            self.sections.setCurrentIndex(0)
            self.merge_audio.set_path(path)
            return True
        if kind == "video":
            page = self.sections.currentIndex()
            {3: self.cut_input, 4: self.tighten.video}.get(page, self.merge_video).set_path(path)
            return True
        return False

    def primary_action(self):
        """Ctrl+Enter runs the visible section's button."""
        return {
            0: self.submit_merge,
            1: self.submit_translate,
            2: self.editor.save_as,
            3: self.submit_cut,
            4: self.tighten.submit,
        }[self.sections.currentIndex()]()

    # -- remembered options ----------------------------------------------------------
    def options(self) -> dict:
        return {
            "section": self.sections.currentIndex(),
            "merge_offset": self.merge_offset.value(),
            "merge_mode": self.merge_mode.currentData(),
            "merge_duck": self.merge_duck.isChecked(),
            "merge_loudness": self.merge_loudness.isChecked(),
            "tr_source": self.tr_source.currentData(),
            "tr_target": self.tr_target.values(),
            "tr_engine": self.tr_engine.currentData(),
            "tr_bilingual": self.tr_bilingual.isChecked(),
            "shift_ms": self.editor.shift_by.value(),
            "cut_aspect": self.cut_aspect.currentData(),
            "cut_strategy": self.cut_strategy.currentData(),
            "cut_focus": self.cut_focus.value(),
            "cut_faces": self.cut_faces.options(),
        }

    def restore_options(self, o: dict) -> None:
        for combo, key in (
            (self.merge_mode, "merge_mode"),
            (self.tr_source, "tr_source"),
            (self.tr_engine, "tr_engine"),
            (self.cut_aspect, "cut_aspect"),
            (self.cut_strategy, "cut_strategy"),
        ):
            if key in o:
                index = combo.findData(o[key])
                if index >= 0:
                    combo.setCurrentIndex(index)
        for spin, key in (
            (self.merge_offset, "merge_offset"),
            (self.editor.shift_by, "shift_ms"),
            (self.cut_focus, "cut_focus"),
        ):
            if isinstance(o.get(key), (int, float)):
                spin.setValue(type(spin.value())(o[key]))
        for box, key in (
            (self.merge_duck, "merge_duck"),
            (self.merge_loudness, "merge_loudness"),
            (self.tr_bilingual, "tr_bilingual"),
        ):
            if key in o:
                box.setChecked(bool(o[key]))
        if o.get("tr_target"):
            self.tr_target.set_values(o["tr_target"])
        self.cut_faces.restore_options(o.get("cut_faces") or {})
        if isinstance(o.get("section"), int) and 0 <= o["section"] < self.sections.count():
            self.sections.setCurrentIndex(o["section"])
