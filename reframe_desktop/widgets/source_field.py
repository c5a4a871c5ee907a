"""An input field that takes a media file or a video link (YouTube, Vimeo, a direct .mp4 …).

The engine downloads a link inside the job (media_core.url_source: progress stage
"downloading", one clear error line when it fails), so the field only tells the two apart
and the tab checks what it can before submitting: a file must exist, a link must look
like one.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent

from media_core.url_source import is_url

from .common import FileField, local_files


def link_in(mime) -> str | None:
    """The first web link a drag carries (a browser's address bar or a link on a page)."""
    if mime is None:
        return None
    if mime.hasUrls():
        for url in mime.urls():
            if not url.isLocalFile() and is_url(url.toString()):
                return url.toString()
    text = mime.text().strip() if mime.hasText() else ""
    return text if is_url(text) else None


class SourceField(FileField):
    """A FileField that also takes a link, pasted or dropped; ``path()`` is then the link."""

    def is_link(self) -> bool:
        return is_url(self.path())

    def takes(self, path: str | Path) -> bool:
        return is_url(str(path)) or super().takes(path)

    def problem(self, missing: str) -> str | None:
        """Why this input cannot be submitted (``missing``: the message when it is empty), or None."""
        value = self.path()
        if not value:
            return missing
        if self.is_link():
            return None
        if "://" in value:
            return self.tr("Only http and https links can be downloaded: {0}").format(value)
        if not Path(value).is_file():
            return self.tr("File not found: {0}").format(value)
        return None

    def _handle_drag(self, event) -> bool:
        if event.type() not in (QEvent.DragEnter, QEvent.DragMove, QEvent.Drop):
            return False
        mime = event.mimeData()
        link = None if local_files(mime) else link_in(mime)
        if link is None:
            return super()._handle_drag(event)
        event.acceptProposedAction()
        if event.type() == QEvent.Drop:
            self.set_path(link)  # the whole field, not text inserted at the cursor
        return True


def link_error(job) -> str | None:
    """The one-line reason a job given a link failed to download it (shown under the field)."""
    if getattr(job, "status", None) != "failed" or not is_url(str((job.params or {}).get("input", ""))):
        return None
    if not str(getattr(job, "error_code", "") or "").startswith("url_"):
        return None
    return getattr(job, "error_message", None) or None


def local_media(value: str) -> str:
    """A job's input as a file the player can open: the downloaded copy of a link (if still cached)."""
    if not is_url(value):
        return value
    from media_core.url_source import cached_source

    source = cached_source(value)
    return str(source.path) if source is not None else ""
