"""Average-linkage clustering on cosine distances and the optimal assignment, in plain numpy.

These were the diarizer's only uses of scipy (``linkage(method="average", metric="cosine")``,
``fcluster`` with the ``distance`` and ``maxclust`` criteria, ``linear_sum_assignment``), and
scipy added about 75 MB to the installed app. The results are scipy's, not just close to them:

* the merges come from the nearest-neighbour chain with scipy's tie rules (the chain keeps its
  previous element on a tie, otherwise the lowest index wins), the same Lance-Williams update
  ``(nx * d_xi + ny * d_yi) / (nx + ny)``, then the stable sort by height and the renumbering
  of the nodes in that order, so the linkage matrix is identical for identical distances;
* the cosine distance is computed with scipy's formula (dot / (|u| |v|), clipped to [-1, 1],
  one minus that); only the order in which the dot product is summed differs (BLAS), which
  moves a distance by at most a few units in the last place;
* the flat clusters are numbered as ``fcluster`` numbers them, and ``maxclust`` picks the lowest
  merge height that leaves at most the requested count (so, on tied heights, fewer clusters than
  requested, as scipy gives);
* the assignment is the shortest-augmenting-path method (Jonker-Volgenant without
  initialisation, as described by Crouse 2016), which prefers a free column among equally cheap
  ones; optimal, and on ties it picks what scipy picks.

Memory is one n x n float64 matrix (scipy holds two condensed copies: the same); time is O(n²)
vectorised work plus O(n) small numpy calls.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Rows of the distance matrix normalised at a time (bounds the temporary to this many rows).
_ROW_BLOCK = 512


def cosine_distances(vectors: npt.ArrayLike) -> FloatArray:
    """Square, symmetric matrix of cosine distances between the rows of ``vectors`` (the diagonal
    is whatever rounding gives, near 0). Raises ValueError for zero or non-finite vectors."""
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got {x.ndim}-D")
    # Equal vectors must get bit-equal distances to everything (their ties are real ties), so
    # the products are taken once per distinct vector and spread to its copies.
    distinct, copies = np.unique(x, axis=0, return_inverse=True)
    has_copies = len(distinct) < len(x)
    if not has_copies:
        distinct = x  # keeps the caller's order, no expansion needed
    # Squared norms summed in the order scipy's compiled loop sums them (two interleaved partial
    # sums, then the odd element out), so a copy's distance to its original, which decides the
    # order in which copies merge, is scipy's to the last bit.
    squares = _interleaved_squares(distinct)
    norms = np.sqrt(squares)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0):
        raise ValueError("every vector must be finite and non-zero to have a cosine distance")
    cosines = distinct @ distinct.T
    np.fill_diagonal(cosines, squares)
    for first in range(0, len(distinct), _ROW_BLOCK):
        block = cosines[first : first + _ROW_BLOCK]
        block /= np.multiply.outer(norms[first : first + _ROW_BLOCK], norms)
    np.clip(cosines, -1.0, 1.0, out=cosines)
    distances = np.subtract(1.0, cosines, out=cosines)
    # BLAS may round the two triangles differently; the clustering needs d(i, j) == d(j, i).
    for row in range(1, len(distances)):
        distances[row, :row] = distances[:row, row]
    if not has_copies:
        return distances
    index = copies.reshape(-1)
    return distances[np.ix_(index, index)]


def _interleaved_squares(x: FloatArray) -> FloatArray:
    even, odd = np.zeros(len(x)), np.zeros(len(x))
    paired = x.shape[1] - x.shape[1] % 2
    for k in range(0, paired, 2):
        even += x[:, k] * x[:, k]
        odd += x[:, k + 1] * x[:, k + 1]
    total = even + odd
    if paired < x.shape[1]:
        total += x[:, -1] * x[:, -1]
    return total


def average_linkage(distances: npt.ArrayLike, *, overwrite: bool = False) -> FloatArray:
    """Linkage matrix (scipy's layout: left id, right id, height, size) of average-linkage
    agglomerative clustering of a square, symmetric distance matrix. ``overwrite=True`` lets the
    merges use a float64 ``distances`` as their scratch space instead of a copy (saves n² floats)."""
    d = np.asarray(distances, dtype=np.float64) if overwrite else np.array(distances, dtype=np.float64)
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise ValueError("expected a square distance matrix")
    n = len(d)
    if n < 2:
        return np.zeros((0, 4))
    if not np.all(np.isfinite(d)):
        raise ValueError("the distance matrix must contain only finite values")
    # Retired clusters and the diagonal are +inf, so argmin over a row only sees live neighbours.
    np.fill_diagonal(d, np.inf)
    size = np.ones(n, dtype=np.int64)
    merges = np.empty((n - 1, 4))
    chain: list[int] = []
    for k in range(n - 1):
        if not chain:
            chain.append(int(np.argmax(size > 0)))
        while True:
            x = chain[-1]
            row = d[x]
            y = int(np.argmin(row))
            if len(chain) > 1 and not row[y] < row[chain[-2]]:
                y = chain[-2]  # a tie keeps the chain's previous element: no cycles
                break
            chain.append(y)
        height = row[y]
        del chain[-2:]
        x, y = min(x, y), max(x, y)
        nx, ny = int(size[x]), int(size[y])
        merges[k] = (x, y, height, nx + ny)
        # The merged cluster lives on in slot y; slot x is retired.
        updated = (nx * d[x] + ny * d[y]) / (nx + ny)
        updated[y] = np.inf
        d[y, :] = updated
        d[:, y] = updated
        d[x, :] = np.inf
        d[:, x] = np.inf
        size[x] = 0
        size[y] = nx + ny
    merges = merges[np.argsort(merges[:, 2], kind="stable")]
    _number_nodes(merges, n)
    return merges


def _number_nodes(merges: FloatArray, n: int) -> None:
    """Rewrite slot numbers into node ids (a leaf is its index, merge k is node n + k), in place."""
    parent = np.arange(2 * n - 1)
    sizes = np.ones(2 * n - 1, dtype=np.int64)

    def root(node: int) -> int:
        top = node
        while parent[top] != top:
            top = int(parent[top])
        while parent[node] != top:  # path compression
            parent[node], node = top, int(parent[node])
        return top

    for k in range(n - 1):
        a, b = root(int(merges[k, 0])), root(int(merges[k, 1]))
        merges[k, 0], merges[k, 1] = min(a, b), max(a, b)
        parent[a] = parent[b] = n + k
        sizes[n + k] = sizes[a] + sizes[b]
        merges[k, 3] = sizes[n + k]


def _subtree_heights(merges: FloatArray, n: int) -> FloatArray:
    """Highest merge inside each node's subtree (children always come before their parent)."""
    highest = merges[:, 2].copy()
    for k in range(n - 1):
        for child in (int(merges[k, 0]), int(merges[k, 1])):
            if child >= n and highest[child - n] > highest[k]:
                highest[k] = highest[child - n]
    return highest


def _flat_clusters(merges: FloatArray, n: int, heights: FloatArray, cutoff: float) -> IntArray:
    """0-based flat clusters: every maximal subtree whose heights are all <= cutoff is one cluster,
    every other leaf is alone. Numbered in fcluster's order: depth first, left child first; a
    cluster gets its number when its top node is reached, a lone leaf when its parent is left."""
    labels = np.full(n, -1, dtype=np.int64)
    if n == 1:
        labels[0] = 0
        return labels
    count = 0
    # Frames: (node, label of the cluster it lies in or -1, children done?).
    stack: list[tuple[int, int, bool]] = [(2 * n - 2, -1, False)]
    while stack:
        node, label, done = stack.pop()
        left, right = int(merges[node - n, 0]), int(merges[node - n, 1])
        if done:
            for leaf in (left, right):
                if leaf < n:
                    if label < 0:
                        labels[leaf] = count
                        count += 1
                    else:
                        labels[leaf] = label
            continue
        if label < 0 and heights[node - n] <= cutoff:
            label, count = count, count + 1
        stack.append((node, label, True))
        stack.extend((child, label, False) for child in (right, left) if child >= n)
    return labels


def cut_by_distance(merges: FloatArray, threshold: float) -> IntArray:
    """Flat clusters (0-based) merged at heights <= ``threshold``: ``fcluster(criterion="distance")``."""
    n = len(merges) + 1
    return _flat_clusters(merges, n, _subtree_heights(merges, n), float(threshold))


def cut_to_clusters(merges: FloatArray, max_clusters: int) -> IntArray:
    """At most ``max_clusters`` flat clusters (0-based): ``fcluster(criterion="maxclust")``.

    The cut is at the lowest merge height that leaves no more than ``max_clusters``; merges tied
    at that height all happen, so ties can give fewer clusters than asked for."""
    if max_clusters < 1:
        raise ValueError("max_clusters must be at least 1")
    n = len(merges) + 1
    if max_clusters >= n:
        return np.arange(n, dtype=np.int64)
    heights = _subtree_heights(merges, n)
    # With heights ordered along the merges, cutting at heights[i] leaves n - #(heights <= h)
    # clusters; bisect for the first merge whose height leaves few enough.
    ordered = np.sort(heights)
    clusters_left = n - np.searchsorted(ordered, heights, side="right")
    low, high = -1, n - 1
    while high - low > 1:
        middle = (low + high) // 2
        if clusters_left[middle] > max_clusters:
            low = middle
        else:
            high = middle
    return _flat_clusters(merges, n, heights, float(heights[high]))


def linear_sum_assignment(cost: npt.ArrayLike) -> tuple[IntArray, IntArray]:
    """Rows and columns of a minimum-cost one-to-one assignment of a (possibly rectangular) cost
    matrix: every row is assigned when rows <= columns, every column otherwise. Rows come back in
    increasing order, like scipy's."""
    c = np.asarray(cost, dtype=np.float64)
    if c.ndim != 2:
        raise ValueError(f"expected a 2-D cost matrix, got {c.ndim}-D")
    if c.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if np.any(np.isnan(c)) or np.any(c == -np.inf):
        raise ValueError("the cost matrix contains invalid numeric entries")
    transposed = c.shape[1] < c.shape[0]
    if transposed:
        c = c.T
    finite = c[np.isfinite(c)]
    # Non-negative costs keep the potentials small; +inf (a forbidden pair) stays +inf.
    col_for_row = _shortest_augmenting_paths(c - finite.min() if finite.size else c)
    rows = np.arange(len(col_for_row), dtype=np.int64)
    if not transposed:
        return rows, col_for_row
    order = np.argsort(col_for_row)
    return col_for_row[order], rows[order]


def _shortest_augmenting_paths(cost: FloatArray) -> IntArray:
    """Column of each row (rows <= columns), one augmenting path per row with dual potentials."""
    n_rows, n_cols = cost.shape
    u = np.zeros(n_rows)
    v = np.zeros(n_cols)
    col_for_row = np.full(n_rows, -1, dtype=np.int64)
    row_for_col = np.full(n_cols, -1, dtype=np.int64)
    for start in range(n_rows):
        path = np.full(n_cols, -1, dtype=np.int64)
        reach = np.full(n_cols, np.inf)  # shortest reduced path cost to each column
        rows_seen = np.zeros(n_rows, dtype=bool)
        settled = np.zeros(n_cols, dtype=bool)
        # Columns still open, in the order scipy scans them (reversed at first, then each
        # chosen one replaced by the last), which decides between equally cheap columns.
        remaining = list(range(n_cols - 1, -1, -1))
        row, found, sink = start, 0.0, -1
        while sink < 0:
            rows_seen[row] = True
            open_cols = np.array(remaining)
            through_row = found + cost[row, open_cols] - u[row] - v[open_cols]
            better = through_row < reach[open_cols]
            path[open_cols[better]] = row
            reach[open_cols[better]] = through_row[better]
            candidates = reach[open_cols]
            lowest = candidates.min()
            if lowest == np.inf:
                raise ValueError("the cost matrix is infeasible")
            # Among equally short paths, the last free column in scan order ends the search now;
            # without a free one, the first column in scan order extends the path.
            tied = np.flatnonzero(candidates == lowest)
            free = tied[row_for_col[open_cols[tied]] < 0]
            index = int(free[-1]) if len(free) else int(tied[0])
            found = float(lowest)
            column = remaining[index]
            settled[column] = True
            if row_for_col[column] < 0:
                sink = column
            else:
                row = int(row_for_col[column])
            remaining[index] = remaining[-1]
            remaining.pop()
        u[start] += found
        others = rows_seen.copy()
        others[start] = False
        u[others] += found - reach[col_for_row[others]]
        v[settled] -= found - reach[settled]
        column = sink
        while True:  # flip the path's edges
            row = int(path[column])
            row_for_col[column] = row
            col_for_row[row], column = column, int(col_for_row[row])
            if row == start:
                break
    return col_for_row
