"""``copy`` findings: footage that repeats an earlier claim's footage.

Two kinds of evidence, merged per media item: the same bytes (a re-upload:
certain, the whole item on both sides) and perceptual matches from
:mod:`provenance.matching` (edited copies, excerpts, partial copies, with the
segment in both items). Each media item gets at most one finding, against the
earliest claim holding the footage: that claim is the original.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace

from ..fingerprint import Fingerprints
from ..hashing import VARIANTS
from ..matching import CopyMatch, FrameTable, match_fingerprint
from ..model import Finding, FindingKind, MediaRecord, Segment, StoredClaim


@dataclass(frozen=True)
class Holder:
    """A claim's use of a media item, in archive order."""

    claim_id: str
    path: str


def holders_by_sha(claims: Sequence[StoredClaim]) -> dict[str, list[Holder]]:
    """Which claims hold each media item, in the order of ``claims``."""
    holders: dict[str, list[Holder]] = {}
    for stored in claims:
        for item in stored.media:
            holders.setdefault(item.sha256, []).append(Holder(stored.claim.id, item.path))
    return holders


def identical_copy(
    claim_id: str | None,
    path: str,
    record: MediaRecord | None,
    earlier: Sequence[Holder],
) -> Finding | None:
    """The finding for media whose bytes ``earlier`` claims already hold.

    ``earlier`` is ordered earliest first; its first holder is the original.
    Holders from the same claim are not evidence (reuse inside one claim).
    """
    others = [h for h in earlier if h.claim_id != claim_id]
    if not others:
        return None
    original = others[0]
    duration = record.info.duration_s if record is not None and record.info is not None else None
    segment = Segment(0.0, duration, 0.0, duration) if duration else None
    return Finding(
        kind=FindingKind.COPY,
        claim_id=claim_id,
        media=path,
        confidence=1.0,
        other_claim=original.claim_id,
        other_media=original.path,
        segment=segment,
        evidence={
            "method": "identical_bytes",
            "sha256": record.sha256 if record is not None else None,
            "also_in": sorted({h.claim_id for h in others[1:]}),
        },
    )


def perceptual_copy(
    claim_id: str | None, path: str, match: CopyMatch, original: Holder, also_in: Sequence[str]
) -> Finding:
    """The finding for a perceptual match of ``path`` with ``original``'s media."""
    return Finding(
        kind=FindingKind.COPY,
        claim_id=claim_id,
        media=path,
        confidence=match.confidence,
        other_claim=original.claim_id,
        other_media=original.path,
        segment=match.segment,
        evidence={
            "method": "frame_hashes",
            "matched_frames": match.inliers,
            "weight": match.weight,
            "mean_distance_bits": match.mean_distance,
            "speed": match.speed,
            "transform": VARIANTS[match.variant],
            "also_in": sorted(set(also_in)),
        },
    )


MATCHER = "copies-v1"  # stored matches made by another matcher are made again


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

    def match(self, sha: str) -> list[MediaMatch]:
        """What archived item ``sha`` reuses among the others (not those of its own claims)."""
        if sha not in self.position:
            return []
        query = self.table.full(self.position[sha])
        if query is None:
            return []
        exclude = frozenset().union(*(self._of_claim[h.claim_id] for h in self.holders[sha]))
        return self.match_prints(sha, query, exclude)

    def match_prints(
        self, sha: str, query: Fingerprints, exclude: frozenset[int] = frozenset()
    ) -> list[MediaMatch]:
        """What the complete fingerprints ``query`` of item ``sha`` reuse in the archive."""
        if sha in self.position:
            exclude = exclude | {self.position[sha]}
        found = match_fingerprint(query, self.table, exclude=exclude)
        return [MediaMatch(sha, self.shas[m.other], m) for m in found]


def match_media(
    queries: Sequence[str],
    claims: Sequence[StoredClaim],
    fingerprints: Mapping[str, Fingerprints],
    load: Callable[[str], Fingerprints | None] | None = None,
) -> Iterator[tuple[str, list[MediaMatch]]]:
    """What each of ``queries`` reuses among all held, fingerprinted items.

    Yields per query item as soon as it is matched, so a caller can store it
    (a run killed half-way keeps what it matched). Items held by the same
    claims are not matched with each other. Matches are found from the
    query's side only; :func:`copy_findings` also reads them the other way,
    so matching each item once, when it is new, covers every pair.
    """
    matcher = CopyMatcher(claims, fingerprints, load)
    for sha in queries:
        yield sha, matcher.match(sha)


def find_copies(
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    fingerprints: Mapping[str, Fingerprints],
    load: Callable[[str], Fingerprints | None] | None = None,
) -> list[Finding]:
    """Match every item with every other, then :func:`copy_findings` (no stored matches)."""
    shas = [sha for sha in holders_by_sha(claims) if sha in fingerprints]
    matches = [m for _, found in match_media(shas, claims, fingerprints, load) for m in found]
    return copy_findings(claims, media, matches)


def copy_findings(
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    matches: Iterable[MediaMatch],
) -> list[Finding]:
    """One finding per media item whose footage an earlier claim already holds.

    ``claims`` must be in archive order (earliest first); ``matches`` are the
    perceptual matches between items, each read in both directions (the
    later item is always the copy). Same bytes are found here.
    """
    order = {stored.claim.id: i for i, stored in enumerate(claims)}
    holders = holders_by_sha(claims)

    # candidates[(claim, path)] = (found from the copy's side?, finding) against earlier claims
    candidates: dict[tuple[str, str], list[tuple[bool, Finding]]] = {}

    def offer(finding: Finding, *, direct: bool = True) -> None:
        assert finding.claim_id is not None
        candidates.setdefault((finding.claim_id, finding.media), []).append((direct, finding))

    for sha, held in holders.items():
        for i, here in enumerate(held):  # held is in claim order: held[:i] came earlier
            found = identical_copy(here.claim_id, here.path, media.get(sha), held[:i])
            if found is not None:
                offer(found)

    for pair in matches:
        for here in holders.get(pair.sha256, ()):
            for there in holders.get(pair.other_sha256, ()):
                if order[there.claim_id] < order[here.claim_id]:
                    offer(perceptual_copy(here.claim_id, here.path, pair.match, there, ()))
                elif order[here.claim_id] < order[there.claim_id]:
                    reverse = perceptual_copy(
                        there.claim_id, there.path, _reverse(pair.match), here, ()
                    )
                    offer(reverse, direct=False)

    findings = []
    for offered in candidates.values():
        # earliest claim first; then the surest evidence: same bytes, then a match
        # found from the copy's side (its frames all lie in the original: timing is
        # better posed than from the original's side), then confidence
        offered.sort(
            key=lambda c: (
                order[c[1].other_claim],
                c[1].evidence["method"] != "identical_bytes",
                not c[0],
                -c[1].confidence,
            )
        )
        found = [f for _, f in offered]
        best = found[0]
        also = set(best.evidence.get("also_in", [])) | {f.other_claim for f in found[1:]}
        also.discard(best.other_claim)
        findings.append(
            replace(
                best, evidence={**best.evidence, "also_in": sorted(also, key=order.__getitem__)}
            )
        )
    return sorted(findings, key=lambda f: (order[f.claim_id], f.media))


def _plain(value: object) -> object:
    """NumPy scalars as Python numbers, for JSON."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in a match")


def _reverse(match: CopyMatch) -> CopyMatch:
    """The same match seen from the other item's side."""
    seg = match.segment
    flipped = (
        None if seg is None else Segment(seg.other_start_s, seg.other_end_s, seg.start_s, seg.end_s)
    )
    return replace(match, segment=flipped, speed=round(1.0 / match.speed, 3))
