"""Which archived media does an item reuse, and where: the copy matcher.

Frames of the archive are pooled in a :class:`FrameTable` with one Hamming
index over their hashes. A query's informative frames are looked up (as is
and mirrored; rotated too when the query is portrait) and aligned over time
(:mod:`._timing`). Matches on content that many archive items hold (a
channel's intro, a logo card) are weighed down by how many items hold it,
and frames with little detail (night, sky, fades) are never looked up.
Crops and insets change every frame hash: the archived items sharing many
visual words with the query are checked by :mod:`._regions`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from ..fingerprint import ORB_VOCABULARY, Fingerprints, MediaFingerprint, orb_bag
from ..model import Problem, Segment, StoredClaim, holders_by_sha
from ._index import HashIndex, Hits, make_index
from ._regions import MIN_DETAIL, match_region
from ._shortlist import WordIndex
from ._timing import (
    MIN_WEIGHT,
    RADIUS_BITS,
    STILL_RADIUS_BITS,
    CopyMatch,
    align,
    best_pair_per_frame,
)

COMMON_ITEMS = 1  # a frame held by more items than this is common content

HASH_MAX_MEAN_BITS = 6.0  # aligned whole frames of a copy average closer than this

SHORTLIST = 8  # archived items checked geometrically per query

FULL_CACHE = 64  # complete fingerprints of archived items kept in memory

_PORTRAIT_VARIANTS = np.array([0, 1, 2, 3, 6, 7])  # hashing.VARIANTS without upside-down

_LANDSCAPE_VARIANTS = np.array([0, 1])


class FrameTable:
    """The informative frames of many media items, with one index over them.

    Items may be given light (frame table and visual words only, as loaded for
    the whole archive); ``load`` then fetches an item's complete fingerprints
    (thumbnails, key frames) when it is checked in detail. A few stay cached.
    """

    def __init__(
        self,
        prints: Sequence[Fingerprints],
        *,
        index: str = "auto",
        load: Callable[[int], Fingerprints | None] | None = None,
    ):
        owners, times, hashes = [], [], []
        self.prints = list(prints)
        self._load = None if load is None else lru_cache(maxsize=FULL_CACHE)(load)
        self.durations = np.zeros(len(prints), np.float64)
        self.is_still = np.zeros(len(prints), bool)
        for position, fp in enumerate(p.frames for p in prints):
            keep = fp.detail >= MIN_DETAIL
            owners.append(np.full(int(keep.sum()), position, np.int32))
            times.append(fp.time_s[keep])
            hashes.append(fp.hashes[keep, 0])
            self.durations[position] = float(fp.time_s.max()) if len(fp) else 0.0
            self.is_still[position] = fp.is_still
        self.owner = np.concatenate(owners) if owners else np.zeros(0, np.int32)
        self.time_s = np.concatenate(times).astype(np.float64) if times else np.zeros(0)
        self.index: HashIndex = make_index(index, expected_size=sum(len(o) for o in owners))
        if owners:
            self.index.add(np.concatenate(hashes))
        self.words = WordIndex([p.words for p in prints], vocabulary=ORB_VOCABULARY.size)

    def __len__(self) -> int:
        return len(self.owner)

    def full(self, position: int) -> Fingerprints | None:
        """Item ``position`` with thumbnails and key frames (None if they cannot be had)."""
        given = self.prints[position]
        if given.complete:
            return given
        return None if self._load is None else self._load(position)


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
    for candidate, _score in table.words.shortlist(
        orb_bag(query.keyframes, include_mirrored=True),
        top=SHORTLIST,
        exclude=exclude | frozenset(matches),
    ):
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
    """Matches on whole-frame hashes (all edits but crops and insets)."""
    rows = np.flatnonzero(query.detail >= MIN_DETAIL)
    if not len(rows) or not len(table):
        return []
    q_row, q_variant = _query_plan(query, rows)
    radius = STILL_RADIUS_BITS if query.is_still else RADIUS_BITS
    hits = _search_unique(table.index, query.hashes[q_row, q_variant], radius)
    if not len(hits.entry):
        return []
    owner = table.owner[hits.entry]
    keep = ~np.isin(owner, np.fromiter(exclude, np.int32, len(exclude)))
    row = q_row[hits.query][keep]
    variant = q_variant[hits.query][keep]
    owner, entry, dist = owner[keep], hits.entry[keep], hits.distance[keep].astype(np.float64)
    if not len(owner):
        return []

    # weight of each query frame: 1, or less when many items hold that content
    owners_hit, rows_hit = _owner_rows(row, owner)
    holders = np.bincount(rows_hit, minlength=int(row.max()) + 1)
    weight_of_row = np.minimum(1.0, COMMON_ITEMS / np.maximum(holders, 1))

    # an item whose matched frames cannot reach the weight of a copy is not aligned at all
    # (a clip re-posted a thousand times weighs a thousandth per item)
    reachable = np.bincount(
        owners_hit, weights=weight_of_row[rows_hit], minlength=len(table.prints)
    )
    candidates = np.unique(owner)
    if not (query.is_still or table.is_still[candidates].any()):
        candidates = candidates[reachable[candidates] >= MIN_WEIGHT]

    matches = []
    for other in candidates:
        sel = owner == other
        pairs = best_pair_per_frame(row[sel], entry[sel], dist[sel], variant[sel])
        found = align(
            query.time_s[pairs.row].astype(np.float64),
            table.time_s[pairs.entry],
            weight_of_row[pairs.row],
            pairs.dist,
            pairs.variant,
            other=int(other),
            other_duration=float(table.durations[other]),
            query_still=query.is_still,
            other_still=bool(table.is_still[other]),
        )
        if found is None:
            continue
        match, _on = found
        if match.mean_distance <= HASH_MAX_MEAN_BITS:
            matches.append(match)
    return matches


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


def _query_plan(query: MediaFingerprint, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, variant) pairs to look up: mirrored always, quarter turns if portrait."""
    plan_rows, plan_variants = [], []
    for r in rows:
        variants = _PORTRAIT_VARIANTS if query.portrait[r] else _LANDSCAPE_VARIANTS
        plan_rows.append(np.full(len(variants), r))
        plan_variants.append(variants)
    return np.concatenate(plan_rows), np.concatenate(plan_variants)


def _owner_rows(row: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (owner, query row) pairs among the hits, as two arrays."""
    span = int(row.max()) + 1
    keys = np.unique(owner.astype(np.int64) * span + row)  # one sort of plain integers
    return keys // span, keys % span


COPY_MATCHER = "copies-v1"  # stored matches made by another matcher are made again


@dataclass(frozen=True)
class MediaMatch:
    """Item ``sha256`` (the query) reuses footage of item ``other_sha256``."""

    sha256: str
    other_sha256: str
    match: CopyMatch  # its ``other`` is meaningless once stored

    def to_json(self) -> str:
        data = asdict(self.match)
        data.pop("other")
        return json.dumps(data, separators=(",", ":"), default=_plain)

    @classmethod
    def from_json(cls, sha256: str, other_sha256: str, text: str) -> MediaMatch:
        data = json.loads(text)
        seg = data.pop("segment")
        window = data.pop("window")
        match = CopyMatch(
            other=-1,
            segment=None if seg is None else Segment(**seg),
            window=None if window is None else tuple(window),
            **data,
        )
        return cls(sha256, other_sha256, match)


class CopyMatcher:
    """Every held, fingerprinted item of the archive in one frame table, to match items with.

    ``fingerprints`` may be light; ``load`` gives an item's complete ones by
    sha256 (see :class:`~provenance.matching.FrameTable`).
    """

    def __init__(
        self,
        claims: Sequence[StoredClaim],
        fingerprints: Mapping[str, Fingerprints],
        load: Callable[[str], Fingerprints | None] | None = None,
    ) -> None:
        self.holders = holders_by_sha(claims)
        self.shas = [sha for sha in self.holders if sha in fingerprints]
        shas = self.shas
        self.table = FrameTable(
            [fingerprints[sha] for sha in shas],
            load=None if load is None else (lambda position: load(shas[position])),
        )
        self.position = {sha: i for i, sha in enumerate(shas)}
        self._of_claim: dict[str, set[int]] = {}
        for sha in shas:
            for h in self.holders[sha]:
                self._of_claim.setdefault(h.claim_id, set()).add(self.position[sha])

    def match(self, sha: str, *, stage: str = "matching (copies)") -> Matched:
        """What archived item ``sha`` reuses among the others (not those of its own claims)."""
        if sha not in self.position:
            return Matched(())
        query = self.table.full(self.position[sha])
        if query is None:
            return Matched(())
        exclude = frozenset().union(*(self._of_claim[h.claim_id] for h in self.holders[sha]))
        return self.match_prints(sha, query, exclude, stage=stage)

    def match_prints(
        self,
        sha: str,
        query: Fingerprints,
        exclude: frozenset[int] = frozenset(),
        *,
        stage: str = "matching (copies)",
    ) -> Matched:
        """What the complete fingerprints ``query`` of item ``sha`` reuse in the archive.

        A pair our code fails on is left out and returned as a problem of ``stage``.
        """
        if sha in self.position:
            exclude = exclude | {self.position[sha]}
        failed: list[tuple[int, Exception]] = []
        found = match_fingerprint(query, self.table, exclude=exclude, failed=failed)
        return Matched(
            tuple(MediaMatch(sha, self.shas[m.other], m) for m in found),
            tuple(
                Problem.internal(stage, exc, about=f"with {self.shas[other][:12]}")
                for other, exc in failed
            ),
        )


@dataclass(frozen=True)
class Matched:
    """What :class:`CopyMatcher` found for one item, and the pairs it failed on."""

    matches: tuple[MediaMatch, ...]
    problems: tuple[Problem, ...] = ()


def _plain(value: object) -> object:
    """NumPy scalars as Python numbers, for JSON."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in a match")
