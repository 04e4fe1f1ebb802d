"""An airframe's surface in a frame: its fine marks, how much of the frame it fills, how sharp.

Analysts recognise an airframe by what happened to it (scratches, chips,
repairs, dirt, stencils) as much as by a serial. This module measures, on the
picture alone, whether a frame shows a surface close and sharp enough for
such marks to be made out, and finds the marks themselves (also what
:mod:`provenance.match` compares between close-ups):

- **fine detail** is the band-pass of the picture (:func:`fine_detail`): light
  and shade drop out, marks a few pixels wide stay;
- the frame is cut into patches of :data:`PATCH` px; a **mark** is a patch
  whose detail stands out from the picture's typical patch (:data:`MARKED`
  times the median) and does not repeat near itself (:func:`repeats`): rivet
  rows and straight panel lines repeat, scratches and chips do not;
- the **surface** is the largest region of patches joined by small steps of
  brightness (a painted skin under even light, shading included), and its
  share of the frame is how much of it the airframe fills;
- **sharpness** is the fine-to-coarse gradient energy of the marks
  (:func:`sharpness`, also the measure of a marking's letters), which motion
  blur and defocus take away;
- a painted skin is **plain** between its marks (the frame's median patch has
  little detail) and its marks are **sparse** (a share of its patches); a
  landscape, a crowd or a building front has detail everywhere.

:attr:`SurfaceMeasure.identifying` puts these together; its bounds were chosen
on half A of the close-up set and measured on a freshly seeded set that no
bound saw (BENCHMARKS.md). It
cannot tell an airframe from any other plain, marked surface filling the
frame (a table top, a car door): it says the frame is a close-up whose marks
resolve, not what of.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ._sift import sift_features

DETAIL_SIGMA = 2.5  # fine detail: the picture minus its blur at this sigma (px)
PATCH = 24  # side of a patch (px, frames at most 640 px wide)
MARKED = 2.0  # a patch's detail this many times the picture's median patch: marked
REPEAT_REACH = 36  # detail repeating within this distance ...
REPEAT_NCC = 0.7  # ... this closely (normalised cross-correlation) is generic
SURFACE_STEP = 10.0  # neighbouring patches of one surface differ by less (grey levels)
# an identifying close-up without text (chosen on half A of the close-up set, BENCHMARKS.md)
MIN_COVER = 0.5  # the surface fills this share of the frame ...
MIN_RESOLVED = 50  # ... resolves this much of its own detail (marks, rivets, panel lines) ...
MIN_MARKS = 3  # ... some of it marks of its own (a tiled wall or a grille has none) ...
MIN_SHARPNESS = 1.44  # ... this sharp (fine-to-coarse energy of the marks, softest direction) ...
MAX_PLAIN = 5.0  # ... on a plain surface: the frame's median patch detail at most this ...
MAX_DENSITY = 0.25  # ... with at most this share of the surface's patches marked


def fine_detail(luma: np.ndarray) -> np.ndarray:
    """The band-pass of ``luma`` (float32): the picture without light and shade."""
    img = luma.astype(np.float32)
    return img - cv2.GaussianBlur(img, (0, 0), DETAIL_SIGMA)


def patch_origins(shape: tuple[int, ...], margin: int = 0) -> list[tuple[int, int]]:
    """Top-left corners (x, y) of the patches of a frame, ``margin`` px inside its edges."""
    h, w = shape[:2]
    return [
        (x, y)
        for y in range(margin, h - PATCH - margin + 1, PATCH)
        for x in range(margin, w - PATCH - margin + 1, PATCH)
    ]


def patch_energy(detail: np.ndarray, origins: list[tuple[int, int]]) -> np.ndarray:
    """The standard deviation of ``detail`` in each patch."""
    return np.array(
        [float(detail[y : y + PATCH, x : x + PATCH].std()) for x, y in origins], np.float32
    )


def marked(energy: np.ndarray) -> np.ndarray:
    """Which patches' detail stands out from the picture's median patch."""
    if not len(energy):
        return np.zeros(0, bool)
    return energy >= MARKED * max(float(np.median(energy)), 1e-3)


def repeats(detail: np.ndarray, x: int, y: int) -> bool:
    """Whether the patch at (x, y) repeats near itself (a rivet row, a straight line)."""
    h, w = detail.shape
    x0, y0 = max(0, x - REPEAT_REACH), max(0, y - REPEAT_REACH)
    x1, y1 = min(w, x + PATCH + REPEAT_REACH), min(h, y + PATCH + REPEAT_REACH)
    patch = detail[y : y + PATCH, x : x + PATCH]
    if patch.std() < 1e-3:
        return False
    scores = cv2.matchTemplate(detail[y0:y1, x0:x1], patch, cv2.TM_CCOEFF_NORMED)
    cx, cy = x - x0, y - y0  # itself, and shifts of a few pixels, correlate by construction
    scores[max(0, cy - 4) : cy + 5, max(0, cx - 4) : cx + 5] = -1.0
    return bool(scores.max() >= REPEAT_NCC)


def sharpness(luma: np.ndarray, box: tuple[float, float, float, float]) -> float:
    """Fine-to-coarse gradient energy inside ``box``, in its softest direction.

    Blurring a sharp patch once more removes much of its gradient energy;
    blurring a patch that is already soft changes little, so the ratio is
    about 1 for blurred text whatever its contrast or brightness. Motion blur
    softens one direction only, so the ratio is taken for every direction
    and the lowest counts.
    """
    h, w = luma.shape
    pad = 4
    x0, y0 = max(0, int(box[0]) - pad), max(0, int(box[1]) - pad)
    x1, y1 = min(w, int(np.ceil(box[2])) + pad), min(h, int(np.ceil(box[3])) + pad)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return 1.0
    patch = luma[y0:y1, x0:x1].astype(np.float32)
    fine = _gradient_moments(patch)
    coarse = _gradient_moments(cv2.GaussianBlur(patch, (0, 0), 1.0))
    angles = np.radians(np.arange(0, 180, 15))
    c, s = np.cos(angles), np.sin(angles)

    def along(m: tuple[float, float, float]) -> np.ndarray:
        return m[0] * c * c + 2 * m[2] * c * s + m[1] * s * s

    return float(np.min(along(fine) / np.maximum(along(coarse), 1e-6)))


def _gradient_moments(img: np.ndarray) -> tuple[float, float, float]:
    """Mean gx^2, gy^2 and gx*gy: the gradient energy in any direction follows."""
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
    return float(np.mean(gx * gx)), float(np.mean(gy * gy)), float(np.mean(gx * gy))


@dataclass(frozen=True)
class SurfaceMeasure:
    """One frame's surface: what share it fills, its marks, their sharpness."""

    time_s: float
    cover: float  # share of the frame in the largest surface
    marks: int  # distinctive marks on that surface
    generic: int  # marked patches that repeat (rivets, straight lines)
    sharpness: float  # median fine-to-coarse energy of the marks (1.0 when none)
    plain: float = 0.0  # median detail of the frame's patches (grey levels)
    density: float = 0.0  # share of the surface's patches that are marks

    @property
    def identifying(self) -> bool:
        """A plain surface filling the frame, close and sharp enough that its detail
        resolves: marks, rivets and panel lines alike (how close it is shows in how much
        of its structure is made out, not in how scratched this airframe happens to be),
        some of it marks of its own, sharp, and not detail all over (a landscape, a crowd
        or a building front)."""
        return (
            self.cover >= MIN_COVER
            and self.marks + self.generic >= MIN_RESOLVED
            and self.marks >= MIN_MARKS
            and self.sharpness >= MIN_SHARPNESS
            and self.plain <= MAX_PLAIN
            and self.density <= MAX_DENSITY
        )


def measure_surface(luma: np.ndarray, time_s: float) -> SurfaceMeasure:
    """The largest surface of a frame, its distinctive marks and their sharpness."""
    detail = fine_detail(luma)
    origins = patch_origins(luma.shape)
    if not origins:
        return SurfaceMeasure(float(time_s), 0.0, 0, 0, 1.0)
    on = surface_region(luma, origins)
    marks: list[float] = []
    generic = 0
    energy = patch_energy(detail, origins)
    standing_out = marked(energy)
    for (x, y), mark, inside in zip(origins, standing_out, on, strict=True):
        if not (mark and inside):
            continue
        if repeats(detail, x, y):
            generic += 1
        else:
            marks.append(sharpness(luma, (x, y, x + PATCH, y + PATCH)))
    return SurfaceMeasure(
        float(time_s),
        round(float(on.mean()), 3),
        len(marks),
        generic,
        round(float(np.median(marks)), 3) if marks else 1.0,
        round(float(np.median(energy)), 3),
        round(len(marks) / max(int(on.sum()), 1), 4),
    )


def surface_region(luma: np.ndarray, origins: list[tuple[int, int]]) -> np.ndarray:
    """Which patches (grid order of ``origins``) lie on the largest surface: the largest
    set joined by steps of brightness under :data:`SURFACE_STEP` between neighbours."""
    cols = len(range(0, luma.shape[1] - PATCH + 1, PATCH))
    rows = len(origins) // max(cols, 1)
    means = cv2.resize(
        luma[: rows * PATCH, : cols * PATCH].astype(np.float32),
        (cols, rows),
        interpolation=cv2.INTER_AREA,
    )
    ids = np.arange(rows * cols).reshape(rows, cols)
    across = np.abs(np.diff(means, axis=1)) < SURFACE_STEP  # each patch with the one right
    down = np.abs(np.diff(means, axis=0)) < SURFACE_STEP  # ... and with the one below
    joined = sparse.coo_matrix(
        (
            np.ones(int(across.sum() + down.sum())),
            (
                np.concatenate([ids[:, :-1][across], ids[:-1][down]]),
                np.concatenate([ids[:, 1:][across], ids[1:][down]]),
            ),
        ),
        shape=(rows * cols, rows * cols),
    )
    _, labels = connected_components(joined, directed=False)
    return labels == np.bincount(labels).argmax()


@dataclass(frozen=True)
class CloseupPicture:
    """The frame of an identifying close-up, kept to compare airframes between claims.

    ``words`` are the frame's distinct SIFT visual words: the shortlist of
    other close-ups to compare with is made from them, without the pictures.
    """

    time_s: float
    luma: np.ndarray  # uint8 (H, W), at analysis size
    words: np.ndarray  # uint32, sorted

    @classmethod
    def of(cls, time_s: float, luma: np.ndarray) -> CloseupPicture:
        """The picture of ``luma``, its words computed."""
        return cls(float(time_s), luma, sift_features(luma, time_s).word_ids)
