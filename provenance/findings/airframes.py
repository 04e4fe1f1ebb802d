"""``recycled_airframe`` findings: a new close-up of an airframe an earlier claim showed.

The airframe matcher (:class:`~provenance.match.AirframeIndex`) stores pairs
of identifying close-ups whose marks agree once registered. Read both ways,
each pair makes the later claim's close-up recycle the earliest claim that
showed the airframe, with or without text. Not findings:

- a close-up that copies earlier footage: it is a copy already (and its copy
  finding says so); this is for new shots of an airframe;
- a close-up that already recycles the same claim's identifier: the serial
  said it first (``recycled_identifier``), the marks only agree;
- two close-ups inside one claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..match import AGREE, AirframeMatch
from ..model import AirframeEvidence, Finding, FindingKind, StoredClaim, holders_by_sha


def find_recycled_airframes(
    claims: Sequence[StoredClaim],
    matches: Iterable[AirframeMatch],
    repeats: Sequence[Finding],
) -> list[Finding]:
    """The ``recycled_airframe`` findings of ``claims`` (earliest first).

    ``repeats`` are the copy and recycled-identifier findings already made:
    what they explain is left out (module docstring).
    """
    order = {stored.claim.id: i for i, stored in enumerate(claims)}
    holders = holders_by_sha(claims)
    copied = {(f.claim_id, f.media) for f in repeats if f.kind is FindingKind.COPY}
    by_serial = {
        (f.claim_id, f.media, f.other_claim)
        for f in repeats
        if f.kind is FindingKind.RECYCLED_IDENTIFIER
    }
    earliest: dict[tuple[str, str], tuple[int, str, AirframeMatch]] = {}
    for stored in matches:
        for match in (stored, stored.reversed()):
            for here in holders.get(match.sha256, ()):
                if (here.claim_id, here.path) in copied:
                    continue
                for there in holders.get(match.other_sha256, ()):
                    rank = order[there.claim_id]
                    if rank >= order[here.claim_id]:
                        continue
                    key = (here.claim_id, here.path)
                    if key not in earliest or rank < earliest[key][0]:
                        earliest[key] = (rank, there.path, match)
    found = []
    for (claim_id, path), (rank, other_path, match) in earliest.items():
        other_claim = claims[rank].claim.id
        if (claim_id, path, other_claim) in by_serial:
            continue
        found.append(
            Finding(
                kind=FindingKind.RECYCLED_AIRFRAME,
                claim_id=claim_id,
                media=path,
                confidence=match.confidence,
                other_claim=other_claim,
                other_media=other_path,
                evidence=airframe_evidence(match),
            )
        )
    return sorted(found, key=lambda f: (order[f.claim_id or ""], f.media))


def airframe_evidence(match: AirframeMatch) -> AirframeEvidence:
    """What a finding shows of ``match``: the registration and every mark compared."""
    c = match.comparison
    return AirframeEvidence(
        frame_s=match.frame_s,
        other_frame_s=match.other_frame_s,
        frame_size=match.frame_size,
        other_frame_size=match.other_frame_size,
        inliers=c.inliers,
        overlap=c.overlap,
        support=c.support,
        agree_at=AGREE,
        homography=c.homography or (),
        marks=tuple((*m.box, m.ncc) for m in c.marks),
    )
