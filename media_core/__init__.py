"""Reframe's engine: transcription, subtitles, rendering, translation, shorts and jobs.

Qt-free by design: the desktop app, the CLI and the HTTP API all call this same code.
"""

__version__ = "0.1.0"
