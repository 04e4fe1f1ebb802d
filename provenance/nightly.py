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
from dataclasses import dataclass

from .archive import Archive, ScoredClaim
from .findings import claim_order, find_all
from .findings.closeups import readings_of
from .findings.copies import MATCHER, MediaMatch, match_media
from .model import Finding, ScoreChange
from .process import MediaOutcome, full_prints, process_media, stored_prints
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
    matched: int = 0  # media matched against the archive in this run

    @property
    def new_claims(self) -> list[ScoreChange]:
        return [c for c in self.changes if c.old is None]

    @property
    def changed_scores(self) -> list[ScoreChange]:
        return [c for c in self.changes if c.old is not None]

    @property
    def failures(self) -> list[MediaOutcome]:
        return [m for m in self.media if m.error is not None]


def rescore(archive: Archive, *, workers: int = 1) -> RescoreSummary:
    """Process pending media, match new media, then recompute every finding and score."""
    run_id = archive.start_run("rescore")
    outcomes = process_media(archive, archive.pending_media(), workers=workers)
    claims = sorted(archive.claims(), key=claim_order)
    media = {record.sha256: record for record in archive.all_media()}
    fingerprints = stored_prints(archive)

    def load(sha: str):
        return full_prints(archive, sha)

    new = archive.unmatched_media(MATCHER)
    for sha, found in progress(
        match_media(new, claims, fingerprints, load), total=len(new), desc="matching"
    ):
        archive.record_matches(sha, {m.other_sha256: m.to_json() for m in found}, MATCHER, run_id)
    matches = [MediaMatch.from_json(*row) for row in archive.media_matches()]

    findings = find_all(claims, media, fingerprints, load, matches)
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
        run_id, len(claims), len(findings), tuple(outcomes), tuple(changes), len(new)
    )
    archive.finish_run(
        run_id,
        "done",
        {
            "claims": summary.claims,
            "findings": summary.findings,
            "fingerprinted": len(outcomes),
            "matched": len(new),
            "failed": len(summary.failures),
            "new_claims": len(summary.new_claims),
            "changed_scores": len(summary.changed_scores),
        },
    )
    return summary
