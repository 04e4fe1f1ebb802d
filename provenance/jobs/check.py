"""``provenance check``: compare new footage with the archive without storing it.

Each file is analysed as ``rescore`` would analyse it, then taken as the
footage of one more claim, made after every archived claim, and the very
functions of the nightly job say what it repeats: the same matchers, the same
"who is the original" order (:func:`~provenance.findings.claim_order`) and the
same detectors of repeats (:func:`~provenance.findings.find_repeats`, the part
of :func:`~provenance.findings.find_all` that says what a claim repeats). Only
that claim's findings are shown: copies, other angles and the same site,
recycled identifiers and airframes. Whether a claim as a whole shows an identifying
close-up (``no_closeup``) is no question for one lone file: its media
object's ``closeup`` says what it shows. The archive's close-up readings are
read only for a file that shows an identifier.
Failures follow the nightly job's policy: footage that cannot be decoded is
unreadable, a bug of ours on a file or a pair is that file's internal error
(logged with its traceback), and the other files go on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ..archive import Archive
from ..errors import ArchiveError
from ..findings import claim_order, copy_findings, find_repeats
from ..fingerprint import CloseupReading, Fingerprints, codecs
from ..match import (
    AIRFRAME_MATCHER,
    COPY_MATCHER,
    VIEW_MATCHER,
    AirframeIndex,
    AirframeMatch,
    MediaMatch,
    ViewIndex,
    ViewRelation,
)
from ..media import FileMetadata, sha256_file
from ..model import (
    Claim,
    ClaimMedia,
    Finding,
    MediaInfo,
    MediaKind,
    MediaRecord,
    MediaStatus,
    Problem,
    StoredClaim,
)
from .analyse import fingerprint_media, log_internal_errors, log_problem
from .item_index import frame_columns
from .matching import (
    airframe_index,
    copy_matcher,
    copy_matches,
    matching_state,
    view_index,
    view_relations,
)
from .prints import stored_readings
from .progress import progress

CHECKED_CLAIM = "checked"  # the claim a checked file stands for: after every archived claim
_AFTER_ALL = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class CheckedMedia:
    path: str  # as given on the command line
    sha256: str | None
    info: MediaInfo | None
    error: str | None
    closeup: CloseupReading | None = None
    status: MediaStatus = MediaStatus.DONE
    problems: tuple[Problem, ...] = ()
    metadata: FileMetadata | None = None  # what the file says about itself

    @property
    def record(self) -> MediaRecord:
        """The media record the report's media objects are made from."""
        return MediaRecord(
            self.sha256 or "", 0, self.path, self.status, self.info, self.error, self.problems
        )


@dataclass(frozen=True)
class CheckResult:
    media: tuple[CheckedMedia, ...]
    findings: tuple[Finding, ...]

    @property
    def failed(self) -> list[CheckedMedia]:
        """Files that could not be checked in full, whoever's failure it was."""
        return [m for m in self.media if m.record.reported_status.failed]


def check_media(archive: Archive, paths: Sequence[str]) -> CheckResult:
    """Analyse each file and find what the archive already holds of it."""
    with archive.snapshot():
        claims = sorted(archive.claims(), key=claim_order)
        media = {record.sha256: record for record in archive.all_media()}
        columns = frame_columns(archive)
        matches = copy_matches(archive)
        relations = view_relations(archive)
    matcher = copy_matcher(matching_state(COPY_MATCHER, archive, claims, media, columns), archive)
    views: ViewIndex | None = None  # built when a file needs it
    closeups: AirframeIndex | None = None  # ... and this one when a file shows a close-up
    readings: dict[str, CloseupReading] | None = None  # read when a file shows identifiers
    last_seq = max((c.seq for c in claims), default=0)

    checked: list[CheckedMedia] = []
    findings: list[Finding] = []
    for path in progress(paths, total=len(paths), desc="checking"):
        try:
            sha = sha256_file(path)
        except OSError as exc:
            why = f"cannot read ({exc.strerror or exc})"
            checked.append(CheckedMedia(path, None, None, why, status=MediaStatus.UNREADABLE))
            continue
        outcome = fingerprint_media(sha, path)  # never raises: whose failure it was, if any
        log_internal_errors(outcome)
        new_prints = codecs.decode(outcome.fingerprints)
        if outcome.info is None or new_prints is None:
            checked.append(CheckedMedia(path, sha, None, outcome.error, status=outcome.status))
            continue
        record = MediaRecord(sha, 0, path, MediaStatus.DONE, outcome.info)
        claim = StoredClaim(
            Claim(CHECKED_CLAIM, _AFTER_ALL, "", (path,)),
            last_seq + 1,
            datetime.now(UTC),
            (ClaimMedia(path, sha),),
        )
        problems = list(outcome.problems)
        new_matches: tuple[MediaMatch, ...] = ()
        try:
            matched = matcher.match_prints(sha, new_prints)
            new_matches, problems = matched.matches, problems + list(matched.problems)
        except ArchiveError:  # the archive cannot be read: the command stops (exit 3)
            raise
        except Exception as exc:  # a bug of ours: this file's problem, the others go on
            problems.append(Problem.internal("matching (copies)", exc))
        everything = [*claims, claim]
        known = {**media, sha: media.get(sha, record)}
        copies = copy_findings(everything, known, [*matches, *new_matches])
        copied = [f for f in copies if f.claim_id == CHECKED_CLAIM]
        new_relations: tuple[ViewRelation, ...] = ()
        if not copied and outcome.info.kind is MediaKind.VIDEO and new_prints.views is not None:
            if views is None:
                state = matching_state(VIEW_MATCHER, archive, claims, media, columns)
                views = view_index(state, archive)
            related = views.relations_of(sha, new_prints.views, stage="matching (views)")
            new_relations, problems = related.relations, problems + list(related.problems)
        new_airframes: tuple[AirframeMatch, ...] = ()
        try:
            picture = codecs.decode_closeup_picture(outcome.fingerprints)
            if picture is not None and sha not in media:
                if closeups is None:
                    state = matching_state(AIRFRAME_MATCHER, archive, claims, media, columns)
                    closeups = airframe_index(state, archive)
                same = closeups.matches_of(sha, picture, stage="matching (airframes)")
                new_airframes, problems = same.matches, problems + list(same.problems)
        except ArchiveError:  # the archive cannot be read: the command stops (exit 3)
            raise
        except Exception as exc:  # a bug of ours: this file's problem, the others go on
            problems.append(Problem.internal("matching (airframes)", exc))
        if readings is None and (sha in media or _shows_identifiers(new_prints)):
            with archive.snapshot():
                readings = stored_readings(archive)
        found = find_repeats(
            everything,
            known,
            _with(readings or {}, sha, new_prints),
            [*matches, *new_matches],
            [*relations, *new_relations],
            copies,
            # only the file's own pairs can make its findings, and an archived file is a
            # copy of itself (a copy is no recycled airframe): the new ones are all there are
            airframes=new_airframes,
        )
        findings.extend(replace(f, claim_id=None) for f in found if f.claim_id == CHECKED_CLAIM)
        for problem in problems[len(outcome.problems) :]:
            log_problem(path, problem)
        checked.append(
            CheckedMedia(
                path,
                sha,
                outcome.info,
                None,
                new_prints.closeup,
                MediaStatus.DONE,
                tuple(problems),
                codecs.decode_metadata(outcome.fingerprints[codecs.METADATA])
                if codecs.METADATA in outcome.fingerprints
                else None,
            )
        )
    return CheckResult(tuple(checked), tuple(findings))


def _shows_identifiers(prints: Fingerprints) -> bool:
    """Whether a file can recycle an identifier: the archive's readings are read only then
    (an item already archived is judged by its stored reading, whatever it shows now)."""
    return prints.closeup is not None and bool(prints.closeup.identifiers)


def _with(
    readings: dict[str, CloseupReading], sha: str, new: Fingerprints
) -> dict[str, CloseupReading]:
    """``readings`` with the checked item's (archived ones keep theirs: the same bytes)."""
    if sha in readings or new.closeup is None:
        return readings
    return {**readings, sha: new.closeup}
