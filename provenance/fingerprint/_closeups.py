"""Identifying close-ups and the identifiers painted on them.

Authentic claims used to show the drone up close: a serial number, markings
that tie the footage to one airframe. For each media item this stage picks a
few candidate frames cheaply while the fingerprint pass streams them (the
sharpest ones, at least a second apart), reads their text with an OCR model
that ships inside its wheel (RapidOCR, ONNX), and sorts what it read:

- **overlays** are not identifiers: text in the top or bottom band of the frame
  (where editors burn in logos, captions and timestamps), and text that stays
  at the same pixels while the picture around it changes;
- **not identifiers**: words, dates and times (an identifier mixes letters and
  at least two digits);
- **markings**: the rest, on the subject itself. A marking whose letters are at
  least :data:`MIN_MARK_PX` tall and sharp (:func:`sharpness`) makes the item
  an *identifying close-up*; a marking read with enough confidence is an
  identifier, normalised for matching across claims (:func:`match_key`).

The measure behind the close-up decision is therefore the marking itself: how
large its letters are (pixels, and share of the frame's height) and how sharp
(fine-to-coarse gradient energy). A close-up that shows only scratches and no
text is not recognised as identifying here (a copy of it is still found by
the reused-footage matching). Thresholds are justified on the fixtures in
BENCHMARKS.md.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from ._surface import SurfaceMeasure, sharpness

CANDIDATES = 3  # frames read per video: the sharpest ones
CANDIDATE_GAP_S = 1.0  # candidates at least this far apart
EDGE_BAND = 0.12  # text whose centre is in the top or bottom 12 % is burned in
MIN_MARK_PX = 12.0  # letters this tall resolve (8.5 cm letters at 1.4 px/cm)
MIN_MARK_SHARPNESS = 1.25  # fine-to-coarse gradient energy of the marking's box
MIN_READ_SCORE = 0.8  # recogniser confidence to take a reading as an identifier
STATIC_BOX_PX = 2.0  # burned-in text keeps its box to the pixel ...
SCENE_MOVED = 6.0  # ... while the picture around it changes this much (mean |diff|) ...
STATIC_SHARE = 0.35  # ... and its own pixels change far less

_IDENTIFIER = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,15}[A-Z0-9]$")
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212_~=."})
_LOOKALIKES = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1"})


@dataclass(frozen=True)
class TextLine:
    """One line the OCR read in one frame: box in pixels of that frame."""

    time_s: float
    text: str
    score: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


@dataclass(frozen=True)
class Marking:
    """Text read on the subject: what it says, how large and how sharp it is."""

    time_s: float
    text: str  # normalised for display (upper case, one dash style)
    key: str  # for matching across claims (see match_key)
    score: float  # recogniser confidence
    box: tuple[float, float, float, float]
    height_px: float
    height_share: float  # of the frame's height
    sharpness: float

    @property
    def resolved(self) -> bool:
        """Large and sharp enough that the airframe's markings can be made out."""
        return self.height_px >= MIN_MARK_PX and self.sharpness >= MIN_MARK_SHARPNESS

    @property
    def identifier(self) -> bool:
        """Read well enough to compare with other claims."""
        return self.resolved and self.score >= MIN_READ_SCORE


@dataclass(frozen=True)
class SetAside:
    """Text read but not taken, and why (shown so a reader can check it)."""

    time_s: float
    text: str
    why: str


@dataclass(frozen=True)
class CloseupReading:
    """A media item's close-up verdict with everything it rests on."""

    frames_read: tuple[float, ...]
    markings: tuple[Marking, ...] = ()
    set_aside: tuple[SetAside, ...] = ()
    error: str | None = None  # OCR could not run: the text is unknown, not absent
    frame_size: tuple[int, int] = (0, 0)  # (width, height) the boxes are in
    surfaces: tuple[SurfaceMeasure, ...] = ()  # each frame read; none: read before they were

    @property
    def closeup(self) -> bool | None:
        """An identifying close-up: a marking made out, or a surface whose marks resolve.

        None when the text could not be read and the surfaces do not settle it.
        """
        if any(m.resolved for m in self.markings) or self.by_marks is not None:
            return True
        return None if self.error is not None else False

    @property
    def by_marks(self) -> SurfaceMeasure | None:
        """The frame that shows the most marks on an identifying surface, if any does."""
        shown = [s for s in self.surfaces if s.identifying]
        return max(shown, key=lambda s: (s.marks, s.cover)) if shown else None

    @property
    def picture_s(self) -> float | None:
        """The frame that shows the airframe best: the most marks, else the largest
        marking made out (None: no identifying close-up)."""
        if (best := self.by_marks) is not None:
            return best.time_s
        resolved = [m for m in self.markings if m.resolved]
        return max(resolved, key=lambda m: m.height_px).time_s if resolved else None

    @property
    def identifiers(self) -> list[Marking]:
        """One marking per distinct identifier, the best read first."""
        best: dict[str, Marking] = {}
        for m in sorted(self.markings, key=lambda m: -m.score):
            if m.identifier and m.key not in best:
                best[m.key] = m
        return list(best.values())


# --- text -------------------------------------------------------------------


def normalise(text: str) -> str:
    """Upper case, one dash style, no spaces around dashes, single spaces."""
    text = text.upper().translate(_DASHES)
    text = re.sub(r"\s*-\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip(" -")


def match_key(text: str) -> str:
    """What two readings of one identifier share: no separators, O->0, I/L->1.

    OCR confuses O with 0 and I with 1 (and ``l``/``|`` with 1); painted
    serials use the same shapes for both, so matching ignores the difference.
    """
    return re.sub(r"[^A-Z0-9]", "", normalise(text)).translate(_LOOKALIKES)


def identifier_tokens(text: str) -> list[str]:
    """The parts of ``text`` that look like an identifier (see module docstring)."""
    found = []
    for token in normalise(text).split(" "):
        token = token.strip("-")
        letters = sum(c.isalpha() for c in token)
        digits = sum(c.isdigit() for c in token)
        if _IDENTIFIER.match(token) and letters >= 1 and digits >= 2:
            found.append(token)
    return found


# --- measures -----------------------------------------------------------------


def focus(luma: np.ndarray) -> float:
    """A cheap focus measure of a whole frame (variance of the Laplacian, 320 px)."""
    h, w = luma.shape
    if w > 320:
        luma = cv2.resize(luma, (320, max(1, round(h * 320 / w))), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(luma, cv2.CV_32F).var())


class CandidateFrames:
    """Keeps the sharpest few frames of a stream, at least a gap apart.

    Fed every sampled frame by the fingerprint pass; it looks at one frame a
    second at most, so the pass does not slow down.
    """

    def __init__(self, most: int = CANDIDATES, gap_s: float = CANDIDATE_GAP_S) -> None:
        self.most = most
        self.gap_s = gap_s
        self._heap: list[tuple[float, float, np.ndarray]] = []
        self._next_s = 0.0

    def offer(self, time_s: float, luma: np.ndarray) -> None:
        if time_s < self._next_s:
            return
        self._next_s = time_s + self.gap_s
        score = focus(luma)
        if len(self._heap) < self.most:
            heapq.heappush(self._heap, (score, time_s, luma.copy()))
        elif score > self._heap[0][0]:  # a copy: the decoder may reuse the frame's buffer
            heapq.heapreplace(self._heap, (score, time_s, luma.copy()))

    def frames(self) -> list[tuple[float, np.ndarray]]:
        """(time, luma) of the kept frames, in time order."""
        return sorted(((t, luma) for _, t, luma in self._heap), key=lambda f: f[0])


# --- the reading ----------------------------------------------------------------

Box = tuple[float, float, float, float]


class Reader(Protocol):
    """An OCR engine: lines of a whole frame, and the text of one cropped line."""

    def lines(self, luma: np.ndarray) -> list[tuple[str, float, Box]]: ...

    def recognise(self, crop: np.ndarray) -> tuple[str, float]: ...


def read_closeups(frames: Sequence[tuple[float, np.ndarray]], reader: Reader) -> CloseupReading:
    """Read ``frames`` with ``reader`` and sort the text (see :func:`classify`).

    A line that holds an identifier is read a second time from the upright
    crop of its box's bounds; the more confident reading wins. The
    detector's own crop is rectified around the ink and can take a scratch
    beside a letter for one more letter (C004_b: "FBN-1077" at 0.91); the
    upright crop reads "BN-1077" at 0.99.
    """
    lines: list[TextLine] = []
    for time_s, luma in frames:
        for text, score, box in reader.lines(luma):
            if identifier_tokens(text):
                again, again_score = reader.recognise(_upright_crop(luma, box))
                if again_score > score and identifier_tokens(again):
                    text, score = again, again_score
            lines.append(TextLine(time_s, text, float(score), box))
    return classify(lines, dict(frames))


def _rounded(box: Box) -> Box:
    """A box to 0.1 px, as stored."""
    return (round(box[0], 1), round(box[1], 1), round(box[2], 1), round(box[3], 1))


def _upright_crop(luma: np.ndarray, box: Box) -> np.ndarray:
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    return luma[y0 : int(np.ceil(box[3])), x0 : int(np.ceil(box[2]))]


def classify(lines: Sequence[TextLine], frames: dict[float, np.ndarray]) -> CloseupReading:
    """Markings on the subject, and the text set aside with its reason."""
    size = next(((f.shape[1], f.shape[0]) for f in frames.values()), (0, 0))
    static = _static_lines(lines, frames)
    markings: list[Marking] = []
    aside: list[SetAside] = []
    for line in lines:
        luma = frames[line.time_s]
        h = luma.shape[0]
        centre_y = (line.box[1] + line.box[3]) / 2
        why = None
        if centre_y < EDGE_BAND * h or centre_y > (1 - EDGE_BAND) * h:
            why = "burned in: at the frame's top or bottom edge"
        elif line in static:
            why = "burned in: stays at the same pixels while the picture moves"
        tokens = identifier_tokens(line.text)
        if why is None and not tokens:
            why = "not an identifier: words, a date or a time"
        if why is not None:
            aside.append(SetAside(line.time_s, line.text, why))
            continue
        sharp = round(sharpness(luma, line.box), 3)
        for token in tokens:
            markings.append(
                Marking(
                    line.time_s,
                    token,
                    match_key(token),
                    round(line.score, 3),
                    _rounded(line.box),
                    round(line.height, 1),
                    round(line.height / h, 4),
                    sharp,
                )
            )
    return CloseupReading(tuple(sorted(frames)), tuple(markings), tuple(aside), frame_size=size)


def _static_lines(lines: Sequence[TextLine], frames: dict[float, np.ndarray]) -> set[TextLine]:
    """Lines burned in: the same pixels in two frames whose pictures differ.

    An overlay keeps its box to the pixel and its pixels barely change, while
    the picture around it moves. A serial filmed from a steady hand moves a
    little with the camera, so its own pixels change as much as the rest.
    """
    static: set[TextLine] = set()
    for i, a in enumerate(lines):
        for b in lines[i + 1 :]:
            if a.time_s == b.time_s or match_key(a.text) != match_key(b.text):
                continue
            if max(abs(p - q) for p, q in zip(a.box, b.box, strict=True)) > STATIC_BOX_PX:
                continue
            fa, fb = frames[a.time_s], frames[b.time_s]
            if fa.shape != fb.shape:
                continue
            inside, outside = _differences(fa, fb, a.box)
            if outside >= SCENE_MOVED and inside <= STATIC_SHARE * outside:
                static.update((a, b))
    return static


def _differences(a: np.ndarray, b: np.ndarray, box: Box) -> tuple[float, float]:
    """Mean absolute difference of two frames inside ``box`` and outside it."""
    mask = np.zeros(a.shape, bool)
    mask[int(box[1]) : int(np.ceil(box[3])), int(box[0]) : int(np.ceil(box[2]))] = True
    diff = cv2.absdiff(a, b)
    inside = float(diff[mask].mean()) if mask.any() else 0.0
    outside = float(diff[~mask].mean()) if (~mask).any() else 0.0
    return inside, outside
