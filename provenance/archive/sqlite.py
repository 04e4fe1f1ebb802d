"""The default archive: one SQLite file (WAL, foreign keys, versioned schema).

Writers hold an exclusive lock file beside the database for the whole run, so
one run at a time; readers (``check``, ``report``) open the database read-only
and never wait for a writer. Each write is one transaction. The schema is
versioned by forward migrations recorded in ``schema_migrations``, each applied
in its own transaction. Claims and media live in :mod:`._claims`; here are
fingerprints, matches, findings, scores and runs, and how an archive is opened.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ArchiveError, SchemaVersionError
from ..model import (
    Credibility,
    Finding,
    Problem,
    Rating,
    Reason,
    ScoreChange,
)
from . import _rows, _schema
from ._claims import ClaimsAndMedia
from ._connection import sqlite_errors_named
from ._lock import LockFile
from .base import (
    ScoredClaim,
    matcher_family,
    matching_stage,
)

SQLITE_HEADER = b"SQLite format 3\x00"
T = TypeVar("T")


@sqlite_errors_named
class SQLiteArchive(ClaimsAndMedia):
    """An archive in one SQLite file. Use :func:`open_sqlite` to get one."""

    # -- fingerprints --------------------------------------------------------------

    def fingerprint(self, sha256: str, kind: str) -> bytes | None:
        row = self._db.execute(
            "SELECT data FROM fingerprints WHERE sha256 = ? AND kind = ?", (sha256, kind)
        ).fetchone()
        return None if row is None else bytes(row["data"])

    def item_fingerprints(self, sha256: str, kinds: Sequence[str]) -> dict[str, bytes]:
        """One item's fingerprints of ``kinds`` that it has, by kind, in one query."""
        marks = ",".join("?" * len(kinds))
        rows = self._db.execute(
            f"SELECT kind, data FROM fingerprints WHERE sha256 = ? AND kind IN ({marks})",
            (sha256, *kinds),
        )
        return {row["kind"]: bytes(row["data"]) for row in rows}

    def add_fingerprint(self, sha256: str, kind: str, data: bytes) -> None:
        """Store one more kind for an analysed item (what a newer version reads of old items)."""
        now = _rows.format_utc(_rows.utc_now())
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO fingerprints (sha256, kind, data, created_at)"
                " VALUES (?, ?, ?, ?)",
                (sha256, kind, data, now),
            )

    def fingerprints(self, kind: str) -> dict[str, bytes]:
        """Every fingerprint of ``kind``, by sha256."""
        rows = self._db.execute("SELECT sha256, data FROM fingerprints WHERE kind = ?", (kind,))
        return {row["sha256"]: bytes(row["data"]) for row in rows}

    def fingerprint_epoch(self) -> tuple[str, int] | None:
        """This archive's name and a number that changes with every fingerprint written or
        removed (None in an archive not yet migrated to keep them): what a persisted index
        was built at. An archive made again at the same path has another name."""
        try:
            row = self._db.execute("SELECT archive, n FROM fingerprint_epoch").fetchone()
        except sqlite3.OperationalError:  # an older schema, opened read-only
            return None
        return None if row is None else (str(row[0]), int(row[1]))

    def fingerprint_seqs(self, kinds: Sequence[str]) -> dict[str, int]:
        """Per item holding the first of ``kinds``, the sequence number of its latest
        write of any of them: an item whose number is unchanged holds the same bytes."""
        marks = ",".join("?" * len(kinds))
        rows = self._db.execute(
            f"SELECT sha256, max(seq) FROM fingerprints WHERE kind IN ({marks})"
            " GROUP BY sha256 HAVING sum(kind = ?) > 0",
            (*kinds, kinds[0]),
        )
        return {sha: int(seq) for sha, seq in rows}

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
        now = _rows.format_utc(_rows.utc_now())
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
        now = _rows.format_utc(_rows.utc_now())
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
                        None if f.segment is None else _rows.dump(_rows.segment_dict(f.segment)),
                        _rows.dump(f.evidence.to_dict()),
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
                        _rows.dump(reasons),
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
        return [_rows.finding(row) for row in self._db.execute(sql + " ORDER BY id", args)]

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
                (command, _rows.format_utc(_rows.utc_now())),
            )
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, summary: dict) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, summary_json = ? WHERE id = ?",
                (_rows.format_utc(_rows.utc_now()), status, _rows.dump(summary), run_id),
            )

    def schema_version(self) -> int:
        return _schema.applied_version(self._db)


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
    lock = LockFile.acquire(path) if write else None
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
        version = _schema.applied_version(db) if tables else 0
        if version > _schema.SCHEMA_VERSION:
            raise SchemaVersionError(
                path,
                f"archive schema version {version} is newer than this provenance "
                f"understands ({_schema.SCHEMA_VERSION}); upgrade provenance",
            )
        if version < _schema.SCHEMA_VERSION and not write:
            raise ArchiveError(
                path,
                f"archive schema version {version} is older than {_schema.SCHEMA_VERSION}; "
                "run `provenance rescore` once to migrate it",
            )
        if write:
            # Only now that the file is known to be ours may it change.
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: consistent after any crash
            _schema.migrate(db, version)
        db.execute("SELECT count(*) FROM claims").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(path, f"the archive is corrupt or unreadable ({exc})") from exc
