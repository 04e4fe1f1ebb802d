"""Which archived items, and which of their key frames, are worth a geometric check.

Geometry is costly; visual words are cheap. A tf-idf index over the items'
bags of words ranks the archive for a query (:class:`WordIndex`), and the
key-frame pairs of two items sharing the most words are verified first
(:func:`pairs_by_shared_words`). ORB and SIFT words use the same two.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from ..fingerprint import WordBag

BLOCK_WEIGHTS = 1 << 20  # weights made at once when an index is built


class WordIndex:
    """Inverted index media -> visual words, ranking by tf-idf cosine similarity.

    The weights are float32: the product that ranks the archive is bound by
    reading them (1.2-1.75x faster than float64, a third less to keep), and a
    single precision score moves a ranking only between items within a few
    millionths of each other.
    """

    FORMAT = "tf-idf float32"  # what a kept index must have been made as

    def __init__(self, bags: Sequence[WordBag], *, vocabulary: int):
        self._build(*word_runs(bags), vocabulary)

    @classmethod
    def from_runs(
        cls, lengths: np.ndarray, words: np.ndarray, counts: np.ndarray, *, vocabulary: int
    ) -> WordIndex:
        """The index of bags given flat: bag i is the next ``lengths[i]`` words and counts."""
        index = cls.__new__(cls)
        index._build(lengths, words, counts, vocabulary)
        return index

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> WordIndex:
        """The index as :meth:`arrays` gave it (memory-mapped arrays are used as they are)."""
        index = cls.__new__(cls)
        index.idf = arrays["idf"]
        shape = (len(arrays["indptr"]) - 1, len(arrays["idf"]))
        index.matrix = sparse.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape, copy=False
        )
        return index

    def arrays(self) -> dict[str, np.ndarray]:
        """What the index is made of: the weighted matrix in CSR form and the idf."""
        m = self.matrix
        return {"data": m.data, "indices": m.indices, "indptr": m.indptr, "idf": self.idf}

    def _build(
        self, lengths: np.ndarray, words: np.ndarray, counts: np.ndarray, vocabulary: int
    ) -> None:
        # Built in CSR form, O(words): a bag's ids are sorted and distinct (WordBag), so no
        # conversion, sort or summing of duplicates is needed. Weighted in blocks of rows
        # (a few MB each, not arrays of every weight: 23 s to 8 s for the two indexes of
        # 10,000 items); each row's sums are made as in one pass, so the weights are too.
        items, nnz = len(lengths), int(np.sum(lengths))
        index_type = np.int32 if max(nnz, vocabulary) < 2**31 else np.int64
        indptr = np.zeros(items + 1, index_type)
        np.cumsum(lengths, out=indptr[1:])
        words, counts = np.asarray(words), np.asarray(counts)
        df = np.zeros(vocabulary, np.int64)
        for start in range(0, nnz, BLOCK_WEIGHTS):
            df += np.bincount(words[start : start + BLOCK_WEIGHTS], minlength=vocabulary)
        self.idf = np.log((1 + items) / (1 + df)) + 1.0
        data = np.empty(nnz, np.float32)
        indices = np.empty(nnz, index_type)
        first = 0
        while first < items:  # rows first..last-1: about BLOCK_WEIGHTS weights, one row at least
            last = (
                int(np.searchsorted(indptr, int(indptr[first]) + BLOCK_WEIGHTS, side="right")) - 1
            )
            last = min(max(last, first + 1), items)
            start, end = int(indptr[first]), int(indptr[last])
            ids = words[start:end]
            weighted = counts[start:end].astype(np.float64) * self.idf[ids]
            row = np.repeat(np.arange(last - first), lengths[first:last])
            norms = np.sqrt(np.bincount(row, weights=weighted * weighted, minlength=last - first))
            data[start:end] = weighted * (1.0 / np.maximum(norms, 1e-9))[row]
            indices[start:end] = ids
            first = last
        self.matrix = sparse.csr_matrix(
            (data, indices, indptr), shape=(items, vocabulary), copy=False
        )

    def shortlist(
        self,
        bag: WordBag,
        *,
        top: int = 10,
        exclude: frozenset[int] = frozenset(),
    ) -> list[tuple[int, float]]:
        """The ``top`` archived items most similar to ``bag``, with their scores."""
        if not len(bag.words) or self.matrix.shape[0] == 0:
            return []
        query = np.zeros(self.matrix.shape[1])
        query[bag.words.astype(np.int64)] = bag.counts
        query *= self.idf
        query /= max(float(np.linalg.norm(query)), 1e-9)
        scores = self.matrix @ query.astype(self.matrix.dtype)
        ranked: list[tuple[int, float]] = []
        for i in np.argsort(-scores).tolist():  # the best first: stop at ``top``
            if scores[i] <= 0 or len(ranked) >= top:
                break
            if i not in exclude:
                ranked.append((i, float(scores[i])))
        return ranked


def word_runs(bags: Sequence[WordBag]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``bags`` flat: each bag's length (int64), then every word id (uint32) and every
    count (uint8), bag after bag (what :meth:`WordIndex.from_runs` takes)."""
    lengths = np.fromiter((len(b.words) for b in bags), np.int64, len(bags))
    if not len(bags):
        return lengths, np.zeros(0, np.uint32), np.zeros(0, np.uint8)
    words = np.concatenate([b.words for b in bags]).astype(np.uint32, copy=False)
    counts = np.concatenate([b.counts for b in bags]).astype(np.uint8, copy=False)
    return lengths, words, counts


def pairs_by_shared_words(
    words_a: Sequence[np.ndarray], words_b: Sequence[np.ndarray], vocabulary: int
) -> list[tuple[int, int, int]]:
    """(shared words, i, j) for every key-frame pair, the most shared first (then i, j).

    ``words_a[i]`` and ``words_b[j]`` are the distinct word ids of key frame
    i of one item and j of the other, ids below ``vocabulary``.
    """
    if not len(words_a) or not len(words_b):
        return []
    present = np.zeros((vocabulary, len(words_b)), np.int32)  # word -> b's frames holding it
    for j, ids in enumerate(words_b):
        present[ids, j] = 1
    shared = np.stack([present[ids].sum(axis=0) for ids in words_a])  # (len(a), len(b))
    scored = [(int(shared[i, j]), i, j) for i in range(len(words_a)) for j in range(len(words_b))]
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    return scored
