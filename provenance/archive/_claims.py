"""The archive's claims and media: what was claimed, with what footage, and how it went."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from ..errors import ClaimConflict
from ..model import (
    Claim,
    ClaimMedia,
    MediaFile,
    MediaInfo,
    MediaRecord,
    MediaStatus,
    Problem,
    StoredClaim,
)
from . import _rows
from ._connection import Connection, sqlite_errors_named
from .base import (
    ANALYSIS_STAGES,
    AddOutcome,
    AddResult,
)

SQLITE_HEADER = b"SQLite format 3\x00"
T = TypeVar("T")


@sqlite_errors_named
class ClaimsAndMedia(Connection):
    """Claims, media items and the problems of their analysis (a part of :class:`SQLiteArchive`)."""

    # -- claims and media ----------------------------------------------------------

    def add_claim(self, claim: Claim, media: Sequence[MediaFile]) -> AddResult:
        """Store a claim and its media in one transaction.

        The same claim again is ``UNCHANGED``; the same id with other content
        raises :class:`ClaimConflict` and leaves the archive as it was.
        """
        existing = self.claim(claim.id)
        if existing is not None:
            differences = _rows.claim_differences(existing, claim, media)
            if differences:
                raise ClaimConflict(
                    None,
                    f"claim {claim.id!r} is already in the archive with a different "
                    f"{', '.join(differences)}; the archived claim was kept unchanged",
                )
            return AddResult(AddOutcome.UNCHANGED, ())
        now = _rows.format_utc(_rows.utc_now())
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
                    _rows.format_utc(claim.claimed_at),
                    claim.group,
                    claim.target,
                    claim.text,
                    claim.source,
                    _rows.dump(claim.extra),
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
        return [_rows.stored_claim(row, media.get(row["id"], ())) for row in rows]

    def claim(self, claim_id: str) -> StoredClaim | None:
        row = self._db.execute("SELECT * FROM claims WHERE id = ?", (claim_id,)).fetchone()
        if row is None:
            return None
        return _rows.stored_claim(row, self._claim_media(claim_id).get(claim_id, ()))

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
        if row is None:
            return None
        return _rows.media_record(row, self._problems(sha256).get(sha256, ()))

    def all_media(self) -> list[MediaRecord]:
        problems = self._problems()
        rows = self._db.execute("SELECT * FROM media ORDER BY first_seen_at, sha256")
        return [_rows.media_record(row, problems.get(row["sha256"], ())) for row in rows]

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
            (_rows.dump(list(ANALYSIS_STAGES)),),
        )
        return [_rows.media_record(row, problems.get(row["sha256"], ())) for row in rows]

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
        now = _rows.format_utc(_rows.utc_now())
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
        now = _rows.format_utc(_rows.utc_now())
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
