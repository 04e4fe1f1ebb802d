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

from ..archive import Archive, ScoredClaim, matching_stage, open_archive
from ..errors import ArchiveError
from ..findings import claim_order, copy_findings, derived_items, find_all
from ..fingerprint import WordBag, codecs
from ..match import (
    AIRFRAME_MATCHER,
    COPY_MATCHER,
    VIEW_MATCHER,
    AirframeIndex,
    AirframeMatch,
    CopyMatcher,
    MediaMatch,
    TableColumns,
    ViewIndex,
    ViewRelation,
    WordIndex,
    closeup_word_index,
    orb_word_index,
    sift_word_index,
)
from ..model import Finding, MediaRecord, MediaStatus, Problem, ScoreChange, StoredClaim
from ..scoring import score_claim
from .analyse import (
    MediaOutcome,
    log_problem,
    process_media,
    read_missing_metadata,
    read_missing_surfaces,
)
from .item_index import frame_columns, kept_word_index
from .pool import run_each
from .prints import (
    full_prints,
    light_prints,
    stored_closeup_words,
    stored_metadata,
    stored_picture,
    stored_readings,
    stored_views,
)
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
    on the Dask cluster at ``scheduler`` (whose workers must read the media
    and the archive at the same paths); this process alone writes. A failure
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
    readings.update(read_missing_surfaces(archive, media.values(), readings))
    columns = frame_columns(archive)  # the persisted index, brought up to date
    # copies first: the other-angle matcher leaves the copies they find out
    matched: dict[str, int] = {}
    match_problems: list[tuple[str, Problem]] = []
    for matcher in (COPY_MATCHER, VIEW_MATCHER, AIRFRAME_MATCHER):
        new = archive.unmatched_media(matcher)
        if workers <= 1 and scheduler is None:
            done = _matcher(matcher, archive, claims, media, columns, persist=True)(new)
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


def _chunks(items: Sequence[str], parts: int) -> list[tuple[str, ...]]:
    """``items`` in about ``parts`` slices of at most 50 (progress, resumption)."""
    size = max(1, min(50, -(-len(items) // max(parts, 1))))
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


@dataclass(frozen=True)
class ItemMatches:
    """What one matcher found for one item, in stored form, and what it failed on.

    ``stored`` holds (other sha256, match JSON). With ``problems`` the item
    stays unmatched and is matched again at the next run.
    """

    sha256: str
    stored: tuple[tuple[str, str], ...]
    problems: tuple[Problem, ...] = ()


_table_cache: dict[tuple[str, int], tuple] = {}


def match_chunk(
    archive_path: str, run_id: int, matcher: str, shas: Sequence[str]
) -> list[ItemMatches]:
    """Match ``shas`` against the archive at ``archive_path`` with ``matcher``: what a worker does.

    Opens the archive read-only (readers never wait for the writing run) and
    reads the archive-wide fingerprints once per process and run.
    """
    key = (archive_path, run_id)
    if key not in _table_cache:
        for stale, *_ in _table_cache.values():
            stale.close()
        _table_cache.clear()
        reader = open_archive(archive_path, write=False)
        claims = sorted(reader.claims(), key=claim_order)
        media = {record.sha256: record for record in reader.all_media()}
        # the index the run brought up to date before it sent out the matching
        columns = frame_columns(reader, persist=False)
        _table_cache[key] = (reader, claims, media, columns, {})
    reader, claims, media, columns, matchers = _table_cache[key]
    if matcher not in matchers:
        matchers[matcher] = _matcher(matcher, reader, claims, media, columns, persist=False)
    return list(matchers[matcher](shas))


def _matcher(
    matcher: str,
    archive: Archive,
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    columns: TableColumns,
    *,
    persist: bool,
) -> Callable[[Sequence[str]], Iterator[ItemMatches]]:
    """``matcher`` ready to match items against ``archive``'s index ``columns``, one
    item at a time; with ``persist``, the word indexes it builds are kept (a worker
    only reads).

    An exception of our code on one item is returned as that item's problem:
    the other items go on.
    """
    stage = matching_stage(matcher)
    if matcher == COPY_MATCHER:
        table = copy_matcher(archive, claims, columns, persist=persist)

        def one(sha: str) -> ItemMatches:
            found = table.match(sha, stage=stage)
            return ItemMatches(
                sha, tuple((m.other_sha256, m.to_json()) for m in found.matches), found.problems
            )

    elif matcher == VIEW_MATCHER:
        # the copy matches of this run are stored by now: their derived items stay out
        index = view_index(
            archive,
            claims,
            media,
            columns.view_words(),
            persist=persist,
        )

        def one(sha: str) -> ItemMatches:
            item = index.relations_of(sha, stage=stage)
            return ItemMatches(
                sha, tuple((r.other_sha256, r.to_json()) for r in item.relations), item.problems
            )

    elif matcher == AIRFRAME_MATCHER:
        airframes = airframe_index(archive, persist=persist)

        def one(sha: str) -> ItemMatches:
            item = airframes.matches_of(sha, stage=stage)
            return ItemMatches(
                sha, tuple((m.other_sha256, m.to_json()) for m in item.matches), item.problems
            )

    else:
        raise ValueError(f"no matcher {matcher!r}")

    def each(shas: Sequence[str]) -> Iterator[ItemMatches]:
        for sha in shas:
            try:
                yield one(sha)
            except ArchiveError:  # the archive cannot be read: the run stops (exit 3)
                raise
            except Exception as exc:  # a bug of ours on this item: the others go on
                yield ItemMatches(sha, (), (Problem.internal(stage, exc),))

    return each


def copy_matcher(
    archive: Archive,
    claims: Sequence[StoredClaim],
    columns: TableColumns,
    *,
    persist: bool = True,
) -> CopyMatcher:
    """The copy matcher over the archive's index ``columns``: items' frames and complete
    fingerprints are read from the archive when a match needs them (copy matching needs
    no other-angle views); with ``persist``, the ORB word index it builds is kept."""
    return CopyMatcher.from_columns(
        claims,
        columns,
        light=lambda sha: light_prints(archive, sha),
        load=lambda sha: full_prints(archive, sha, with_views=False),
        words=kept_word_index(
            archive, "orb", columns.shas, lambda: orb_word_index(columns), persist=persist
        ),
    )


def view_index(
    archive: Archive,
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    words: Mapping[str, WordBag],
    *,
    persist: bool = True,
) -> ViewIndex:
    """The archive's original videos for other-angle matching, shortlisted by their
    views' ``words``: the copies that the stored copy matches show are left out,
    views are loaded when verified."""
    found_copies = copy_findings(claims, media, copy_matches(archive))
    return ViewIndex(
        claims,
        media,
        words,
        lambda sha: stored_views(archive, sha),
        derived_items(claims, found_copies),
        lambda shas, bags: kept_word_index(
            archive, "sift", shas, lambda: sift_word_index(shas, bags), persist=persist
        ),
    )


def airframe_index(archive: Archive, *, persist: bool = True) -> AirframeIndex:
    """The archive's identifying close-ups, their pictures read when compared; their word
    index kept beside the archive (built from their words when it is not, and kept with
    ``persist``)."""
    shas = sorted(archive.fingerprint_seqs((codecs.CLOSEUP_WORDS,)))

    def build() -> WordIndex:
        words = stored_closeup_words(archive)
        return closeup_word_index([words[sha] for sha in shas])

    index = kept_word_index(archive, "closeups", shas, build, persist=persist)
    return AirframeIndex(shas, index, lambda sha: stored_picture(archive, sha))


def airframe_matches(archive: Archive) -> list[AirframeMatch]:
    """Every stored match of two close-ups of one airframe."""
    return [AirframeMatch.from_json(*row) for row in archive.media_matches(AIRFRAME_MATCHER)]


def copy_matches(archive: Archive) -> list[MediaMatch]:
    """Every stored copy match of the archive."""
    return [MediaMatch.from_json(*row) for row in archive.media_matches(COPY_MATCHER)]


def view_relations(archive: Archive) -> list[ViewRelation]:
    """Every stored other-angle relation of the archive."""
    return [ViewRelation.from_json(*row) for row in archive.media_matches(VIEW_MATCHER)]
