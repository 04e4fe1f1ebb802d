import hashlib
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from provenance.archive import SCHEMA_VERSION, AddOutcome, ScoredClaim, open_archive
from provenance.archive import _schema as schema
from provenance.archive import sqlite as sqlite_archive
from provenance.errors import ArchiveError, ArchiveLocked, ClaimConflict, SchemaVersionError
from provenance.model import (
    Claim,
    Credibility,
    Finding,
    FindingKind,
    FrameHashCopy,
    Holder,
    MediaFile,
    MediaInfo,
    MediaKind,
    MediaStatus,
    Rating,
    Reason,
    Segment,
)


def media_file(name: str, content: bytes = b"") -> MediaFile:
    data = content or name.encode()
    return MediaFile(
        path=name,
        file=Path("/data") / name,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
    )


def make_claim(claim_id: str, media: list[MediaFile], day: int = 1, **kw: object) -> Claim:
    return Claim(
        id=claim_id,
        claimed_at=datetime(2024, 10, day, tzinfo=UTC),
        group="Brigade North",
        media=tuple(m.path for m in media),
        **kw,
    )


def snapshot(path: Path) -> dict[str, list]:
    """Every row of every table: to show an archive was left exactly as it was."""
    db = sqlite3.connect(path)
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    rows = {t: sorted(map(repr, db.execute(f'SELECT * FROM "{t}"'))) for t in tables}
    db.close()
    return rows


def test_new_archive_is_migrated_and_uses_wal(archive_path: Path) -> None:
    with open_archive(archive_path, write=True, create=True) as archive:
        assert archive.schema_version() == SCHEMA_VERSION
    db = sqlite3.connect(archive_path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    versions = db.execute("SELECT version FROM schema_migrations").fetchall()
    assert versions == [(1,), (2,), (3,), (4,), (5,)]


def test_add_claim_and_read_back(archive_path: Path) -> None:
    a, b = media_file("a.mp4"), media_file("b.jpg")
    with open_archive(archive_path, write=True, create=True) as archive:
        result = archive.add_claim(make_claim("C1", [a, b], target="port", extra={"x": 1}), [a, b])
        assert result.outcome is AddOutcome.ADDED and set(result.new_media) == {a.sha256, b.sha256}
    with open_archive(archive_path, write=False) as archive:
        stored = archive.claim("C1")
        assert stored.claim.target == "port" and stored.claim.extra == {"x": 1}
        assert [(m.path, m.sha256) for m in stored.media] == [
            ("a.mp4", a.sha256),
            ("b.jpg", b.sha256),
        ]
        assert {m.status for m in archive.pending_media()} == {MediaStatus.PENDING}


def test_same_bytes_are_one_media_item(archive_path: Path) -> None:
    a = media_file("a.mp4", b"same")
    renamed = media_file("renamed.mp4", b"same")
    with open_archive(archive_path, write=True, create=True) as archive:
        archive.add_claim(make_claim("C1", [a]), [a])
        second = archive.add_claim(make_claim("C2", [renamed], day=2), [renamed])
        assert second.new_media == ()
        assert len(archive.all_media()) == 1
        assert archive.media_holders(a.sha256) == [("C1", "a.mp4"), ("C2", "renamed.mp4")]


def test_adding_the_same_claim_again_changes_nothing(archive_path: Path) -> None:
    a = media_file("a.mp4")
    with open_archive(archive_path, write=True, create=True) as archive:
        archive.add_claim(make_claim("C1", [a]), [a])
    before = snapshot(archive_path)
    with open_archive(archive_path, write=True, create=True) as archive:
        assert archive.add_claim(make_claim("C1", [a]), [a]).outcome is AddOutcome.UNCHANGED
    assert snapshot(archive_path) == before


def test_same_id_other_content_is_a_conflict(archive_path: Path) -> None:
    a, b = media_file("a.mp4"), media_file("b.mp4")
    with open_archive(archive_path, write=True, create=True) as archive:
        archive.add_claim(make_claim("C1", [a]), [a])
        with pytest.raises(ClaimConflict, match="different claimed_at, media"):
            archive.add_claim(make_claim("C1", [b], day=3), [b])
        assert archive.claim("C1").claim.claimed_at.day == 1


def test_failure_in_the_middle_of_an_ingest_leaves_the_archive_as_it_was(
    archive_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = media_file("a.mp4"), media_file("b.mp4")
    with open_archive(archive_path, write=True, create=True) as archive:
        archive.add_claim(make_claim("C1", [a]), [a])
    before = snapshot(archive_path)

    def explode(*args: object) -> None:
        raise OSError("disk full (simulated)")

    # media and claim rows are already written when the claim's media links fail
    monkeypatch.setattr(sqlite_archive.SQLiteArchive, "_insert_claim_media", explode)
    with (
        open_archive(archive_path, write=True, create=True) as archive,
        pytest.raises(OSError, match="disk full"),
    ):
        archive.add_claim(make_claim("C2", [a, b], day=2), [a, b])
    assert snapshot(archive_path) == before


def test_second_writer_is_refused_while_a_run_holds_the_archive(archive_path: Path) -> None:
    with open_archive(archive_path, write=True, create=True):
        with pytest.raises(ArchiveLocked, match=rf"pid {os.getpid()}"):
            open_archive(archive_path, write=True, create=True)
        with open_archive(archive_path, write=False) as reader:  # readers are not blocked
            assert reader.claims() == []
    open_archive(archive_path, write=True, create=True).close()  # released on close


def test_newer_schema_is_refused_untouched(archive_path: Path) -> None:
    open_archive(archive_path, write=True, create=True).close()
    db = sqlite3.connect(archive_path)
    db.execute("INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01')")
    db.commit()
    db.close()
    before = archive_path.read_bytes()
    for write in (True, False):
        with pytest.raises(SchemaVersionError, match="version 99 is newer"):
            open_archive(archive_path, write=write)
    assert archive_path.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"definitely not sqlite\n" * 10, "not an SQLite database"),
        (b"SQLite format 3\x00" + b"\xff" * 2000, "corrupt"),
    ],
    ids=["text", "garbage-after-header"],
)
def test_non_archives_are_refused_untouched(
    archive_path: Path, content: bytes, reason: str
) -> None:
    archive_path.write_bytes(content)
    with pytest.raises(ArchiveError, match=reason):
        open_archive(archive_path, write=True, create=True)
    assert archive_path.read_bytes() == content


def test_foreign_sqlite_database_is_refused_untouched(archive_path: Path) -> None:
    db = sqlite3.connect(archive_path)
    db.execute("CREATE TABLE stuff (x)")
    db.commit()
    db.close()
    before = archive_path.read_bytes()
    with pytest.raises(ArchiveError, match="not a provenance archive"):
        open_archive(archive_path, write=True, create=True)
    assert archive_path.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files")
def test_read_only_archive_is_refused_for_writing(archive_path: Path) -> None:
    open_archive(archive_path, write=True, create=True).close()
    archive_path.chmod(0o444)
    with pytest.raises(ArchiveError, match="read-only"):
        open_archive(archive_path, write=True, create=True)


def test_read_only_archive_is_refused_for_writing_by_access_check(
    archive_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_archive(archive_path, write=True, create=True).close()
    monkeypatch.setattr(os, "access", lambda path, mode: mode != os.W_OK)
    with pytest.raises(ArchiveError, match="read-only"):
        open_archive(archive_path, write=True, create=True)


def test_missing_archive_for_reading(archive_path: Path) -> None:
    with pytest.raises(ArchiveError, match="no archive here"):
        open_archive(archive_path, write=False)
    assert not archive_path.exists()


def test_migration_from_an_older_version_keeps_data(
    archive_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = media_file("a.mp4")
    with open_archive(archive_path, write=True, create=True) as archive:
        archive.add_claim(make_claim("C1", [a]), [a])
    following = schema.SCHEMA_VERSION + 1
    extra = schema.Migration(
        following, "test: a notes column", "ALTER TABLE claims ADD COLUMN notes TEXT"
    )
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, extra))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", following)
    with pytest.raises(ArchiveError, match="older"):
        open_archive(archive_path, write=False)
    with open_archive(archive_path, write=True, create=True) as archive:
        assert archive.schema_version() == following
        assert archive.claim("C1").claim.group == "Brigade North"


def test_copy_matches_stored_before_version_3_are_kept(
    archive_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Version 3 keeps every matcher's matches in one table: version 2's copy matches move."""
    a, b = media_file("a.mp4"), media_file("b.mp4")
    version_2 = tuple(m for m in schema.MIGRATIONS if m.version <= 2)
    monkeypatch.setattr(schema, "MIGRATIONS", version_2)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 2)
    with open_archive(archive_path, write=True, create=True) as archive:
        archive.add_claim(make_claim("C1", [a, b]), [a, b])
        run = archive.start_run("rescore")
    db = sqlite3.connect(archive_path)
    with db:
        db.execute("UPDATE media SET status = 'done', kind = 'video' WHERE sha256 = ?", (a.sha256,))
        db.execute("INSERT INTO media_matches VALUES (?, ?, ?)", (a.sha256, b.sha256, '{"x": 1}'))
        db.execute(
            "INSERT INTO media_matched VALUES (?, 'copies-v1', ?, '2026-11-01T00:00:00Z')",
            (a.sha256, run),
        )
    db.close()
    monkeypatch.undo()
    with open_archive(archive_path, write=True, create=True) as archive:
        assert archive.schema_version() == SCHEMA_VERSION
        assert archive.media_matches("copies-v1") == [(a.sha256, b.sha256, '{"x": 1}')]
        assert archive.media_matches("views-v1") == []
        assert a.sha256 not in archive.unmatched_media("copies-v1")
        assert a.sha256 in archive.unmatched_media("copies-v2")  # a new version: again


def test_matchers_keep_their_own_matches(archive_path: Path) -> None:
    a, b = media_file("a.mp4"), media_file("b.mp4")
    with open_archive(archive_path, write=True, create=True) as archive:
        archive.add_claim(make_claim("C1", [a, b]), [a, b])
        run = archive.start_run("rescore")
        archive.record_matches(a.sha256, {b.sha256: "copy"}, "copies-v1", run)
        archive.record_matches(a.sha256, {b.sha256: "view"}, "views-v1", run)
        archive.record_matches(a.sha256, {}, "views-v1", run)  # replaces views only
        assert archive.media_matches("copies-v1") == [(a.sha256, b.sha256, "copy")]
        assert archive.media_matches("views-v1") == []


def copy_finding() -> Finding:
    """C2's b.mp4 repeats C1's a.mp4."""
    return Finding(
        FindingKind.COPY,
        "C2",
        "b.mp4",
        0.9,
        "C1",
        "a.mp4",
        Segment(1.0, 2.0, 3.0, 4.0),
        evidence=FrameHashCopy(3, 2.5, 1.25, 1.0, "hflip", (Holder("C0", "c.mp4"),)),
    )


def cred(score: int, code: str = "copy_of_earlier_claim") -> Credibility:
    return Credibility(score, Rating.LOW, (Reason(code, -40, "why"),), "v1")


def test_score_history_gains_a_row_only_when_a_score_changes(archive_path: Path) -> None:
    a, b = media_file("a.mp4"), media_file("b.mp4")
    finding = copy_finding()
    with open_archive(archive_path, write=True, create=True) as archive:
        archive.add_claim(make_claim("C1", [a]), [a])
        archive.add_claim(make_claim("C2", [b], day=2), [b])
        run = archive.start_run("rescore")
        first = archive.save_results(
            run, [finding], [ScoredClaim("C1", cred(70)), ScoredClaim("C2", cred(30))]
        )
        assert [(c.claim_id, c.old, c.new) for c in first] == [("C1", None, 70), ("C2", None, 30)]
        again = archive.save_results(
            run, [finding], [ScoredClaim("C1", cred(70)), ScoredClaim("C2", cred(30))]
        )
        assert again == []
        moved = archive.save_results(
            run, [], [ScoredClaim("C1", cred(70)), ScoredClaim("C2", cred(50))]
        )
        assert [(c.claim_id, c.old, c.new) for c in moved] == [("C2", 30, 50)]
        assert [s for _, s, _ in archive.score_history("C2")] == [30, 50]
        assert archive.findings() == []
        assert archive.score("C2").score == 50


def test_findings_round_trip(archive_path: Path) -> None:
    a, b = media_file("a.mp4"), media_file("b.mp4")
    finding = copy_finding()
    with open_archive(archive_path, write=True, create=True) as archive:
        archive.add_claim(make_claim("C1", [a]), [a])
        archive.add_claim(make_claim("C2", [b], day=2), [b])
        archive.save_results(archive.start_run("rescore"), [finding], [])
        assert archive.findings("C2") == [finding]


def test_media_outcomes_and_fingerprints(archive_path: Path) -> None:
    a, b = media_file("a.mp4"), media_file("b.mp4")
    info = MediaInfo(MediaKind.VIDEO, 640, 360, 8.0, 15.0, "h264")
    with open_archive(archive_path, write=True, create=True) as archive:
        archive.add_claim(make_claim("C1", [a, b]), [a, b])
        archive.record_media_info(a.sha256, info, {"phash64": b"\x01\x02"})
        archive.record_media_failure(b.sha256, "truncated")
        assert archive.media(a.sha256).info == info
        assert archive.media(b.sha256).error == "truncated"
        assert archive.pending_media() == []
        assert archive.fingerprint(a.sha256, "phash64") == b"\x01\x02"
        assert archive.fingerprints("phash64") == {a.sha256: b"\x01\x02"}


def test_interrupted_run_is_marked_by_the_next(archive_path: Path) -> None:
    with open_archive(archive_path, write=True, create=True) as archive:
        archive.start_run("rescore")  # never finished: the process "died"
    with open_archive(archive_path, write=True, create=True) as archive:
        archive.start_run("rescore")
    db = sqlite3.connect(archive_path)
    assert [r[0] for r in db.execute("SELECT status FROM runs ORDER BY id")] == [
        "interrupted",
        "running",
    ]
