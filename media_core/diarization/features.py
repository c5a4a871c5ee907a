"""80-dim Kaldi fbank features for CAM++, from kaldi-native-fbank (the same options as 3D-Speaker)."""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16_000
#: fbank frames are 25 ms long every 10 ms.
HOP = 0.01


def fbank(audio: np.ndarray) -> np.ndarray:
    """(frames, 80) log-mel fbank of float audio in [-1, 1] at 16 kHz (no mean normalisation)."""
    import kaldi_native_fbank as knf

    opts = knf.FbankOptions()
    opts.frame_opts.samp_freq = SAMPLE_RATE
    opts.frame_opts.dither = 0.0
    opts.frame_opts.snip_edges = True
    opts.mel_opts.num_bins = 80
    computer = knf.OnlineFbank(opts)
    computer.accept_waveform(SAMPLE_RATE, np.ascontiguousarray(audio, dtype=np.float32))
    computer.input_finished()
    frames = computer.num_frames_ready
    if frames == 0:
        return np.zeros((0, 80), dtype=np.float32)
    return np.stack([computer.get_frame(i) for i in range(frames)]).astype(np.float32, copy=False)
