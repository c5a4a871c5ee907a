"""The preview of a transcript cut: the transcript (made once, saved so the render uses the
same words) and the list of cuts, without rendering anything."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

from ..audio import decode_audio
from ..errors import NoAudioStreamError
from ..models import Transcript
from ..paths import write_text_atomic
from ..probe import check_input_file, probe
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from ..transcription import TranscriptionConfig
from .plan import CutOptions, CutPlan, plan_cuts
from .render import _transcript


class CutPreview(BaseModel):
    transcript: Transcript
    #: Where the transcript was saved (pass it as the job's ``transcript``).
    transcript_path: Path | None = None
    plan: CutPlan


def preview_cuts(
    video: str | os.PathLike,
    options: CutOptions | None = None,
    *,
    transcript_path: str | os.PathLike | None = None,
    save_transcript: str | os.PathLike | None = None,
    transcription: TranscriptionConfig | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> CutPreview:
    """The cuts :func:`~media_core.transcript_edit.cut_by_transcript` would make, as a list.

    ``save_transcript`` writes the transcript made here (JSON), so the render that follows
    cuts by exactly these words (``remove_words`` index them)."""
    source = check_input_file(video)
    report, token = as_progress(progress), as_token(cancel)
    info = probe(source)
    if not info.has_audio:
        raise NoAudioStreamError(f"{source.name} has no audio track, so there is no speech to cut by.")
    transcript = _transcript(
        source, None, transcript_path, transcription, report.span(0.0, 0.85), token, lambda m: None
    )
    saved = Path(transcript_path) if transcript_path else None
    if save_transcript is not None and transcript_path is None:
        saved = Path(save_transcript)
        write_text_atomic(saved, transcript.model_dump_json())
    report(0.9, "finding cuts")
    audio = decode_audio(source, cancel=token)
    fps = info.video.fps if info.has_video and info.video else None
    plan = plan_cuts(
        transcript.words, info.duration, options or CutOptions(), language=transcript.language, audio=audio, fps=fps
    )
    report(1.0, "done")
    return CutPreview(transcript=transcript, transcript_path=saved, plan=plan)
