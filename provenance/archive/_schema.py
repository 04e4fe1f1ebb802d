"""The archive's schema: forward migrations, each recorded and applied in its own transaction.

A new version appends a :class:`Migration`; an archive written by a newer
version is refused, an older one is migrated by the next writing command.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ._rows import format_utc, utc_now


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
    Migration(
        5,
        "fingerprint writes numbered, the archive named: a persisted index knows it is stale",
        """
        ALTER TABLE fingerprints ADD COLUMN seq INTEGER;
        CREATE TABLE fingerprint_epoch (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            n INTEGER NOT NULL,
            archive TEXT NOT NULL
        );
        UPDATE fingerprints SET seq = rowid;
        INSERT INTO fingerprint_epoch VALUES (
            1, (SELECT coalesce(max(rowid), 0) FROM fingerprints), lower(hex(randomblob(16)))
        );
        CREATE TRIGGER fingerprint_written AFTER INSERT ON fingerprints BEGIN
            UPDATE fingerprint_epoch SET n = n + 1;
            UPDATE fingerprints SET seq = (SELECT n FROM fingerprint_epoch) WHERE rowid = NEW.rowid;
        END;
        CREATE TRIGGER fingerprint_rewritten AFTER UPDATE OF sha256, kind, data ON fingerprints
        BEGIN
            UPDATE fingerprint_epoch SET n = n + 1;
            UPDATE fingerprints SET seq = (SELECT n FROM fingerprint_epoch) WHERE rowid = NEW.rowid;
        END;
        CREATE TRIGGER fingerprint_removed AFTER DELETE ON fingerprints BEGIN
            UPDATE fingerprint_epoch SET n = n + 1;
        END;
        """,
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version


def applied_version(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(db: sqlite3.Connection, current: int) -> None:
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
            for statement in statements(migration.sql):
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.description, format_utc(utc_now())),
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def statements(sql: str) -> list[str]:
    """Split a migration script into statements (executescript would COMMIT); a
    trigger's body keeps its own semicolons."""
    found: list[str] = []
    pending = ""
    for piece in sql.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending.strip().rstrip(";").strip())
            pending = ""
    if pending.strip(" \n;"):
        found.append(pending.strip().rstrip(";").strip())
    return found
