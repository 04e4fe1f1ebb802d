"""Fingerprints out of the archive: light ones for the whole archive, complete ones by item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from ..archive import Archive
from ..errors import ArchiveError
from ..fingerprint import CloseupPicture, CloseupReading, Fingerprints, SceneViews, WordBag, codecs
from ..media import FileMetadata


class FingerprintReader(Protocol):
    """Where one item's stored fingerprints are read from: the archive, or on a cluster's
    worker what its task carried (:mod:`provenance.jobs.carried`)."""

    path: str

    def item_fingerprints(self, sha256: str, kinds: Sequence[str]) -> dict[str, bytes]: ...


def stored_prints(archive: Archive) -> dict[str, Fingerprints]:
    """Every media item's light fingerprints (frame table, visual words, close-up
    reading), by sha256: what the archive-wide indexes need."""
    light = [kind for kind in codecs.LIGHT_KINDS if kind != codecs.FRAMES]
    stored_light = {kind: archive.fingerprints(kind) for kind in light}
    prints = {}
    for sha, data in archive.fingerprints(codecs.FRAMES).items():
        stored = {codecs.FRAMES: data}
        for kind in light:
            if sha in stored_light[kind]:
                stored[kind] = stored_light[kind][sha]
        found = codecs.decode(stored)
        if found is not None:
            prints[sha] = found
    return prints


def light_prints(
    archive: FingerprintReader, sha256: str, kinds: tuple[str, ...] = codecs.TABLE_KINDS
) -> Fingerprints:
    """One item's light fingerprints of ``kinds``: by default, what the copy matcher's
    frame table holds."""
    found = _decoded(archive, sha256, kinds)
    if found is None:
        raise ArchiveError(archive.path, f"media {sha256[:12]} has no frame table any more")
    return found


def stored_readings(archive: Archive) -> dict[str, CloseupReading]:
    """Every item's close-up reading, by sha256 (items not read have none)."""
    return {
        sha: codecs.decode_closeup(data)
        for sha, data in archive.fingerprints(codecs.CLOSEUP).items()
    }


def stored_closeup_words(archive: Archive) -> dict[str, np.ndarray]:
    """Every identifying close-up's SIFT words, by sha256: the airframes' shortlist."""
    return {
        sha: codecs.decode_closeup_words(data)
        for sha, data in archive.fingerprints(codecs.CLOSEUP_WORDS).items()
    }


def stored_picture(archive: FingerprintReader, sha256: str) -> CloseupPicture | None:
    """One item's kept close-up frame (None: it shows no identifying close-up)."""
    return codecs.decode_closeup_picture(archive.item_fingerprints(sha256, codecs.PICTURE_KINDS))


def stored_view_words(archive: Archive) -> dict[str, WordBag]:
    """Every item's other-angle visual words, by sha256: what their shortlist needs."""
    return {
        sha: codecs.decode_sift_words(data)
        for sha, data in archive.fingerprints(codecs.SIFT_WORDS).items()
    }


def stored_views(archive: FingerprintReader, sha256: str) -> SceneViews | None:
    """One media item's complete other-angle views, and nothing else (None if none)."""
    stored = archive.item_fingerprints(sha256, codecs.VIEW_KINDS)
    return codecs.decode_views({kind: data for kind, data in stored.items() if data})


def full_prints(
    archive: FingerprintReader, sha256: str, *, with_views: bool = True
) -> Fingerprints | None:
    """One media item's complete fingerprints, thumbnails and key frames included.

    ``with_views=False`` leaves out the other-angle views (SIFT key frames, the
    largest kind): copy matching does not use them, and loading them was a
    quarter of the time it spends loading candidates.
    """
    kinds = codecs.COPY_KINDS + codecs.VIEW_KINDS if with_views else codecs.COPY_KINDS
    return _decoded(archive, sha256, kinds)


def _decoded(
    archive: FingerprintReader, sha256: str, kinds: tuple[str, ...]
) -> Fingerprints | None:
    """One item's fingerprints of ``kinds``, as stored (None without a frame table)."""
    return codecs.decode(archive.item_fingerprints(sha256, kinds))


def stored_metadata(archive: Archive) -> dict[str, FileMetadata]:
    """What each analysed file said about itself, by sha256 (items analysed before
    metadata was read have none)."""
    return {
        sha: codecs.decode_metadata(data)
        for sha, data in archive.fingerprints(codecs.METADATA).items()
    }
