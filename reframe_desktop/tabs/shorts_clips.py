"""The Shorts tab's results: the grid of clips and the selected clip on its transcript,
where a click moves the clip's start or end (a mixin of ShortsTab, which owns the state)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, QUrl
from PySide6.QtGui import QIcon, QPalette, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..labels import TRANSLATE_TARGETS, fill_combo
from ..widgets.common import fmt_duration, hint, open_path
from ..workers import run_in_background

#: Seconds of transcript shown before and after the selected clip.
CONTEXT_SECONDS = 20.0


def _clock(seconds: float) -> str:
    m, s = divmod(max(0.0, seconds), 60)
    return f"{int(m)}:{s:04.1f}"


class ShortsClipsMixin:
    def _build_results(self) -> QWidget:
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
        fill_combo(self.title_language, TRANSLATE_TARGETS[1:])
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
        grid = QWidget()
        gl = QVBoxLayout(grid)
        gl.setContentsMargins(0, 0, 0, 0)
        gl.addLayout(head)
        gl.addWidget(self.results, 1)
        return grid

    def _build_clip_editor(self) -> QWidget:
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

        return editor

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
