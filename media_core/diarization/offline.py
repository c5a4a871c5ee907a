"""The offline diarizer: pyannote segmentation-3.0 + CAM++ embeddings + agglomerative clustering.

The recipe follows pyannote's speaker-diarization pipeline, run with onnxruntime:

1. 10 s windows every ``step`` seconds go through the segmentation network, which says for each
   17 ms frame which of up to 3 *local* speakers talk (powerset classes, so overlaps of two are
   explicit).
2. Each local speaker of every other window gets a CAM++ embedding from the fbank frames where
   it talks alone (overlapped frames are used only when nothing else is left); the windows in
   between are matched to speakers by how their activity overlaps their neighbours'.
3. The embeddings are clustered (cosine, average linkage, a distance threshold or a requested
   count; ``clustering`` gives scipy's results in numpy); within a window two local speakers never
   get the same global speaker.
4. The windows' frame activities are mapped to global speakers and averaged where windows
   overlap; at each frame the most active speakers are kept, as many as the averaged
   instantaneous speaker count says.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..progress import CancelToken, ProgressFn, as_progress, as_token
from .base import Diarization, DiarizationOptions, SpeakerTurn, speaker_label
from .clustering import average_linkage, cosine_distances, cut_by_distance, cut_to_clusters, linear_sum_assignment
from .features import HOP, fbank
from .models_onnx import SEGMENTATION_SAMPLES, sessions

SAMPLE_RATE = 16_000
WINDOW = SEGMENTATION_SAMPLES / SAMPLE_RATE
#: Frame grid of the segmentation network (SincNet stride 10, three max-pools of 3).
FRAME_STEP = 0.016875
FRAME_DURATION = 0.0619375
#: Powerset class → which of the 3 local speakers are active.
POWERSET = np.array(
    [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]],
    dtype=np.float32,
)
#: fbank frames (10 ms) a local speaker needs before its embedding is trusted.
MIN_EMBEDDING_FRAMES = 60
#: Longest stretch of frames one embedding sees (1.5 s of speech): CAM++ time grows with length
#: and, measured on the test recordings, longer stretches did not lower the DER.
MAX_EMBEDDING_FRAMES = 150
#: Windows pushed through the segmentation network at once (also the cancel granularity).
SEGMENTATION_BATCH = 4
#: Clusters smaller than this many embeddings are merged into their nearest large cluster.
MIN_CLUSTER_SIZE = 2


@dataclass
class _Windows:
    starts: np.ndarray  # (C,) seconds
    activity: np.ndarray  # (C, F, 3) hard 0/1 local speaker activity
    count: np.ndarray  # (C, F) local speakers active


class OfflineDiarizer:
    """Needs only numpy, onnxruntime and kaldi-native-fbank at run time (no torch, no scipy)."""

    name = "offline"

    def __init__(self, model_dir: Path | None = None, embedder: Embedder | None = None):
        self.model_dir = model_dir
        self.embedder = embedder

    def diarize(
        self,
        audio: np.ndarray,
        options: DiarizationOptions | None = None,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> Diarization:
        opts = options or DiarizationOptions()
        report, token = as_progress(progress), as_token(cancel)
        audio = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
        duration = len(audio) / SAMPLE_RATE
        seg_session, emb_session = sessions(self.model_dir, opts.threads)
        report(0.0, "finding speech")
        windows = _segment(seg_session, audio, opts.step, report.span(0.0, 0.35), token)
        if not windows.activity.any():
            report(1.0, "no speech")
            return Diarization(turns=[], duration=duration, backend=self.name)
        report(0.35, "recognising voices")
        embedder = self.embedder or CampPlusEmbedder(emb_session)
        keys, embeddings = _embed(embedder, audio, windows, report.span(0.35, 0.95), token, opts.embed_every)
        token.raise_if_cancelled()
        report(0.95, "grouping voices")
        labels = _cluster(embeddings, opts) if len(embeddings) else np.zeros(0, dtype=int)
        assignment = _assign(windows, keys, embeddings, labels)
        if len(labels):
            assignment = _assign_by_overlap(windows, assignment, int(labels.max()) + 1)
        turns = _reconstruct(windows, assignment, int(labels.max()) + 1 if len(labels) else 0, duration, opts)
        report(1.0, "done")
        return Diarization(turns=turns, duration=duration, backend=self.name)


# -- 1. segmentation ---------------------------------------------------------------------------


def _window_starts(duration: float, step: float) -> np.ndarray:
    if duration <= WINDOW:
        return np.zeros(1)
    starts = np.arange(0.0, duration - WINDOW + 1e-6, step)
    if starts[-1] + WINDOW < duration:  # the last window ends exactly at the end of the audio
        starts = np.append(starts, duration - WINDOW)
    return starts


def _chunk(audio: np.ndarray, start: float) -> np.ndarray:
    first = round(start * SAMPLE_RATE)
    piece = audio[first : first + SEGMENTATION_SAMPLES]
    if len(piece) < SEGMENTATION_SAMPLES:
        piece = np.pad(piece, (0, SEGMENTATION_SAMPLES - len(piece)))
    return piece


def _segment(session, audio: np.ndarray, step: float, report, token: CancelToken) -> _Windows:
    starts = _window_starts(len(audio) / SAMPLE_RATE, step)
    outputs = []
    for first in range(0, len(starts), SEGMENTATION_BATCH):
        token.raise_if_cancelled()
        batch = np.stack([_chunk(audio, s) for s in starts[first : first + SEGMENTATION_BATCH]])[:, None, :]
        log_probs = session.run(None, {"waveforms": batch})[0]
        outputs.append(POWERSET[log_probs.argmax(axis=-1)])
        report((first + len(batch)) / len(starts))
    activity = np.concatenate(outputs)
    return _Windows(starts=starts, activity=activity, count=activity.sum(axis=-1))


# -- 2. embeddings -----------------------------------------------------------------------------


class Embedder(Protocol):
    """Speaker embeddings of the frames (10 ms grid) where one local speaker talks."""

    def prepare(self, audio: np.ndarray) -> None: ...

    def embed(self, first_frame: int, frames: np.ndarray) -> np.ndarray: ...


class CampPlusEmbedder:
    """CAM++ through onnxruntime on mean-normalised fbank; one fbank pass over the whole recording."""

    def __init__(self, session):
        self.session = session
        self.feats = np.zeros((0, 80), dtype=np.float32)

    def prepare(self, audio: np.ndarray) -> None:
        self.feats = fbank(audio)

    def embed(self, first_frame: int, frames: np.ndarray) -> np.ndarray:
        selected = self.feats[first_frame + frames[frames + first_frame < len(self.feats)]]
        selected = selected - selected.mean(axis=0, keepdims=True)
        return self.session.run(None, {"feats": selected[None].astype(np.float32)})[0][0]


def _embed(embedder: Embedder, audio: np.ndarray, windows: _Windows, report, token: CancelToken, every: int = 1):
    keys: list[tuple[int, int]] = []
    vectors: list[np.ndarray] = []
    n_frames = windows.activity.shape[1]
    total = len(windows.starts)
    embedder.prepare(audio)
    per_window = round((WINDOW - 0.015) / HOP)
    # fbank frame j (10 ms hop, 25 ms long) is centred at 0.01 j + 0.0125 s; each takes the
    # segmentation frame whose centre is nearest.
    centres = HOP * np.arange(per_window) + 0.0125
    seg_index = np.clip(np.round((centres - FRAME_DURATION / 2) / FRAME_STEP).astype(int), 0, n_frames - 1)
    for c, start in enumerate(windows.starts):
        token.raise_if_cancelled()
        active = windows.activity[c]
        if active.sum() == 0 or (c % every and c != total - 1):
            continue
        alone = windows.count[c][seg_index] == 1
        for k in range(3):
            speaking = active[seg_index, k] > 0
            chosen = speaking & alone
            if chosen.sum() < MIN_EMBEDDING_FRAMES:
                chosen = speaking
            if chosen.sum() < MIN_EMBEDDING_FRAMES:
                continue
            frames = np.flatnonzero(chosen)
            if len(frames) > MAX_EMBEDDING_FRAMES:  # the middle stretch
                skip = (len(frames) - MAX_EMBEDDING_FRAMES) // 2
                frames = frames[skip : skip + MAX_EMBEDDING_FRAMES]
            vector = embedder.embed(round(float(start) / HOP), frames)
            token.raise_if_cancelled()
            keys.append((c, k))
            vectors.append(vector / (np.linalg.norm(vector) + 1e-8))
        report((c + 1) / total)
    embeddings = np.stack(vectors) if vectors else np.zeros((0, 1), dtype=np.float32)
    return keys, embeddings


# -- 3. clustering -----------------------------------------------------------------------------


def _agglomerate(embeddings: np.ndarray, n_clusters: int | None, threshold: float) -> np.ndarray:
    """Average-linkage clustering on cosine distance: cut at ``threshold``, or into ``n_clusters``."""
    if len(embeddings) == 1:
        return np.zeros(1, dtype=int)
    tree = average_linkage(cosine_distances(embeddings), overwrite=True)
    labels = cut_to_clusters(tree, n_clusters) if n_clusters else cut_by_distance(tree, threshold)
    return labels.astype(int)


def _merge_small(embeddings: np.ndarray, labels: np.ndarray, keep_at_least: int) -> np.ndarray:
    """Fold clusters with too few members into the nearest large one (spurious one-offs)."""
    sizes = np.bincount(labels)
    large = [k for k in range(len(sizes)) if sizes[k] >= MIN_CLUSTER_SIZE]
    if not large or len(large) < keep_at_least:
        return labels
    centroids = np.stack([embeddings[labels == k].mean(axis=0) for k in large])
    out = labels.copy()
    for i, label in enumerate(labels):
        if sizes[label] < MIN_CLUSTER_SIZE:
            out[i] = large[int(np.argmax(centroids @ embeddings[i]))]
    return out


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Clusters numbered 0..K-1 in order of first appearance."""
    order: dict[int, int] = {}
    for label in labels:
        order.setdefault(int(label), len(order))
    return np.array([order[int(label)] for label in labels], dtype=int)


def _cluster(embeddings: np.ndarray, opts: DiarizationOptions) -> np.ndarray:
    n = len(embeddings)
    if opts.num_speakers:
        labels = _agglomerate(embeddings, min(opts.num_speakers, n), opts.threshold)
        return _relabel(labels)
    labels = _merge_small(embeddings, _agglomerate(embeddings, None, opts.threshold), opts.min_speakers or 1)
    found = len(set(labels.tolist()))
    wanted = found
    if opts.min_speakers:
        wanted = max(wanted, opts.min_speakers)
    if opts.max_speakers:
        wanted = min(wanted, opts.max_speakers)
    wanted = min(wanted, n)
    if wanted != found:
        labels = _agglomerate(embeddings, wanted, opts.threshold)
    return _relabel(labels)


def _assign(windows: _Windows, keys, embeddings: np.ndarray, labels: np.ndarray) -> dict[tuple[int, int], int]:
    """Local speaker → global speaker, one-to-one within a window (Hungarian on centroid similarity)."""
    if not len(labels):
        return {}
    k_total = int(labels.max()) + 1
    centroids = np.stack([embeddings[labels == k].mean(axis=0) for k in range(k_total)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True) + 1e-8
    by_window: dict[int, list[int]] = {}
    for index, (c, _) in enumerate(keys):
        by_window.setdefault(c, []).append(index)
    assignment: dict[tuple[int, int], int] = {}
    for indices in by_window.values():
        scores = embeddings[indices] @ centroids.T
        # Prefer the clustering's own decision; the similarity only breaks clashes.
        for row, index in enumerate(indices):
            scores[row, labels[index]] += 1.0
        rows, cols = linear_sum_assignment(-scores)
        for row, col in zip(rows, cols, strict=True):
            assignment[keys[indices[row]]] = int(col)
    return assignment


def _frame_offset(start: float) -> int:
    return round(float(start) / FRAME_STEP)


def _assign_by_overlap(
    windows: _Windows, assignment: dict[tuple[int, int], int], k_total: int
) -> dict[tuple[int, int], int]:
    """Windows without embeddings take, for each local speaker, the global speaker whose activity
    (from the embedded windows around them) it overlaps most; one-to-one within the window."""
    n_frames = windows.activity.shape[1]
    embedded = {c for c, _ in assignment}
    total_frames = _frame_offset(windows.starts[-1]) + n_frames
    known = np.zeros((total_frames, k_total), dtype=np.float32)
    for (c, k), speaker in assignment.items():
        offset = _frame_offset(windows.starts[c])
        known[offset : offset + n_frames, speaker] += windows.activity[c, :, k]
    out = dict(assignment)
    for c, start in enumerate(windows.starts):
        if c in embedded:
            continue
        offset = _frame_offset(start)
        local = [k for k in range(3) if windows.activity[c, :, k].sum() > 0]
        if not local:
            continue
        overlap = windows.activity[c][:, local].T @ known[offset : offset + n_frames]  # (local, K)
        rows, cols = linear_sum_assignment(-overlap)
        for row, col in zip(rows, cols, strict=True):
            if overlap[row, col] > 0:
                out[(c, local[row])] = int(col)
    return out


# -- 4. reconstruction -------------------------------------------------------------------------


def _reconstruct(
    windows: _Windows, assignment: dict[tuple[int, int], int], k_total: int, duration: float, opts: DiarizationOptions
) -> list[SpeakerTurn]:
    if k_total == 0:
        return []
    n_frames = windows.activity.shape[1]
    total_frames = int(np.ceil(max(duration, WINDOW) / FRAME_STEP)) + n_frames
    score = np.zeros((total_frames, k_total), dtype=np.float32)
    count = np.zeros(total_frames, dtype=np.float32)
    coverage = np.zeros(total_frames, dtype=np.float32)
    for c, start in enumerate(windows.starts):
        offset = round(float(start) / FRAME_STEP)
        span = slice(offset, offset + n_frames)
        coverage[span] += 1
        count[span] += windows.count[c]
        for k in range(3):
            speaker = assignment.get((c, k))
            if speaker is not None:
                score[span, speaker] += windows.activity[c, :, k]
    covered = coverage > 0
    score[covered] /= coverage[covered, None]
    speakers_now = np.zeros(total_frames, dtype=int)
    speakers_now[covered] = np.round(count[covered] / coverage[covered]).astype(int)
    speakers_now = np.minimum(speakers_now, k_total)
    binary = np.zeros_like(score, dtype=bool)
    order = np.argsort(-score, axis=1)
    for rank in range(min(k_total, 3)):
        rows = np.nonzero(speakers_now > rank)[0]
        binary[rows, order[rows, rank]] = True
    binary &= score > 0
    last_frame = int(np.ceil(duration / FRAME_STEP))
    binary = binary[:last_frame]
    return _turns_from_frames(binary, duration, opts.min_gap)


def _turns_from_frames(binary: np.ndarray, duration: float, min_gap: float) -> list[SpeakerTurn]:
    turns: list[SpeakerTurn] = []
    half = FRAME_DURATION / 2 - FRAME_STEP / 2  # frame i covers its centre ± step/2
    for k in range(binary.shape[1]):
        padded = np.concatenate([[False], binary[:, k], [False]])
        edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
        spans = [
            [i * FRAME_STEP + half, min(duration, j * FRAME_STEP + half)]
            for i, j in zip(edges[::2], edges[1::2], strict=True)
        ]
        merged: list[list[float]] = []
        for span in spans:
            if merged and span[0] - merged[-1][1] < min_gap:
                merged[-1][1] = span[1]
            else:
                merged.append(span)
        turns.extend(
            SpeakerTurn(start=round(s, 3), end=round(e, 3), speaker=str(k)) for s, e in merged if e - s > FRAME_STEP
        )
    turns.sort(key=lambda t: (t.start, t.end))
    # Speakers named in order of first appearance.
    names: dict[str, str] = {}
    for turn in turns:
        names.setdefault(turn.speaker, speaker_label(len(names)))
    return [t.model_copy(update={"speaker": names[t.speaker]}) for t in turns]
