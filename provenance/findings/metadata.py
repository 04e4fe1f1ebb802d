"""``recorded_before_claim``: the file itself says it was recorded before the attack it claims.

A file's capture time is the file's statement, not a fact (any editor can
write one), but a group has no reason to make its own footage look older than
the attack it claims: a capture time more than :data:`MIN_DAYS_BEFORE` days
before the claim, counted from the latest moment the value can mean (a time
without a zone may be local time anywhere), is strong evidence that the
footage shows something else. A later capture time says nothing: re-encoding
and editing write the time of the edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..media import FileMetadata
from ..model import CaptureEvidence, Finding, FindingKind, StoredClaim, iso_utc

MIN_DAYS_BEFORE = 1.0


def find_recorded_before(
    claims: Sequence[StoredClaim], metadata: Mapping[str, FileMetadata]
) -> list[Finding]:
    """One finding per claim media item whose capture time is well before the claim."""
    found = []
    for stored in claims:
        claimed = stored.claim.claimed_at
        for item in stored.media:
            said = metadata.get(item.sha256)
            capture = None if said is None else said.capture
            if capture is None:
                continue
            days = (claimed - capture.latest).total_seconds() / 86400.0
            if days <= MIN_DAYS_BEFORE:
                continue
            evidence = CaptureEvidence(
                field=capture.field,
                value=capture.value,
                recorded_at=iso_utc(capture.moment),
                zoned=capture.zoned,
                days_before_claim=round(days, 2),
            )
            found.append(
                Finding(
                    FindingKind.RECORDED_BEFORE_CLAIM,
                    stored.claim.id,
                    item.path,
                    0.9 if capture.zoned else 0.8,
                    evidence=evidence,
                )
            )
    return found
