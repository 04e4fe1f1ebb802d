"""Claim storage: the :class:`Archive` interface and its SQLite implementation."""

from __future__ import annotations

from pathlib import Path

from ._schema import SCHEMA_VERSION
from .base import ANALYSIS_STAGES, AddOutcome, AddResult, Archive, ScoredClaim, matching_stage
from .sqlite import SQLiteArchive, open_sqlite

DEFAULT_ARCHIVE = "provenance.db"


def open_archive(path: str | Path, *, write: bool, create: bool = False) -> SQLiteArchive:
    """Open the archive at ``path``; writers get the run lock and migrations.

    Only ``create=True`` makes a new archive where there is none.
    """
    return open_sqlite(path, write=write, create=create)


__all__ = [
    "ANALYSIS_STAGES",
    "DEFAULT_ARCHIVE",
    "SCHEMA_VERSION",
    "AddOutcome",
    "AddResult",
    "Archive",
    "SQLiteArchive",
    "ScoredClaim",
    "matching_stage",
    "open_archive",
]
