"""Evidence pictures for the HTML report: the matched frames side by side.

For each finding between two media items, the frames it rests on are taken
from the media files (as the fingerprints saw them: borders cut, at most
640 px wide, so stored boxes and points fit; in colour where the footage
has it) and put side by side:
identifier boxes are drawn for recycled identifiers, the matched
keypoints joined by lines for other angles, and for a recycled airframe the
other close-up is shown registered onto this one (warped by the stored
homography), every compared mark outlined on both: green where they agree,
red where they do not. Labels stay in the HTML caption
(paths may hold any script). Media no longer at their ingested location get
no picture, and the caption says so.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import ProvenanceError
from ..media import frame_at
from ..model import (
    AirframeEvidence,
    Finding,
    FindingKind,
    FrameHashCopy,
    IdentifierEvidence,
    ViewGeometry,
)
from . import ReportData

HEIGHT = 200  # px of each frame in a picture
PICTURED = {
    FindingKind.COPY,
    FindingKind.OTHER_ANGLE,
    FindingKind.SAME_SITE,
    FindingKind.RECYCLED_IDENTIFIER,
    FindingKind.RECYCLED_AIRFRAME,
}


@dataclass(frozen=True)
class EvidencePicture:
    """A finding's picture (``src`` relative to the report) or why there is none."""

    src: str | None
    time_s: float
    other_time_s: float
    missing: str | None = None
    size: tuple[int, int] = (0, 0)  # (width, height): the page keeps room for it before it loads


def finding_times(finding: Finding) -> tuple[float, float]:
    """The moments a finding's picture shows: in its media and in the other."""
    ev = finding.evidence
    if isinstance(ev, (IdentifierEvidence, ViewGeometry, AirframeEvidence)):
        return float(ev.frame_s), float(ev.other_frame_s)
    seg = finding.segment
    if seg is None:
        return 0.0, 0.0
    return (seg.start_s + seg.end_s) / 2, (seg.other_start_s + seg.other_end_s) / 2


TRANSFORM_LABELS = {  # how a copy was matched, as a reader says it (either way round)
    "hflip": "mirrored",
    "rot90": "turned a quarter",
    "rot90_hflip": "turned a quarter and mirrored",
    "rot180": "turned upside down",
    "rot180_hflip": "turned upside down and mirrored",
    "rot270": "turned a quarter",
    "rot270_hflip": "turned a quarter and mirrored",
}


def matched_as(finding: Finding) -> str:
    """How an edited copy was matched ("mirrored, speed 1.26x"), or ""."""
    ev = finding.evidence
    if not isinstance(ev, FrameHashCopy):
        return ""
    said = [TRANSFORM_LABELS[ev.transform]] if ev.transform in TRANSFORM_LABELS else []
    if abs(ev.speed - 1.0) >= 0.02:
        said.append(f"speed {ev.speed:.2f}x")
    return ", ".join(said)


def side_by_side(a: np.ndarray, b: np.ndarray, finding: Finding) -> np.ndarray:
    """Two frames (grey or BGR) at one height, with the finding's boxes or matches drawn."""
    if isinstance(finding.evidence, AirframeEvidence):
        return registered_marks(a, b, finding.evidence)
    sa, sb = HEIGHT / a.shape[0], HEIGHT / b.shape[0]
    left = cv2.resize(a, (max(1, round(a.shape[1] * sa)), HEIGHT), interpolation=cv2.INTER_AREA)
    right = cv2.resize(b, (max(1, round(b.shape[1] * sb)), HEIGHT), interpolation=cv2.INTER_AREA)
    gap = 8
    canvas = np.full((HEIGHT, left.shape[1] + gap + right.shape[1], 3), 255, np.uint8)
    canvas[:, : left.shape[1]] = left if left.ndim == 3 else left[..., None]
    canvas[:, left.shape[1] + gap :] = right if right.ndim == 3 else right[..., None]
    dx = left.shape[1] + gap
    ev = finding.evidence
    if isinstance(ev, IdentifierEvidence):
        for box, scale, x0 in ((ev.box, sa, 0), (ev.other_box, sb, dx)):
            p0 = (x0 + round(box[0] * scale), round(box[1] * scale))
            p1 = (x0 + round(box[2] * scale), round(box[3] * scale))
            cv2.rectangle(canvas, p0, p1, (40, 40, 220), 2)
    for xa, ya, xb, yb in ev.points[:60] if isinstance(ev, ViewGeometry) else ():
        pa = (round(xa * sa), round(ya * sa))
        pb = (dx + round(xb * sb), round(yb * sb))
        cv2.line(canvas, pa, pb, (60, 170, 60), 1, cv2.LINE_AA)
        cv2.circle(canvas, pa, 2, (0, 140, 255), -1)
        cv2.circle(canvas, pb, 2, (0, 140, 255), -1)
    return canvas


AGREE_BGR, DISAGREE_BGR = (60, 180, 60), (40, 40, 220)


def registered_marks(a: np.ndarray, b: np.ndarray, ev: AirframeEvidence) -> np.ndarray:
    """Close-up ``a`` beside close-up ``b`` registered onto it, every compared mark outlined
    on both (green: agrees; red: does not), at twice the evidence height: marks are small."""
    if a.ndim == 2:
        a = cv2.cvtColor(a, cv2.COLOR_GRAY2BGR)
    if b.ndim == 2:
        b = cv2.cvtColor(b, cv2.COLOR_GRAY2BGR)
    h, w = a.shape[:2]
    homography = np.asarray(ev.homography, np.float64).reshape(3, 3)
    # the stored map is between the frames the close-ups were analysed at
    to_a = np.diag([w / ev.frame_size[0], h / ev.frame_size[1], 1.0])
    from_b = np.diag([ev.other_frame_size[0] / b.shape[1], ev.other_frame_size[1] / b.shape[0], 1])
    warped = cv2.warpPerspective(b, to_a @ homography @ from_b, (w, h), borderValue=(255, 255, 255))
    scale = 2 * HEIGHT / h
    size = (max(1, round(w * scale)), 2 * HEIGHT)
    left = cv2.resize(a, size, interpolation=cv2.INTER_AREA)
    right = cv2.resize(warped, size, interpolation=cv2.INTER_AREA)
    sx, sy = scale * w / ev.frame_size[0], scale * h / ev.frame_size[1]
    for x0, y0, x1, y1, ncc in ev.marks:
        colour = AGREE_BGR if ncc >= ev.agree_at else DISAGREE_BGR
        p0, p1 = (round(x0 * sx), round(y0 * sy)), (round(x1 * sx), round(y1 * sy))
        for side in (left, right):
            cv2.rectangle(side, p0, p1, colour, 1)
    gap = np.full((size[1], 8, 3), 255, np.uint8)
    return np.hstack([left, gap, right])


def evidence_pictures(
    data: ReportData, folder: Path, link: str
) -> dict[tuple[str, int], EvidencePicture]:
    """Write a JPEG per pictured finding into ``folder``; keys (claim id, finding index).

    ``link`` is how the report refers to ``folder``. Frames are read in a few
    threads (decoding releases the interpreter lock).
    """
    files: dict[tuple[str | None, str | None], str] = {
        (v.stored.claim.id, item.path): record.file
        for v in data.claims
        for item, record in v.media
        if record is not None
    }
    jobs = [
        (position, view.stored.claim.id, i, finding)
        for position, view in enumerate(data.claims)
        for i, finding in enumerate(view.findings)
        if finding.kind in PICTURED and finding.other_claim and finding.other_media
    ]
    for stale in folder.glob("claim*.jpg"):  # pictures of an earlier report
        stale.unlink()
    if not jobs:
        return {}
    folder.mkdir(parents=True, exist_ok=True)

    def make(job: tuple[int, str, int, Finding]) -> tuple[tuple[str, int], EvidencePicture]:
        position, claim_id, index, finding = job
        here_s, there_s = finding_times(finding)
        here = _frame(files.get((claim_id, finding.media)), here_s)
        there = _frame(files.get((finding.other_claim, finding.other_media)), there_s)
        if here is None or there is None:
            why = "a media file is no longer where it was ingested"
            return (claim_id, index), EvidencePicture(None, here_s, there_s, why)
        name = f"claim{position:05d}-{index}.jpg"  # ids may differ only in case
        picture = side_by_side(here, there, finding)
        cv2.imwrite(str(folder / name), picture, [cv2.IMWRITE_JPEG_QUALITY, 80])
        size = (int(picture.shape[1]), int(picture.shape[0]))
        return (claim_id, index), EvidencePicture(f"{link}/{name}", here_s, there_s, size=size)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(make, jobs))


def _frame(file: str | None, time_s: float) -> np.ndarray | None:
    if file is None:
        return None
    try:
        return frame_at(file, time_s, colour=True)
    except (ProvenanceError, OSError):
        return None


__all__ = [
    "EvidencePicture",
    "evidence_pictures",
    "finding_times",
    "matched_as",
    "registered_marks",
    "side_by_side",
]
