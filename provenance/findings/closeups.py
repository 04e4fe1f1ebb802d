"""``recycled_identifier`` and ``no_closeup`` findings, from close-up readings.

An identifier (a serial painted on an airframe, read by
:mod:`provenance.closeups`) belongs to one airframe. The earliest claim that
showed it is its first; a later claim showing it again, in a new close-up or
a copy, recycles it. Readings are compared by :func:`~provenance.closeups.match_key`,
so "BN-1O42" and "BN-1042" are one identifier. Reuse inside one claim is not
a finding. A claim whose media hold no identifying close-up at all gets
``no_closeup``, unless one of its items has not been read (pending, read
without OCR, or our own code failed on it): then nothing is known yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..fingerprint import CloseupReading, Fingerprints, Marking
from ..model import (
    Finding,
    FindingKind,
    IdentifierEvidence,
    MediaRecord,
    MediaStatus,
    NoCloseupEvidence,
    SetAsideText,
    StoredClaim,
    UnresolvedMarking,
)


@dataclass(frozen=True)
class Shown:
    """Where an identifier was shown: a claim's media item and the marking read there."""

    claim_id: str
    path: str
    marking: Marking


def readings_of(fingerprints: Mapping[str, Fingerprints]) -> dict[str, CloseupReading]:
    """The close-up readings among ``fingerprints``, by sha256."""
    return {sha: p.closeup for sha, p in fingerprints.items() if p.closeup is not None}


def identifier_index(
    claims: Sequence[StoredClaim], readings: Mapping[str, CloseupReading]
) -> dict[str, list[Shown]]:
    """Every identifier key and where it was shown, in claim order.

    However many claims show one key, the first of them showed it first and
    every later one recycles it: the heaviest recyclers are the point.
    (Text that is no airframe's serial, such as watermarks and captions, is
    set aside when it is read: see :mod:`provenance.closeups`.)
    """
    index: dict[str, list[Shown]] = {}
    for stored in claims:
        for item in stored.media:
            reading = readings.get(item.sha256)
            if reading is None:
                continue
            for marking in reading.identifiers:
                index.setdefault(marking.key, []).append(Shown(stored.claim.id, item.path, marking))
    return index


def recycled_finding(claim_id: str | None, path: str, marking: Marking, first: Shown) -> Finding:
    """``path`` (in ``claim_id``) shows ``first``'s identifier again."""
    return Finding(
        kind=FindingKind.RECYCLED_IDENTIFIER,
        claim_id=claim_id,
        media=path,
        confidence=round(min(marking.score, first.marking.score), 3),
        other_claim=first.claim_id,
        other_media=first.path,
        evidence=IdentifierEvidence(
            identifier=marking.text,
            other_identifier=first.marking.text,
            key=marking.key,
            frame_s=round(marking.time_s, 3),
            other_frame_s=round(first.marking.time_s, 3),
            box=marking.box,
            other_box=first.marking.box,
        ),
    )


def find_recycled_identifiers(
    claims: Sequence[StoredClaim], readings: Mapping[str, CloseupReading]
) -> list[Finding]:
    """A finding for every media item showing an identifier an earlier claim showed.

    ``claims`` in archive order (earliest first).
    """
    order = {stored.claim.id: i for i, stored in enumerate(claims)}
    findings: list[tuple[tuple[int, str, str], Finding]] = []  # (claim, media, key) order
    for shown in identifier_index(claims, readings).values():
        first = shown[0]
        reported: set[tuple[str, str]] = set()
        for later in shown[1:]:
            if later.claim_id == first.claim_id or (later.claim_id, later.path) in reported:
                continue
            reported.add((later.claim_id, later.path))
            findings.append(
                (
                    (order[later.claim_id], later.path, later.marking.key),
                    recycled_finding(later.claim_id, later.path, later.marking, first),
                )
            )
    return [f for _, f in sorted(findings, key=lambda c: c[0])]


def find_missing_closeups(
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    readings: Mapping[str, CloseupReading],
) -> list[Finding]:
    """``no_closeup`` for each claim whose readable media hold no identifying close-up.

    Unreadable media are left out (uncertainty, not guilt); a claim with
    nothing readable, or with an item not read yet, gets no finding.
    """
    findings = []
    for stored in claims:
        read: list[tuple[str, CloseupReading]] = []
        unknown = False
        for item in stored.media:
            record = media.get(item.sha256)
            if record is not None and record.status is MediaStatus.UNREADABLE:
                continue  # footage that cannot be read: judged on the rest
            reading = readings.get(item.sha256)
            if reading is None or reading.closeup is None:
                unknown = True
                break
            read.append((item.path, reading))
        if unknown or not read or any(r.closeup for _, r in read):
            continue
        findings.append(
            Finding(
                kind=FindingKind.NO_CLOSEUP,
                claim_id=stored.claim.id,
                media=read[0][0],
                confidence=1.0,
                evidence=NoCloseupEvidence(
                    media_read=tuple(path for path, _ in read),
                    frames_read=tuple((path, r.frames_read) for path, r in read),
                    text_set_aside=tuple(
                        SetAsideText(path, a.time_s, a.text, a.why)
                        for path, r in read
                        for a in r.set_aside
                    )[:20],
                    markings_too_small_or_blurred=tuple(
                        UnresolvedMarking(path, m.text, m.height_px, m.sharpness)
                        for path, r in read
                        for m in r.markings
                        if not m.resolved
                    ),
                ),
            )
        )
    return findings
