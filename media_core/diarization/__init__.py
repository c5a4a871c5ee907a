"""Speaker diarization: who speaks when.

``diarize_file(path)`` decodes any media file and returns speaker turns. Backends:

* ``offline`` (default): pyannote segmentation-3.0 + CAM++ through onnxruntime, no torch,
  no account, no download at run time (:mod:`.offline`).
* ``pyannote``: the full pyannote.audio pipeline, for users who install it and have a Hugging
  Face token (:mod:`.pyannote_backend`).
* ``speechbrain``: speechbrain ECAPA embeddings in place of CAM++, for users who have those
  weights (:mod:`.speechbrain_backend`).
"""

from __future__ import annotations

import os

from ..errors import InvalidParameterError
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from .assign import assign_words, label_transcript, rename_speakers, speaker_for
from .base import Diarization, DiarizationOptions, Diarizer, SpeakerTurn

BACKENDS = ("offline", "pyannote", "speechbrain")

__all__ = [
    "BACKENDS",
    "Diarization",
    "DiarizationOptions",
    "Diarizer",
    "SpeakerTurn",
    "assign_words",
    "diarize_file",
    "get_diarizer",
    "label_transcript",
    "rename_speakers",
    "speaker_for",
]


def get_diarizer(backend: str = "offline", **kwargs) -> Diarizer:
    if backend == "offline":
        from .offline import OfflineDiarizer

        return OfflineDiarizer(**kwargs)
    if backend == "pyannote":
        from .pyannote_backend import PyannoteDiarizer

        return PyannoteDiarizer(**kwargs)
    if backend == "speechbrain":
        from .speechbrain_backend import SpeechBrainDiarizer

        return SpeechBrainDiarizer(**kwargs)
    raise InvalidParameterError(f'Unknown diarization backend "{backend}": choose from {", ".join(BACKENDS)}.')


def diarize_file(
    path: str | os.PathLike,
    options: DiarizationOptions | None = None,
    *,
    backend: str = "offline",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> Diarization:
    """Speaker turns of the first audio track of ``path`` (any format FFmpeg reads, any rate/channels)."""
    from ..audio import decode_audio

    report, token = as_progress(progress), as_token(cancel)
    diarizer = get_diarizer(backend)
    audio = decode_audio(path, progress=report.span(0.0, 0.1, "decoding audio"), cancel=token)
    return diarizer.diarize(audio, options, progress=report.span(0.1, 1.0), cancel=token)
