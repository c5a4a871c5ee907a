"""Many files at once on the Captions, Styling or Shorts tab: one job per file with the tab's
settings, queued as one batch (media_core.jobs.manager.JobManager.submit_batch).

Files arrive by a drop of several files (or a folder) on the window or on a file field, or
through File → "Batch: choose files…". The Jobs tab shows the batch as one row.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from .common import MEDIA_FILTER, kind_of, output_path

#: Tabs that take a batch, and the job type each submits.
BATCH_TABS = {"captions": "captions", "styling": "burn", "shorts": "shorts"}
SUBTITLE_SUFFIXES = (".srt", ".ass", ".vtt", ".ssa")


def media_files(paths: list[str]) -> list[str]:
    """Audio/video files among ``paths``, a folder contributing its own media files."""
    from media_core.batch import expand_inputs

    found: list[str] = []
    for path in paths:
        if Path(path).is_dir():
            try:
                found += [str(p) for p in expand_inputs([path])]
            except Exception:  # an empty folder adds nothing
                continue
        elif kind_of(path) in ("video", "audio"):
            found.append(path)
    return list(dict.fromkeys(found))


def subtitles_for(video: str, dropped: list[str]) -> str | None:
    """The subtitles of ``video``: a dropped subtitle file with the same name, else one beside it."""
    stem = Path(video).stem
    for path in dropped:
        if Path(path).suffix.lower() in SUBTITLE_SUFFIXES and Path(path).stem == stem:
            return path
    for suffix in SUBTITLE_SUFFIXES:
        beside = Path(video).with_suffix(suffix)
        if beside.is_file():
            return str(beside)
    return None


class BatchDrops(QObject):
    """Turns several files into a batch for the current tab (``window.batch_drops``)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.last_batch: str | None = None
        action = QAction(self.tr("Batch: choose files…"), window)
        action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        action.triggered.connect(self.choose_files)
        window.addAction(action)
        menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
        if menus:  # the File menu, after "Open…"
            first = menus[0].actions()
            menus[0].insertAction(first[1] if len(first) > 1 else None, action)
        self.action = action

    def target_tab(self):
        current = self.window.tabs.currentWidget()
        if getattr(current, "name", "") in BATCH_TABS:
            return current
        return self.window.tabs_by_name["captions"]

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self.window, self.tr("Choose the files of the batch"), str(Path.home()), MEDIA_FILTER
        )
        if paths:
            self.submit(paths, minimum=1)

    def submit(self, paths: list[str], *, minimum: int = 2) -> bool:
        """Queue a batch when ``paths`` hold at least ``minimum`` media files (or a folder);
        ``False`` leaves a single file to the usual drop routing."""
        files = media_files(paths)
        if len(files) < minimum and not any(Path(p).is_dir() for p in paths):
            return False
        tab = self.target_tab()
        status = self.window.statusBar()
        if not files:
            status.showMessage(self.tr("No audio or video files in what was dropped."), 8000)
            return True
        try:
            requests = self.requests_for(tab, files, paths)
            title = self.tr("{0} · {1} files").format(
                self.window.tabs.tabText(self.window.tabs.indexOf(tab)), len(files)
            )
            self.last_batch = self.window.client.submit_batch(requests, title=title)
        except Exception as exc:  # a bad setting or a file without subtitles: say it, queue nothing
            status.showMessage(str(exc), 10000)
            return True
        status.showMessage(self.tr("Batch of {0} files queued: see the Jobs tab.").format(len(files)), 8000)
        return True

    def requests_for(self, tab, files: list[str], dropped: list[str]) -> list[tuple[str, dict]]:
        job_type = BATCH_TABS[tab.name]
        if job_type != "burn":
            base = tab.job_params()
            return [(job_type, {**base, "input": path}) for path in files]
        missing = [Path(f).name for f in files if subtitles_for(f, dropped) is None]
        if missing:
            from media_core.errors import InvalidParameterError

            raise InvalidParameterError(
                self.tr(
                    "No subtitles for: {0}. Drop each video with its .srt (same name), or caption them first."
                ).format(", ".join(missing))
            )
        base = tab._render_params()
        return [
            (
                "burn",
                {
                    **base,
                    "input": f,
                    "subs": subtitles_for(f, dropped),
                    "out": output_path(tab.output_dir(), f, "captioned", "mp4"),
                },
            )
            for f in files
        ]
