"""``copy`` findings: footage that repeats an earlier claim's footage.

Two kinds of evidence, merged per media item: the same bytes (a re-upload:
certain, the whole item on both sides) and the perceptual matches the copy
matcher stored (:mod:`provenance.match`: edited copies, excerpts, partial
copies, with the segment in both items). Each media item gets at most one
finding, against the earliest claim holding the footage: that claim is the
original.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from ..fingerprint import VARIANTS
from ..match import CopyMatch, MediaMatch
from ..model import (
    Finding,
    FindingKind,
    FrameHashCopy,
    Holder,
    IdenticalBytes,
    MediaRecord,
    Segment,
    StoredClaim,
    holders_by_sha,
)


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
        evidence=IdenticalBytes(
            sha256=record.sha256 if record is not None else None,
            also_in=tuple(others[1:]),
        ),
    )


def perceptual_copy(
    claim_id: str | None,
    path: str,
    match: CopyMatch,
    original: Holder,
    also_in: Sequence[Holder] = (),
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
        evidence=FrameHashCopy(
            matched_frames=match.inliers,
            weight=match.weight,
            mean_distance_bits=match.mean_distance,
            speed=match.speed,
            transform=VARIANTS[match.variant],
            also_in=tuple(also_in),
        ),
    )


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

    # candidates[(claim, path)] = (position of the original's claim, found from the copy's
    # side?, finding) against earlier claims
    candidates: dict[tuple[str, str], list[tuple[int, bool, Finding]]] = {}

    def offer(finding: Finding, *, direct: bool = True) -> None:
        assert finding.claim_id is not None and finding.other_claim is not None
        candidates.setdefault((finding.claim_id, finding.media), []).append(
            (order[finding.other_claim], direct, finding)
        )

    for sha, held in holders.items():
        for i, here in enumerate(held):  # held is in claim order: held[:i] came earlier
            same_bytes = identical_copy(here.claim_id, here.path, media.get(sha), held[:i])
            if same_bytes is not None:
                offer(same_bytes)

    for pair in matches:
        for here in holders.get(pair.sha256, ()):
            for there in holders.get(pair.other_sha256, ()):
                if order[there.claim_id] < order[here.claim_id]:
                    offer(perceptual_copy(here.claim_id, here.path, pair.match, there))
                elif order[here.claim_id] < order[there.claim_id]:
                    reverse = perceptual_copy(
                        there.claim_id, there.path, _reverse(pair.match), here
                    )
                    offer(reverse, direct=False)

    findings: list[tuple[str, Finding]] = []
    for (claim_id, _), offered in candidates.items():
        # earliest claim first; then the surest evidence: same bytes, then a match
        # found from the copy's side (its frames all lie in the original: timing is
        # better posed than from the original's side), then confidence
        offered.sort(
            key=lambda c: (
                c[0],
                not isinstance(c[2].evidence, IdenticalBytes),
                not c[1],
                -c[2].confidence,
            )
        )
        found = [f for _, _, f in offered]
        best = found[0]
        evidence = best.evidence
        assert isinstance(evidence, (IdenticalBytes, FrameHashCopy))  # made by the two above
        also = {
            *evidence.also_in,
            *(Holder(f.other_claim, f.other_media or "") for f in found[1:] if f.other_claim),
        }
        also.discard(Holder(best.other_claim or "", best.other_media or ""))
        also_in = tuple(sorted(also, key=lambda h: (order[h.claim_id], h.path)))
        findings.append((claim_id, replace(best, evidence=replace(evidence, also_in=also_in))))
    return [f for _, f in sorted(findings, key=lambda c: (order[c[0]], c[1].media))]


def _reverse(match: CopyMatch) -> CopyMatch:
    """The same match seen from the other item's side."""
    seg = match.segment
    flipped = (
        None if seg is None else Segment(seg.other_start_s, seg.other_end_s, seg.start_s, seg.end_s)
    )
    return replace(match, segment=flipped, speed=round(1.0 / match.speed, 3))
