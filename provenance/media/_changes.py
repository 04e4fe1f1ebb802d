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
        if reference is None or reference.shape != small.shape:
            return
        gain = small - reference
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

    def take(self) -> tuple[Transient, ...]:
        taken, self.pending = tuple(self.pending), []
        return taken
