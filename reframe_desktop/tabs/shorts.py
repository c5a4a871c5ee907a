"""Shorts tab: find the best moments of a long video, render vertical clips, adjust them on the transcript."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, QUrl
from PySide6.QtGui import QIcon, QPalette, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..widgets.common import VIDEO_FILTER, FileField, fmt_duration, hint, open_path, reveal_path
from ..widgets.face_follow import FaceFollowControls
from ..widgets.recent_jobs import job_outputs
from ..workers import run_in_background
from .base import BaseTab
from .captions import TRANSLATE_TARGETS

#: media_core.shorts.ShortsRequest.aspect / .strategy values.
ASPECTS = [("9:16", "9:16 vertical"), ("1:1", "1:1 square"), ("4:5", "4:5 portrait"), ("16:9", "16:9 landscape")]
STRATEGIES = [("crop", "Crop at the centre of interest"), ("blur_bg", "Blurred background"), ("pad", "Pad with bars")]
FINAL_STATES = ("succeeded", "failed", "cancelled")
#: Seconds of transcript shown before and after the selected clip.
CONTEXT_SECONDS = 20.0


def _clock(seconds: float) -> str:
    m, s = divmod(max(0.0, seconds), 60)
    return f"{int(m)}:{s:04.1f}"


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
        for key, label in ASPECTS:
            self.aspect.addItem(self.tr(label), key)
        self.strategy = QComboBox()
        for key, label in STRATEGIES:
            self.strategy.addItem(self.tr(label), key)
        self.captions = QCheckBox(self.tr("Burn in captions"))
        self.captions.setChecked(True)
        self.preset = QComboBox()
        from media_core.styles import preset_names

        self.preset.addItems(preset_names())
        self.captions.toggled.connect(self.preset.setEnabled)
        cap_row = QHBoxLayout()
        cap_row.addWidget(self.captions)
        cap_row.addWidget(self.preset, 1)
        self.quality = QComboBox()
        # ShortsRequest.output_height: the frame height (the width follows the aspect).
        for height, label in (
            (1920, "Full HD (1080 wide for 9:16)"),
            (1280, "HD (720 wide for 9:16)"),
            (640, "Draft (fast, 360 wide for 9:16)"),
        ):
            self.quality.addItem(self.tr(label), height)
        self.trim = QCheckBox(self.tr("Trim long silences inside clips"))
        self.prompt = QLineEdit()
        self.prompt.setPlaceholderText(self.tr("Optional: “moments where I talk about pricing”"))
        self.prompt_hint = hint("")
        self.use_llm = QCheckBox(self.tr("Rank with the AI model from Settings"))
        self._update_scoring_hints()
        self.error = QLabel()
        self.error.setStyleSheet("color: #d9443a;")
        self.error.setWordWrap(True)
        self.go = QPushButton(self.tr("Find shorts"))
        self.go.setObjectName("primary")
        self.go.clicked.connect(self.submit)
        self.stage = hint(
            self.tr("Reframe transcribes the video, scores every complete thought and renders the best ones.")
        )
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
        self.faces = FaceFollowControls(lambda: (self.input.path(), self.aspect.currentData(), None))
        form.addRow("", self.faces)
        form.addRow(self.tr("Quality"), self.quality)
        form.addRow(self.tr("Captions"), cap_row)
        form.addRow("", self.trim)
        form.addRow(self.tr("Prompt"), self.prompt)
        form.addRow("", self.prompt_hint)
        form.addRow("", self.use_llm)
        form.addRow(self.error)
        form.addRow(self.stage)
        form.addRow(self.bar)
        form.addRow("", self.go)

        # -- results ---------------------------------------------------------------------
        self.results = QListWidget()
        self.results.setViewMode(QListView.IconMode)
        self.results.setIconSize(QSize(108, 192))
        self.results.setGridSize(QSize(200, 300))
        self.results.setResizeMode(QListView.Adjust)
        self.results.setMovement(QListView.Static)
        self.results.setWordWrap(True)
        self.results.setSpacing(6)
        self.results.itemDoubleClicked.connect(lambda item: open_path(item.data(Qt.UserRole)["video"]))
        self.results.currentItemChanged.connect(self._on_clip_selected)
        self.run_label = hint(self.tr("Clips appear here with their score and why they were picked."))
        self.open_run_btn = QPushButton(self.tr("Open run…"))
        self.open_run_btn.setToolTip(self.tr("Show the clips of an earlier run (its manifest.json)"))
        self.open_run_btn.clicked.connect(self._open_run)
        self.export_btn = QPushButton(self.tr("Export all…"))
        self.export_btn.setToolTip(
            self.tr(
                "Copy every clip with its subtitles and thumbnail, plus the manifest, CSV, EDL and FCPXML, to a folder"
            )
        )
        self.export_btn.clicked.connect(lambda: self.export_all())
        self.title_language = QComboBox()
        for code, label in TRANSLATE_TARGETS[1:]:
            self.title_language.addItem(self.tr(label), code)
        self.translate_btn = QPushButton(self.tr("Translate titles"))
        self.translate_btn.setToolTip(
            self.tr(
                "Add the clips' titles and descriptions in this language to the "
                "run's manifest (offline with Argos or Apertium when installed)"
            )
        )
        self.translate_btn.clicked.connect(lambda: self.translate_titles())
        head = QHBoxLayout()
        title = QLabel(self.tr("Clips"))
        title.setStyleSheet("font-weight: 600;")
        head.addWidget(title)
        head.addWidget(self.run_label, 1)
        head.addWidget(self.title_language)
        head.addWidget(self.translate_btn)
        head.addWidget(self.open_run_btn)
        head.addWidget(self.export_btn)

        # -- the selected clip, on the transcript ------------------------------------------
        self.clip_title = QLabel(self.tr("Select a clip to adjust it on the transcript."))
        self.clip_title.setStyleSheet("font-weight: 600;")
        self.transcript_view = QTextBrowser()
        self.transcript_view.setOpenLinks(False)
        self.transcript_view.anchorClicked.connect(self._on_transcript_click)
        self.transcript_view.setPlaceholderText(self.tr("The transcript around the selected clip appears here."))
        self.set_start_btn = QRadioButton(self.tr("start"))
        self.set_end_btn = QRadioButton(self.tr("end"))
        self.click_mode = QButtonGroup(self)
        for i, b in enumerate((self.set_start_btn, self.set_end_btn)):
            self.click_mode.addButton(b, i)
        self.set_start_btn.setChecked(True)
        self.clip_start = QDoubleSpinBox()
        self.clip_end = QDoubleSpinBox()
        for spin in (self.clip_start, self.clip_end):
            spin.setRange(0, 86_400)
            spin.setSuffix(" s")
            spin.setDecimals(2)
            spin.setSingleStep(0.1)
            spin.valueChanged.connect(self._on_bounds_changed)
        self.rerender_btn = QPushButton(self.tr("Re-render clip"))
        self.rerender_btn.setObjectName("primary")
        self.rerender_btn.clicked.connect(self.rerender_selected)
        self.play_btn = QPushButton(self.tr("Play"))
        self.play_btn.clicked.connect(lambda: self._with_clip(lambda c: open_path(c["video"])))
        self.delete_btn = QPushButton(self.tr("Delete clip"))
        self.delete_btn.setToolTip(self.tr("Remove this clip and its files from the run"))
        self.delete_btn.clicked.connect(lambda: self.delete_selected())
        mode_row = QHBoxLayout()
        mode_row.addWidget(QLabel(self.tr("A click sets the")))
        mode_row.addWidget(self.set_start_btn)
        mode_row.addWidget(self.set_end_btn)
        mode_row.addSpacing(12)
        for w in (QLabel(self.tr("Start")), self.clip_start, QLabel(self.tr("End")), self.clip_end):
            mode_row.addWidget(w)
        mode_row.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.rerender_btn)
        actions.addWidget(self.play_btn)
        actions.addStretch(1)
        actions.addWidget(self.delete_btn)
        editor = QWidget()
        el = QVBoxLayout(editor)
        el.setContentsMargins(0, 0, 0, 0)
        el.addWidget(self.clip_title)
        el.addWidget(
            hint(
                self.tr(
                    "Click a word to start or end the clip there (cuts snap to the pause next "
                    "to it); click a sentence's time to take the whole sentence."
                )
            )
        )
        el.addWidget(self.transcript_view, 1)
        el.addLayout(mode_row)
        el.addLayout(actions)

        grid = QWidget()
        gl = QVBoxLayout(grid)
        gl.setContentsMargins(0, 0, 0, 0)
        gl.addLayout(head)
        gl.addWidget(self.results, 1)
        right = QSplitter(Qt.Vertical)
        right.addWidget(grid)
        right.addWidget(editor)
        right.setSizes([420, 330])
        split = QSplitter()
        split.addWidget(box)
        split.addWidget(right)
        split.setSizes([400, 880])
        QVBoxLayout(self).addWidget(split)

        self.job_id: str | None = None
        #: Re-render and export jobs started here: job id -> (kind, clip id).
        self.side_jobs: dict[str, tuple[str, str]] = {}
        self.manifest_path: str | None = None
        self.manifest: dict = {}
        self.index = None  # media_core.shorts.transcript_view.TranscriptIndex of the run
        self._index_for: str | None = None
        self._updating = False
        self.client.progress.connect(self._on_progress)
        self.client.stateChanged.connect(self._on_state)
        self._update_buttons()

    # -- options -------------------------------------------------------------------------
    def _update_scoring_hints(self) -> None:
        """Ask the engine (off the UI thread: its shorts package loads numpy and PyAV) which
        prompt matching and AI ranking this machine offers, then say so next to the options."""

        def work():
            from media_core.settings import engine_settings, offline_mode
            from media_core.shorts import embeddings

            return embeddings.is_available(), engine_settings().shorts_llm, offline_mode()

        run_in_background(work, self._show_scoring_hints)

    def _show_scoring_hints(self, state) -> None:
        meaning, llm, offline = state
        if meaning:
            self.prompt_hint.setText(self.tr("The prompt is matched by meaning, on this computer."))
        else:
            self.prompt_hint.setText(
                self.tr("The prompt is matched by its words (the offline meaning model is not installed).")
            )
        usable = llm.configured and not offline
        self.use_llm.setEnabled(usable)
        if not usable:
            self.use_llm.setChecked(False)
        self.use_llm.setToolTip(
            self.tr("Asks {0} ({1}) to score the best candidates.").format(llm.model or "the model", llm.base_url)
            if usable
            else self.tr("Set an AI endpoint for Shorts in Settings (and leave offline mode) to use this.")
        )

    def showEvent(self, event) -> None:  # settings may have changed while another tab was shown
        self._update_scoring_hints()
        super().showEvent(event)

    def accept_file(self, path: str, kind: str) -> bool:
        if kind == "video":
            self.input.set_path(path)
            return True
        return False

    def options(self) -> dict:
        return {
            "count": self.count.value(),
            "min": self.min_len.value(),
            "max": self.max_len.value(),
            "aspect": self.aspect.currentData(),
            "strategy": self.strategy.currentData(),
            "captions": self.captions.isChecked(),
            "preset": self.preset.currentText(),
            "trim": self.trim.isChecked(),
            "quality": self.quality.currentData(),
            "llm": self.use_llm.isChecked(),
            **self.faces.options(),
        }

    def restore_options(self, o: dict) -> None:
        self.count.setValue(o.get("count", 3))
        self.min_len.setValue(o.get("min", 20))
        self.max_len.setValue(o.get("max", 60))
        for combo, key in ((self.aspect, "aspect"), (self.strategy, "strategy"), (self.quality, "quality")):
            idx = combo.findData(o.get(key))
            if idx >= 0:
                combo.setCurrentIndex(idx)
        self.captions.setChecked(o.get("captions", True))
        if o.get("preset"):
            self.preset.setCurrentText(o["preset"])
        self.trim.setChecked(o.get("trim", False))
        self.use_llm.setChecked(bool(o.get("llm")) and self.use_llm.isEnabled())
        self.faces.restore_options(o)

    def job_params(self) -> dict:
        """{"input": path, **ShortsRequest fields} (media_core.jobs.builtin shorts_job)."""
        params = {
            "input": self.input.path(),
            "num_clips": self.count.value(),
            "min_duration": self.min_len.value(),
            "max_duration": self.max_len.value(),
            "aspect": self.aspect.currentData(),
            "strategy": self.strategy.currentData(),
            "captions": self.captions.isChecked(),
            "style": self.preset.currentText() or None,
            "trim_silences": self.trim.isChecked(),
            "prompt": self.prompt.text().strip() or None,
            "scorer": "llm" if self.use_llm.isChecked() else "heuristic",
            "output_height": self.quality.currentData(),
            **self.faces.shorts_fields(),
            # The engine makes a new "<video> shorts N" folder here for every run.
            "output_root": self.output_dir(),
        }
        if self.threads():
            params["transcription"] = {"threads": self.threads()}
        return params

    def submit(self) -> str | None:
        path = self.input.path()
        if not path or not Path(path).is_file():
            self.error.setText(self.tr("Choose a video first."))
            return None
        if self.min_len.value() >= self.max_len.value():
            self.error.setText(self.tr("The shortest length must be below the longest."))
            return None
        self.error.clear()
        try:
            self.job_id = self.client.submit("shorts", self.job_params())
        except Exception as exc:
            self.error.setText(str(exc))
            return None
        self.bar.setValue(0)
        self.bar.show()
        self.stage.setText(self.tr("Queued…"))
        self.window_.remember_file(path)
        return self.job_id

    # -- jobs ----------------------------------------------------------------------------
    def _on_progress(self, job_id: str, fraction: float, stage: str) -> None:
        if job_id == self.job_id or job_id in self.side_jobs:
            self.bar.show()
            self.bar.setValue(int(fraction * 1000))
            if stage:
                self.stage.setText(stage)

    def _on_state(self, job_id: str, state: str) -> None:
        if state not in FINAL_STATES:
            return
        if job_id in self.side_jobs:
            kind, clip_id = self.side_jobs.pop(job_id)
            self._side_job_done(job_id, state, kind, clip_id)
            return
        if job_id != self.job_id:
            return
        self.bar.hide()
        job = self.client.get(job_id)
        if state != "succeeded":
            self.stage.setText(f"{state}: {getattr(job, 'error', '') or ''}")
            return
        manifest = (job.result or {}).get("manifest") or job_outputs(job).get("manifest")
        if manifest:
            self.load_manifest(manifest)
        self.stage.setText(self.tr("{0} clips ready").format(self.results.count()))

    def _side_job_done(self, job_id: str, state: str, kind: str, clip_id: str) -> None:
        main_running = self.job_id is not None and self.client.get(self.job_id).status not in FINAL_STATES
        if not self.side_jobs and not main_running:
            self.bar.hide()
        job = self.client.get(job_id)
        if kind == "rerender":
            if self.manifest_path:
                self.load_manifest(self.manifest_path, select=clip_id)
            self.stage.setText(
                self.tr("{0} re-rendered").format(clip_id)
                if state == "succeeded"
                else f"{clip_id}: {state}: {getattr(job, 'error', '') or ''}"
            )
        elif kind == "translate":
            if state == "succeeded" and self.manifest_path:
                self.load_manifest(self.manifest_path, select=(self.current_clip() or {}).get("id"))
                self.stage.setText(self.tr("Titles translated ({0}): hover a clip to see them").format(clip_id))
            else:
                self.stage.setText(f"{self.tr('Translation')}: {state}: {getattr(job, 'error', '') or ''}")
        elif kind == "export":
            folder = (job.result or {}).get("output_dir")
            if state == "succeeded" and folder:
                self.stage.setText(self.tr("Exported to {0}").format(folder))
                reveal_path(folder)
            else:
                self.stage.setText(f"{self.tr('Export')}: {state}: {getattr(job, 'error', '') or ''}")
        self._update_buttons()

    # -- the results grid ------------------------------------------------------------------
    def _open_run(self) -> None:
        start = str(Path(self.manifest_path).parent.parent) if self.manifest_path else self.output_dir()
        chosen, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open a shorts run"), start, self.tr("Shorts manifest (manifest.json)")
        )
        if chosen:
            self.load_manifest(chosen)

    def load_manifest(self, manifest: str, select: str | None = None) -> None:
        """Fill the grid from a run's manifest (media_core.shorts.exports.read_manifest)."""
        from media_core.shorts.exports import read_manifest

        try:
            data = read_manifest(manifest)
        except Exception as exc:
            self.error.setText(str(exc))
            return
        if select is None and self.results.currentItem() is not None and manifest == self.manifest_path:
            select = self.results.currentItem().data(Qt.UserRole).get("id")
        self.manifest_path = str(manifest)
        self.manifest = data.model_dump()
        self.run_label.setText(str(Path(manifest).parent))
        self.run_label.setToolTip(str(manifest))
        self.results.clear()
        rerendering = {cid for kind, cid in self.side_jobs.values() if kind == "rerender"}
        chosen = None
        for clip in data.clips:
            item = QListWidgetItem()
            item.setData(Qt.UserRole, clip)
            self._paint_item(item, busy=clip.get("id") in rerendering)
            self.results.addItem(item)
            if clip.get("id") == select:
                chosen = item
        self._load_transcript(data.transcript, float(data.request.get("pause_threshold", 0.6)))
        if chosen is not None:
            self.results.setCurrentItem(chosen)
        else:
            self._show_clip(None)
        self._update_buttons()

    def _paint_item(self, item: QListWidgetItem, *, busy: bool = False) -> None:
        clip = item.data(Qt.UserRole)
        duration = float(clip.get("end", 0)) - float(clip.get("start", 0))
        state = self.tr("re-rendering…") if busy else f"★ {float(clip.get('score', 0)):.0f} · {fmt_duration(duration)}"
        item.setText(f"{clip.get('title') or clip.get('id')}\n{state}\n{clip.get('reason', '')}".strip())
        translated = "".join(
            f"\n{lang}: {t.get('title', '')}"
            for lang, t in (clip.get("translations") or {}).items()
            if isinstance(t, dict)
        )
        item.setToolTip(
            f"{clip.get('id')} · {_clock(clip.get('start', 0))}–{_clock(clip.get('end', 0))}\n"
            f"{clip.get('reason', '')}{translated}"
        )
        thumb = clip.get("thumbnail")
        if thumb and Path(thumb).is_file():
            # QPixmap caches by path: read the bytes so a re-rendered thumbnail is shown, not the old one.
            pixmap = QPixmap()
            pixmap.loadFromData(Path(thumb).read_bytes())
            item.setIcon(QIcon(pixmap))

    def _load_transcript(self, path: str | None, pause_threshold: float) -> None:
        if not path or path == self._index_for:
            return
        from media_core.shorts.transcript_view import TranscriptIndex

        self._index_for = path

        def done(index) -> None:
            if self._index_for == path:
                self.index = index
                self._refresh_editor()

        run_in_background(
            lambda: TranscriptIndex.load(path, pause_threshold=pause_threshold),
            done,
            lambda exc: self.error.setText(self.tr("The transcript could not be read: {0}").format(exc)),
        )

    def current_clip(self) -> dict | None:
        item = self.results.currentItem()
        return item.data(Qt.UserRole) if item is not None else None

    def _with_clip(self, fn) -> None:
        clip = self.current_clip()
        if clip is not None:
            fn(clip)

    def _on_clip_selected(self, item, _prev=None) -> None:
        self._show_clip(item.data(Qt.UserRole) if item is not None else None)

    def _show_clip(self, clip: dict | None) -> None:
        self._updating = True
        if clip is not None:
            self.clip_start.setValue(float(clip.get("start", 0)))
            self.clip_end.setValue(float(clip.get("end", 0)))
            self.set_start_btn.setChecked(True)
        self._updating = False
        self._refresh_editor()

    def _on_bounds_changed(self) -> None:
        if not self._updating:
            self._refresh_editor()

    def _refresh_editor(self) -> None:
        clip = self.current_clip()
        if clip is None:
            self.clip_title.setText(self.tr("Select a clip to adjust it on the transcript."))
            self.transcript_view.clear()
            self._update_buttons()
            return
        start, end = self.clip_start.value(), self.clip_end.value()
        moved = self._moved()
        self.clip_title.setText(
            f"{clip.get('title') or clip.get('id')} · {_clock(start)}–{_clock(end)} "
            f"({end - start:.1f} s)" + (self.tr(" · changed, not rendered yet") if moved else "")
        )
        self._render_transcript(start, end)
        self._update_buttons()

    def changeEvent(self, event) -> None:
        # The transcript is HTML with the palette's colours written in: redraw it when the
        # theme changes, or light-theme text stays on the dark background.
        if event.type() == QEvent.PaletteChange and getattr(self, "index", None) is not None:
            self._render_transcript(self.clip_start.value(), self.clip_end.value())
        super().changeEvent(event)

    def _render_transcript(self, start: float, end: float) -> None:
        index = self.index
        view = self.transcript_view
        if index is None:
            view.setPlainText(
                self.tr("Loading the transcript…")
                if self.manifest.get("transcript")
                else self.tr("This run has no transcript to show.")
            )
            return
        # The tab's own palette: it is already the new one when the tab hears of a theme
        # change, which the view (a child, told later) may not be yet.
        pal = self.palette()
        text = pal.color(QPalette.Text).name()
        muted = pal.color(QPalette.PlaceholderText).name()
        mark_bg = pal.color(QPalette.Highlight).name()
        mark_fg = pal.color(QPalette.HighlightedText).name()
        parts = []
        for s in index.around(min(start, end), max(start, end), CONTEXT_SECONDS):
            html_words, marked = [], False
            for i in range(s.first, s.last + 1):
                inside = index.inside(i, start, end)
                space = " " if i > s.first else ""
                # One highlighted run per stretch of the clip, with the spaces inside it.
                if inside and not marked:
                    html_words.append(f'{space}<span style="background-color:{mark_bg};">')
                elif marked and not inside:
                    html_words.append(f"</span>{space}")
                else:
                    html_words.append(space)
                marked = inside
                colour = mark_fg if inside else text
                word = html.escape(index.words[i].text.strip())
                html_words.append(f'<a href="w:{i}" style="color:{colour}; text-decoration:none;">{word}</a>')
            if marked:
                html_words.append("</span>")
            stamp = f'<a href="s:{s.first}:{s.last}" style="color:{muted}; text-decoration:none;">{_clock(s.start)}</a>'
            parts.append(f"<p style='margin:0 0 6px 0;'>{stamp}&nbsp;&nbsp;{''.join(html_words)}</p>")
        bar = view.verticalScrollBar()
        keep = bar.value()
        view.setHtml("".join(parts))
        bar.setValue(keep)

    def _on_transcript_click(self, url: QUrl) -> None:
        index = self.index
        if index is None or self.current_clip() is None:
            return
        kind, _, rest = url.toString().partition(":")
        if kind == "w":
            first = last = int(rest)
        elif kind == "s":
            first, last = (int(x) for x in rest.split(":"))
        else:
            return
        start, end = self.clip_start.value(), self.clip_end.value()
        if self.set_start_btn.isChecked():
            start = index.start_before(first)
            if end <= start:
                end = index.end_after(last)
            self.set_end_btn.setChecked(True)  # the next click most likely sets the end
        else:
            end = index.end_after(last)
            if end <= start:
                start = index.start_before(first)
            self.set_start_btn.setChecked(True)
        self._updating = True
        self.clip_start.setValue(start)
        self.clip_end.setValue(end)
        self._updating = False
        self._refresh_editor()

    def _moved(self) -> bool:
        clip = self.current_clip()
        if clip is None:
            return False
        return (
            abs(self.clip_start.value() - float(clip.get("start", 0))) > 0.005
            or abs(self.clip_end.value() - float(clip.get("end", 0))) > 0.005
        )

    def _update_buttons(self) -> None:
        clip = self.current_clip()
        busy = clip is not None and any(k == "rerender" and c == clip.get("id") for k, c in self.side_jobs.values())
        has = clip is not None
        self.rerender_btn.setEnabled(has and not busy and self.clip_end.value() > self.clip_start.value())
        self.play_btn.setEnabled(has and bool(clip.get("video")) and Path(clip["video"]).is_file())
        self.delete_btn.setEnabled(has and not busy)
        self.export_btn.setEnabled(bool(self.manifest_path) and self.results.count() > 0)
        self.translate_btn.setEnabled(bool(self.manifest_path) and self.results.count() > 0)
        for b in (self.set_start_btn, self.set_end_btn):
            b.setEnabled(has)

    # -- actions on a run ------------------------------------------------------------------
    def rerender_selected(self) -> str | None:
        clip = self.current_clip()
        if clip is None or not self.manifest_path:
            return None
        if self.clip_end.value() <= self.clip_start.value():
            self.error.setText(self.tr("The end must come after the start."))
            return None
        self.error.clear()
        params = {
            "input": self.manifest_path,
            "clip_id": clip["id"],
            "start": round(self.clip_start.value(), 3),
            "end": round(self.clip_end.value(), 3),
        }
        try:
            job_id = self.client.submit("shorts_rerender", params)
        except Exception as exc:
            self.error.setText(str(exc))
            return None
        self.side_jobs[job_id] = ("rerender", clip["id"])
        self._paint_item(self.results.currentItem(), busy=True)
        self.bar.setValue(0)
        self.bar.show()
        self.stage.setText(self.tr("Re-rendering {0}…").format(clip["id"]))
        self._update_buttons()
        return job_id

    def delete_selected(self, *, confirm: bool = True) -> None:
        clip = self.current_clip()
        if clip is None or not self.manifest_path:
            return
        if (
            confirm
            and QMessageBox.question(
                self,
                self.tr("Delete clip"),
                self.tr("Delete “{0}” and its files from this run?").format(clip.get("title") or clip["id"]),
                QMessageBox.Yes | QMessageBox.No,
                QMessageBox.No,
            )
            != QMessageBox.Yes
        ):
            return
        from media_core.shorts.runs import remove_clips

        manifest = self.manifest_path
        row = self.results.currentRow()
        self.delete_btn.setEnabled(False)

        def done(_result) -> None:
            if self.manifest_path == manifest:
                self.load_manifest(manifest)
                if self.results.count():
                    self.results.setCurrentRow(min(row, self.results.count() - 1))
            self.stage.setText(self.tr("{0} deleted").format(clip["id"]))

        def failed(exc) -> None:
            self.error.setText(str(exc))
            self._update_buttons()

        run_in_background(lambda: remove_clips(manifest, [clip["id"]]), done, failed)

    def translate_titles(self, language: str | None = None) -> str | None:
        """Translate the run's titles and descriptions into the manifest, as a job."""
        if not self.manifest_path:
            return None
        language = language or self.title_language.currentData()
        try:
            job_id = self.client.submit("translate_shorts", {"input": self.manifest_path, "tgt": language})
        except Exception as exc:
            self.error.setText(str(exc))
            return None
        self.side_jobs[job_id] = ("translate", language)
        self.bar.setValue(0)
        self.bar.show()
        self.stage.setText(self.tr("Translating titles…"))
        return job_id

    def export_all(self, folder: str | None = None) -> str | None:
        """Copy the run (clips, subtitles, thumbnails, manifest, CSV, EDL, FCPXML) to a folder, as a job."""
        if not self.manifest_path:
            return None
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, self.tr("Export clips to"), self.output_dir())
            if not folder:
                return None
        try:
            job_id = self.client.submit("shorts_export", {"input": self.manifest_path, "output_dir": folder})
        except Exception as exc:
            self.error.setText(str(exc))
            return None
        self.side_jobs[job_id] = ("export", "")
        self.bar.setValue(0)
        self.bar.show()
        self.stage.setText(self.tr("Exporting…"))
        return job_id
