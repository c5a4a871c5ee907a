"""Qt side of the job system: a bridge from media_core.jobs to signals on the UI thread."""

from .qt_runner import QtJobRunner

__all__ = ["QtJobRunner"]
