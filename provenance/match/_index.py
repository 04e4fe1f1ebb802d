"""Hamming search over frame hashes: which archived frames are near a query.

:class:`NumpyHashIndex` (XOR + popcount over the whole table, in blocks) is
the default and exact. From a hundred thousand frame hashes on,
:class:`FaissHashIndex` does the same search with faiss's binary index, if
``faiss-cpu`` is installed (``pip install 'provenance[large]'``). Both return
every entry within ``radius`` bits of each query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Hits:
    """Flat search result: ``query[i]`` is within ``distance[i]`` of ``entry[i]``."""

    query: np.ndarray  # int64 row in the query array
    entry: np.ndarray  # int64 position in the index
    distance: np.ndarray  # uint8


class HashIndex(Protocol):
    def __len__(self) -> int: ...
    def add(self, hashes: np.ndarray) -> None: ...
    def search(self, queries: np.ndarray, *, radius: int) -> Hits: ...


class NumpyHashIndex:
    """Exact brute-force Hamming search in NumPy."""

    def __init__(self) -> None:
        self._parts: list[np.ndarray] = []
        self._table = np.zeros(0, np.uint64)

    def __len__(self) -> int:
        return len(self._table) + sum(len(p) for p in self._parts)

    def add(self, hashes: np.ndarray) -> None:
        self._parts.append(np.ascontiguousarray(hashes, dtype=np.uint64).ravel())

    def _flat(self) -> np.ndarray:
        if self._parts:
            self._table = np.concatenate([self._table, *self._parts])
            self._parts = []
        return self._table

    def search(self, queries: np.ndarray, *, radius: int) -> Hits:
        table = self._flat()
        queries = np.ascontiguousarray(queries, dtype=np.uint64).ravel()
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        dists: list[np.ndarray] = []
        if len(table) and len(queries):
            # One query at a time into preallocated buffers: no large temporaries,
            # memory-bound at ~1.4 ms per query against 1e6 hashes (BENCHMARKS.md).
            xor = np.empty_like(table)
            count = np.empty(len(table), np.uint8)
            for row, query in enumerate(queries):
                np.bitwise_xor(table, query, out=xor)
                np.bitwise_count(xor, out=count)
                found = np.flatnonzero(count <= radius)
                if len(found):
                    rows.append(np.full(len(found), row))
                    cols.append(found)
                    dists.append(count[found])
        return _hits(rows, cols, dists)


class FaissHashIndex:
    """The same search with faiss ``IndexBinaryFlat`` (SIMD popcount, threads)."""

    def __init__(self) -> None:
        import faiss  # optional dependency

        self._index = faiss.IndexBinaryFlat(64)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, hashes: np.ndarray) -> None:
        self._index.add(_as_faiss(hashes))

    def search(self, queries: np.ndarray, *, radius: int) -> Hits:
        if not len(self) or not len(queries):
            return _hits([], [], [])
        # faiss keeps distances strictly below the radius it is given
        lims, dist, ids = self._index.range_search(_as_faiss(queries), radius + 1)
        rows = np.repeat(np.arange(len(lims) - 1), np.diff(lims.astype(np.int64)))
        return _hits([rows], [ids], [dist])


# "auto" switches to faiss from this many hashes, if installed: faiss answers a 60 s clip's
# lookups 1.4x faster at 100,000 hashes, 3x at 1,000,000 (benchmarks/index.py)
FAISS_FROM_HASHES = 100_000


def make_index(kind: str = "numpy", *, expected_size: int = 0) -> HashIndex:
    """``numpy`` (exact, no extra dependency), ``faiss`` (large archives), or ``auto``.

    ``auto`` takes faiss when ``expected_size`` reaches :data:`FAISS_FROM_HASHES`
    and faiss is installed, NumPy otherwise: both give the same hits.
    """
    if kind == "auto":
        kind = "numpy"
        if expected_size >= FAISS_FROM_HASHES:
            try:
                import faiss  # noqa: F401
            except ImportError:
                pass
            else:
                kind = "faiss"
    if kind == "numpy":
        return NumpyHashIndex()
    if kind == "faiss":
        return FaissHashIndex()
    raise ValueError(f"unknown index kind {kind!r}")


def search_unique(index: HashIndex, hashes: np.ndarray, radius: int) -> Hits:
    """Search each distinct hash once (still camera: many frames hash alike)."""
    unique, inverse = np.unique(hashes, return_inverse=True)
    found = index.search(unique, radius=radius)
    # expand: every query row whose hash is unique[k] gets unique[k]'s hits
    rows_of = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[rows_of], np.arange(len(unique) + 1))
    counts = np.diff(starts)[found.query]
    hit_idx = np.repeat(np.arange(len(found.query)), counts)
    offsets = np.arange(len(hit_idx)) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = rows_of[starts[found.query][hit_idx] + offsets]
    return Hits(rows.astype(np.int64), found.entry[hit_idx], found.distance[hit_idx])


def _as_faiss(hashes: np.ndarray) -> np.ndarray:
    """uint64 -> (N, 8) uint8, most significant byte first (as the bits are read)."""
    return np.ascontiguousarray(hashes, dtype=">u8").ravel().view(np.uint8).reshape(-1, 8)


def _hits(rows: list, cols: list, dists: list) -> Hits:
    if not rows:
        empty = np.zeros(0, np.int64)
        return Hits(empty, empty, np.zeros(0, np.uint8))
    return Hits(
        np.concatenate(rows).astype(np.int64),
        np.concatenate(cols).astype(np.int64),
        np.concatenate(dists).astype(np.uint8),
    )
