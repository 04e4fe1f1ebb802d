"""Stage 3: evidence about claims, one module per kind of finding.

Every detector is a pure function of plain data (claims in the archive's
order and their media records) returning :class:`~provenance.model.Finding`.
:func:`find_all` runs the detectors this version has; the report lists them
(:data:`ANALYSES`) so that readers know what was and was not looked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..fingerprint import Fingerprints
from ..model import Finding, MediaRecord, StoredClaim
from .angles import ViewRelation, angle_findings, derived_items, find_other_angles
from .closeups import find_missing_closeups, find_recycled_identifiers, readings_of
from .copies import MediaMatch, copy_findings, find_copies, identical_copy

# What this version looks for, shown in reports: honest about what is not done yet.
ANALYSES: tuple[tuple[str, str, bool], ...] = (
    ("identical_bytes", "re-uploads of the very same file (sha256) in an earlier claim", True),
    (
        "perceptual_copy",
        "edited copies: re-encode, resize, flip, rotation, borders, overlays,"
        " colour, speed, excerpts and partial copies, frame grabs",
        True,
    ),
    (
        "other_angle",
        "the same launch filmed from another camera (epipolar geometry, the launch's"
        " track, and its sound where both have it), and the same place on another day"
        " (same_site); cameras at one height without the launch's sound cannot tell a"
        " launch from another a few metres away on another day",
        True,
    ),
    (
        "closeup",
        "identifying close-ups (a marking on the subject, large and sharp enough to make"
        " out) and the serial numbers read on them (OCR), matched across claims; close-ups"
        " without any text are not recognised yet",
        True,
    ),
)


def find_all(
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    fingerprints: Mapping[str, Fingerprints],
    load: Callable[[str], Fingerprints | None] | None = None,
    matches: Sequence[MediaMatch] | None = None,
    relations: Sequence[ViewRelation] | None = None,
) -> list[Finding]:
    """All findings for ``claims`` (earliest first), from every detector.

    ``fingerprints`` may be light (see :class:`~provenance.matching.FrameTable`);
    ``load`` gives one item's complete fingerprints by sha256. ``matches`` and
    ``relations`` are the stored copy matches and view relations between media
    (every item matched once, see :func:`~provenance.findings.copies.match_media`
    and :func:`~provenance.findings.angles.match_views`); without them every
    item is matched with every other here, which needs ``load`` for the views.
    """
    readings = readings_of(fingerprints)
    copies = (
        find_copies(claims, media, fingerprints, load)
        if matches is None
        else copy_findings(claims, media, matches)
    )
    if relations is not None:
        views = angle_findings(claims, relations, derived_items(claims, copies))
    elif load is not None:
        views = find_other_angles(claims, media, fingerprints, load, copies)
    else:
        views = []
    return [
        *copies,
        *views,
        *find_recycled_identifiers(claims, readings),
        *find_missing_closeups(claims, media, readings),
    ]


def claim_order(claim: StoredClaim) -> tuple:
    """Which claim came first: by claimed date, then by first seen in the archive."""
    return (claim.claim.claimed_at, claim.seq)


__all__ = ["ANALYSES", "claim_order", "find_all", "identical_copy"]
