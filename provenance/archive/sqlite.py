"""The default archive: one SQLite file (WAL, foreign keys, versioned schema).

Writers hold an exclusive lock file beside the database for the whole run, so
one run at a time; readers (``check``, ``report``) open the database read-only
and never wait for a writer. Each write is one transaction. The schema is
versioned by forward migrations recorded in ``schema_migrations``, each applied
in its own transaction.
"""

from __future__ import annotations

import fcntl
import functools
import inspect
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ArchiveError, ArchiveLocked, ClaimConflict, SchemaVersionError
from ..model import (
    Claim,
    ClaimMedia,
    Credibility,
    Finding,
    FindingKind,
    MediaFile,
    MediaInfo,
    MediaKind,
    MediaRecord,
    MediaStatus,
    Problem,
    Rating,
    Reason,
    ScoreChange,
    Segment,
    StoredClaim,
)
from .base import (
    ANALYSIS_STAGES,
    AddOutcome,
    AddResult,
    ScoredClaim,
    matcher_family,
    matching_stage,
)

SQLITE_HEADER = b"SQLite format 3\x00"
T = TypeVar("T")


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "claims, media, fingerprints, findings, scores and their history",
        """
        CREATE TABLE claims (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            claimed_at TEXT NOT NULL,
            group_name TEXT NOT NULL,
            target TEXT,
            text TEXT,
            source TEXT,
            extra_json TEXT NOT NULL DEFAULT '{}',
            first_seen_at TEXT NOT NULL
        );
        CREATE TABLE media (
            sha256 TEXT PRIMARY KEY,
            size_bytes INTEGER NOT NULL,
            file TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
            kind TEXT CHECK (kind IN ('video', 'image')),
            width INTEGER,
            height INTEGER,
            duration_s REAL,
            fps REAL,
            codec TEXT,
            error TEXT,
            first_seen_at TEXT NOT NULL,
            processed_at TEXT
        );
        CREATE TABLE claim_media (
            claim_id TEXT NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL REFERENCES media(sha256),
            PRIMARY KEY (claim_id, position)
        );
        CREATE INDEX claim_media_sha256 ON claim_media(sha256);
        CREATE TABLE fingerprints (
            sha256 TEXT NOT NULL REFERENCES media(sha256) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            data BLOB NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (sha256, kind)
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            command TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            summary_json TEXT
        );
        CREATE TABLE findings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            claim_id TEXT NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            media_path TEXT NOT NULL,
            other_claim_id TEXT REFERENCES claims(id) ON DELETE CASCADE,
            other_media_path TEXT,
            confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
            segment_json TEXT,
            evidence_json TEXT NOT NULL DEFAULT '{}',
            run_id INTEGER REFERENCES runs(id)
        );
        CREATE INDEX findings_claim ON findings(claim_id);
        CREATE TABLE scores (
            claim_id TEXT PRIMARY KEY REFERENCES claims(id) ON DELETE CASCADE,
            score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
            rating TEXT NOT NULL,
            model TEXT NOT NULL,
            reasons_json TEXT NOT NULL,
            run_id INTEGER REFERENCES runs(id),
            computed_at TEXT NOT NULL
        );
        CREATE TABLE score_history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            claim_id TEXT NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
            score INTEGER NOT NULL,
            rating TEXT NOT NULL,
            model TEXT NOT NULL,
            top_reason TEXT,
            run_id INTEGER REFERENCES runs(id),
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX score_history_claim ON score_history(claim_id);
        """,
    ),
    Migration(
        2,
        "media matches, kept between runs so a run matches only new media",
        """
        CREATE TABLE media_matches (
            sha256 TEXT NOT NULL REFERENCES media(sha256) ON DELETE CASCADE,
            other_sha256 TEXT NOT NULL REFERENCES media(sha256) ON DELETE CASCADE,
            match_json TEXT NOT NULL,
            PRIMARY KEY (sha256, other_sha256)
        );
        CREATE TABLE media_matched (
            sha256 TEXT PRIMARY KEY REFERENCES media(sha256) ON DELETE CASCADE,
            matcher TEXT NOT NULL,
            run_id INTEGER REFERENCES runs(id),
            matched_at TEXT NOT NULL
        );
        """,
    ),
    Migration(
        3,
        "matches of several matchers (copies, other angles), each kept between runs",
        """
        CREATE TABLE matches (
            family TEXT NOT NULL,
            sha256 TEXT NOT NULL REFERENCES media(sha256) ON DELETE CASCADE,
            other_sha256 TEXT NOT NULL REFERENCES media(sha256) ON DELETE CASCADE,
            match_json TEXT NOT NULL,
            PRIMARY KEY (family, sha256, other_sha256)
        );
        CREATE TABLE matched (
            family TEXT NOT NULL,
            sha256 TEXT NOT NULL REFERENCES media(sha256) ON DELETE CASCADE,
            matcher TEXT NOT NULL,
            run_id INTEGER REFERENCES runs(id),
            matched_at TEXT NOT NULL,
            PRIMARY KEY (family, sha256)
        );
        INSERT INTO matches SELECT 'copies', sha256, other_sha256, match_json FROM media_matches;
        INSERT INTO matched SELECT 'copies', sha256, matcher, run_id, matched_at FROM media_matched;
        DROP TABLE media_matches;
        DROP TABLE media_matched;
        """,
    ),
    Migration(
        4,
        "whose failure (the footage's or ours), how much of a video decoded, failed stages",
        """
        ALTER TABLE media ADD COLUMN failure TEXT
            CHECK (failure IS NULL OR failure IN ('unreadable', 'internal_error'));
        ALTER TABLE media ADD COLUMN decoded_s REAL;
        ALTER TABLE media ADD COLUMN incomplete TEXT;
        UPDATE media SET failure = 'internal_error'
            WHERE status = 'failed' AND error LIKE 'unexpected %';
        UPDATE media SET failure = 'unreadable' WHERE status = 'failed' AND failure IS NULL;
        CREATE TABLE problems (
            sha256 TEXT NOT NULL REFERENCES media(sha256) ON DELETE CASCADE,
            stage TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('unreadable', 'internal_error')),
            reason TEXT NOT NULL,
            run_id INTEGER REFERENCES runs(id),
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (sha256, stage)
        );
        """,
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def format_utc(moment: datetime) -> str:
    """Fixed-width UTC timestamp, so that text order is time order."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def _sqlite_errors_named(cls: type[T]) -> type[T]:
    """Every public method of ``cls``: an SQLite error becomes an :class:`ArchiveError`.

    Writes already map theirs in :meth:`SQLiteArchive.transaction`; this
    covers the reads (a corrupt page found by a SELECT), so no SQLite error
    ever leaves the archive as a traceback.
    """
    for name, method in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(method):
            continue
        if name in ("transaction", "snapshot", "close"):
            continue
        setattr(cls, name, _named(method))
    return cls


def _named(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def guarded(self: SQLiteArchive, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise _read_error(self.path, exc) from exc

    return guarded


@_sqlite_errors_named
class SQLiteArchive:
    """An archive in one SQLite file. Use :func:`open_sqlite` to get one."""

    def __init__(self, path: Path, connection: sqlite3.Connection, lock: _LockFile | None):
        self.path = str(path)
        self._db = connection
        self._lock = lock
        self.writable = lock is not None

    # -- lifecycle -----------------------------------------------------------------

    def close(self) -> None:
        try:
            self._db.close()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> SQLiteArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception.

        Every SQLite failure (disk full, I/O error, a corrupt page, a broken
        constraint) becomes an :class:`ArchiveError` naming the archive: the
        step is rolled back, what earlier transactions stored stays.
        """
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _write_error(self.path, exc) from exc
        try:
            yield self._db
        except sqlite3.Error as exc:
            self._rollback()
            raise _write_error(self.path, exc) from exc
        except BaseException:
            self._rollback()
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise _write_error(self.path, exc) from exc

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every read inside sees the archive as one moment.

        A report taken while ``rescore`` saves its results shows either the
        run before or the run after, never a mix (WAL readers keep their
        snapshot until the transaction ends).
        """
        if self._db.in_transaction:
            yield
            return
        try:
            self._db.execute("BEGIN")
        except sqlite3.Error as exc:
            raise _read_error(self.path, exc) from exc
        try:
            yield
        finally:
            self._rollback()

    def _rollback(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:  # the connection is broken: SQLite rolls back on close
            pass

    # -- claims and media ----------------------------------------------------------

    def add_claim(self, claim: Claim, media: Sequence[MediaFile]) -> AddResult:
        """Store a claim and its media in one transaction.

        The same claim again is ``UNCHANGED``; the same id with other content
        raises :class:`ClaimConflict` and leaves the archive as it was.
        """
        existing = self.claim(claim.id)
        if existing is not None:
            differences = _claim_differences(existing, claim, media)
            if differences:
                raise ClaimConflict(
                    None,
                    f"claim {claim.id!r} is already in the archive with a different "
                    f"{', '.join(differences)}; the archived claim was kept unchanged",
                )
            return AddResult(AddOutcome.UNCHANGED, ())
        now = format_utc(utc_now())
        new_media: list[str] = []
        with self.transaction() as db:
            for item in media:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO media (sha256, size_bytes, file, status, first_seen_at)"
                    " VALUES (?, ?, ?, 'pending', ?)",
                    (item.sha256, item.size_bytes, str(item.file), now),
                )
                if cursor.rowcount:
                    new_media.append(item.sha256)
            db.execute(
                "INSERT INTO claims (id, claimed_at, group_name, target, text, source,"
                " extra_json, first_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    claim.id,
                    format_utc(claim.claimed_at),
                    claim.group,
                    claim.target,
                    claim.text,
                    claim.source,
                    _dump(claim.extra),
                    now,
                ),
            )
            self._insert_claim_media(db, claim.id, media)
        return AddResult(AddOutcome.ADDED, tuple(dict.fromkeys(new_media)))

    def _insert_claim_media(
        self, db: sqlite3.Connection, claim_id: str, media: Sequence[MediaFile]
    ) -> None:
        db.executemany(
            "INSERT INTO claim_media (claim_id, position, path, sha256) VALUES (?, ?, ?, ?)",
            [(claim_id, i, m.path, m.sha256) for i, m in enumerate(media)],
        )

    def claims(self) -> list[StoredClaim]:
        """Every claim, earliest first (by claimed_at, then first seen)."""
        media = self._claim_media()
        rows = self._db.execute("SELECT * FROM claims ORDER BY claimed_at, seq").fetchall()
        return [_stored_claim(row, media.get(row["id"], ())) for row in rows]

    def claim(self, claim_id: str) -> StoredClaim | None:
        row = self._db.execute("SELECT * FROM claims WHERE id = ?", (claim_id,)).fetchone()
        if row is None:
            return None
        return _stored_claim(row, self._claim_media(claim_id).get(claim_id, ()))

    def _claim_media(self, claim_id: str | None = None) -> dict[str, tuple[ClaimMedia, ...]]:
        sql = "SELECT claim_id, path, sha256 FROM claim_media"
        args: tuple[Any, ...] = ()
        if claim_id is not None:
            sql += " WHERE claim_id = ?"
            args = (claim_id,)
        grouped: dict[str, list[ClaimMedia]] = {}
        for row in self._db.execute(sql + " ORDER BY claim_id, position", args):
            grouped.setdefault(row["claim_id"], []).append(ClaimMedia(row["path"], row["sha256"]))
        return {k: tuple(v) for k, v in grouped.items()}

    def media_holders(self, sha256: str) -> list[tuple[str, str]]:
        """(claim id, path) of every claim holding these bytes, earliest claim first."""
        rows = self._db.execute(
            "SELECT c.id, cm.path FROM claim_media cm JOIN claims c ON c.id = cm.claim_id"
            " WHERE cm.sha256 = ? ORDER BY c.claimed_at, c.seq, cm.position",
            (sha256,),
        )
        return [(row[0], row[1]) for row in rows]

    def media(self, sha256: str) -> MediaRecord | None:
        row = self._db.execute("SELECT * FROM media WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else _media_record(row, self._problems(sha256).get(sha256, ()))

    def all_media(self) -> list[MediaRecord]:
        problems = self._problems()
        rows = self._db.execute("SELECT * FROM media ORDER BY first_seen_at, sha256")
        return [_media_record(row, problems.get(row["sha256"], ())) for row in rows]

    def pending_media(self) -> list[MediaRecord]:
        """Media to analyse: never analysed, or failed (wholly or in part) by our own code.

        What our own code failed on is tried again at every run (a fixed bug
        then fixes the record); footage that cannot be decoded is not.
        """
        problems = self._problems()
        rows = self._db.execute(
            "SELECT * FROM media WHERE status = 'pending'"
            " OR (status = 'failed' AND failure = 'internal_error')"
            " OR (status = 'done' AND sha256 IN (SELECT sha256 FROM problems"
            "     WHERE kind = 'internal_error' AND stage IN (SELECT value FROM json_each(?))))"
            " ORDER BY first_seen_at, sha256",
            (_dump(list(ANALYSIS_STAGES)),),
        )
        return [_media_record(row, problems.get(row["sha256"], ())) for row in rows]

    def _problems(self, sha256: str | None = None) -> dict[str, tuple[Problem, ...]]:
        sql = "SELECT sha256, stage, kind, reason FROM problems"
        args: tuple[Any, ...] = ()
        if sha256 is not None:
            sql += " WHERE sha256 = ?"
            args = (sha256,)
        grouped: dict[str, list[Problem]] = {}
        for row in self._db.execute(sql + " ORDER BY sha256, stage", args):
            grouped.setdefault(row["sha256"], []).append(
                Problem(row["stage"], MediaStatus(row["kind"]), row["reason"])
            )
        return {k: tuple(v) for k, v in grouped.items()}

    def record_media_info(
        self,
        sha256: str,
        info: MediaInfo,
        fingerprints: Mapping[str, bytes] | None = None,
        problems: Sequence[Problem] = (),
        run_id: int | None = None,
    ) -> None:
        """Mark a media item analysed, with its fingerprints and the stages that
        failed (replacing the analysis problems of earlier runs), in one transaction."""
        now = format_utc(utc_now())
        with self.transaction() as db:
            db.execute(
                "UPDATE media SET status = 'done', kind = ?, width = ?, height = ?,"
                " duration_s = ?, fps = ?, codec = ?, decoded_s = ?, incomplete = ?,"
                " error = NULL, failure = NULL, processed_at = ? WHERE sha256 = ?",
                (
                    info.kind.value,
                    info.width,
                    info.height,
                    info.duration_s,
                    info.fps,
                    info.codec,
                    info.decoded_s,
                    info.incomplete,
                    now,
                    sha256,
                ),
            )
            db.executemany(
                "INSERT OR REPLACE INTO fingerprints (sha256, kind, data, created_at)"
                " VALUES (?, ?, ?, ?)",
                [(sha256, kind, data, now) for kind, data in (fingerprints or {}).items()],
            )
            self._replace_problems(db, sha256, ANALYSIS_STAGES, problems, run_id, now)

    def record_media_failure(
        self,
        sha256: str,
        reason: str,
        kind: MediaStatus = MediaStatus.UNREADABLE,
        run_id: int | None = None,
    ) -> None:
        """Mark a media item failed: ``UNREADABLE`` footage, or an ``INTERNAL_ERROR`` of ours."""
        if not kind.failed:
            raise ValueError(f"{kind} is not a failure")
        now = format_utc(utc_now())
        with self.transaction() as db:
            db.execute(
                "UPDATE media SET status = 'failed', failure = ?, error = ?, processed_at = ?"
                " WHERE sha256 = ?",
                (kind.value, reason, now, sha256),
            )
            self._replace_problems(db, sha256, ANALYSIS_STAGES, (), run_id, now)

    def _replace_problems(
        self,
        db: sqlite3.Connection,
        sha256: str,
        stages: Sequence[str],
        problems: Sequence[Problem],
        run_id: int | None,
        now: str,
    ) -> None:
        """The problems of ``stages`` of one item become ``problems`` (all in those stages)."""
        for problem in problems:
            if problem.stage not in stages:
                raise ValueError(f"stage {problem.stage!r} is not one of {stages}")
        db.executemany(
            "DELETE FROM problems WHERE sha256 = ? AND stage = ?",
            [(sha256, stage) for stage in stages],
        )
        db.executemany(
            "INSERT INTO problems (sha256, stage, kind, reason, run_id, recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(sha256, p.stage, p.kind.value, p.reason, run_id, now) for p in problems],
        )

    # -- fingerprints --------------------------------------------------------------

    def fingerprint(self, sha256: str, kind: str) -> bytes | None:
        row = self._db.execute(
            "SELECT data FROM fingerprints WHERE sha256 = ? AND kind = ?", (sha256, kind)
        ).fetchone()
        return None if row is None else bytes(row["data"])

    def fingerprints(self, kind: str) -> dict[str, bytes]:
        """Every fingerprint of ``kind``, by sha256."""
        rows = self._db.execute("SELECT sha256, data FROM fingerprints WHERE kind = ?", (kind,))
        return {row["sha256"]: bytes(row["data"]) for row in rows}

    # -- media matches ---------------------------------------------------------------
    # A matcher is named "<family>-v<version>": a new version matches every item again.

    def unmatched_media(self, matcher: str) -> list[str]:
        """Fingerprinted media not yet matched against the archive by ``matcher``."""
        rows = self._db.execute(
            "SELECT m.sha256 FROM media m"
            " LEFT JOIN matched d ON d.sha256 = m.sha256 AND d.family = ?"
            " WHERE m.status = 'done' AND (d.matcher IS NULL OR d.matcher != ?)"
            " ORDER BY m.first_seen_at, m.sha256",
            (matcher_family(matcher), matcher),
        )
        return [row["sha256"] for row in rows]

    def record_matches(
        self,
        sha256: str,
        matches: Mapping[str, str],
        matcher: str,
        run_id: int,
        *,
        problems: Sequence[Problem] = (),
    ) -> None:
        """Replace what ``matcher`` matched ``sha256`` to (other sha256 -> JSON), at once.

        ``problems`` are the pairs (or the whole item) the matcher failed on;
        with any, what was found is kept but the item stays unmatched, so the
        next run matches it again.
        """
        family = matcher_family(matcher)
        now = format_utc(utc_now())
        with self.transaction() as db:
            db.execute("DELETE FROM matches WHERE family = ? AND sha256 = ?", (family, sha256))
            db.executemany(
                "INSERT INTO matches (family, sha256, other_sha256, match_json)"
                " VALUES (?, ?, ?, ?)",
                [(family, sha256, other, data) for other, data in matches.items()],
            )
            self._replace_problems(db, sha256, (matching_stage(matcher),), problems, run_id, now)
            if problems:
                db.execute("DELETE FROM matched WHERE family = ? AND sha256 = ?", (family, sha256))
                return
            db.execute(
                "INSERT OR REPLACE INTO matched (family, sha256, matcher, run_id, matched_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (family, sha256, matcher, run_id, now),
            )

    def media_matches(self, matcher: str) -> list[tuple[str, str, str]]:
        """Every stored match of ``matcher``'s family: (sha256, other sha256, JSON), in order."""
        rows = self._db.execute(
            "SELECT sha256, other_sha256, match_json FROM matches WHERE family = ?"
            " ORDER BY sha256, other_sha256",
            (matcher_family(matcher),),
        )
        return [(row["sha256"], row["other_sha256"], row["match_json"]) for row in rows]

    # -- findings and scores -------------------------------------------------------

    def save_results(
        self, run_id: int, findings: Iterable[Finding], scores: Iterable[ScoredClaim]
    ) -> list[ScoreChange]:
        """Replace all findings and current scores; history gains changed scores only."""
        now = format_utc(utc_now())
        changes: list[ScoreChange] = []
        with self.transaction() as db:
            db.execute("DELETE FROM findings")
            db.executemany(
                "INSERT INTO findings (claim_id, kind, media_path, other_claim_id,"
                " other_media_path, confidence, segment_json, evidence_json, run_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        f.claim_id,
                        f.kind.value,
                        f.media,
                        f.other_claim,
                        f.other_media,
                        f.confidence,
                        None if f.segment is None else _dump(_segment_dict(f.segment)),
                        _dump(f.evidence),
                        run_id,
                    )
                    for f in findings
                ],
            )
            previous = {
                row["claim_id"]: (row["score"], row["rating"], row["model"])
                for row in db.execute("SELECT claim_id, score, rating, model FROM scores")
            }
            for scored in scores:
                cred = scored.credibility
                reasons = [
                    {"code": r.code, "effect": r.effect, "text": r.text} for r in cred.reasons
                ]
                db.execute(
                    "INSERT OR REPLACE INTO scores (claim_id, score, rating, model, reasons_json,"
                    " run_id, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        scored.claim_id,
                        cred.score,
                        cred.rating.value,
                        cred.model,
                        _dump(reasons),
                        run_id,
                        now,
                    ),
                )
                old = previous.get(scored.claim_id)
                if old == (cred.score, cred.rating.value, cred.model):
                    continue
                top = cred.top_reason
                db.execute(
                    "INSERT INTO score_history (claim_id, score, rating, model, top_reason,"
                    " run_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        scored.claim_id,
                        cred.score,
                        cred.rating.value,
                        cred.model,
                        top.text if top else None,
                        run_id,
                        now,
                    ),
                )
                changes.append(
                    ScoreChange(
                        scored.claim_id,
                        None if old is None else old[0],
                        cred.score,
                        top.text if top else None,
                    )
                )
        return changes

    def findings(self, claim_id: str | None = None) -> list[Finding]:
        sql = "SELECT * FROM findings"
        args: tuple[Any, ...] = ()
        if claim_id is not None:
            sql += " WHERE claim_id = ?"
            args = (claim_id,)
        return [_finding(row) for row in self._db.execute(sql + " ORDER BY id", args)]

    def score(self, claim_id: str) -> Credibility | None:
        row = self._db.execute("SELECT * FROM scores WHERE claim_id = ?", (claim_id,)).fetchone()
        if row is None:
            return None
        reasons = tuple(Reason(**r) for r in json.loads(row["reasons_json"]))
        return Credibility(row["score"], Rating(row["rating"]), reasons, row["model"])

    def score_history(self, claim_id: str) -> list[tuple[str, int, str]]:
        rows = self._db.execute(
            "SELECT recorded_at, score, rating FROM score_history WHERE claim_id = ? ORDER BY id",
            (claim_id,),
        )
        return [(r["recorded_at"], r["score"], r["rating"]) for r in rows]

    # -- runs ------------------------------------------------------------------------

    def start_run(self, command: str) -> int:
        """Record a new run; runs left 'running' died (we hold the lock): mark them."""
        with self.transaction() as db:
            db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            cursor = db.execute(
                "INSERT INTO runs (command, started_at) VALUES (?, ?)",
                (command, format_utc(utc_now())),
            )
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, summary: dict) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, summary_json = ? WHERE id = ?",
                (format_utc(utc_now()), status, _dump(summary), run_id),
            )

    def schema_version(self) -> int:
        return _applied_version(self._db)


# -- opening ---------------------------------------------------------------------------


def open_sqlite(path: str | Path, *, write: bool, create: bool = False) -> SQLiteArchive:
    """Open (and for writers, lock and migrate) the archive at ``path``.

    Only ``create=True`` (``ingest``) makes a new archive where there is none:
    every other command refuses a path that holds none, and creates nothing
    (a typo must not look like an empty archive). Raises :class:`ArchiveError`
    (or its kinds) with the reason when the file cannot serve as an archive;
    the file is then left exactly as it was.
    """
    path = Path(path)
    _check_file(path, write=write, create=create)
    lock = _LockFile.acquire(path) if write else None
    try:
        db = _connect(path, write=write)
        try:
            _prepare(db, path, write=write)
        except BaseException:
            db.close()
            raise
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    return SQLiteArchive(path, db, lock)


def _check_file(path: Path, *, write: bool, create: bool) -> None:
    if path.exists():
        if not path.is_file():
            raise ArchiveError(path, "not a file")
        try:
            with open(path, "rb") as fh:
                header = fh.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise ArchiveError(path, f"cannot read the archive ({exc.strerror or exc})") from exc
        if header and header != SQLITE_HEADER:
            raise ArchiveError(path, "not a provenance archive (not an SQLite database)")
        if write and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            raise ArchiveError(path, "the archive is read-only (file or its folder not writable)")
    elif write and create:
        if not path.parent.is_dir():
            raise ArchiveError(path, f"folder {path.parent} does not exist")
        if not os.access(path.parent, os.W_OK):
            raise ArchiveError(
                path, f"cannot create the archive: folder {path.parent} is read-only"
            )
    else:
        raise ArchiveError(path, "no archive here (create one with `provenance ingest`)")


def _connect(path: Path, *, write: bool) -> sqlite3.Connection:
    try:
        if write:
            db = sqlite3.connect(path, isolation_level=None, timeout=10)
        else:
            db = sqlite3.connect(
                f"{path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=10
            )
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(path, f"cannot open the archive ({exc})") from exc
    return db


def _prepare(db: sqlite3.Connection, path: Path, *, write: bool) -> None:
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "schema_migrations" not in tables:
            raise ArchiveError(path, "an SQLite database, but not a provenance archive")
        version = _applied_version(db) if tables else 0
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                path,
                f"archive schema version {version} is newer than this provenance "
                f"understands ({SCHEMA_VERSION}); upgrade provenance",
            )
        if version < SCHEMA_VERSION and not write:
            raise ArchiveError(
                path,
                f"archive schema version {version} is older than {SCHEMA_VERSION}; "
                "run `provenance rescore` once to migrate it",
            )
        if write:
            # Only now that the file is known to be ours may it change.
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: consistent after any crash
            _migrate(db, version)
        db.execute("SELECT count(*) FROM claims").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(path, f"the archive is corrupt or unreadable ({exc})") from exc


def _applied_version(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def _migrate(db: sqlite3.Connection, current: int) -> None:
    """Apply each pending migration in its own transaction, recording it."""
    if current == 0:
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            " description TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(migration.sql):
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.description, format_utc(utc_now())),
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (executescript would COMMIT)."""
    return [s.strip() for s in sql.split(";") if s.strip()]


class _LockFile:
    """An exclusive advisory lock on ``<archive>.lock``; the OS frees it if we die."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, archive: Path) -> _LockFile:
        lock_path = archive.with_name(archive.name + ".lock")
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ArchiveError(archive, f"cannot create the lock file ({exc.strerror})") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise ArchiveLocked(
                archive, f"another provenance run holds the archive{who}; try again when it ends"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        return cls(fd)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# -- row conversion ------------------------------------------------------------------


def _write_error(path: str | Path, exc: sqlite3.Error) -> ArchiveError:
    return ArchiveError(path, f"cannot write the archive ({exc}); this step was rolled back")


def _read_error(path: str | Path, exc: sqlite3.Error) -> ArchiveError:
    return ArchiveError(path, f"cannot read the archive ({exc}); it may be damaged")


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _stored_claim(row: sqlite3.Row, media: tuple[ClaimMedia, ...]) -> StoredClaim:
    claim = Claim(
        id=row["id"],
        claimed_at=parse_utc(row["claimed_at"]),
        group=row["group_name"],
        media=tuple(m.path for m in media),
        target=row["target"],
        text=row["text"],
        source=row["source"],
        extra=json.loads(row["extra_json"]),
    )
    return StoredClaim(claim, row["seq"], parse_utc(row["first_seen_at"]), media)


def _claim_differences(
    existing: StoredClaim, claim: Claim, media: Sequence[MediaFile]
) -> list[str]:
    old = existing.claim
    differences = [
        name
        for name in ("claimed_at", "group", "target", "text", "source")
        if getattr(old, name) != getattr(claim, name)
    ]
    if _dump(old.extra) != _dump(claim.extra):
        differences.append("extra fields")
    if [(m.path, m.sha256) for m in existing.media] != [(m.path, m.sha256) for m in media]:
        differences.append("media (paths or file contents)")
    return differences


def _media_record(row: sqlite3.Row, problems: tuple[Problem, ...] = ()) -> MediaRecord:
    info = None
    if row["kind"] is not None:
        info = MediaInfo(
            kind=MediaKind(row["kind"]),
            width=row["width"],
            height=row["height"],
            duration_s=row["duration_s"],
            fps=row["fps"],
            codec=row["codec"],
            decoded_s=row["decoded_s"],
            incomplete=row["incomplete"],
        )
    status = MediaStatus.PENDING if row["status"] == "pending" else MediaStatus.DONE
    if row["status"] == "failed":
        status = MediaStatus(row["failure"] or MediaStatus.UNREADABLE.value)
    return MediaRecord(
        sha256=row["sha256"],
        size_bytes=row["size_bytes"],
        file=row["file"],
        status=status,
        info=info,
        error=row["error"],
        problems=problems,
    )


def _segment_dict(segment: Segment) -> dict[str, float]:
    return {
        "start_s": segment.start_s,
        "end_s": segment.end_s,
        "other_start_s": segment.other_start_s,
        "other_end_s": segment.other_end_s,
    }


def _finding(row: sqlite3.Row) -> Finding:
    segment = None
    if row["segment_json"]:
        segment = Segment(**json.loads(row["segment_json"]))
    return Finding(
        kind=FindingKind(row["kind"]),
        claim_id=row["claim_id"],
        media=row["media_path"],
        confidence=row["confidence"],
        other_claim=row["other_claim_id"],
        other_media=row["other_media_path"],
        segment=segment,
        evidence=json.loads(row["evidence_json"]),
    )
