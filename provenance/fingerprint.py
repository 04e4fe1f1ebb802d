"""Stage 2: sampled frames -> a media item's fingerprint (pure, no I/O).

A fingerprint is, per sampled frame, its time, its pHash under the eight
symmetries of the square (so mirrored and rotated copies can be found from
the new item's side), how much detail it holds (low-detail frames carry no
evidence) and whether its content is portrait. It is stored in the archive as
bytes (:meth:`MediaFingerprint.to_bytes`), versioned by :data:`KIND`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .frames import Frame
from .hashing import detail, dihedral_hashes, thumbnail

KIND = "phash-dihedral-v1"
_DTYPE = np.dtype(
    [("time_s", "<f4"), ("detail", "<f4"), ("portrait", "?"), ("hashes", "<u8", (8,))]
)


@dataclass(frozen=True)
class MediaFingerprint:
    """Per-frame arrays of one media item, all of the same length."""

    time_s: np.ndarray  # float32 (N,)
    hashes: np.ndarray  # uint64 (N, 8): pHash under hashing.VARIANTS, column 0 as is
    detail: np.ndarray  # float32 (N,)
    portrait: np.ndarray  # bool (N,)

    def __len__(self) -> int:
        return len(self.time_s)

    @property
    def is_still(self) -> bool:
        return len(self) == 1 and float(self.time_s[0]) == 0.0

    def to_bytes(self) -> bytes:
        table = np.empty(len(self), dtype=_DTYPE)
        table["time_s"], table["detail"] = self.time_s, self.detail
        table["portrait"], table["hashes"] = self.portrait, self.hashes
        out = io.BytesIO()
        np.save(out, table, allow_pickle=False)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> MediaFingerprint:
        table = np.load(io.BytesIO(data), allow_pickle=False)
        return cls(
            time_s=table["time_s"].astype(np.float32),
            hashes=table["hashes"].astype(np.uint64),
            detail=table["detail"].astype(np.float32),
            portrait=table["portrait"].astype(bool),
        )


def fingerprint_frames(frames: Iterable[Frame], *, batch: int = 64) -> MediaFingerprint:
    """Hash frames in batches as they stream in (memory stays flat)."""
    times: list[float] = []
    thumbs: list[np.ndarray] = []
    portrait: list[bool] = []
    hashes: list[np.ndarray] = []
    details: list[np.ndarray] = []

    def flush() -> None:
        if thumbs:
            stack = np.stack(thumbs)
            hashes.append(dihedral_hashes(stack))
            details.append(detail(stack).astype(np.float32))
            thumbs.clear()

    for frame in frames:
        times.append(frame.time_s)
        portrait.append(frame.luma.shape[0] > frame.luma.shape[1])
        thumbs.append(thumbnail(frame.luma))
        if len(thumbs) >= batch:
            flush()
    flush()
    return MediaFingerprint(
        time_s=np.asarray(times, dtype=np.float32),
        hashes=np.concatenate(hashes) if hashes else np.zeros((0, 8), np.uint64),
        detail=np.concatenate(details) if details else np.zeros(0, np.float32),
        portrait=np.asarray(portrait, dtype=bool),
    )
