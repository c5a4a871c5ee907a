"""First run: a quick-start card (what each tab does, a one-click try on the bundled sample,
where outputs go), shown once on first launch and again from Help; and Help → Copy debug
info (media_core.debug_info, gathered off the UI thread, put on the clipboard)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from ..settings import save_settings
from ..workers import run_in_background
from .common import open_path

#: The styled render of the sample uses this preset (media_core/resources/presets).
SAMPLE_PRESET = "TikTok default"
FINAL = ("succeeded", "failed", "cancelled")


class QuickStartCard(QDialog):
    """Non-modal: the user can keep it open beside the window while the sample runs."""

    #: The sample run ended: its state and, when it succeeded, the styled video.
    sampleFinished = Signal(str, str)

    def __init__(self, client, settings, parent=None):
        super().__init__(parent)
        self.client, self.settings = client, settings
        self.setWindowTitle(self.tr("Welcome to Reframe"))
        self.jobs: dict[str, str] = {}  # job id -> "captions" | "render"
        self.styled_video: str | None = None
        self.client.stateChanged.connect(self._on_state)
        self.client.progress.connect(self._on_progress)
        self._build()
        self.resize(600, 340)

    def _build(self) -> None:
        tabs = QLabel(
            self.tr(
                "<b>Shorts</b>: find the best moments of a long video and render vertical clips with captions.<br>"
                "<b>Captions</b>: subtitles (SRT, VTT, ASS…) from a file or a video link, translated if you like.<br>"
                "<b>Styling</b>: design burned-in captions on a live frame, then render the video.<br>"
                "<b>Utilities</b>: merge audio, translate or edit subtitles, cut and reframe.<br>"
                "<b>Jobs</b>: everything that ran or runs, with logs, retry and the files it wrote."
            )
        )
        tabs.setWordWrap(True)
        tabs.setTextFormat(Qt.RichText)
        self.where = QLabel(
            self.tr("Outputs go to {0} (change it in Settings → General).").format(self.output_folder())
        )
        self.where.setWordWrap(True)
        self.try_btn = QPushButton(self.tr("Try it on the sample video"))
        self.try_btn.setObjectName("primary")
        self.try_btn.setToolTip(self.tr("Captions for the bundled 11-second clip, then a video with styled captions"))
        self.try_btn.clicked.connect(self.try_sample)
        self.open_btn = QPushButton(self.tr("Open output folder"))
        self.open_btn.clicked.connect(
            lambda: open_path(self.sample_folder() if self.styled_video else self.output_folder())
        )
        self.status = QLabel(self.tr("Takes about half a minute on a laptop; nothing leaves this computer."))
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.hide()
        row = QHBoxLayout()
        row.addWidget(self.try_btn)
        row.addWidget(self.open_btn)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        title = QLabel(self.tr("Reframe makes captions, styled subtitles and shorts, all on this computer."))
        title.setStyleSheet("font-weight: 600;")
        title.setWordWrap(True)
        for widget in (title, tabs, self.where):
            lay.addWidget(widget)
        lay.addLayout(row)
        lay.addWidget(self.bar)
        lay.addWidget(self.status)
        lay.addStretch(1)
        lay.addWidget(buttons)

    def output_folder(self) -> Path:
        return Path(self.settings.effective_output_folder())

    def sample_folder(self) -> Path:
        return self.output_folder() / "Reframe sample"

    # -- the sample run: captions, then a render with styled captions --------------------
    def try_sample(self) -> str | None:
        from media_core.cli.demo import sample_path

        try:
            sample = sample_path()
            job_id = self.client.submit(
                "captions",
                {
                    "input": str(sample),
                    "output_dir": str(self.sample_folder()),
                    "language": "en",
                    "model": self.settings.default_model or "tiny.en",
                    "formats": ["srt", "vtt", "json"],
                },
            )
        except Exception as exc:
            self.status.setText(str(exc))
            return None
        self.jobs[job_id] = "captions"
        self.try_btn.setEnabled(False)
        self.bar.setValue(0)
        self.bar.show()
        self.status.setText(self.tr("Transcribing the sample…"))
        return job_id

    def _render(self, captions_job) -> None:
        from media_core.cli.demo import sample_path

        srt = next((a.path for a in captions_job.assets if a.kind == "srt"), None)
        params = {
            "input": str(sample_path()),
            "output": str(self.sample_folder() / "sample-styled.mp4"),
            "subtitles": {"path": srt, "style": SAMPLE_PRESET},
        }
        try:
            job_id = self.client.submit("render_styled", params)
        except Exception as exc:
            self._end("failed", str(exc))
            return
        self.jobs[job_id] = "render"
        self.status.setText(self.tr("Burning in styled captions…"))

    def _on_progress(self, job_id: str, fraction: float, stage: str) -> None:
        step = self.jobs.get(job_id)
        if step is not None:
            # Captions fill the first 60 % of the bar, the styled render the rest.
            done = 0.6 * fraction if step == "captions" else 0.6 + 0.4 * fraction
            self.bar.setValue(int(done * 1000))

    def _on_state(self, job_id: str, state: str) -> None:
        step = self.jobs.get(job_id)
        if step is None or state not in FINAL:
            return
        job = self.client.get(job_id)
        if state != "succeeded":
            self._end(state, getattr(job, "error", "") or "")
        elif step == "captions":
            self._render(job)
        else:
            self.styled_video = next((a.path for a in job.assets if a.kind == "mp4"), None) or str(
                self.sample_folder() / "sample-styled.mp4"
            )
            self._end("succeeded", "")

    def _end(self, state: str, error: str) -> None:
        self.bar.hide()
        self.try_btn.setEnabled(True)
        if state == "succeeded":
            self.status.setText(
                self.tr(
                    "Done: subtitles and a styled video are in {0}. The Jobs tab lists both jobs with their logs."
                ).format(self.sample_folder())
            )
        else:
            self.status.setText(self.tr("The sample run {0}: {1}").format(state, error))
        self.sampleFinished.emit(state, self.styled_video or "")


def show_quick_start(window) -> QuickStartCard:
    """Help → Quick start: the card, non-modal, beside the window."""
    card = getattr(window, "quick_start", None)
    if card is None:
        card = window.quick_start = QuickStartCard(window.client, window.settings, window)
    card.show()
    card.raise_()
    return card


def show_quick_start_once(window) -> QuickStartCard | None:
    """On first launch only: remembered in the app settings at once (a crash must not repeat it)."""
    if window.settings.quick_start_seen:
        return None
    window.settings.quick_start_seen = True
    save_settings(window.settings)
    return show_quick_start(window)


def copy_debug_info(window) -> None:
    """Gather media_core.debug_info off the UI thread, then put it on the clipboard."""

    def work() -> str:
        from media_core.debug_info import collect_debug_info

        return collect_debug_info().to_text()

    def done(text: str) -> None:
        QApplication.clipboard().setText(text)
        window.last_debug_info = text
        window.notify(QCoreApplication.translate("QuickStart", "Debug info copied: paste it into your bug report."))

    run_in_background(work, done, lambda exc: window.notify(str(exc)))


def add_help_actions(window, menu) -> None:
    menu.addAction(
        window._action(QCoreApplication.translate("QuickStart", "Quick start…"), lambda: show_quick_start(window))
    )
    menu.addAction(
        window._action(QCoreApplication.translate("QuickStart", "Copy debug info"), lambda: copy_debug_info(window))
    )
