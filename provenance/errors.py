"""One error tree for every failure a user can meet.

Each error names the file it is about and the reason, so the CLI can print a
clean message and batch code can record a failure per item and go on.
``ValueError``/``TypeError`` stay reserved for programming mistakes.
"""

from __future__ import annotations

from pathlib import Path


class ProvenanceError(Exception):
    """Base of all expected failures: ``path`` is what failed, ``reason`` why."""

    def __init__(self, path: str | Path | None, reason: str) -> None:
        self.path = None if path is None else str(path)
        self.reason = reason
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


class ManifestError(ProvenanceError):
    """A manifest, or one line of it, cannot be taken. ``line`` is 1-based."""

    def __init__(self, path: str | Path | None, reason: str, *, line: int | None = None) -> None:
        self.line = line
        super().__init__(path, reason)

    @property
    def message(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.reason}"


class UnreadableManifest(ManifestError):
    """The manifest as a whole cannot be read (missing, not UTF-8, unknown format)."""


class UnsafePathError(ManifestError):
    """A media path leaves the manifest's folder without explicit permission."""


class MediaError(ProvenanceError):
    """A media file cannot be used."""


class MediaMissing(MediaError):
    """A media file named by a manifest does not exist."""


class MediaTimeLimit(MediaError):
    """Analysing a media item took longer than its time limit; it was stopped."""


class MediaOpenError(MediaError):
    """A media file exists but is neither a decodable image nor a video."""


class MediaTooLarge(MediaError):
    """A media file exceeds the size limits (decompression bombs and the like)."""


class ArchiveError(ProvenanceError):
    """The archive cannot be used: corrupt, read-only, not SQLite. Left untouched."""


class ArchiveLocked(ArchiveError):
    """Another run holds the archive."""


class SchemaVersionError(ArchiveError):
    """The archive was written by a newer version of provenance."""


class ClaimConflict(ProvenanceError):
    """A claim id is already in the archive with different content."""


class ClusterError(ProvenanceError):
    """The Dask scheduler cannot be used: bad address, unreachable, or lost mid-run.

    ``path`` is the scheduler address.
    """
