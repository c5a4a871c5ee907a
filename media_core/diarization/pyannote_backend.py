"""pyannote.audio's own diarization pipeline, for users who install it and have Hugging Face access.

Needs ``pip install pyannote.audio`` (torch + a torchaudio that loads beside it) and a Hugging
Face token that has accepted the pipeline's conditions (Settings → Speakers, or ``HF_TOKEN``).
The pipeline is fetched by pyannote itself into the Hugging Face cache on first use. When
anything is missing the user gets one sentence saying what, never a traceback.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import BackendUnavailableError
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from .base import Diarization, DiarizationOptions, SpeakerTurn, speaker_label

DEFAULT_PIPELINE = "pyannote/speaker-diarization-3.1"


def hugging_face_token() -> str:
    from ..settings import load_engine_settings

    return load_engine_settings().huggingface_token


def load_pipeline(name: str = DEFAULT_PIPELINE, token: str | None = None) -> Any:
    try:
        from pyannote.audio import Pipeline
    except Exception as exc:  # ImportError, or torchaudio's OSError/RuntimeError when it cannot load
        raise BackendUnavailableError(
            "The pyannote speaker backend is not available: pyannote.audio is not installed or cannot "
            "load (it needs torch with a matching torchaudio). Use the built-in offline speaker "
            "detection instead, or install pyannote.audio.",
            detail=repr(exc),
        ) from exc
    token = token if token is not None else hugging_face_token()
    if not token:
        raise BackendUnavailableError(
            "The pyannote speaker backend needs a Hugging Face token: add yours in Settings (Speakers).",
        )
    try:
        try:
            pipeline = Pipeline.from_pretrained(name, token=token)  # pyannote.audio >= 4
        except TypeError:
            pipeline = Pipeline.from_pretrained(name, use_auth_token=token)  # 3.x
    except Exception as exc:  # network, gated repo, wrong token: pyannote raises many types
        raise BackendUnavailableError(
            f"The pyannote pipeline {name} could not be loaded (check the token, that you accepted its "
            "conditions on Hugging Face, and the network).",
            detail=repr(exc),
        ) from exc
    if pipeline is None:  # pyannote 3.x returns None for a gated repo without access
        raise BackendUnavailableError(f"Hugging Face refused access to {name} with this token.")
    return pipeline


class PyannoteDiarizer:
    name = "pyannote"

    def __init__(self, pipeline: str = DEFAULT_PIPELINE, token: str | None = None):
        self.pipeline_name = pipeline
        self.token = token
        self._pipeline: Any = None

    def diarize(
        self,
        audio: np.ndarray,
        options: DiarizationOptions | None = None,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> Diarization:
        import torch

        opts = options or DiarizationOptions()
        report, token = as_progress(progress), as_token(cancel)
        if self._pipeline is None:
            self._pipeline = load_pipeline(self.pipeline_name, self.token)
        steps: list[str] = []

        def hook(
            step_name: str, _artefact: Any, file: Any = None, total: int | None = None, completed: int | None = None
        ):
            # pyannote calls this often inside every step: the cancel point and the progress.
            token.raise_if_cancelled()
            if step_name not in steps:
                steps.append(step_name)
            fraction = (completed / total) if total and completed is not None else 1.0
            report(min(0.99, (len(steps) - 1 + fraction) / 4), step_name.replace("_", " "))

        kwargs = {
            key: value
            for key, value in (
                ("num_speakers", opts.num_speakers),
                ("min_speakers", opts.min_speakers),
                ("max_speakers", opts.max_speakers),
            )
            if value
        }
        waveform = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)).unsqueeze(0)
        output = self._pipeline({"waveform": waveform, "sample_rate": 16_000}, hook=hook, **kwargs)
        annotation = getattr(output, "speaker_diarization", output)  # 4.x wraps the annotation
        turns = [
            SpeakerTurn(start=round(segment.start, 3), end=round(segment.end, 3), speaker=str(label))
            for segment, _track, label in annotation.itertracks(yield_label=True)
        ]
        turns.sort(key=lambda t: (t.start, t.end))
        names: dict[str, str] = {}
        for turn in turns:
            names.setdefault(turn.speaker, speaker_label(len(names)))
        turns = [t.model_copy(update={"speaker": names[t.speaker]}) for t in turns]
        report(1.0, "done")
        return Diarization(turns=turns, duration=len(audio) / 16_000, backend=self.name)
