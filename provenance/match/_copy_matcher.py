"""The copy matcher over an archive's items, and its matches in stored form.

:class:`CopyMatcher` pools every held, fingerprinted item of the archive in one
:class:`~._table.FrameTable` and matches items against the others (not those
of their own claims); :class:`MediaMatch` is a match between two media items as
the archive stores it, tagged with the matcher's version (:data:`COPY_MATCHER`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

from ..fingerprint import Fingerprints
from ..model import Holder, Problem, Segment, StoredClaim, claim_order, holders_by_sha
from ._copies import match_fingerprint
from ._shortlist import WordIndex
from ._table import FrameTable, TableColumns
from ._timing import CopyMatch

COPY_MATCHER = "copies-v5"  # stored matches made by another matcher are made again
# v3: segments grown over the agreeing frames at their ends (extend_segment), and the
# new item's split-screen tiles looked up (tiles-v1); v4: archived items' centre crops
# indexed (fills-v1); v5: crops of turned and vertically flipped copies (the region path
# hashes the window under the turn its homography shows), and each shortlisted item's
# source checked before it (FrameTable.sources_first)


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
    sha256 (see :class:`~._table.FrameTable`).
    """

    def __init__(
        self,
        claims: Sequence[StoredClaim],
        fingerprints: Mapping[str, Fingerprints],
        load: Callable[[str], Fingerprints | None] | None = None,
    ) -> None:
        holders = holders_by_sha(sorted(claims, key=claim_order))  # earliest holder first
        shas = [sha for sha in holders if sha in fingerprints]
        table = FrameTable(
            [fingerprints[sha] for sha in shas],
            load=None if load is None else (lambda position: load(shas[position])),
            rank=range(len(shas)),  # holders_by_sha keeps the order it met items in
        )
        self._setup(holders, shas, table)

    @classmethod
    def from_columns(
        cls,
        claims: Sequence[StoredClaim],
        columns: TableColumns,
        *,
        light: Callable[[str], Fingerprints],
        load: Callable[[str], Fingerprints | None] | None = None,
        words: WordIndex | None = None,
        read_ahead: Callable[[list[str], bool], None] | None = None,
    ) -> CopyMatcher:
        """The matcher over stored columns (a persisted index), in the columns' order;
        ``light`` gives an item's light fingerprints when its frames are looked at,
        ``words`` is their ORB word index if it was kept (built otherwise), ``read_ahead``
        is told which items (sha256s; with True, complete) are read next. Items no
        claim holds stay in the index but are never matched."""
        holders = holders_by_sha(sorted(claims, key=claim_order))
        in_order = {sha: i for i, sha in enumerate(holders)}
        shas = list(columns.shas)
        table = FrameTable.from_columns(
            columns,
            light=lambda position: light(shas[position]),
            load=None if load is None else (lambda position: load(shas[position])),
            rank=[in_order.get(sha, len(in_order) + i) for i, sha in enumerate(shas)],
            words=words,
            read_ahead=None
            if read_ahead is None
            else (lambda positions, full: read_ahead([shas[p] for p in positions], full)),
        )
        matcher = cls.__new__(cls)
        matcher._setup(holders, shas, table)
        return matcher

    def _setup(self, holders: dict[str, list[Holder]], shas: list[str], table: FrameTable) -> None:
        self.holders = holders  # each item's holders, earliest first
        self.shas = shas
        self.table = table
        self.position = {sha: i for i, sha in enumerate(shas)}
        self._unheld = frozenset(i for i, sha in enumerate(shas) if sha not in holders)
        self._of_claim: dict[str, set[int]] = {}
        for sha in shas:
            for h in holders.get(sha, ()):
                self._of_claim.setdefault(h.claim_id, set()).add(self.position[sha])

    def match(self, sha: str, *, stage: str = "matching (copies)") -> Matched:
        """What archived item ``sha`` reuses among the others (not those of its own claims)."""
        if sha not in self.position or sha not in self.holders:
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
        exclude = exclude | self._unheld
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
