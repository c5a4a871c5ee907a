"""The Shorts tab's results: the grid of a run's clips, and the selected clip in the
ClipEditor (widgets/clip_editor.py). A mixin of ShortsTab, which owns the run's state."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..labels import TRANSLATE_TARGETS, fill_combo
from ..widgets.clip_editor import ClipEditor, clock
from ..widgets.common import fmt_duration, hint, open_path
from ..workers import run_in_background


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
        self.clip_editor = ClipEditor()
        editor = self.clip_editor
        # The editor's parts, as tests and screenshots reach them.
        self.clip_title, self.transcript_view = editor.clip_title, editor.transcript_view
        self.set_start_btn, self.set_end_btn = editor.set_start_btn, editor.set_end_btn
        self.clip_start, self.clip_end = editor.clip_start, editor.clip_end
        self.rerender_btn, self.play_btn, self.delete_btn = editor.rerender_btn, editor.play_btn, editor.delete_btn
        editor.rerenderRequested.connect(self.rerender_selected)
        editor.playRequested.connect(lambda: self._with_clip(lambda c: open_path(c["video"])))
        editor.deleteRequested.connect(lambda: self.delete_selected())
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
        for clip in self.manifest["clips"]:  # entries as dicts (ManifestClip dumped)
            item = QListWidgetItem()
            item.setData(Qt.UserRole, clip)
            self._paint_item(item, busy=clip.get("id") in rerendering)
            self.results.addItem(item)
            if clip.get("id") == select:
                chosen = item
        if data.transcript != self._index_for:
            self.index = None
            self.clip_editor.set_index(None, expected=bool(data.transcript))
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
            f"{clip.get('id')} · {clock(clip.get('start', 0))}–{clock(clip.get('end', 0))}\n"
            f"{clip.get('reason', '')}{translated}"
            + (self.tr("\nCaption style: {0}").format(clip["style"]["name"]) if clip.get("style") else "")
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
                self.clip_editor.set_index(index)

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
        self.clip_editor.show_clip(clip)
        self._show_clip_style(clip)
        self._update_buttons()

    def _update_buttons(self) -> None:
        clip = self.current_clip()
        busy = clip is not None and any(k == "rerender" and c == clip.get("id") for k, c in self.side_jobs.values())
        self.clip_editor.set_busy(busy)
        self.export_btn.setEnabled(bool(self.manifest_path) and self.results.count() > 0)
        self.translate_btn.setEnabled(bool(self.manifest_path) and self.results.count() > 0)
        self._update_style_scope()
