"""The same airframe in two close-ups, recognised by its marks (``recycled_airframe``).

Two airframes of one model share their panels, panel lines, rivet rows and
stencils; what tells one airframe from another is what happened to it:
scratches, chips, repairs, dirt and wear. So the two close-ups are first
registered (RootSIFT matches, one robust homography: a panel of the skin is
nearly flat), then their fine detail is compared patch by patch:

- fine detail is the band-pass of the picture
  (:func:`~provenance.fingerprint._surface.fine_detail`), so light and shade,
  which change between shots, drop out;
- a patch is compared when it carries detail in either close-up: at least
  :data:`TEXTURED` times the picture's quietest tenth of patches (its paint
  and sensor noise);
- a patch that holds a keypoint the registration rests on is left out: the
  fit made those agree. Two airframes of one model register on what they
  share (a stencil, a hatch), so the detail there agrees whichever airframe
  it is; the verdict rests on the detail the registration did not use;
- a patch *agrees* when the other close-up, registered, has the same detail
  there (normalised cross-correlation at least :data:`AGREE`, the best within
  :data:`SHIFT` px for the skin's curvature and the fit's error).

Same airframe: nearly every patch agrees, its dirt and wear included.
Another airframe of the model: the same panels register, but its scratches,
chips and dirt lie elsewhere, so many patches find nothing alike. The
verdict (:attr:`AirframeComparison.same_airframe`) rests on the share that
agrees, with at least :data:`MIN_MARKS` compared on a registration covering
at least :data:`MIN_OVERLAP` of the frame; every patch is kept for the
evidence. The thresholds were chosen on half A of the close-up set and
measured on sets no threshold saw (BENCHMARKS.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import cv2
import numpy as np

from ..errors import ArchiveError
from ..fingerprint import (
    SIFT_VOCABULARY,
    CloseupPicture,
    ViewFeatures,
    WordBag,
    mutual_matches,
    sift_features,
)
from ..fingerprint._surface import PATCH, fine_detail, patch_energy, patch_origins
from ..model import Problem
from ._geometry import fit_homography, usable_homography
from ._shortlist import WordIndex

MIN_INLIERS = 12  # registered: this many RootSIFT matches on one homography
FIT_PX = 4.0  # RANSAC threshold of that homography (frames at most 640 px wide)
TEXTURED = 2.0  # compared: detail this many times the picture's quietest tenth of patches
SHIFT = 5  # local search for the best agreement (px)
AGREE = 0.4  # a patch agrees at this normalised cross-correlation
MIN_MARKS = 10  # patches compared, at least, for any verdict
MIN_OVERLAP = 0.15  # ... on a registration covering at least this share of the frame
SAME_SHARE = 0.8  # share of them that agree for the same airframe (either way round)


@dataclass(frozen=True)
class MarkPatch:
    """One compared patch of detail: its box in the first close-up, how well the other agrees."""

    box: tuple[int, int, int, int]  # x0, y0, x1, y1
    ncc: float

    @property
    def agrees(self) -> bool:
        return self.ncc >= AGREE


@dataclass(frozen=True)
class AirframeComparison:
    """Two close-ups compared: the registration, the patches, the numbers of the verdict."""

    inliers: int
    homography: tuple[float, ...] | None  # the second close-up onto the first, row-major 3x3
    overlap: float  # share of the first close-up's frame the second covers
    marks: tuple[MarkPatch, ...] = ()
    support: int = 0  # patches with detail left out: the registration rests on them

    @property
    def agreeing(self) -> int:
        return sum(m.agrees for m in self.marks)

    @property
    def share(self) -> float:
        return self.agreeing / len(self.marks) if self.marks else 0.0

    @property
    def same_airframe(self) -> bool:
        """The verdict: enough patches compared over enough of the frame, and nearly
        all of them agree. A registration on a corner of the frame rests on one shared
        stencil or hatch, and the few patches around it agree whichever airframe it is."""
        return (
            len(self.marks) >= MIN_MARKS
            and self.overlap >= MIN_OVERLAP
            and self.share >= SAME_SHARE
        )


def compare_airframes(
    a: np.ndarray, b: np.ndarray, a_features: ViewFeatures, b_features: ViewFeatures
) -> AirframeComparison:
    """Close-up ``b`` registered onto close-up ``a`` (both luma) and their detail compared."""
    pairs = mutual_matches(a_features.rooted, b_features.rooted)
    if len(pairs) < MIN_INLIERS:
        return AirframeComparison(len(pairs), None, 0.0)
    src = b_features.points[pairs[:, 1]]
    dst = a_features.points[pairs[:, 0]]
    homography, inliers = fit_homography(src, dst, FIT_PX)
    count = int(inliers.sum())
    size_a, size_b = (a.shape[1], a.shape[0]), (b.shape[1], b.shape[0])
    if (
        homography is None
        or count < MIN_INLIERS
        or not usable_homography(homography, size_b, size_a)
    ):
        return AirframeComparison(count, None, 0.0)
    warped = cv2.warpPerspective(b, homography, size_a, flags=cv2.INTER_LINEAR)
    footprint = cv2.warpPerspective(
        np.full(b.shape, 255, np.uint8), homography, size_a, flags=cv2.INTER_NEAREST
    )
    covered = cv2.erode(footprint, np.ones((2 * SHIFT + 1, 2 * SHIFT + 1), np.uint8)) > 0
    flat = tuple(round(float(v), 6) for v in (homography / homography[2, 2]).ravel())
    marks, support = _compare_detail(fine_detail(a), fine_detail(warped), covered, dst[inliers])
    return AirframeComparison(count, flat, round(float(covered.mean()), 3), marks, support)


def _compare_detail(
    da: np.ndarray, db: np.ndarray, covered: np.ndarray, support: np.ndarray
) -> tuple[tuple[MarkPatch, ...], int]:
    """The patches of ``covered`` with detail in either picture, how well each agrees, and
    how many were left out for holding one of the registration's ``support`` points."""
    boxes = [
        (x, y)
        for x, y in patch_origins(da.shape, SHIFT)
        if covered[y, x]
        and covered[y + PATCH - 1, x + PATCH - 1]
        and covered[y, x + PATCH - 1]
        and covered[y + PATCH - 1, x]
    ]
    if not boxes:
        return (), 0
    energy_a, energy_b = patch_energy(da, boxes), patch_energy(db, boxes)
    detailed = (energy_a >= TEXTURED * np.percentile(energy_a, 10)) | (
        energy_b >= TEXTURED * np.percentile(energy_b, 10)
    )
    px, py = support[:, 0], support[:, 1]
    held = np.array(
        [
            bool(np.any((px >= x) & (px < x + PATCH) & (py >= y) & (py < y + PATCH)))
            for x, y in boxes
        ]
    )
    marks = tuple(
        MarkPatch((x, y, x + PATCH, y + PATCH), round(_agreement(da, db, x, y), 3))
        for (x, y), keep, used in zip(boxes, detailed, held, strict=True)
        if keep and not used
    )
    return marks, int((detailed & held).sum())


def _agreement(da: np.ndarray, db: np.ndarray, x: int, y: int) -> float:
    """Best normalised cross-correlation of ``da``'s patch at (x, y) within SHIFT in ``db``."""
    patch = da[y : y + PATCH, x : x + PATCH]
    around = db[y - SHIFT : y + PATCH + SHIFT, x - SHIFT : x + PATCH + SHIFT]
    if patch.std() < 1e-3 or around.std() < 1e-3:
        return 0.0
    return float(cv2.matchTemplate(around, patch, cv2.TM_CCOEFF_NORMED).max())


AIRFRAME_MATCHER = "airframes-v2"  # matches made by another version are made again (v2: issue 19)

SHORTLIST = 16  # a new close-up is compared with at most this many (by shared SIFT words)

PICTURES_CACHE = 32  # archived close-ups' pictures (and keypoints) kept while matching


@dataclass(frozen=True)
class AirframeMatch:
    """Two close-ups of one airframe, told from the first one's side, as stored."""

    sha256: str
    other_sha256: str
    frame_s: float  # the compared frames
    other_frame_s: float
    frame_size: tuple[int, int]  # (width, height) of the first frame (the marks' boxes)
    other_frame_size: tuple[int, int]
    comparison: AirframeComparison

    @property
    def confidence(self) -> float:
        """The share of patches that agree, lowered when fewer than twice the least were
        compared."""
        c = self.comparison
        return round(c.share * min(1.0, len(c.marks) / (2 * MIN_MARKS)), 3)

    def reversed(self) -> AirframeMatch:
        """The same match told from the other close-up's side: the registration
        inverted, each mark's box carried into the other frame (the box around its
        corners)."""
        c = self.comparison
        homography, marks = None, c.marks
        if c.homography is not None:
            inverse = np.linalg.inv(np.asarray(c.homography, np.float64).reshape(3, 3))
            inverse /= inverse[2, 2]
            homography = tuple(round(float(v), 6) for v in inverse.ravel())
            marks = tuple(MarkPatch(_carried(m.box, inverse), m.ncc) for m in c.marks)
        return AirframeMatch(
            self.other_sha256,
            self.sha256,
            self.other_frame_s,
            self.frame_s,
            self.other_frame_size,
            self.frame_size,
            replace(c, homography=homography, marks=marks),
        )

    def to_json(self) -> str:
        c = self.comparison
        return json.dumps(
            {
                "frame_s": self.frame_s,
                "other_frame_s": self.other_frame_s,
                "frame_size": self.frame_size,
                "other_frame_size": self.other_frame_size,
                "inliers": c.inliers,
                "homography": c.homography,
                "overlap": c.overlap,
                "support": c.support,
                "marks": [[*m.box, m.ncc] for m in c.marks],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, sha256: str, other_sha256: str, text: str) -> AirframeMatch:
        raw = json.loads(text)
        comparison = AirframeComparison(
            int(raw["inliers"]),
            None if raw["homography"] is None else tuple(float(v) for v in raw["homography"]),
            float(raw["overlap"]),
            tuple(
                MarkPatch((int(a), int(b), int(c), int(d)), float(n))
                for a, b, c, d, n in raw["marks"]
            ),
            int(raw["support"]),
        )
        return cls(
            sha256,
            other_sha256,
            float(raw["frame_s"]),
            float(raw["other_frame_s"]),
            (int(raw["frame_size"][0]), int(raw["frame_size"][1])),
            (int(raw["other_frame_size"][0]), int(raw["other_frame_size"][1])),
            comparison,
        )


@dataclass(frozen=True)
class AirframeItem:
    """One close-up's matches with the archive's close-ups, and the pairs that failed."""

    sha256: str
    matches: tuple[AirframeMatch, ...]
    problems: tuple[Problem, ...] = ()


class AirframeIndex:
    """The archive's identifying close-ups, ready to find another shot of one airframe.

    ``shas`` are the close-ups, in the rows of ``index``, the word index of their
    SIFT words (:func:`closeup_word_index`: the shortlist ranks by it); ``load``
    gives an archived close-up's picture (a few stay cached, with their
    keypoints); ``read_ahead`` is told which pictures are read next, all at
    once. Every close-up is compared, whatever its claim: the findings decide
    which pairs count.
    """

    def __init__(
        self,
        shas: Sequence[str],
        index: WordIndex,
        load: Callable[[str], CloseupPicture | None],
        read_ahead: Callable[[list[str]], None] | None = None,
    ):
        self.shas = list(shas)
        self.position = {sha: i for i, sha in enumerate(self.shas)}
        self.index = index
        self._load = load
        self._ahead = read_ahead
        self.features: Callable[[str], _Keyed | None] = lru_cache(maxsize=PICTURES_CACHE)(
            self._keyed
        )

    @classmethod
    def of_words(
        cls, words: Mapping[str, np.ndarray], load: Callable[[str], CloseupPicture | None]
    ) -> AirframeIndex:
        """The index of close-ups with ``words`` (sha256 -> SIFT word ids), built here."""
        shas = list(words)
        return cls(shas, closeup_word_index([words[sha] for sha in shas]), load)

    def _keyed(self, sha: str) -> _Keyed | None:
        picture = self._load(sha)
        return None if picture is None else _Keyed.of(picture)

    def matches_of(
        self, sha: str, picture: CloseupPicture | None = None, *, stage: str = "airframes"
    ) -> AirframeItem:
        """The other close-ups of the airframe close-up ``sha`` shows (an archived item,
        or ``picture`` given for new footage), told from its side.

        Only the shortlist is compared; a pair our code fails on is returned as
        a problem of ``stage`` and the other pairs go on.
        """
        mine = _Keyed.of(picture) if picture is not None else self.features(sha)
        if mine is None or not self.shas:
            return AirframeItem(sha, ())
        query = _bag(mine.picture.words)
        skip = frozenset({self.position[sha]} if sha in self.position else ())
        found: list[AirframeMatch] = []
        problems: list[Problem] = []
        shortlist = self.index.shortlist(query, top=SHORTLIST, exclude=skip)
        if self._ahead is not None and shortlist:
            self._ahead([self.shas[j] for j, _ in shortlist])
        for j, _score in shortlist:
            other = self.shas[j]
            try:
                theirs = self.features(other)
                if theirs is None:
                    continue
                match = best_of_both(sha, other, mine, theirs)
            except ArchiveError:  # the archive cannot be read: no pair is to blame
                raise
            except Exception as exc:  # a bug of ours on one pair: the other pairs stand
                problems.append(Problem.internal(stage, exc, about=f"with {other[:12]}"))
                continue
            if match.comparison.same_airframe:
                found.append(match)
        return AirframeItem(sha, tuple(found), tuple(problems))


def closeup_word_index(words: Sequence[np.ndarray]) -> WordIndex:
    """The word index of close-ups with ``words`` (each its distinct SIFT word ids)."""
    return WordIndex([_bag(ids) for ids in words], vocabulary=SIFT_VOCABULARY.size)


def _bag(ids: np.ndarray) -> WordBag:
    return WordBag(ids, np.ones(len(ids), np.uint8))


def best_of_both(sha: str, other: str, mine: _Keyed, theirs: _Keyed) -> AirframeMatch:
    """The two close-ups compared each onto the other; the comparison whose share agrees
    more, told from ``sha``'s side.

    The patches compared are cut from the first close-up's frame, so the two ways
    round see the skin in different pieces; a mark split between two patches one
    way is whole in one the other way.
    """
    here = AirframeMatch(
        sha,
        other,
        round(mine.picture.time_s, 3),
        round(theirs.picture.time_s, 3),
        mine.features.size,
        theirs.features.size,
        compare_airframes(mine.picture.luma, theirs.picture.luma, mine.features, theirs.features),
    )
    there = AirframeMatch(
        other,
        sha,
        here.other_frame_s,
        here.frame_s,
        here.other_frame_size,
        here.frame_size,
        compare_airframes(theirs.picture.luma, mine.picture.luma, theirs.features, mine.features),
    )
    if there.comparison.share > here.comparison.share and there.comparison.homography:
        return there.reversed()
    return here


@dataclass(frozen=True)
class _Keyed:
    """A close-up's picture with its SIFT keypoints."""

    picture: CloseupPicture
    features: ViewFeatures

    @classmethod
    def of(cls, picture: CloseupPicture) -> _Keyed:
        return cls(picture, sift_features(picture.luma, picture.time_s))


def _carried(box: tuple[int, int, int, int], homography: np.ndarray) -> tuple[int, int, int, int]:
    """The box around ``box``'s corners mapped by ``homography``."""
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], np.float64)
    mapped = corners @ homography.T
    xy = mapped[:, :2] / mapped[:, 2:3]
    return (
        int(np.floor(xy[:, 0].min())),
        int(np.floor(xy[:, 1].min())),
        int(np.ceil(xy[:, 0].max())),
        int(np.ceil(xy[:, 1].max())),
    )
