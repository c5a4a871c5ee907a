"""The numpy clustering and assignment against scipy, which the app no longer ships.

scipy stays a test dependency (the ``dev`` extra) only to be the reference here: the linkage
matrix, both ways of cutting it and the assignment must be scipy's on random embeddings of many
sizes, with ties (small-integer vectors), exact copies, one and two vectors.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.optimize import linear_sum_assignment as scipy_assignment
from scipy.spatial.distance import pdist, squareform

from media_core.diarization.clustering import (
    average_linkage,
    cosine_distances,
    cut_by_distance,
    cut_to_clusters,
    linear_sum_assignment,
)

REPO = Path(__file__).resolve().parent.parent
THRESHOLDS = (0.05, 0.3, 0.6, 0.9, 1.3)


def _embeddings(kind: str, n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "speakers":  # unit float32 vectors around a few centres, like CAM++ output
        centres = rng.normal(size=(int(rng.integers(1, 6)), dim))
        x = centres[rng.integers(0, len(centres), n)] + 0.8 * rng.normal(size=(n, dim))
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    if kind == "ties":  # small integers: many exactly equal distances, some equal vectors
        x = rng.integers(-2, 3, size=(n, dim)).astype(np.float64)
        x[~x.any(axis=1)] = 1.0
        return x
    if kind == "copies":  # each vector several times
        distinct = rng.normal(size=(max(1, n // 3), dim))
        return distinct[rng.integers(0, len(distinct), n)]
    return rng.normal(size=(n, dim))


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


CASES = [
    (kind, n, dim, seed)
    for seed, (kind, n, dim) in enumerate(
        itertools.product(
            ("speakers", "ties", "copies", "gaussian"),
            (2, 3, 5, 17, 60),
            (2, 7, 192),
        )
    )
]


@pytest.mark.parametrize(("kind", "n", "dim", "seed"), CASES)
def test_flat_clusters_are_scipys(kind, n, dim, seed):
    x = _embeddings(kind, n, dim, np.random.default_rng(seed))
    reference = linkage(x.astype(np.float64), method="average", metric="cosine")
    ours = average_linkage(cosine_distances(x))
    assert ours.shape == reference.shape == (n - 1, 4)
    for threshold in THRESHOLDS:
        want = fcluster(reference, t=threshold, criterion="distance") - 1
        got = cut_by_distance(ours, threshold)
        assert _same_partition(got, want), (threshold, got, want)
        assert np.array_equal(got, want)  # even fcluster's numbering
    for count in range(1, n + 2):
        want = fcluster(reference, t=count, criterion="maxclust") - 1
        got = cut_to_clusters(ours, count)
        assert _same_partition(got, want), (count, got, want)
        assert np.array_equal(got, want)


@pytest.mark.parametrize("seed", range(12))
def test_same_merges_as_scipy_for_the_same_distances(seed):
    rng = np.random.default_rng(100 + seed)
    kind = ("speakers", "ties", "copies", "gaussian")[seed % 4]
    x = _embeddings(kind, int(rng.integers(2, 120)), int(rng.integers(2, 12)), rng)
    condensed = pdist(x.astype(np.float64), "cosine")
    # Bit for bit: same pairs, same heights, same node ids, same sizes, same order.
    assert np.array_equal(average_linkage(squareform(condensed, checks=False)), linkage(condensed, method="average"))


def test_distances_agree_with_scipy():
    x = _embeddings("speakers", 200, 192, np.random.default_rng(7))
    ours = cosine_distances(x)
    theirs = squareform(pdist(x.astype(np.float64), "cosine"))
    off_diagonal = ~np.eye(len(x), dtype=bool)
    assert np.abs(ours - theirs)[off_diagonal].max() < 1e-12
    assert np.array_equal(ours, ours.T)


def test_tied_heights_give_fewer_clusters_like_fcluster():
    # Four directions 90 degrees apart: every neighbour pair is at distance 1 (ties).
    x = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    reference = linkage(x, method="average", metric="cosine")
    tree = average_linkage(cosine_distances(x))
    for count in (1, 2, 3, 4):
        want = fcluster(reference, t=count, criterion="maxclust") - 1
        got = cut_to_clusters(tree, count)
        assert np.array_equal(got, want)
        assert len(set(got.tolist())) <= count
    # Asked for 3, both merges at height 1 happen together: 2 clusters, as fcluster answers.
    assert cut_to_clusters(tree, 3).tolist() == [0, 0, 1, 1]
    # Two exact copies each (merged at height 0): 4 asked, 3 given.
    copies = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 1.0]])
    tree = average_linkage(cosine_distances(copies))
    assert (
        cut_to_clusters(tree, 4).tolist()
        == (fcluster(linkage(copies, "average", "cosine"), 4, "maxclust") - 1).tolist()
    )
    assert len(set(cut_to_clusters(tree, 4).tolist())) == 3


def test_one_vector_is_one_cluster():
    tree = average_linkage(cosine_distances(np.ones((1, 192))))
    assert tree.shape == (0, 4)
    assert cut_by_distance(tree, 0.6).tolist() == [0]
    assert cut_to_clusters(tree, 3).tolist() == [0]


def test_distances_keep_the_callers_matrix_unless_told():
    distances = cosine_distances(np.random.default_rng(3).normal(size=(30, 8)))
    before = distances.copy()
    tree = average_linkage(distances)
    assert np.array_equal(distances, before)
    assert np.array_equal(average_linkage(distances, overwrite=True), tree)


@pytest.mark.parametrize("bad", [np.zeros(4), np.array([np.nan, 1.0, 0.0, 0.0]), np.array([np.inf, 0, 0, 1.0])])
def test_vectors_without_a_direction_are_refused(bad):
    x = np.random.default_rng(0).normal(size=(5, 4))
    x[2] = bad
    with pytest.raises(ValueError):
        cosine_distances(x)
    with pytest.raises(ValueError):
        average_linkage(np.full((3, 3), np.nan))
    with pytest.raises(ValueError):
        cut_to_clusters(average_linkage(cosine_distances(np.eye(3))), 0)


# -- assignment ------------------------------------------------------------------------------------


def _check_assignment(cost: np.ndarray) -> None:
    want_rows, want_cols = scipy_assignment(cost)
    rows, cols = linear_sum_assignment(cost)
    assert len(rows) == len(cols) == min(cost.shape)
    assert len(set(rows.tolist())) == len(rows) and len(set(cols.tolist())) == len(cols)
    assert np.all(np.diff(rows) > 0)
    assert cost[rows, cols].sum() == pytest.approx(cost[want_rows, want_cols].sum(), abs=1e-9)
    # The same choice among equally cheap assignments, so the diarizer's output does not move.
    assert np.array_equal(rows, want_rows) and np.array_equal(cols, want_cols)


@pytest.mark.parametrize("seed", range(40))
def test_assignment_cost_is_scipys(seed):
    rng = np.random.default_rng(seed)
    for _ in range(25):
        shape = tuple(int(s) for s in rng.integers(1, 9, size=2))
        _check_assignment(rng.normal(size=shape))
        _check_assignment(rng.integers(0, 3, size=shape).astype(np.float64))  # ties


def test_assignment_shapes_of_the_diarizer():
    # Up to 3 local speakers of one window against the K global speakers, maximising similarity.
    rng = np.random.default_rng(11)
    for k in (1, 2, 3, 5, 20):
        for local in (1, 2, 3):
            scores = rng.random((local, k)) + (rng.random((local, k)) > 0.7)
            _check_assignment(-scores)
            overlap = rng.integers(0, 4, size=(local, k)).astype(np.float32) * 100.0
            _check_assignment(-overlap)


def test_assignment_edge_cases():
    for cost in (np.zeros((0, 3)), np.zeros((3, 0))):
        rows, cols = linear_sum_assignment(cost)
        assert rows.size == cols.size == 0
    _check_assignment(np.array([[5.0]]))
    _check_assignment(np.full((4, 4), 2.0))  # constant: scipy answers the identity
    _check_assignment(np.array([[np.inf, 1.0], [2.0, np.inf]]))
    with pytest.raises(ValueError):
        linear_sum_assignment(np.array([[np.inf, 1.0], [np.inf, 2.0]]))
    with pytest.raises(ValueError):
        linear_sum_assignment(np.array([[np.nan, 1.0]]))


def test_the_diarizer_clusters_and_assigns_without_scipy():
    """What the app runs, in a process where ``import scipy`` fails, as in the installed app."""
    script = """
import sys
sys.modules["scipy"] = None  # any import of scipy or a submodule now raises ImportError
import numpy as np
from media_core.diarization.base import DiarizationOptions
from media_core.diarization.offline import _assign, _assign_by_overlap, _cluster, _Windows

rng = np.random.default_rng(0)
centres = rng.normal(size=(3, 192))
keys = [(c, k) for c in range(0, 40, 2) for k in range(2)]
embeddings = centres[[(c // 2 + k) % 3 for c, k in keys]] + 0.3 * rng.normal(size=(len(keys), 192))
embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
activity = np.zeros((40, 589, 3), dtype=np.float32)
activity[:, :300, 0] = 1
activity[:, 250:, 1] = 1
windows = _Windows(starts=np.arange(40) * 2.5, activity=activity, count=activity.sum(axis=-1))
for options in (DiarizationOptions(), DiarizationOptions(num_speakers=2), DiarizationOptions(max_speakers=1)):
    labels = _cluster(embeddings, options)
    assignment = _assign_by_overlap(windows, _assign(windows, keys, embeddings, labels), int(labels.max()) + 1)
    print(len(set(labels.tolist())), len(assignment))
assert "scipy" not in [name.split(".")[0] for name in sys.modules if sys.modules[name] is not None]
"""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    counts = [line.split() for line in proc.stdout.split("\n") if line]
    assert [int(found) for found, _ in counts] == [3, 2, 1]
    # Both local speakers of all 40 windows get a global speaker; one-to-one, so only one of them
    # when there is only one speaker.
    assert [int(assigned) for _, assigned in counts] == [80, 80, 40]
