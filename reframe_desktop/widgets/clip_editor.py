"""The selected Shorts clip on its transcript: a click on a word moves the clip's start or
end there (snapped to the pause next to it), a click on a sentence's time takes the whole
sentence. The Shorts tab gives it the clip and the run's transcript index and listens to
its requests (re-render, play, delete)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .common import hint

#: Seconds of transcript shown before and after the selected clip.
CONTEXT_SECONDS = 20.0


def clock(seconds: float) -> str:
    m, s = divmod(max(0.0, seconds), 60)
    return f"{int(m)}:{s:04.1f}"


class ClipEditor(QWidget):
    rerenderRequested = Signal()
    playRequested = Signal()
    deleteRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        #: The clip shown (a manifest clip dict) and the run's TranscriptIndex.
        self.clip: dict | None = None
        self.index = None
        #: The run has a transcript (so "loading" rather than "none" while the index is None).
        self.transcript_expected = False
        self.busy = False
        self._updating = False
        self._build_fields()
        self._build_layout()
        self.refresh()

    def _build_fields(self) -> None:
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
            # Milliseconds: clip edges come from word edges snapped to the audio on a 5 ms grid,
            # and a click on the transcript must not move them by rounding.
            spin.setDecimals(3)
            spin.setSingleStep(0.1)
            spin.valueChanged.connect(self._on_bounds_changed)
        self.rerender_btn = QPushButton(self.tr("Re-render clip"))
        self.rerender_btn.setObjectName("primary")
        self.rerender_btn.clicked.connect(self.rerenderRequested)
        self.play_btn = QPushButton(self.tr("Play"))
        self.play_btn.clicked.connect(self.playRequested)
        self.delete_btn = QPushButton(self.tr("Delete clip"))
        self.delete_btn.setToolTip(self.tr("Remove this clip and its files from the run"))
        self.delete_btn.clicked.connect(self.deleteRequested)

    def _build_layout(self) -> None:
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
        el = QVBoxLayout(self)
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

    def set_index(self, index, *, expected: bool = True) -> None:
        self.index, self.transcript_expected = index, expected
        self.refresh()

    def set_busy(self, busy: bool) -> None:
        """The clip is being re-rendered: no second re-render, no delete meanwhile."""
        self.busy = busy
        self._update_buttons()

    def show_clip(self, clip: dict | None) -> None:
        self.clip = clip
        self._updating = True
        if clip is not None:
            self.clip_start.setValue(float(clip.get("start", 0)))
            self.clip_end.setValue(float(clip.get("end", 0)))
            self.set_start_btn.setChecked(True)
        self._updating = False
        self.refresh()

    def _on_bounds_changed(self) -> None:
        if not self._updating:
            self.refresh()

    def moved(self) -> bool:
        """The start or end differs from the clip's as rendered."""
        clip = self.clip
        if clip is None:
            return False
        return (
            abs(self.clip_start.value() - float(clip.get("start", 0))) > 0.005
            or abs(self.clip_end.value() - float(clip.get("end", 0))) > 0.005
        )

    def refresh(self) -> None:
        clip = self.clip
        if clip is None:
            self.clip_title.setText(self.tr("Select a clip to adjust it on the transcript."))
            self.transcript_view.clear()
            self._update_buttons()
            return
        start, end = self.clip_start.value(), self.clip_end.value()
        self.clip_title.setText(
            f"{clip.get('title') or clip.get('id')} · {clock(start)}–{clock(end)} "
            f"({end - start:.1f} s)" + (self.tr(" · changed, not rendered yet") if self.moved() else "")
        )
        self._render_transcript(start, end)
        self._update_buttons()

    def _update_buttons(self) -> None:
        clip, has = self.clip, self.clip is not None
        self.rerender_btn.setEnabled(has and not self.busy and self.clip_end.value() > self.clip_start.value())
        self.play_btn.setEnabled(has and bool(clip.get("video")) and Path(clip["video"]).is_file())
        self.delete_btn.setEnabled(has and not self.busy)
        for b in (self.set_start_btn, self.set_end_btn):
            b.setEnabled(has)

    def changeEvent(self, event) -> None:
        # The transcript is HTML with the palette's colours written in: redraw it when the
        # theme changes, or light-theme text stays on the dark background.
        if event.type() == QEvent.PaletteChange and self.clip is not None:
            self._render_transcript(self.clip_start.value(), self.clip_end.value())
        super().changeEvent(event)

    def _render_transcript(self, start: float, end: float) -> None:
        index = self.index
        view = self.transcript_view
        if index is None:
            view.setPlainText(
                self.tr("Loading the transcript…")
                if self.transcript_expected
                else self.tr("This run has no transcript to show.")
            )
            return
        # This widget's own palette: it is already the new one when it hears of a theme
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
            stamp = f'<a href="s:{s.first}:{s.last}" style="color:{muted}; text-decoration:none;">{clock(s.start)}</a>'
            parts.append(f"<p style='margin:0 0 6px 0;'>{stamp}&nbsp;&nbsp;{''.join(html_words)}</p>")
        bar = view.verticalScrollBar()
        keep = bar.value()
        view.setHtml("".join(parts))
        bar.setValue(keep)

    def _on_transcript_click(self, url: QUrl) -> None:
        index = self.index
        if index is None or self.clip is None:
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
        self.refresh()
