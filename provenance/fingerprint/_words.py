"""Visual words: local descriptors mapped to a fixed vocabulary, with no training.

One scheme for both kinds of keypoints: each word is the pattern of
``bits_per_table`` sign bits in one of several tables (locality-sensitive
hashing), and each table has its own range of ids. What gives the bits
depends on the descriptor: a fixed choice of bits of a binary ORB descriptor
(Hamming distance), or the signs of fixed random projections of a RootSIFT
vector (the angle between vectors). The vocabulary is therefore the same for
every archive and every run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WordBag:
    """The visual words of a set of key frames: word ids and how often (at most 3)."""

    words: np.ndarray  # sorted, unique ids
    counts: np.ndarray  # uint8, 1..3: bursty words (textures) count little more


@dataclass(frozen=True)
class Vocabulary:
    """``tables`` tables of ``bits_per_table`` bits: ids 0 .. tables << bits_per_table."""

    tables: int
    bits_per_table: int

    @property
    def size(self) -> int:
        return self.tables << self.bits_per_table

    def words(self, bits: np.ndarray) -> np.ndarray:
        """(K, tables * bits_per_table) booleans -> (K, tables) word ids."""
        weights = 1 << np.arange(self.bits_per_table - 1, -1, -1)
        ids = bits.reshape(len(bits), self.tables, self.bits_per_table).astype(np.int64) @ weights
        return ids + (np.arange(self.tables) << self.bits_per_table)


ORB_VOCABULARY = Vocabulary(tables=4, bits_per_table=12)
# which bits of the 256 of an ORB descriptor each table reads
_ORB_BITS = (
    np.random.default_rng(20241106)
    .permutation(256)[: ORB_VOCABULARY.tables * ORB_VOCABULARY.bits_per_table]
    .reshape(ORB_VOCABULARY.tables, ORB_VOCABULARY.bits_per_table)
)

SIFT_VOCABULARY = Vocabulary(tables=6, bits_per_table=14)
_SIFT_PROJECTIONS = (
    np.random.default_rng(20241124)
    .standard_normal((128, SIFT_VOCABULARY.tables * SIFT_VOCABULARY.bits_per_table))
    .astype(np.float32)
)
_SIFT_CENTRE = np.float32(1.0 / np.sqrt(128.0))  # RootSIFT vectors are unit length, all positive


def orb_words(descriptors: np.ndarray) -> np.ndarray:
    """(K, 32) ORB descriptors -> (K, 4) word ids: chosen bits of each descriptor."""
    bits = np.unpackbits(descriptors, axis=1)[:, _ORB_BITS.ravel()]
    return ORB_VOCABULARY.words(bits)


def sift_words(rooted: np.ndarray) -> np.ndarray:
    """(K, 128) RootSIFT descriptors -> (K, 6) word ids: signs of random projections."""
    if not len(rooted):
        return np.zeros((0, SIFT_VOCABULARY.tables), np.int64)
    return SIFT_VOCABULARY.words(((rooted - _SIFT_CENTRE) @ _SIFT_PROJECTIONS) > 0)


def distinct_words(ids: np.ndarray, vocabulary: int) -> np.ndarray:
    """The distinct ids among ``ids`` (all below ``vocabulary``), sorted, as ``np.unique``
    gives them: marked in a table of the vocabulary, a tenth of its cost for a key frame."""
    present = np.zeros(vocabulary, bool)
    present[np.asarray(ids).ravel()] = True
    return np.flatnonzero(present)


def bag_of_words(words: Iterable[np.ndarray]) -> WordBag:
    """The bag of the given word-id arrays: each distinct id once, its count capped at 3."""
    parts = [np.asarray(w).ravel() for w in words]
    if not parts or not sum(len(p) for p in parts):
        return WordBag(np.zeros(0, np.uint32), np.zeros(0, np.uint8))
    ids, counts = np.unique(np.concatenate(parts), return_counts=True)
    return WordBag(ids.astype(np.uint32), np.minimum(counts, 3).astype(np.uint8))
