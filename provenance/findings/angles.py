"""``other_angle`` and ``same_site`` findings: the same place, and the same launch.

Only original footage is compared: an item already found to copy another
(:mod:`provenance.findings.copies`) would just repeat its source's relations,
and its claim already has the stronger finding (:func:`derived_items`). The
other-angle matcher (:mod:`provenance.match`) stores each item's relations
once, when the item is new; :func:`angle_findings` turns them into findings:
the later claim's media carries the finding, pointing to the earliest claim
holding the other media.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..match import ViewRelation
from ..model import Finding, FindingKind, Holder, StoredClaim, holders_by_sha


def relation_finding(claim_id: str, path: str, relation: ViewRelation, other: Holder) -> Finding:
    """The finding for ``path`` (``relation.sha256``, the later item) against ``other``."""
    return Finding(
        kind=FindingKind.OTHER_ANGLE if relation.same_event else FindingKind.SAME_SITE,
        claim_id=claim_id,
        media=path,
        confidence=relation.confidence,
        other_claim=other.claim_id,
        other_media=other.path,
        evidence=relation.details,
    )


def derived_items(claims: Sequence[StoredClaim], copies: Sequence[Finding]) -> frozenset[str]:
    """Items derived from another (edited copies): not the same bytes re-posted,
    which is one item held by two claims and still the original footage."""
    sha_of: dict[tuple[str | None, str | None], str] = {
        (s.claim.id, item.path): item.sha256 for s in claims for item in s.media
    }
    return frozenset(
        sha_of[(f.claim_id, f.media)]
        for f in copies
        if f.kind is FindingKind.COPY
        and (f.claim_id, f.media) in sha_of
        and sha_of[(f.claim_id, f.media)] != sha_of.get((f.other_claim, f.other_media))
    )


def angle_findings(
    claims: Sequence[StoredClaim],
    relations: Iterable[ViewRelation],
    derived: frozenset[str] = frozenset(),
) -> list[Finding]:
    """``other_angle`` and ``same_site`` findings from relations between originals.

    ``claims`` in archive order. The later claim's media carries the finding,
    pointing to the earliest claim holding the other media: one finding per
    related pair. A pair related from both sides (each matched when new)
    counts once.
    """
    order = {stored.claim.id: i for i, stored in enumerate(claims)}
    holders = holders_by_sha(claims)
    first = {sha: min(order[h.claim_id] for h in held) for sha, held in holders.items()}
    best: dict[frozenset[str], ViewRelation] = {}
    for rel in relations:
        pair = frozenset((rel.sha256, rel.other_sha256))
        if not pair <= first.keys() or pair & derived:
            continue
        kept = best.get(pair)
        if kept is None or (rel.confidence, rel.sha256) > (kept.confidence, kept.sha256):
            best[pair] = rel
    findings: list[tuple[tuple[int, str, int], Finding]] = []  # (claim, media, other claim)
    for rel in best.values():
        if first[rel.sha256] < first[rel.other_sha256]:
            rel = rel.reversed()
        original = holders[rel.other_sha256][0]
        for here in holders[rel.sha256]:
            if order[here.claim_id] > order[original.claim_id]:
                place = (order[here.claim_id], here.path, order[original.claim_id])
                findings.append((place, relation_finding(here.claim_id, here.path, rel, original)))
    return [f for _, f in sorted(findings, key=lambda c: c[0])]
