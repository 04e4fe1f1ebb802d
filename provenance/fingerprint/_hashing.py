"""Stage 2: frames -> 64-bit perceptual hashes (pure, vectorised).

The hash is imagehash's pHash (DCT of a 32x32 grey thumbnail, the 8x8 lowest
frequencies compared with their median), computed for a whole batch with two
matrix products; given the same 32x32 thumbnails it gives the same bits as
``imagehash.phash`` (tested). Hashes are ``uint64`` with the first bit of
imagehash's row-major bit array as the most significant bit, so
``f"{h:016x}" == str(imagehash.phash(image))``.

For robustness to mirrored and rotated copies, :func:`dihedral_hashes` gives
the hashes of a frame's flips and quarter turns (from the same thumbnail).
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

THUMB = 32  # imagehash's default img_size for hash_size 8
BITS = 64

_n = np.arange(THUMB)
_k = np.arange(8)[:, None]
# scipy.fftpack.dct type II without normalisation: y[k] = 2 sum x[n] cos(pi k (2n+1) / 2N)
_DCT = 2.0 * np.cos(np.pi * _k * (2 * _n + 1) / (2 * THUMB))  # (8, 32)
_WEIGHTS = (np.uint64(1) << np.arange(BITS - 1, -1, -1, dtype=np.uint64)).astype(np.uint64)

# The eight symmetries of the square as functions on (N, 32, 32) thumbnails.
VARIANTS = (
    "identity",
    "hflip",
    "rot90",
    "rot90_hflip",
    "rot180",
    "rot180_hflip",
    "rot270",
    "rot270_hflip",
)


def thumbnail(luma: np.ndarray) -> np.ndarray:
    """32x32 float64 thumbnail of a grey frame (area average)."""
    small = cv2.resize(np.ascontiguousarray(luma), (THUMB, THUMB), interpolation=cv2.INTER_AREA)
    return small.astype(np.float64)


def phash_thumbnails(thumbs: np.ndarray) -> np.ndarray:
    """pHash of a batch of (N, 32, 32) thumbnails -> (N,) uint64."""
    thumbs = np.asarray(thumbs, dtype=np.float64)
    if thumbs.ndim != 3 or thumbs.shape[1:] != (THUMB, THUMB):
        raise ValueError(f"expected (N, {THUMB}, {THUMB}) thumbnails, got {thumbs.shape}")
    low = (_DCT @ thumbs @ _DCT.T).reshape(len(thumbs), BITS)  # (8,32)(N,32,32)(32,8)
    bits = low > np.median(low, axis=1, keepdims=True)
    return pack_bits(bits)


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """(N, 64) booleans -> (N,) uint64, first column most significant."""
    return (bits.astype(np.uint64) * _WEIGHTS).sum(axis=1, dtype=np.uint64)


def dihedral_thumbnails(thumbs: np.ndarray) -> np.ndarray:
    """(N, 32, 32) -> (N, 8, 32, 32): each thumbnail under the :data:`VARIANTS`."""
    out = []
    for quarter in range(4):
        turned = np.rot90(thumbs, quarter, axes=(1, 2))
        out.append(turned)
        out.append(turned[:, :, ::-1])
    return np.stack(out, axis=1)


@functools.cache  # findings ask for a pair per match: eight by eight answers
def compose_variants(first: int, then: int) -> int:
    """The one :data:`VARIANTS` index that does ``first`` and then ``then``.

    A copy of a copy matched mirrored, of an original matched turned, is the
    original mirrored and turned: this is how the two transforms add up.
    """
    probe = np.arange(9.0).reshape(1, 3, 3)  # no symmetry: every variant differs
    done = dihedral_thumbnails(dihedral_thumbnails(probe)[:, first])[0, then]
    return next(
        v for v, seen in enumerate(dihedral_thumbnails(probe)[0]) if np.array_equal(seen, done)
    )


@functools.cache
def inverse_variant(variant: int) -> int:
    """The :data:`VARIANTS` index that undoes ``variant``: a match seen from its other side
    (a quarter turn one way is a quarter turn the other way back)."""
    return next(u for u in range(len(VARIANTS)) if compose_variants(variant, u) == 0)


def dihedral_hashes(thumbs: np.ndarray) -> np.ndarray:
    """(N, 8) uint64: the pHash of each thumbnail under the :data:`VARIANTS`."""
    variants = dihedral_thumbnails(thumbs)
    n = len(thumbs)
    return phash_thumbnails(variants.reshape(n * 8, THUMB, THUMB)).reshape(n, 8)


MIN_CONTRAST = 6.0  # grey levels between a thumbnail's 2nd and 98th percentile: not noise
DAY_CONTRAST = 128.0  # the level spread of an ordinary daylight frame


def detail(thumbs: np.ndarray, *, as_day: bool = True) -> np.ndarray:
    """How much structure each thumbnail holds (0 for a flat or smooth frame).

    The mean absolute difference between neighbouring pixels of the 32x32
    thumbnail, a low-contrast one measured as if its levels spread like a
    day frame's (:data:`DAY_CONTRAST`): a night frame (a dark horizon,
    lights, a launch's flash) holds as much structure as a day frame, only
    darker, and its hash, which ignores contrast, is as good. Frames whose
    levels span less than :data:`MIN_CONTRAST` (black, fog, a flat wall:
    sensor noise and compression blocks) are measured as they are, and score
    low: their hashes are noise that collides between unrelated videos, as do
    those of smooth sky-only frames.

    ``as_day=False`` measures the levels as they are: what keypoint
    detectors, whose thresholds are in grey levels, will find in the frame.
    """
    thumbs = np.asarray(thumbs, dtype=np.float64)
    dx = np.abs(np.diff(thumbs, axis=2)).mean(axis=(1, 2))
    dy = np.abs(np.diff(thumbs, axis=1)).mean(axis=(1, 2))
    if not as_day:
        return (dx + dy) / 2.0
    flat = thumbs.reshape(len(thumbs), -1)
    contrast = np.percentile(flat, 98, axis=1) - np.percentile(flat, 2, axis=1)
    stretch = np.where(contrast >= MIN_CONTRAST, DAY_CONTRAST / np.maximum(contrast, 1.0), 1.0)
    return (dx + dy) / 2.0 * np.maximum(stretch, 1.0)


def hamming(a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
    """Bit distance between uint64 hashes (broadcasting)."""
    return np.bitwise_count(np.bitwise_xor(np.asarray(a, np.uint64), np.asarray(b, np.uint64)))
