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
        "the same launch filmed from another camera: features and geometry are computed"
        " and stored, but the findings are not reported yet (the same place on another"
        " day is not yet told apart reliably)",
        False,
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
) -> list[Finding]:
    """All findings for ``claims`` (earliest first), from every detector.

    ``fingerprints`` may be light (see :class:`~provenance.matching.FrameTable`);
    ``load`` gives one item's complete fingerprints by sha256. ``matches`` are
    the stored matches between media (every item matched once, see
    :func:`~provenance.findings.copies.match_media`); without them every item
    is matched with every other here.
    """
    # find_other_angles is not run yet: on the fixtures it calls two same-site pairs
    # (another day) other_angle, which would cost an original claim points. See
    # ``python scripts/bench.py angles`` and issue 4.
    readings = readings_of(fingerprints)
    return [
        *(
            find_copies(claims, media, fingerprints, load)
            if matches is None
            else copy_findings(claims, media, matches)
        ),
        *find_recycled_identifiers(claims, readings),
        *find_missing_closeups(claims, media, readings),
    ]


def claim_order(claim: StoredClaim) -> tuple:
    """Which claim came first: by claimed date, then by first seen in the archive."""
    return (claim.claim.claimed_at, claim.seq)


__all__ = ["ANALYSES", "claim_order", "find_all", "identical_copy"]
