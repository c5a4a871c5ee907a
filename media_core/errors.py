"""One error hierarchy for the whole engine.

Every error carries a stable machine ``code`` (stored by the job system, returned
by the HTTP API) and a message written for the person using the app, so no layer
above the engine ever has to show a traceback.
"""

from __future__ import annotations


class ReframeError(Exception):
    """Base class: ``str(err)`` is safe to show to a user as it is."""

    code = "error"
    #: Transient errors may succeed when simply retried (locked file, busy device).
    transient = False

    def __init__(self, message: str, *, detail: str | None = None):
        super().__init__(message)
        self.message = message
        #: Technical detail for logs (command lines, stderr tails); never shown as the headline.
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class InputNotFoundError(ReframeError):
    code = "input_not_found"


class NotMediaError(ReframeError):
    code = "not_media"


class CorruptMediaError(ReframeError):
    code = "corrupt_media"


class NoAudioStreamError(ReframeError):
    code = "no_audio"


class NoVideoStreamError(ReframeError):
    code = "no_video"


class UnsupportedCodecError(ReframeError):
    code = "unsupported_codec"


class CancelledError(ReframeError):
    code = "cancelled"

    def __init__(self, message: str = "Cancelled.", **kw):
        super().__init__(message, **kw)


class ModelMissingError(ReframeError):
    code = "model_missing"


class ModelDownloadError(ReframeError):
    code = "model_download"
    transient = True


class DiskFullError(ReframeError):
    code = "disk_full"


class FFmpegNotFoundError(ReframeError):
    code = "ffmpeg_missing"


class FFmpegError(ReframeError):
    code = "ffmpeg_failed"


class SubtitleFormatError(ReframeError):
    code = "subtitle_format"


class FileBusyError(ReframeError):
    """Another program holds a file (an editor, an antivirus scan, a sync client): retrying helps."""

    code = "file_busy"
    transient = True


class JobInterruptedError(ReframeError):
    """The job stopped for a reason outside it (its server went away); it can be resumed."""

    code = "interrupted"


class InvalidParameterError(ReframeError):
    """A setting the user can fix. ``field_errors`` maps a field name (``"input"``,
    ``"grouping.max_lines"``) to a readable message, so a form can show each next to its field."""

    code = "invalid_parameter"

    def __init__(self, message: str, *, detail: str | None = None, field_errors: dict[str, str] | None = None):
        super().__init__(message, detail=detail)
        self.field_errors: dict[str, str] = dict(field_errors or {})


class TranslationError(ReframeError):
    code = "translation_failed"


class BackendUnavailableError(ReframeError):
    code = "backend_unavailable"


#: Windows ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION: the file is open elsewhere.
_WINDOWS_BUSY = (32, 33)


def error_from_oserror(exc: OSError, path: object) -> ReframeError | None:
    """The user-facing error for an OS error while writing ``path``: :class:`DiskFullError`
    for ENOSPC/EDQUOT, :class:`FileBusyError` (transient) for a file another program holds;
    ``None`` for anything else."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(
            f"The disk is full: could not write {path}. Free some space and retry.",
            detail=str(exc),
        )
    if exc.errno == errno.EFBIG:  # FAT32's 4 GiB, a quota or a file size limit
        return DiskFullError(
            f"{path} grew larger than this disk (or a limit) allows. Write it to another disk.",
            detail=str(exc),
        )
    if exc.errno in (errno.EBUSY, errno.EAGAIN, errno.ETXTBSY) or getattr(exc, "winerror", None) in _WINDOWS_BUSY:
        return FileBusyError(
            f"{path} is in use by another program. Close it there; Reframe retries on its own.",
            detail=str(exc),
        )
    return None
