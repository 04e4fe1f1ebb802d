"""``provenance check``: compare new footage with the archive without storing it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .archive import Archive
from .closeups import CloseupReading
from .findings import claim_order
from .findings.angles import ViewIndex, ViewRelation, describe, relation_finding
from .findings.closeups import identifier_index, readings_of, recycled_finding
from .findings.copies import holders_by_sha, identical_copy, perceptual_copy
from .matching import FrameTable, match_fingerprint
from .media import sha256_file
from .model import Finding, MediaInfo, MediaRecord, MediaStatus
from .nightly import view_index
from .process import decode_prints, fingerprint_media, full_prints, stored_prints
from .progress import progress


@dataclass(frozen=True)
class CheckedMedia:
    path: str  # as given on the command line
    sha256: str | None
    info: MediaInfo | None
    error: str | None
    closeup: CloseupReading | None = None


@dataclass(frozen=True)
class CheckResult:
    media: tuple[CheckedMedia, ...]
    findings: tuple[Finding, ...]

    @property
    def failed(self) -> list[CheckedMedia]:
        return [m for m in self.media if m.error is not None]


def check_media(archive: Archive, paths: Sequence[str]) -> CheckResult:
    """Analyse each file and find what the archive already holds of it."""
    claims = sorted(archive.claims(), key=claim_order)
    holders = holders_by_sha(claims)
    prints = stored_prints(archive)
    shas = [sha for sha in prints if sha in holders]
    table = FrameTable(
        [prints[sha] for sha in shas],
        load=lambda position: full_prints(archive, shas[position], with_views=False),
    )
    order = {stored.claim.id: i for i, stored in enumerate(claims)}
    identifiers = identifier_index(claims, readings_of(prints))

    checked: list[CheckedMedia] = []
    findings: list[Finding] = []
    views: ViewIndex | None = None  # built when a file needs it
    for path in progress(paths, total=len(paths), desc="checking"):
        try:
            sha = sha256_file(path)
        except OSError as exc:
            checked.append(CheckedMedia(path, None, None, f"cannot read ({exc.strerror or exc})"))
            continue
        outcome = fingerprint_media(sha, path)  # bad media: its reason, never an exception
        if outcome.info is None:
            checked.append(CheckedMedia(path, sha, outcome.info, outcome.error))
            continue
        new_prints = decode_prints(outcome.fingerprints)
        reading = new_prints.closeup if new_prints is not None else None
        checked.append(CheckedMedia(path, sha, outcome.info, outcome.error, reading))
        for marking in reading.identifiers if reading is not None else ():
            if marking.key in identifiers:
                findings.append(recycled_finding(None, path, marking, identifiers[marking.key][0]))
        record = MediaRecord(sha, 0, path, MediaStatus.DONE, outcome.info)
        found = identical_copy(None, path, record, holders.get(sha, []))
        if found is None:  # not archived bytes: look for edited copies
            matches = match_fingerprint(new_prints, table)
            # the original is the earliest claim holding any matched footage
            ranked = sorted(
                ((order[h.claim_id], h, m) for m in matches for h in holders[shas[m.other]]),
                key=lambda x: (x[0], -x[2].confidence),
            )
            if ranked:
                _, original, match = ranked[0]
                also = [h.claim_id for _, h, _ in ranked[1:] if h.claim_id != original.claim_id]
                found = perceptual_copy(None, path, match, original, also)
        if found is not None:
            findings.append(found)
        elif new_prints.views is not None:  # original footage: another angle of a launch?
            if views is None:
                media = {record.sha256: record for record in archive.all_media()}
                views = view_index(archive, claims, media, prints)
            for other, evidence in views.relate(new_prints.views):
                relation = ViewRelation(sha, other, *describe(evidence))
                findings.append(relation_finding(None, path, relation, holders[other][0]))
    return CheckResult(tuple(checked), tuple(findings))
