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
from contextlib import nullcontext
from dataclasses import dataclass

from ..archive import Archive, ScoredClaim, matching_stage, open_archive
from ..errors import ArchiveError
from ..findings import claim_order, find_all
from ..match import AIRFRAME_MATCHER, COPY_MATCHER, VIEW_MATCHER, TableColumns
from ..model import Finding, MediaRecord, MediaStatus, Problem, ScoreChange, StoredClaim
from ..scoring import score_claim
from .analyse import (
    MediaOutcome,
    log_problem,
    process_media,
    read_missing_closeups,
    read_missing_metadata,
)
from .carried import match_on_cluster, state_token
from .cluster import Cluster, connect
from .item_index import frame_columns
from .matching import (
    ItemMatches,
    airframe_matches,
    copy_matches,
    item_matcher,
    matching_state,
    view_relations,
)
from .pool import run_each
from .prints import stored_metadata, stored_readings
from .progress import progress

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
    match_problems: tuple[tuple[str, Problem], ...] = ()  # (file, what matching failed on)

    @property
    def new_claims(self) -> list[ScoreChange]:
        return [c for c in self.changes if c.old is None]

    @property
    def changed_scores(self) -> list[ScoreChange]:
        return [c for c in self.changes if c.old is not None]

    @property
    def unreadable(self) -> list[MediaOutcome]:
        """Media whose footage could not be decoded (uncertainty, not guilt)."""
        return [m for m in self.media if m.status is MediaStatus.UNREADABLE]

    @property
    def internal_errors(self) -> list[tuple[str, Problem]]:
        """(file, problem) for every failure of our own code in this run."""
        found = [(m.file, p) for m in self.media for p in m.internal_errors]
        return found + [
            (file, p) for file, p in self.match_problems if p.kind is MediaStatus.INTERNAL_ERROR
        ]

    @property
    def failures(self) -> list[MediaOutcome]:
        """Media that could not be analysed at all in this run, whoever's fault."""
        return [m for m in self.media if m.error is not None]


def rescore(archive: Archive, *, workers: int = 1, scheduler: str | None = None) -> RescoreSummary:
    """Process pending media, match new media, then recompute every finding and score.

    Fingerprinting and matching run here, in ``workers`` local processes, or
    on the Dask cluster at ``scheduler`` (whose workers must read the media at
    the same paths, and never open the archive); this process alone writes. A failure
    on one item (or one pair) is recorded against it, with whose failure it
    was, and the run goes on (README, "When something fails").
    """
    run_id = archive.start_run("rescore")
    outcomes = process_media(
        archive, archive.pending_media(), workers=workers, scheduler=scheduler, run_id=run_id
    )
    claims = sorted(archive.claims(), key=claim_order)
    media = {record.sha256: record for record in archive.all_media()}
    metadata = stored_metadata(archive)
    # items an older version analysed
    metadata.update(read_missing_metadata(archive, media.values(), metadata))
    readings = stored_readings(archive)
    readings.update(read_missing_closeups(archive, media.values(), readings))
    columns = frame_columns(archive)  # the persisted index, brought up to date
    # copies first: the other-angle matcher leaves the copies they find out
    matched: dict[str, int] = {}
    match_problems: list[tuple[str, Problem]] = []
    with connect(scheduler) if scheduler is not None else nullcontext() as cluster:
        for matcher in (COPY_MATCHER, VIEW_MATCHER, AIRFRAME_MATCHER):
            new = archive.unmatched_media(matcher)
            done = _matched(archive, run_id, matcher, new, claims, media, columns, workers, cluster)
            for item in progress(done, total=len(new), desc=f"matching ({matcher})"):
                record = media.get(item.sha256)
                where = record.file if record is not None else item.sha256
                for problem in item.problems:
                    log_problem(where, problem)
                    match_problems.append((where, problem))
                archive.record_matches(
                    item.sha256, dict(item.stored), matcher, run_id, problems=item.problems
                )
            matched[matcher] = len(new)
    media = {record.sha256: record for record in archive.all_media()}  # with this run's problems
    matches, relations = copy_matches(archive), view_relations(archive)
    findings = find_all(
        claims, media, readings, matches, relations, metadata, airframe_matches(archive)
    )
    by_claim: dict[str | None, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_claim[finding.claim_id].append(finding)
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
        matched[COPY_MATCHER],
        matched[VIEW_MATCHER],
        tuple(match_problems),
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
            "airframes": matched[AIRFRAME_MATCHER],
            "unreadable": len(summary.unreadable),
            "internal_errors": len(summary.internal_errors),
            "new_claims": len(summary.new_claims),
            "changed_scores": len(summary.changed_scores),
        },
    )
    return summary


def _matched(
    archive: Archive,
    run_id: int,
    matcher: str,
    new: Sequence[str],
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    columns: TableColumns,
    workers: int,
    cluster: Cluster | None,
) -> Iterator[ItemMatches]:
    """``new`` items matched by ``matcher``, as each is done: here, in ``workers`` local
    processes (which open the archive read-only), or on ``cluster`` (whose workers
    never open it: what they need is carried to them)."""
    if cluster is not None:
        state = matching_state(matcher, archive, claims, media, columns, token=state_token())
        return match_on_cluster(cluster, archive, state, new)
    if workers <= 1:
        state = matching_state(matcher, archive, claims, media, columns)
        return _each(item_matcher(state, archive), matching_stage(matcher), new)
    chunks = _chunks(new, 4 * workers)
    parts = run_each(
        match_chunk,
        [str(archive.path)] * len(chunks),
        [run_id] * len(chunks),
        [matcher] * len(chunks),
        chunks,
        workers=workers,
    )
    return (item for chunk in parts for item in chunk)


def _chunks(items: Sequence[str], parts: int) -> list[tuple[str, ...]]:
    """``items`` in about ``parts`` slices of at most 50 (progress, resumption)."""
    size = max(1, min(50, -(-len(items) // max(parts, 1))))
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


def _each(
    one: Callable[[str], ItemMatches], stage: str, shas: Sequence[str]
) -> Iterator[ItemMatches]:
    """``one`` over ``shas``; an exception of our code on one item is returned as that
    item's problem and the other items go on. An unreadable archive stops the run."""
    for sha in shas:
        try:
            yield one(sha)
        except ArchiveError:  # the archive cannot be read: the run stops (exit 3)
            raise
        except Exception as exc:  # a bug of ours on this item: the others go on
            yield ItemMatches(sha, (), (Problem.internal(stage, exc),))


_state_cache: dict[tuple[str, int], tuple] = {}


def match_chunk(
    archive_path: str, run_id: int, matcher: str, shas: Sequence[str]
) -> list[ItemMatches]:
    """Match ``shas`` against the archive at ``archive_path`` with ``matcher``: what a
    local worker process does.

    Opens the archive read-only (readers never wait for the writing run) and
    makes each matcher once per process and run.
    """
    key = (archive_path, run_id)
    if key not in _state_cache:
        for stale, *_ in _state_cache.values():
            stale.close()
        _state_cache.clear()
        reader = open_archive(archive_path, write=False)
        claims = sorted(reader.claims(), key=claim_order)
        media = {record.sha256: record for record in reader.all_media()}
        # the index the run brought up to date before it sent out the matching
        columns = frame_columns(reader, persist=False)
        _state_cache[key] = (reader, claims, media, columns, {})
    reader, claims, media, columns, matchers = _state_cache[key]
    if matcher not in matchers:
        state = matching_state(matcher, reader, claims, media, columns, persist=False)
        matchers[matcher] = item_matcher(state, reader)
    return list(_each(matchers[matcher], matching_stage(matcher), shas))
