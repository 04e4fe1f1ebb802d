"""The re-scoring run: fingerprint what is pending, match what is new, score all.

Incremental: only media not yet fingerprinted are fingerprinted, and only
media not yet matched are matched, against the whole archive; their matches
are stored, so earlier pairs are never matched again. Findings are then
derived for every claim from the stored matches (cheap, and "who is the
original" follows the claim dates as they stand), and every claim is scored.

Resumable by construction: each media outcome and each item's matches are
committed one by one, and the findings and scores of all claims are replaced
in one transaction at the end. A run killed at any point leaves a consistent
archive, and the next run finishes the work. The caller holds the archive's
run lock.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from .archive import Archive, ScoredClaim, open_archive
from .findings import angles, claim_order, copies, find_all
from .findings.closeups import readings_of
from .fingerprint import Fingerprints
from .model import Finding, MediaRecord, ScoreChange, StoredClaim
from .process import (
    MediaOutcome,
    full_prints,
    process_media,
    run_each,
    stored_prints,
    stored_views,
)
from .progress import progress
from .scoring import score_claim

log = logging.getLogger("provenance")


@dataclass(frozen=True)
class RescoreSummary:
    run_id: int
    claims: int
    findings: int
    media: tuple[MediaOutcome, ...]  # fingerprinted in this run
    changes: tuple[ScoreChange, ...]
    matched: int = 0  # media matched against the archive in this run (copies)
    related: int = 0  # ... and for other angles

    @property
    def new_claims(self) -> list[ScoreChange]:
        return [c for c in self.changes if c.old is None]

    @property
    def changed_scores(self) -> list[ScoreChange]:
        return [c for c in self.changes if c.old is not None]

    @property
    def failures(self) -> list[MediaOutcome]:
        return [m for m in self.media if m.error is not None]


def rescore(archive: Archive, *, workers: int = 1, scheduler: str | None = None) -> RescoreSummary:
    """Process pending media, match new media, then recompute every finding and score.

    Fingerprinting and matching run here, in ``workers`` local processes, or
    on the Dask cluster at ``scheduler`` (whose workers must read the media
    and the archive at the same paths); this process alone writes.
    """
    run_id = archive.start_run("rescore")
    outcomes = process_media(archive, archive.pending_media(), workers=workers, scheduler=scheduler)
    claims = sorted(archive.claims(), key=claim_order)
    media = {record.sha256: record for record in archive.all_media()}
    fingerprints = stored_prints(archive)
    # copies first: the other-angle matcher leaves the copies they find out
    matched: dict[str, int] = {}
    for matcher in (copies.MATCHER, angles.MATCHER):
        new = archive.unmatched_media(matcher)
        if workers <= 1 and scheduler is None:
            done = _matcher(matcher, archive, claims, media, fingerprints)(new)
        else:
            chunks = _chunks(new, 4 * max(workers, 2))
            parts = run_each(
                match_chunk,
                [str(archive.path)] * len(chunks),
                [run_id] * len(chunks),
                [matcher] * len(chunks),
                chunks,
                workers=workers,
                scheduler=scheduler,
            )
            done = (item for chunk in parts for item in chunk)
        for sha, stored in progress(done, total=len(new), desc=f"matching ({matcher})"):
            archive.record_matches(sha, dict(stored), matcher, run_id)
        matched[matcher] = len(new)
    matches, relations = _copy_matches(archive), _view_relations(archive)
    findings = find_all(claims, media, fingerprints, matches=matches, relations=relations)
    by_claim: dict[str | None, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_claim[finding.claim_id].append(finding)
    readings = readings_of(fingerprints)
    scores = [
        ScoredClaim(c.claim.id, score_claim(c, by_claim[c.claim.id], media, readings))
        for c in claims
    ]
    changes = archive.save_results(run_id, findings, scores)
    summary = RescoreSummary(
        run_id,
        len(claims),
        len(findings),
        tuple(outcomes),
        tuple(changes),
        matched[copies.MATCHER],
        matched[angles.MATCHER],
    )
    archive.finish_run(
        run_id,
        "done",
        {
            "claims": summary.claims,
            "findings": summary.findings,
            "fingerprinted": len(outcomes),
            "matched": summary.matched,
            "related": summary.related,
            "failed": len(summary.failures),
            "new_claims": len(summary.new_claims),
            "changed_scores": len(summary.changed_scores),
        },
    )
    return summary


def _chunks(items: Sequence[str], parts: int) -> list[tuple[str, ...]]:
    """``items`` in about ``parts`` slices of at most 50 (progress, resumption)."""
    size = max(1, min(50, -(-len(items) // max(parts, 1))))
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


_table_cache: dict[tuple[str, int], tuple] = {}


def match_chunk(
    archive_path: str, run_id: int, matcher: str, shas: Sequence[str]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Match ``shas`` against the archive at ``archive_path`` with ``matcher``: what a worker does.

    Opens the archive read-only (readers never wait for the writing run) and
    reads the archive-wide fingerprints once per process and run. Returns per
    item the stored form of its matches (other sha256, match JSON).
    """
    key = (archive_path, run_id)
    if key not in _table_cache:
        for stale, *_ in _table_cache.values():
            stale.close()
        _table_cache.clear()
        reader = open_archive(archive_path, write=False)
        claims = sorted(reader.claims(), key=claim_order)
        media = {record.sha256: record for record in reader.all_media()}
        _table_cache[key] = (reader, claims, media, stored_prints(reader), {})
    reader, claims, media, fingerprints, matchers = _table_cache[key]
    if matcher not in matchers:
        matchers[matcher] = _matcher(matcher, reader, claims, media, fingerprints)
    return list(matchers[matcher](shas))


def _matcher(
    matcher: str,
    archive: Archive,
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    fingerprints: Mapping[str, Fingerprints],
) -> Callable[[Sequence[str]], Iterator[tuple[str, list[tuple[str, str]]]]]:
    """``matcher`` ready to match items against ``archive``: yields their stored form."""
    if matcher == copies.MATCHER:

        def load(sha: str) -> Fingerprints | None:  # copy matching needs no other-angle views
            return full_prints(archive, sha, with_views=False)

        def match(shas: Sequence[str]) -> Iterator[tuple[str, list[tuple[str, str]]]]:
            for sha, found in copies.match_media(shas, claims, fingerprints, load):
                yield sha, [(m.other_sha256, m.to_json()) for m in found]

        return match
    if matcher == angles.MATCHER:
        # the copy matches of this run are stored by now: their derived items stay out
        index = view_index(archive, claims, media, fingerprints)

        def relate(shas: Sequence[str]) -> Iterator[tuple[str, list[tuple[str, str]]]]:
            for sha, found in angles.match_views(shas, index):
                yield sha, [(r.other_sha256, r.to_json()) for r in found]

        return relate
    raise ValueError(f"no matcher {matcher!r}")


def view_index(
    archive: Archive,
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    fingerprints: Mapping[str, Fingerprints],
) -> angles.ViewIndex:
    """The archive's original videos for other-angle matching: the copies that the
    stored copy matches show are left out, views are loaded when verified."""
    found_copies = copies.copy_findings(claims, media, _copy_matches(archive))
    return angles.ViewIndex(
        claims,
        media,
        fingerprints,
        lambda sha: stored_views(archive, sha),
        angles.derived_items(claims, found_copies),
    )


def _copy_matches(archive: Archive) -> list[copies.MediaMatch]:
    return [copies.MediaMatch.from_json(*row) for row in archive.media_matches(copies.MATCHER)]


def _view_relations(archive: Archive) -> list[angles.ViewRelation]:
    return [angles.ViewRelation.from_json(*row) for row in archive.media_matches(angles.MATCHER)]
