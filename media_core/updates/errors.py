"""The updater's errors: every refusal is one clear sentence, and none of them installs anything."""

from __future__ import annotations

from ..errors import ReframeError


class UpdateError(ReframeError):
    """The update could not be checked, fetched or installed; the installed version is untouched."""

    code = "update_failed"
    transient = True


class UpdateRejectedError(UpdateError):
    """The update was refused for safety: bad signature, tampered data, a downgrade, a bad name.

    Not transient: asking the same source again gives the same refusal.
    """

    code = "update_rejected"
    transient = False
