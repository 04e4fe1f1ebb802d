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

from dataclasses import replace

import numpy as np

from ..errors import ArchiveError
from ..fingerprint import (
    FILL_CROPS,
    NO_TILE,
    SPLIT_TILES,
    Fingerprints,
    MediaFingerprint,
    orb_bag,
)
from ._common import without_common_content
from ._index import search_unique
from ._regions import MIN_DETAIL, match_region
from ._table import FrameTable
from ._timing import (
    HASH_MAX_MEAN_BITS,
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

# A window's hash is of fewer pixels, shrunk and re-encoded inside another picture:
WINDOW_RADIUS_BITS = 13  # frames match within this distance when one side is a window ...
WINDOW_MAX_MEAN_BITS = 8.0  # ... average closer than this over the mapping ...
MIN_WINDOW_INLIERS = 5  # ... on at least this many frames

SHORTLIST = 8  # archived items checked geometrically per query

# hashing.VARIANTS looked up: a landscape frame as is, mirrored, upside down and flipped
# vertically; a portrait one (perhaps a landscape copy turned) under every turn too
_PORTRAIT_VARIANTS = np.arange(8)

_LANDSCAPE_VARIANTS = np.array([0, 1, 4, 5])


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
    candidates = table.sources_first([c for c, _ in shortlist], skip)[:SHORTLIST]
    table.read_ahead(candidates, full=True)
    for candidate in candidates:
        try:
            theirs = table.full(candidate)
            duration = float(table.durations[candidate])
            found = None if theirs is None else match_region(query, theirs, candidate, duration)
        except ArchiveError:  # the archive cannot be read: no pair is to blame
            raise
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
    hits = search_unique(table.index, q_hash, max(radius, WINDOW_RADIUS_BITS))
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
                match, window=_archived_box(table.frames(other), a_win), window_in="other"
            )
        kept = best.get(other)
        if kept is None or (match.inliers, match.confidence) > (kept.inliers, kept.confidence):
            best[other] = match
    copies = without_common_content(list(best.values()), query_extent, table.durations)
    table.read_ahead([m.other for m in copies])
    return [_extended(m, query, table) for m in copies]


def _extended(match: CopyMatch, query: MediaFingerprint, table: FrameTable) -> CopyMatch:
    """A whole-frame match's segment grown to the ends its frames still agree on."""
    theirs = table.frames(match.other)
    if match.window is not None or query.is_still or theirs.is_still:
        return match
    return extend_segment(
        match, query.time_s, query.hashes[:, match.variant], theirs.time_s, theirs.hashes[:, 0]
    )


def _query_box(query: MediaFingerprint, window: int) -> tuple[float, float, float, float]:
    """The box of the query's window ``window`` (1-based): a found window, or a tile."""
    found = len(query.windows)
    return _box(query.windows[window - 1] if window <= found else SPLIT_TILES[window - 1 - found])


def _archived_box(fp: MediaFingerprint, window: int) -> tuple[float, float, float, float]:
    """The box of an archived item's window ``window`` (1-based): a found window, or a crop."""
    found = len(fp.windows)
    return _box(fp.windows[window - 1] if window <= found else FILL_CROPS[window - 1 - found])


def _box(box: np.ndarray | tuple[float, ...]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (round(float(v), 3) for v in box)
    return (x0, y0, x1, y1)


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
