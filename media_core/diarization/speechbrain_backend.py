"""speechbrain ECAPA-TDNN speaker embeddings in place of CAM++ (segmentation and clustering stay).

For users who have the ``speechbrain/spkrec-ecapa-voxceleb`` files (``hyperparams.yaml``,
``embedding_model.ckpt``, …) in a local folder (Settings → Speakers, or
``REFRAME_SPEECHBRAIN_MODEL``) and speechbrain installed with a working torch/torchaudio. No
registry carries those weights, so nothing is downloaded: the folder is used as it is.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BackendUnavailableError
from ..progress import CancelToken, ProgressFn
from .base import Diarization, DiarizationOptions
from .features import HOP, SAMPLE_RATE
from .offline import OfflineDiarizer

#: Files a speechbrain speaker-recognition folder must hold.
REQUIRED_FILES = ("hyperparams.yaml", "embedding_model.ckpt")


def model_folder(folder: str | os.PathLike | None = None) -> Path:
    from ..settings import load_engine_settings

    value = folder or os.environ.get("REFRAME_SPEECHBRAIN_MODEL") or load_engine_settings().speechbrain_model_dir
    if not value:
        raise BackendUnavailableError(
            "The speechbrain speaker backend needs the ECAPA model folder (spkrec-ecapa-voxceleb): "
            "choose it in Settings (Speakers)."
        )
    path = Path(value)
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise BackendUnavailableError(
            f"{path} is not a speechbrain speaker model folder (missing {', '.join(missing)})."
        )
    return path


def load_classifier(folder: Path) -> Any:
    try:
        from speechbrain.inference.speaker import EncoderClassifier
    except Exception as exc:  # ImportError, or torchaudio failing to load beside torch
        raise BackendUnavailableError(
            "The speechbrain speaker backend is not available: speechbrain is not installed or cannot "
            "load (it needs torch with a matching torchaudio). Use the built-in offline speaker detection.",
            detail=repr(exc),
        ) from exc
    try:
        return EncoderClassifier.from_hparams(source=str(folder), savedir=str(folder), run_opts={"device": "cpu"})
    except Exception as exc:  # bad yaml, wrong checkpoint: speechbrain raises many types
        raise BackendUnavailableError(
            f"The speechbrain model in {folder} could not be loaded.", detail=repr(exc)
        ) from exc


class EcapaEmbedder:
    """The waveform samples of the chosen 10 ms frames, through speechbrain's ``encode_batch``."""

    def __init__(self, classifier: Any):
        self.classifier = classifier
        self.audio = np.zeros(0, dtype=np.float32)

    def prepare(self, audio: np.ndarray) -> None:
        self.audio = np.ascontiguousarray(audio, dtype=np.float32)

    def embed(self, first_frame: int, frames: np.ndarray) -> np.ndarray:
        import torch

        hop = round(HOP * SAMPLE_RATE)
        starts = (first_frame + frames) * hop
        samples = np.concatenate([self.audio[s : s + hop] for s in starts])
        with torch.no_grad():
            vector = self.classifier.encode_batch(torch.from_numpy(samples).unsqueeze(0))
        return vector.reshape(-1).cpu().numpy()


class SpeechBrainDiarizer:
    name = "speechbrain"

    def __init__(self, folder: str | os.PathLike | None = None, model_dir: Path | None = None):
        self.folder = folder
        self.model_dir = model_dir
        self._inner: OfflineDiarizer | None = None

    def diarize(
        self,
        audio: np.ndarray,
        options: DiarizationOptions | None = None,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> Diarization:
        if self._inner is None:
            embedder = EcapaEmbedder(load_classifier(model_folder(self.folder)))
            self._inner = OfflineDiarizer(self.model_dir, embedder=embedder)
        result = self._inner.diarize(audio, options, progress=progress, cancel=cancel)
        return result.model_copy(update={"backend": self.name})
