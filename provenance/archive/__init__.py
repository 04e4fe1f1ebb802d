"""Claim storage: the :class:`Archive` interface and its SQLite implementation."""

from __future__ import annotations

from pathlib import Path

from .base import AddOutcome, AddResult, Archive, ScoredClaim
from .sqlite import SCHEMA_VERSION, SQLiteArchive, open_sqlite

DEFAULT_ARCHIVE = "provenance.db"


def open_archive(path: str | Path, *, write: bool) -> SQLiteArchive:
    """Open the archive at ``path``; writers get the run lock and migrations."""
    return open_sqlite(path, write=write)


__all__ = [
    "DEFAULT_ARCHIVE",
    "SCHEMA_VERSION",
    "AddOutcome",
    "AddResult",
    "Archive",
    "SQLiteArchive",
    "ScoredClaim",
    "open_archive",
]
