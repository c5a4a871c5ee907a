"""Decode any media file's audio to the float32 16 kHz mono array Whisper wants.

Streams through PyAV's resampler straight into a growing buffer, so there is no
temporary WAV and memory stays at the size of the result (about 230 MB for 1 h).
"""

from __future__ import annotations

import os
from fractions import Fraction

import av
import numpy as np

from .errors import CorruptMediaError, NoAudioStreamError, UnsupportedCodecError
from .probe import open_container, stream_duration
from .progress import CancelToken, ProgressFn, as_progress, as_token

SAMPLE_RATE = 16_000


def decode_audio(
    path: str | os.PathLike,
    *,
    sample_rate: int = SAMPLE_RATE,
    start: float | None = None,
    end: float | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    token = as_token(cancel)
    report = as_progress(progress)
    with open_container(path) as container:
        if not container.streams.audio:
            raise NoAudioStreamError(f"{os.path.basename(path)} has no audio track, so there is nothing to transcribe.")
        stream = container.streams.audio[0]
        if stream.codec_context is None:  # FFmpeg knows the container but has no decoder for this audio
            raise UnsupportedCodecError(
                f"The audio of {os.path.basename(path)} uses a format Reframe cannot decode. Convert it "
                "(for example to AAC, MP3 or WAV) and try again.",
                detail=f"stream #{stream.index}: no decoder in this FFmpeg build",
            )
        stream.thread_type = "AUTO"  # type: ignore[attr-defined]  # set on the codec context; stubs lack it
        # The audio's own declared length where the container keeps one. The container's
        # duration is the longest stream's, and audio often stops before the picture
        # (screen recordings, phone exports): it is only a yardstick after a decode error.
        declared = stream_duration(stream)
        container_total = float(container.duration / av.time_base) if container.duration and av.time_base else None
        total = declared or container_total
        if start:
            time_base = stream.time_base or Fraction(1, av.time_base)
            container.seek(int(start / time_base), stream=stream, backward=True)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        expected = (end if end is not None else (total or 60.0)) - (start or 0.0)
        chunks = _Buffer(int(max(expected, 1.0) * sample_rate * 1.02) + sample_rate)
        first_pts: float | None = None
        decoded_frames = 0
        decode_error: av.error.FFmpegError | None = None
        try:
            for frame in container.decode(stream):
                decoded_frames += 1
                if frame.pts is not None and frame.time_base is not None:
                    t = float(frame.pts * frame.time_base)
                    if first_pts is None:
                        first_pts = t
                    if end is not None and t >= end:
                        break
                    if total and decoded_frames % 50 == 0:
                        report(min(1.0, t / total), "decoding audio")
                        token.raise_if_cancelled()
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            if not chunks:
                raise CorruptMediaError(
                    f"The audio of {os.path.basename(path)} could not be decoded: {exc}",
                    detail=str(exc),
                ) from exc
            # A damaged tail: what came before is kept, and _check_complete judges whether enough did.
            decode_error = exc
        token.raise_if_cancelled()
        audio = chunks.array()
        yardstick = declared or (container_total if decode_error is not None else None)
        if end is None and yardstick:
            _check_complete(path, (first_pts or 0.0) + len(audio) / sample_rate, yardstick, start or 0.0)
        if start and first_pts is not None and first_pts < start:
            audio = audio[int((start - first_pts) * sample_rate) :]
        if end is not None and start is not None:
            audio = audio[: int((end - start) * sample_rate)]
        elif end is not None:
            audio = audio[: int(end * sample_rate)]
        report(1.0, "decoding audio")
        return audio


class _Buffer:
    """Samples appended into one preallocated array (sized from the declared duration), so a long
    file never holds a list of pieces and their concatenation at the same time."""

    def __init__(self, capacity: int):
        self.data = np.empty(max(capacity, 1), np.float32)
        self.size = 0

    def append(self, samples: np.ndarray) -> None:
        end = self.size + len(samples)
        if end > len(self.data):
            grown = np.empty(max(end, int(len(self.data) * 1.5)), np.float32)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : end] = samples
        self.size = end

    def __bool__(self) -> bool:
        return self.size > 0

    def array(self) -> np.ndarray:
        if self.size < len(self.data) * 0.9:  # give back what the estimate over-reserved
            return self.data[: self.size].copy()
        return self.data[: self.size]


def _check_complete(path: str | os.PathLike, reached: float, declared: float, start: float) -> None:
    """Refuse audio that stops well before its stream says it ends (an incomplete download or
    copy): captions for a third of a video must not look like captions for all of it."""
    missing = declared - reached
    if missing > max(1.0, 0.02 * (declared - start)):
        raise CorruptMediaError(
            f"{os.path.basename(path)} looks truncated: its audio should last {declared:.1f} s but only "
            f"{reached:.1f} s could be read. Was the download or copy interrupted?",
            detail=f"decoded up to {reached:.3f} s of {declared:.3f} s",
        )
