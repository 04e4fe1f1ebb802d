"""``provenance check``: compare new footage with the archive without storing it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .archive import Archive
from .errors import ProvenanceError
from .findings.copies import Holder, identical_copy
from .media import probe_media, sha256_file
from .model import Finding, MediaInfo, MediaRecord, MediaStatus


@dataclass(frozen=True)
class CheckedMedia:
    path: str  # as given on the command line
    sha256: str | None
    info: MediaInfo | None
    error: str | None


@dataclass(frozen=True)
class CheckResult:
    media: tuple[CheckedMedia, ...]
    findings: tuple[Finding, ...]

    @property
    def failed(self) -> list[CheckedMedia]:
        return [m for m in self.media if m.error is not None]


def check_media(archive: Archive, paths: Sequence[str]) -> CheckResult:
    """Probe each file and find what the archive already holds of it."""
    checked: list[CheckedMedia] = []
    findings: list[Finding] = []
    for path in paths:
        try:
            sha = sha256_file(path)
        except OSError as exc:
            checked.append(CheckedMedia(path, None, None, f"cannot read ({exc.strerror or exc})"))
            continue
        try:
            info = probe_media(Path(path))
            error = None
        except ProvenanceError as exc:
            info, error = None, exc.reason
        checked.append(CheckedMedia(path, sha, info, error))
        holders = [Holder(claim, held) for claim, held in archive.media_holders(sha)]
        record = MediaRecord(sha, 0, path, MediaStatus.DONE if info else MediaStatus.FAILED, info)
        finding = identical_copy(None, path, record, holders)
        if finding is not None:
            findings.append(finding)
    return CheckResult(tuple(checked), tuple(findings))
