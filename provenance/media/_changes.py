"""What changes from one decoded frame to the next: where a launch shows up.

Computed on every decoded frame inside the decoding loop (not only on the
sampled frames, and without a second pass), because a flash or a booster
lasts a few frames. Pure: frames in, :class:`Transient` records out.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from ._picture import Crop


@dataclass(frozen=True)
class Transient:
    """What changed since the previous decoded frame: the launch shows up here.

    Every decoded frame (not only the sampled ones) gives one: its mean
    brightness and the strongest spots that brightened, in pixels of the
    sampled frames (after downscaling and border removal), strongest first.
    """

    time_s: float
    brightness: float
    peaks: tuple[tuple[float, float, float], ...]  # (x, y, gain in luma levels)


TRANSIENT_WIDTH = 160  # px: enough to place the launch, cheap on every decoded frame

TRANSIENT_PEAKS = 3

TRANSIENT_LAG_S = 0.25  # compare with the frame this much earlier (or the next older)

_EDGE_SHARE = 0.04  # shake makes the frame's edges flicker: no peaks there

MOTION_GRID = (9, 16)  # (rows, columns) of cells a sampled frame's motion is measured in


class ChangeTracker:
    """Transients of decoded frames (see :class:`Transient`).

    Each frame is compared with the last one at least :data:`TRANSIENT_LAG_S`
    older, so the measure does not depend on the frame rate or on which
    frames were decoded.
    """

    def __init__(self) -> None:
        self.recent: deque[tuple[float, np.ndarray]] = deque(maxlen=64)
        self.pending: list[Transient] = []
        self.box: Crop | None = None  # content box and scale of the last sampled frame
        self.scale = 1.0
        self.change: np.ndarray | None = None  # |last frame - its reference| (None: no reference)
        self.step = 1  # of the small images against the frames given

    def add(self, time_s: float, luma: np.ndarray, cut: bool) -> None:
        w = luma.shape[1]
        step = max(1, w // TRANSIENT_WIDTH)
        small = cv2.GaussianBlur(
            np.ascontiguousarray(luma[::step, ::step], dtype=np.float32), (0, 0), 1.5
        )
        if cut:
            self.recent.clear()
        reference = None
        for then, image in reversed(self.recent):
            if then <= time_s - TRANSIENT_LAG_S + 1e-3:
                reference = image
                break
        self.recent.append((time_s, small))
        self.step = step
        if reference is None or reference.shape != small.shape:
            self.change = None
            return
        gain = small - reference
        self.change = np.abs(gain)
        sh, sw = gain.shape
        my, mx = max(1, int(sh * _EDGE_SHARE)), max(1, int(sw * _EDGE_SHARE))
        gain[:my], gain[-my:], gain[:, :mx], gain[:, -mx:] = 0, 0, 0, 0
        factor = step * self.scale
        left = self.box.left if self.box else 0
        top = self.box.top if self.box else 0
        peaks = []
        for _ in range(TRANSIENT_PEAKS):
            y, x = np.unravel_index(int(np.argmax(gain)), gain.shape)
            value = float(gain[y, x])
            if value <= 0:
                break
            peaks.append((float(x * factor - left), float(y * factor - top), value))
            gain[max(0, y - 6) : y + 7, max(0, x - 6) : x + 7] = 0
        self.pending.append(Transient(time_s, float(small.mean()), tuple(peaks)))

    def motion(self, box: Crop, scale: float) -> np.ndarray | None:
        """Where the last frame moved: the mean absolute change (luma levels) over
        :data:`TRANSIENT_LAG_S` in each cell of a :data:`MOTION_GRID` over its content
        ``box`` (in pixels of the frame downscaled by ``scale``), uint8; None when
        there is nothing to compare with (the first frames, a cut).

        A copy moves where its source moves, whatever is laid over it; two
        recordings of one still place move in different places: what tells
        them apart when their frames hash alike.
        """
        if self.change is None:
            return None
        factor = self.step * scale  # small pixels -> downscaled pixels
        h, w = self.change.shape
        top, bottom = int(box.top / factor), int(np.ceil(box.bottom / factor))
        left, right = int(box.left / factor), int(np.ceil(box.right / factor))
        inside = self.change[max(0, top) : min(h, bottom), max(0, left) : min(w, right)]
        rows, cols = MOTION_GRID
        if inside.shape[0] < rows or inside.shape[1] < cols:
            return None
        cells = cv2.resize(inside, (cols, rows), interpolation=cv2.INTER_AREA)
        return np.clip(np.rint(cells), 0, 255).astype(np.uint8)

    def take(self) -> tuple[Transient, ...]:
        taken, self.pending = tuple(self.pending), []
        return taken
