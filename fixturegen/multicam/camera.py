"""A phone in a hand: where it stands, where it points, how it shakes and zooms.

A :class:`Rig` is one recording's camera: its position, the aim the person
chose (the launcher framed low and off-centre, sky above for the climb), the
frame size (portrait or landscape) and field of view, and how it moves:

* **hand** (:class:`Hand`): a slow wander of the aim (0.07-0.5 Hz, up to
  several degrees), a tilted and slowly rolling horizon, a tremor of 2-10 Hz,
  a few jolts, and, after the launch, a lagging pan after the drone;
* **zoom** (:class:`ZoomRamp`): the focal length eased from one factor to
  another over a second or two.

Everything is a smooth function of media time, seeded per recording, so
every frame's pose, and the motion during its exposure (motion blur), can be
evaluated anywhere: :meth:`Rig.pose`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..scene import Pose, look_at, rotation


@dataclass(frozen=True)
class Hand:
    """How the phone is held (angles in degrees)."""

    wander_deg: float  # slow drift of the aim
    roll_deg: float  # the horizon's tilt
    roll_wander_deg: float  # its slow rolling
    tremor_deg: float  # 2-10 Hz jitter
    bumps: tuple[tuple[float, float, float, float], ...]  # (media time, dyaw, dpitch, droll)
    follow: float  # 0: keeps the aim; 1: pans fully after the drone
    follow_lag_s: float
    seed: int


@dataclass(frozen=True)
class ZoomRamp:
    """The zoom factor: ``start`` until ``t0``, eased to ``end`` at ``t1``."""

    start: float = 1.0
    end: float = 1.0
    t0: float = 0.0
    t1: float = 0.0

    def at(self, t: np.ndarray) -> np.ndarray:
        if self.t1 <= self.t0 or self.start == self.end:
            return np.full(np.shape(t), self.start, np.float64)
        x = np.clip((np.asarray(t, np.float64) - self.t0) / (self.t1 - self.t0), 0, 1)
        return self.start + (self.end - self.start) * (0.5 - 0.5 * np.cos(np.pi * x))

    @property
    def most(self) -> float:
        return max(self.start, self.end)


@dataclass(frozen=True)
class Rig:
    """One recording's camera."""

    position: tuple[float, float, float]
    yaw_deg: float  # the chosen aim (before the hand moves it)
    pitch_deg: float
    width: int
    height: int
    hfov_deg: float  # at zoom factor 1
    hand: Hand
    zoom: ZoomRamp = ZoomRamp()

    @property
    def focal(self) -> float:
        return (self.width / 2) / np.tan(np.radians(self.hfov_deg) / 2)

    def K(self, zoom: float) -> np.ndarray:
        f = self.focal * zoom
        return np.array([[f, 0, (self.width - 1) / 2], [0, f, (self.height - 1) / 2], [0, 0, 1.0]])

    def pose(self, t: float, follow: Callable[[float], tuple[float, float]] | None = None) -> Pose:
        """The camera at media time ``t``; ``follow(t)`` is the pan after the drone (deg)."""
        yaw, pitch, roll = self.angles(np.array([t]))
        dyaw, dpitch = follow(t) if follow is not None else (0.0, 0.0)
        R = rotation(float(yaw[0]) + dyaw, float(pitch[0]) + dpitch, float(roll[0]))
        return Pose(
            self.K(float(self.zoom.at(np.array([t]))[0])),
            R,
            np.asarray(self.position, np.float64),
            self.width,
            self.height,
        )

    def angles(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(yaw, pitch, roll) in degrees at media times ``t``, hand included, pan excluded."""
        h = self.hand
        rng = np.random.default_rng([h.seed, 0x5A])
        t = np.asarray(t, np.float64)

        def sines(n: int, lo: float, hi: float) -> np.ndarray:
            f = rng.uniform(lo, hi, n)
            ph = rng.uniform(0, 2 * np.pi, n)
            w = rng.uniform(0.5, 1.0, n)
            s = (w[:, None] * np.sin(2 * np.pi * f[:, None] * t[None, :] + ph[:, None])).sum(0)
            return s / np.sqrt((w**2).sum() / 2)  # about unit standard deviation

        yaw = (
            self.yaw_deg
            + h.wander_deg * 0.7 * sines(3, 0.07, 0.5)
            + h.tremor_deg * sines(6, 2.0, 10.0)
        )
        pitch = (
            self.pitch_deg
            + h.wander_deg * 0.5 * sines(3, 0.07, 0.5)
            + h.tremor_deg * sines(6, 2.0, 10.0)
        )
        roll = (
            h.roll_deg
            + h.roll_wander_deg * sines(2, 0.05, 0.3)
            + 0.5 * h.tremor_deg * sines(4, 2.0, 8.0)
        )
        for tb, dy, dp, dr in h.bumps:
            s = np.where(t > tb, (1 - np.exp(-(t - tb) / 0.04)) * np.exp(-(t - tb) / 0.5), 0.0)
            yaw, pitch, roll = yaw + dy * s, pitch + dp * s, roll + dr * s
        return yaw, pitch, roll


def follow_curve(
    rig: Rig,
    drone_at: Callable[[float], np.ndarray],
    launcher,
    launch_media_t: float | None,
    duration_s: float,
) -> Callable[[float], tuple[float, float]]:
    """The lagging pan after the drone: (dyaw, dpitch) in degrees at media time t.

    The person turns towards where the drone has gone from the launcher, by
    ``hand.follow`` of the way, lagging by ``hand.follow_lag_s`` (a first-order
    lag on a 100 Hz grid), never more than 18 degrees.
    """
    h = rig.hand
    if launch_media_t is None or h.follow <= 0:
        return lambda t: (0.0, 0.0)
    dt = 0.01
    ts = np.arange(0.0, duration_s + 0.5, dt)
    y0, p0 = look_at(rig.position, launcher)
    target = np.zeros((len(ts), 2))
    for i, t in enumerate(ts):
        if t > launch_media_t:
            y, p = look_at(rig.position, drone_at(float(t)))
            dy = (y - y0 + 180) % 360 - 180
            target[i] = np.clip([dy * h.follow, (p - p0) * h.follow], -18, 18)
    out = np.zeros_like(target)
    a = 1 - np.exp(-dt / max(h.follow_lag_s, 1e-3))
    for i in range(1, len(ts)):
        out[i] = out[i - 1] + a * (target[i] - out[i - 1])

    def at(t: float) -> tuple[float, float]:
        return (float(np.interp(t, ts, out[:, 0])), float(np.interp(t, ts, out[:, 1])))

    return at


def aim(
    position, launcher, hfov_deg: float, width: int, height: int, x_frac: float, y_frac: float
) -> tuple[float, float]:
    """(yaw, pitch) that put ``launcher`` at (x_frac, y_frac) of the frame."""
    yaw, pitch = look_at(position, launcher)
    f = (width / 2) / np.tan(np.radians(hfov_deg) / 2)
    dx = np.degrees(np.arctan((x_frac - 0.5) * width / f))
    dy = np.degrees(np.arctan((y_frac - 0.5) * height / f))
    return yaw - dx, pitch + dy
