"""Which archived media does an item reuse, and where: the copy matcher.

Frames of the archive are pooled in a :class:`FrameTable` with one Hamming
index over their hashes. A query's informative frames are looked up (as is
and mirrored; rotated too when the query is portrait) and aligned over time
(:mod:`._timing`); so are the windows inside frames (an inset, a split
screen's tiles, a player), each on its own. Content that many items share
without being copies (a channel's intro, a logo card) is told by the shape of
the match (:mod:`._common`), and frames with little detail (black, fog, sky,
fades) are never looked up.
Crops and insets change every frame hash: the archived items sharing many
visual words with the query are checked by :mod:`._regions`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache

import numpy as np

from ..fingerprint import (
    FILL_CROPS,
    NO_TILE,
    ORB_VOCABULARY,
    SPLIT_TILES,
    Fingerprints,
    MediaFingerprint,
    orb_bag,
)
from ._common import without_common_content
from ._index import HashIndex, Hits, make_index
from ._regions import MIN_DETAIL, match_region, spaced
from ._shortlist import WordIndex
from ._timing import (
    MIN_INLIERS,
    RADIUS_BITS,
    STILL_RADIUS_BITS,
    CopyMatch,
    align,
    best_pair_per_frame,
    extend_segment,
    required_span_s,
)

MIN_DENSITY = 0.4  # of the informative query frames within a match's span: on its mapping
MIN_WINDOW_DENSITY = 0.25  # ... for a window's (an inset's hashes are of fewer pixels)

HASH_MAX_MEAN_BITS = 6.0  # aligned whole frames of a copy average closer than this
# A window's hash is of fewer pixels, shrunk and re-encoded inside another picture:
WINDOW_RADIUS_BITS = 13  # frames match within this distance when one side is a window ...
WINDOW_MAX_MEAN_BITS = 8.0  # ... average closer than this over the mapping ...
MIN_WINDOW_INLIERS = 5  # ... on at least this many frames

SHORTLIST = 8  # archived items checked geometrically per query

HOLDER_FRAMES = 16  # frames of a shortlisted item looked up to find who else holds them
HOLDER_SHARE = 0.5  # ... an item whose whole frames match this share of them holds them
# (within HASH_MAX_MEAN_BITS on average: another recording from one tripod is ~8 bits off)

FULL_CACHE = 64  # complete fingerprints of archived items kept in memory

# hashing.VARIANTS looked up: a landscape frame as is, mirrored, upside down and flipped
# vertically; a portrait one (perhaps a landscape copy turned) under every turn too
_PORTRAIT_VARIANTS = np.arange(8)

_LANDSCAPE_VARIANTS = np.array([0, 1, 4, 5])


class FrameTable:
    """The informative frames of many media items, with one index over them.

    Items may be given light (frame table and visual words only, as loaded for
    the whole archive); ``load`` then fetches an item's complete fingerprints
    (thumbnails, key frames) when it is checked in detail. A few stay cached.
    ``rank`` is each item's place in claim order (earliest 0), where known.
    """

    def __init__(
        self,
        prints: Sequence[Fingerprints],
        *,
        index: str = "auto",
        load: Callable[[int], Fingerprints | None] | None = None,
        rank: Sequence[int] | None = None,
    ):
        owners, times, hashes, windows, fills = [], [], [], [], []
        self.prints = list(prints)
        self._load = None if load is None else lru_cache(maxsize=FULL_CACHE)(load)
        self.durations = np.zeros(len(prints), np.float64)
        self.is_still = np.zeros(len(prints), bool)
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
            self.durations[position] = float(fp.time_s.max()) if len(fp) else 0.0
            self.is_still[position] = fp.is_still
        self.owner = np.concatenate(owners) if owners else np.zeros(0, np.int32)
        self.time_s = np.concatenate(times).astype(np.float64) if times else np.zeros(0)
        self.window = np.concatenate(windows) if windows else np.zeros(0, np.int16)
        # a centre crop's entry: looked up only by the new item's windows and tiles
        self.fill = np.concatenate(fills) if fills else np.zeros(0, bool)
        self.index: HashIndex = make_index(index, expected_size=sum(len(o) for o in owners))
        if owners:
            self.index.add(np.concatenate(hashes))
        self.words = WordIndex([p.words for p in prints], vocabulary=ORB_VOCABULARY.size)
        self.rank = None if rank is None else np.asarray(rank, np.int64)

    def __len__(self) -> int:
        return len(self.owner)

    def full(self, position: int) -> Fingerprints | None:
        """Item ``position`` with thumbnails and key frames (None if they cannot be had)."""
        given = self.prints[position]
        if given.complete:
            return given
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
        for c in candidates:
            fp = self.prints[c].frames
            kept = spaced(np.flatnonzero(fp.detail >= MIN_DETAIL), HOLDER_FRAMES)
            asked.append(len(kept))
            rows.append(np.repeat(kept, 2).astype(np.int64) + np.int64(c) * (1 << 32))  # item, row
            hashes.append(fp.hashes[kept][:, :2].ravel())  # as shown, mirrored
        keys = np.concatenate(rows)
        hits = _search_unique(self.index, np.concatenate(hashes).astype(np.uint64), RADIUS_BITS)
        whole = self.window[hits.entry] == 0
        owner = self.owner[hits.entry][whole].astype(np.int64)
        key = keys[hits.query][whole]
        # each (candidate, its row, owner) once, at its closest
        found = np.stack([key >> 32, key & 0xFFFFFFFF, owner, hits.distance[whole]])
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


def match_fingerprint(
    query: Fingerprints,
    table: FrameTable,
    *,
    exclude: frozenset[int] = frozenset(),
    failed: list[tuple[int, Exception]] | None = None,
) -> list[CopyMatch]:
    """Every archived item (not in ``exclude``) that ``query`` reuses, best first.

    With ``failed`` given, a pair our code fails on (in the crop and inset
    check) is left out and recorded there, and the other pairs go on;
    without it, the exception is raised.
    """
    matches = {m.other: m for m in _match_hashes(query.frames, table, exclude)}
    if query.frames.thumbs is None:
        raise ValueError("the query's fingerprints must be complete (thumbnails and key frames)")
    skip = exclude | frozenset(matches)
    shortlist = table.words.shortlist(
        orb_bag(query.keyframes, include_mirrored=True), top=SHORTLIST, exclude=skip
    )
    for candidate in table.sources_first([c for c, _ in shortlist], skip)[:SHORTLIST]:
        try:
            theirs = table.full(candidate)
            duration = float(table.durations[candidate])
            found = None if theirs is None else match_region(query, theirs, candidate, duration)
        except Exception as exc:
            if failed is None:
                raise
            failed.append((candidate, exc))
            continue
        if found is not None:
            matches[candidate] = found
    return sorted(matches.values(), key=lambda m: -m.confidence)


def _match_hashes(
    query: MediaFingerprint, table: FrameTable, exclude: frozenset[int]
) -> list[CopyMatch]:
    """Matches on whole-frame and window hashes (all edits but crops).

    The query's frames, and the windows in them (an inset, a split screen's
    tiles, a player: :mod:`provenance.fingerprint._windows`), are looked up
    among the archive's frames and windows; each pairing of a query window
    with an archived one is aligned over time on its own, and the best per
    archived item is kept. Every matched frame counts the same, however many
    archived items hold it: a clip re-posted thirty times is thirty copies,
    each found. What many items share without being copies of one another (a
    channel's intro, its outro, a logo card) is told by the shape of the match
    instead (:func:`~._common.without_common_content`).
    """
    rows = np.flatnonzero(query.detail >= MIN_DETAIL)
    if not len(rows) or not len(table):
        return []
    q_row, q_variant, q_window, q_hash = _query_plan(query, rows)
    radius = STILL_RADIUS_BITS if query.is_still else RADIUS_BITS
    hits = _search_unique(table.index, q_hash, max(radius, WINDOW_RADIUS_BITS))
    if not len(hits.entry):
        return []
    owner = table.owner[hits.entry]
    in_window = (q_window[hits.query] > 0) | (table.window[hits.entry] > 0)
    close = hits.distance <= np.where(in_window, max(radius, WINDOW_RADIUS_BITS), radius)
    # a centre crop stands for a tile filled with the clip: a whole frame that matches it
    # would be a zoomed-in copy, which the crop path checks with geometry (at the window's
    # looser radius, two recordings of one place match that way too)
    whole_on_fill = table.fill[hits.entry] & (q_window[hits.query] == 0)
    keep = close & ~whole_on_fill & ~np.isin(owner, np.fromiter(exclude, np.int32, len(exclude)))
    row, variant = q_row[hits.query][keep], q_variant[hits.query][keep]
    window = q_window[hits.query][keep]
    owner, entry, dist = owner[keep], hits.entry[keep], hits.distance[keep].astype(np.float64)
    if not len(owner):
        return []
    # one stream per (archived item, query window, archived window)
    pairing = (owner.astype(np.int64) * 64 + window) * 64 + table.window[entry]

    # a stream with fewer matched frames than a copy needs is not aligned at all
    streams, _rows_hit = _owner_rows(row, pairing)
    reached = dict(zip(*np.unique(streams, return_counts=True), strict=True))
    any_still = query.is_still or bool(table.is_still[np.unique(owner)].any())

    query_extent = float(query.time_s.max()) if len(query) else 0.0
    informative = np.sort(query.time_s[rows].astype(np.float64))
    best: dict[int, CopyMatch] = {}
    for stream in np.unique(pairing):
        if not any_still and reached.get(stream, 0) < MIN_INLIERS:
            continue
        other, q_win, a_win = int(stream // 4096), int(stream // 64 % 64), int(stream % 64)
        sel = pairing == stream
        pairs = best_pair_per_frame(row[sel], entry[sel], dist[sel], variant[sel])
        found = align(
            query.time_s[pairs.row].astype(np.float64),
            table.time_s[pairs.entry],
            np.ones(len(pairs.row)),
            pairs.dist,
            pairs.variant,
            other=other,
            other_duration=float(table.durations[other]),
            query_still=query.is_still,
            other_still=bool(table.is_still[other]),
            min_span_s=required_span_s(query_extent, float(table.durations[other])),
        )
        if found is None:
            continue
        match, _on = found
        windowed = bool(q_win or a_win)
        if match.mean_distance > (WINDOW_MAX_MEAN_BITS if windowed else HASH_MAX_MEAN_BITS):
            continue
        if windowed and match.inliers < MIN_WINDOW_INLIERS:
            continue
        if match.segment is not None and not query.is_still and not table.is_still[other]:
            span = informative[
                (informative >= match.segment.start_s) & (informative <= match.segment.end_s)
            ]
            if match.inliers < (MIN_WINDOW_DENSITY if windowed else MIN_DENSITY) * len(span):
                continue  # a few frames at each end (an intro and an outro), not a stretch
        if q_win:
            match = replace(match, window=_query_box(query, q_win), window_in="query")
        elif a_win:
            match = replace(
                match, window=_archived_box(table.prints[other].frames, a_win), window_in="other"
            )
        kept = best.get(other)
        if kept is None or (match.inliers, match.confidence) > (kept.inliers, kept.confidence):
            best[other] = match
    copies = without_common_content(list(best.values()), query_extent, table.durations)
    return [_extended(m, query, table) for m in copies]


def _extended(match: CopyMatch, query: MediaFingerprint, table: FrameTable) -> CopyMatch:
    """A whole-frame match's segment grown to the ends its frames still agree on."""
    theirs = table.prints[match.other].frames
    if match.window is not None or query.is_still or theirs.is_still:
        return match
    return extend_segment(
        match, query.time_s, query.hashes[:, match.variant], theirs.time_s, theirs.hashes[:, 0]
    )


def _query_box(query: MediaFingerprint, window: int) -> tuple[float, float, float, float]:
    """The box of the query's window ``window`` (1-based): a found window, or a tile."""
    found = len(query.windows)
    return _box(query.windows[window - 1] if window <= found else SPLIT_TILES[window - 1 - found])


def _archived_columns(fp: MediaFingerprint) -> list[np.ndarray]:
    """The hashes an archived item is indexed under, one column per window: its whole frames
    (window 0), each found window as shown, then each centre crop (:data:`FILL_CROPS`)."""
    return [
        fp.hashes[:, 0],
        *(fp.window_hashes[:, w, 0] for w in range(len(fp.windows))),
        *(fp.fill_hashes[:, c] for c in range(fp.fill_hashes.shape[1])),
    ]


def _archived_box(fp: MediaFingerprint, window: int) -> tuple[float, float, float, float]:
    """The box of an archived item's window ``window`` (1-based): a found window, or a crop."""
    found = len(fp.windows)
    return _box(fp.windows[window - 1] if window <= found else FILL_CROPS[window - 1 - found])


def _box(box: np.ndarray | tuple[float, ...]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (round(float(v), 3) for v in box)
    return (x0, y0, x1, y1)


def _search_unique(index: HashIndex, hashes: np.ndarray, radius: int) -> Hits:
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


def _query_plan(
    query: MediaFingerprint, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(row, variant, window, hash) to look up: each frame mirrored always and turned when
    portrait, each of its windows as shown and mirrored, then each split-screen tile with
    detail as shown (windows after the found ones: ``len(query.windows) + 1 + tile``)."""
    plan_rows, plan_variants, plan_windows, plan_hashes = [], [], [], []
    for r in rows:
        variants = _PORTRAIT_VARIANTS if query.portrait[r] else _LANDSCAPE_VARIANTS
        plan_rows.append(np.full(len(variants), r))
        plan_variants.append(variants)
        plan_windows.append(np.zeros(len(variants), np.int64))
        plan_hashes.append(query.hashes[r, variants])
        for w in range(len(query.windows)):
            plan_rows.append(np.full(2, r))
            plan_variants.append(np.array([0, 1]))  # windows.VARIANTS: as shown, mirrored
            plan_windows.append(np.full(2, w + 1))
            plan_hashes.append(query.window_hashes[r, w])
    tiles = query.tile_hashes
    if len(rows) and tiles.shape == (len(query), len(SPLIT_TILES)):
        hit_rows, tile = np.nonzero(tiles[rows] != NO_TILE)  # flat tiles are no evidence
        plan_rows.append(rows[hit_rows])
        plan_variants.append(np.zeros(len(tile), np.int64))  # as shown
        plan_windows.append(len(query.windows) + 1 + tile)
        plan_hashes.append(tiles[rows[hit_rows], tile])
    return (
        np.concatenate(plan_rows),
        np.concatenate(plan_variants),
        np.concatenate(plan_windows),
        np.concatenate(plan_hashes).astype(np.uint64),
    )


def _owner_rows(row: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (owner, query row) pairs among the hits, as two arrays."""
    span = int(row.max()) + 1
    keys = np.unique(owner.astype(np.int64) * span + row)  # one sort of plain integers
    return keys // span, keys % span
