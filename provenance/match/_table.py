"""The archive's frames in one table with one Hamming index: what the copy matcher looks up.

:class:`TableColumns` are the table's flat arrays (every indexed hash with its
item, time and window; every item's extent and visual words), built from
fingerprints and concatenated run after run: what a persisted index stores
(:mod:`provenance.jobs.item_index`). :class:`FrameTable` indexes them and gives
an item's fingerprints on demand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import ClassVar

import numpy as np

from ..fingerprint import NO_TILE, ORB_VOCABULARY, Fingerprints, MediaFingerprint, WordBag
from ._index import HashIndex, make_index, search_unique
from ._regions import MIN_DETAIL, spaced
from ._shortlist import WordIndex, word_runs
from ._timing import HASH_MAX_MEAN_BITS, RADIUS_BITS

HOLDER_FRAMES = 16  # frames of a shortlisted item looked up to find who else holds them
HOLDER_SHARE = 0.5  # ... an item whose whole frames match this share of them holds them
# (within HASH_MAX_MEAN_BITS on average: another recording from one tripod is ~8 bits off)

FULL_CACHE = 64  # complete fingerprints of archived items kept in memory
LIGHT_CACHE = 4096  # light ones, when the table was built from stored columns
_NO_WORDS = WordBag(np.zeros(0, np.uint32), np.zeros(0, np.uint8))


@dataclass(frozen=True, eq=False)
class TableColumns:
    """The frame table's arrays for items ``shas`` (positions 0, 1, ... in that order).

    Per indexed entry: ``owner`` (the item's position), ``time_s``, ``window``
    (0 the whole frame, then the item's found windows, then its centre crops),
    ``fill`` (a centre crop: looked up only by a new item's windows and tiles),
    ``hashes``. Per item: ``durations``, ``is_still``, the ORB words of its
    key frames as ``word_lengths`` runs of ``word_ids`` and ``word_counts``, and
    the SIFT words of its other-angle views (none without views) as
    ``view_lengths`` runs of ``view_ids`` and ``view_counts``.
    """

    shas: tuple[str, ...]
    owner: np.ndarray  # int32
    time_s: np.ndarray  # float32, as the frame tables store them
    window: np.ndarray  # int16
    fill: np.ndarray  # bool
    hashes: np.ndarray  # uint64
    durations: np.ndarray  # float64
    is_still: np.ndarray  # bool
    word_lengths: np.ndarray  # int64
    word_ids: np.ndarray  # uint32
    word_counts: np.ndarray  # uint8
    view_lengths: np.ndarray  # int64
    view_ids: np.ndarray  # uint32
    view_counts: np.ndarray  # uint8

    ARRAYS: ClassVar[tuple[str, ...]]  # every field but ``shas``: what is written to disk

    def __len__(self) -> int:
        return len(self.shas)

    @classmethod
    def of(cls, shas: Sequence[str], prints: Sequence[Fingerprints]) -> TableColumns:
        """The columns of items ``prints`` (light or complete), named ``shas``."""
        owners, times, hashes, windows, fills = [], [], [], [], []
        durations = np.zeros(len(prints), np.float64)
        is_still = np.zeros(len(prints), bool)
        for position, fp in enumerate(p.frames for p in prints):
            informative = fp.detail >= MIN_DETAIL
            # the whole frame (window 0), then each window of the item (1, 2, ...), then
            # each centre crop of it (a tile filled with it: after the windows)
            for window, column in enumerate(_archived_columns(fp)):
                keep = informative & (column != NO_TILE)
                owners.append(np.full(int(keep.sum()), position, np.int32))
                times.append(fp.time_s[keep])
                windows.append(np.full(int(keep.sum()), window, np.int16))
                fills.append(np.full(int(keep.sum()), window > len(fp.windows)))
                hashes.append(column[keep])
            durations[position] = float(fp.time_s.max()) if len(fp) else 0.0
            is_still[position] = fp.is_still
        views = [_NO_WORDS if p.views is None else p.views.bag for p in prints]
        return cls(
            tuple(shas),
            _joined(owners, np.int32),
            _joined(times, np.float32),
            _joined(windows, np.int16),
            _joined(fills, bool),
            _joined(hashes, np.uint64),
            durations,
            is_still,
            *word_runs([p.words for p in prints]),
            *word_runs(views),
        )

    @classmethod
    def joined(cls, parts: Sequence[TableColumns]) -> TableColumns:
        """``parts`` one after the other: the later parts' positions follow the earlier ones."""
        if len(parts) == 1:
            return parts[0]
        offsets = np.cumsum([0, *(len(p) for p in parts)])[:-1]
        arrays = {
            name: _joined([getattr(p, name) for p in parts], getattr(parts[0], name).dtype)
            for name in cls.ARRAYS
            if name != "owner"
        }
        owner = _joined(
            [p.owner + np.int32(o) for p, o in zip(parts, offsets, strict=True)], np.int32
        )
        return cls(tuple(s for p in parts for s in p.shas), owner=owner, **arrays)

    def view_words(self) -> dict[str, WordBag]:
        """Each item's other-angle visual words (SIFT), by sha256: empty without views."""
        ends = np.cumsum(self.view_lengths)
        ids, counts = np.asarray(self.view_ids), np.asarray(self.view_counts)  # (not memmaps:
        # slicing one costs ten times more, 0.13 s for 10,000 items)
        return {
            sha: WordBag(ids[end - n : end], counts[end - n : end])
            for sha, n, end in zip(
                self.shas, self.view_lengths.tolist(), ends.tolist(), strict=True
            )
        }

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array by name (``shas`` apart): what is written to disk."""
        return {name: getattr(self, name) for name in self.ARRAYS}


TableColumns.ARRAYS = tuple(f.name for f in fields(TableColumns) if f.name != "shas")


class FrameTable:
    """The informative frames of many media items, with one index over them.

    Items may be given light (frame table and visual words only, as loaded for
    the whole archive); ``load`` then fetches an item's complete fingerprints
    (thumbnails, key frames) when it is checked in detail. A few stay cached.
    ``rank`` is each item's place in claim order (earliest 0), where known.
    Built :meth:`from_columns`, the table asks ``light`` for an item's light
    fingerprints when it needs its frames (a few items per query).
    """

    _given: list[Fingerprints] | None  # the items as given (None: built from columns)
    _ahead: Callable[[Sequence[int], bool], None] | None = None  # told what is read next

    def __init__(
        self,
        prints: Sequence[Fingerprints],
        *,
        index: str = "auto",
        load: Callable[[int], Fingerprints | None] | None = None,
        rank: Sequence[int] | None = None,
    ):
        given = list(prints)
        columns = TableColumns.of([""] * len(given), given)
        self._build(columns, given.__getitem__, load, rank, index)
        self._given = given

    @classmethod
    def from_columns(
        cls,
        columns: TableColumns,
        *,
        light: Callable[[int], Fingerprints],
        load: Callable[[int], Fingerprints | None] | None = None,
        rank: Sequence[int] | None = None,
        index: str = "auto",
        words: WordIndex | None = None,
        read_ahead: Callable[[Sequence[int], bool], None] | None = None,
    ) -> FrameTable:
        """The table over stored ``columns``; ``words``, the ORB word index of their
        items, when it was kept too (built from the columns otherwise).

        ``read_ahead(positions, full)`` is told which items' light (or, with
        ``full``, complete) fingerprints are about to be asked for, all at once:
        where they come from over a network, one round trip instead of many
        (:mod:`provenance.jobs.carried`).
        """
        table = cls.__new__(cls)
        table._build(columns, lru_cache(maxsize=LIGHT_CACHE)(light), load, rank, index, words)
        table._given = None
        table._ahead = read_ahead
        return table

    def _build(
        self,
        columns: TableColumns,
        light: Callable[[int], Fingerprints],
        load: Callable[[int], Fingerprints | None] | None,
        rank: Sequence[int] | None,
        index: str,
        words: WordIndex | None = None,
    ) -> None:
        self.light = light
        self._load = None if load is None else lru_cache(maxsize=FULL_CACHE)(load)
        self.durations = columns.durations
        self.is_still = columns.is_still
        self.owner = columns.owner
        self.time_s = columns.time_s.astype(np.float64, copy=False)
        self.window = columns.window
        self.fill = columns.fill  # a centre crop's entry: looked up only by windows and tiles
        self.index: HashIndex = make_index(index, expected_size=len(columns.hashes))
        if len(columns.hashes):
            self.index.add(columns.hashes)
        # the whole frames alone, for who holds a shortlisted item's footage (a fifth of
        # the entries: the rest are windows and centre crops)
        self._whole = np.flatnonzero(columns.window == 0)
        self.whole_index: HashIndex = make_index(index, expected_size=len(self._whole))
        if len(self._whole):
            self.whole_index.add(columns.hashes[self._whole])
        self.words = words or orb_word_index(columns)
        self.rank = None if rank is None else np.asarray(rank, np.int64)

    def __len__(self) -> int:
        return len(self.owner)

    def read_ahead(self, positions: Sequence[int], *, full: bool = False) -> None:
        """Items ``positions`` (their light, or ``full``, fingerprints) are read next."""
        if positions and self._ahead is not None:
            self._ahead(positions, full)

    def frames(self, position: int) -> MediaFingerprint:
        """Item ``position``'s frame table (light: no thumbnails needed)."""
        return self.light(position).frames

    def full(self, position: int) -> Fingerprints | None:
        """Item ``position`` with thumbnails and key frames (None if they cannot be had)."""
        if self._given is not None and self._given[position].complete:
            return self._given[position]
        return None if self._load is None else self._load(position)

    def sources_first(self, candidates: Sequence[int], exclude: frozenset[int]) -> list[int]:
        """``candidates``, each after the earliest item (not in ``exclude``) whose whole frames
        hold its footage, when that item came earlier: its source, or the source's source.

        A clip re-posted many times fills a shortlist with its re-posts, each with its own
        edit; a crop of the original, with another edit on top, may verify against none of
        them while the original, which ranks far down, verifies. Without ``rank``, as given.
        """
        rank = self.rank
        if rank is None or not len(candidates) or not len(self):
            return list(candidates)
        asked, rows, hashes = [], [], []
        self.read_ahead(candidates)
        for c in candidates:
            fp = self.frames(c)
            kept = spaced(np.flatnonzero(fp.detail >= MIN_DETAIL), HOLDER_FRAMES)
            asked.append(len(kept))
            rows.append(np.repeat(kept, 2).astype(np.int64) + np.int64(c) * (1 << 32))  # item, row
            hashes.append(fp.hashes[kept][:, :2].ravel())  # as shown, mirrored
        keys = np.concatenate(rows)
        hits = search_unique(
            self.whole_index, np.concatenate(hashes).astype(np.uint64), RADIUS_BITS
        )
        owner = self.owner[self._whole[hits.entry]].astype(np.int64)
        key = keys[hits.query]
        # each (candidate, its row, owner) once, at its closest
        found = np.stack([key >> 32, key & 0xFFFFFFFF, owner, hits.distance.astype(np.int64)])
        found = found[:, np.lexsort(found[::-1])]
        first = np.ones(found.shape[1], bool)
        first[1:] = (np.diff(found[:3], axis=1) != 0).any(axis=0)
        found = found[:, first]
        # per (candidate, owner): how many of the candidate's frames it holds, how closely
        item_owner, which, counts = np.unique(
            found[[0, 2]], axis=1, return_inverse=True, return_counts=True
        )
        mean_bits = np.bincount(which, weights=found[3]) / counts
        ordered: list[int] = []
        for c, n in zip(candidates, asked, strict=True):
            mine = (
                (item_owner[0] == c)
                & (counts >= HOLDER_SHARE * max(n, 1))
                & (mean_bits <= HASH_MAX_MEAN_BITS)  # as close as a copy's aligned frames
            )
            holders = [int(o) for o in item_owner[1][mine] if int(o) not in exclude]
            if holders:
                source = min(holders, key=lambda o: rank[o])
                if rank[source] < rank[c] and source not in ordered:
                    ordered.append(source)
            if c not in ordered:
                ordered.append(c)
        return ordered


def orb_word_index(columns: TableColumns) -> WordIndex:
    """The ORB word index of ``columns``' items (the crop path's shortlist)."""
    return WordIndex.from_runs(
        columns.word_lengths, columns.word_ids, columns.word_counts, vocabulary=ORB_VOCABULARY.size
    )


def _archived_columns(fp: MediaFingerprint) -> list[np.ndarray]:
    """The hashes an archived item is indexed under, one column per window: its whole frames
    (window 0), each found window as shown, then each centre crop (:data:`FILL_CROPS`)."""
    return [
        fp.hashes[:, 0],
        *(fp.window_hashes[:, w, 0] for w in range(len(fp.windows))),
        *(fp.fill_hashes[:, c] for c in range(fp.fill_hashes.shape[1])),
    ]


def _joined(parts: Sequence[np.ndarray], dtype: type | np.dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)
