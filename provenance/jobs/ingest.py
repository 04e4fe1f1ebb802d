"""Adding the claims of a manifest to the archive.

Each claim is one transaction (a crash never leaves half a claim); the media
first seen with it are then fingerprinted, each outcome committed on its own.
Ingesting the same manifest again changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ..archive import AddOutcome, Archive
from ..errors import ArchiveError, ManifestError, ProvenanceError
from ..intake import Manifest, ManifestEntry
from ..media import sha256_file
from ..model import MediaFile
from .analyse import MediaOutcome, process_media
from .progress import progress

log = logging.getLogger("provenance")


@dataclass
class IngestSummary:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[ProvenanceError] = field(default_factory=list)
    media: list[MediaOutcome] = field(default_factory=list)

    @property
    def failed_media(self) -> list[MediaOutcome]:
        return [m for m in self.media if m.error is not None]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.failed_media


def ingest_manifest(
    archive: Archive, manifest: Manifest, *, fingerprint: bool = True, workers: int = 1
) -> IngestSummary:
    """Store every valid claim of ``manifest``; report the others.

    ``fingerprint=False`` only stores claims; their media stay pending for the
    next ``rescore``.
    """
    summary = IngestSummary(problems=list(manifest.problems))
    new_media: list[str] = []
    for entry in progress(manifest.entries, total=len(manifest.entries), desc="claims"):
        try:
            result = archive.add_claim(entry.claim, _media_files(entry))
        except ArchiveError:
            raise  # the archive itself failed (disk full, I/O): no later claim would do better
        except ProvenanceError as exc:
            summary.problems.append(_at_line(exc, manifest, entry))
            continue
        if result.outcome is AddOutcome.ADDED:
            summary.added.append(entry.claim.id)
            new_media.extend(result.new_media)
        else:
            summary.unchanged.append(entry.claim.id)
    if fingerprint and new_media:
        records = [r for sha in dict.fromkeys(new_media) if (r := archive.media(sha)) is not None]
        summary.media = process_media(archive, records, workers=workers)
    return summary


def _media_files(entry: ManifestEntry) -> list[MediaFile]:
    files = []
    for written, file in zip(entry.claim.media, entry.files, strict=True):
        try:
            sha = sha256_file(file)
            size = file.stat().st_size
        except OSError as exc:
            raise ProvenanceError(
                written, f"cannot read the media file ({exc.strerror or exc})"
            ) from exc
        files.append(MediaFile(path=written, file=file, sha256=sha, size_bytes=size))
    return files


def _at_line(exc: ProvenanceError, manifest: Manifest, entry: ManifestEntry) -> ProvenanceError:
    """Say where in the manifest the failing claim stands."""
    return ManifestError(manifest.path, f"claim {entry.claim.id!r}: {exc.message}", line=entry.line)
