"""Stage 3b: evidence about claims, one module per kind of finding.

Every detector is a pure function of plain data (claims in the archive's
order, their media records, and what the matchers of stage 3a stored)
returning :class:`~provenance.model.Finding`.
:func:`find_all` runs the detectors this version has; the report lists them
(:data:`ANALYSES`) so that readers know what was and was not looked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..fingerprint import CloseupReading
from ..match import AirframeMatch, MediaMatch, ViewRelation
from ..media import FileMetadata
from ..model import Finding, MediaRecord, StoredClaim, claim_order
from .airframes import find_recycled_airframes
from .angles import angle_findings, derived_items
from .closeups import find_missing_closeups, find_recycled_identifiers, readings_of
from .copies import copy_findings, identical_copy
from .metadata import find_recorded_before

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
        "identifying close-ups (a marking on the subject, or a surface whose own marks"
        " are large and sharp enough to make out), the serial numbers read on them (OCR),"
        " and the same airframe recognised by its marks (recycled_airframe), matched"
        " across claims",
        True,
    ),
    (
        "file_metadata",
        "what each file says about itself (container and stream tags, EXIF, text chunks,"
        " C2PA content credentials): a capture time more than a day before the claim"
        " (recorded_before_claim)",
        True,
    ),
)


def find_all(
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    readings: Mapping[str, CloseupReading],
    matches: Iterable[MediaMatch],
    relations: Iterable[ViewRelation],
    metadata: Mapping[str, FileMetadata] | None = None,
    airframes: Iterable[AirframeMatch] = (),
) -> list[Finding]:
    """All findings for ``claims`` (earliest first), from every detector.

    ``readings`` are the close-up readings by sha256, ``metadata`` what each
    file says about itself (by sha256; items without it are not judged); ``matches``,
    ``relations`` and ``airframes`` the copy matches, view relations and close-ups of
    one airframe that the matchers stored (each item matched once, when new: the
    detectors read them both ways).
    """
    return [
        *find_repeats(claims, media, readings, matches, relations, airframes=airframes),
        *find_missing_closeups(claims, media, readings),
        *find_recorded_before(claims, metadata or {}),
    ]


def find_repeats(
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    readings: Mapping[str, CloseupReading],
    matches: Iterable[MediaMatch],
    relations: Iterable[ViewRelation],
    copies: Sequence[Finding] | None = None,
    *,
    airframes: Iterable[AirframeMatch] = (),
) -> list[Finding]:
    """What claims repeat of earlier ones: copies, other angles and the same site,
    recycled identifiers and airframes (what ``check`` asks of new footage).
    ``copies``: the copy findings, when the caller has them already."""
    if copies is None:
        copies = copy_findings(claims, media, matches)
    identifiers = find_recycled_identifiers(claims, readings)
    return [
        *copies,
        *angle_findings(claims, relations, derived_items(claims, copies)),
        *identifiers,
        *find_recycled_airframes(claims, airframes, [*copies, *identifiers]),
    ]


__all__ = [
    "ANALYSES",
    "angle_findings",
    "claim_order",
    "copy_findings",
    "derived_items",
    "find_all",
    "find_missing_closeups",
    "find_recorded_before",
    "find_recycled_airframes",
    "find_recycled_identifiers",
    "find_repeats",
    "identical_copy",
    "readings_of",
]
