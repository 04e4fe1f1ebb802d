"""The re-scoring run: fingerprint what is pending, recompute findings and scores.

Resumable by construction: media outcomes are committed one by one, and the
findings and scores of all claims are replaced in one transaction at the end.
A run killed at any point leaves a consistent archive, and the next run
finishes the work. The caller holds the archive's run lock.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from .archive import Archive, ScoredClaim
from .findings import find_all
from .model import Finding, ScoreChange
from .process import MediaOutcome, full_prints, process_media, stored_prints
from .scoring import score_claim

log = logging.getLogger("provenance")


@dataclass(frozen=True)
class RescoreSummary:
    run_id: int
    claims: int
    findings: int
    media: tuple[MediaOutcome, ...]  # fingerprinted in this run
    changes: tuple[ScoreChange, ...]

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
    """Process pending media, then recompute every finding and score."""
    run_id = archive.start_run("rescore")
    outcomes = process_media(archive, archive.pending_media(), workers=workers)
    claims = archive.claims()
    media = {record.sha256: record for record in archive.all_media()}
    fingerprints = stored_prints(archive)
    findings = find_all(claims, media, fingerprints, lambda sha: full_prints(archive, sha))
    by_claim: dict[str | None, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_claim[finding.claim_id].append(finding)
    scores = [ScoredClaim(c.claim.id, score_claim(c, by_claim[c.claim.id], media)) for c in claims]
    changes = archive.save_results(run_id, findings, scores)
    summary = RescoreSummary(run_id, len(claims), len(findings), tuple(outcomes), tuple(changes))
    archive.finish_run(
        run_id,
        "done",
        {
            "claims": summary.claims,
            "findings": summary.findings,
            "fingerprinted": len(outcomes),
            "failed": len(summary.failures),
            "new_claims": len(summary.new_claims),
            "changed_scores": len(summary.changed_scores),
        },
    )
    return summary
