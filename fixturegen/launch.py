"""Launch events: a delta-wing drone on a rail, flash, smoke and flight in 3-D.

Everything happens on one world clock per event (seconds). The drone rests on
its launcher until ``launch_t``; then a booster flash (0.2 s), a smoke puff that
expands and drifts with the wind, and a flight that accelerates, climbs and
turns. The drone is a small 3-D polygon model, so its image size follows its
distance: ~50 px on the launcher at 20 m, a few pixels once it is far.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .scene import Lighting, Pose, composite, project

FLASH_S = 0.2
BOOST_S = 1.8


@dataclass(frozen=True)
class Event:
    """One launch at a site, on the event's own world clock."""

    id: str
    site: str
    lighting: Lighting
    launcher: tuple[float, float, float]  # where the drone's centre rests
    heading_deg: float  # compass heading of the rail
    rail_pitch_deg: float
    launch_t: float  # world-clock time of the flash
    airframe: str
    turn_deg_s: float = 0.0
    climb_deg: float = 12.0
    accel: float = 22.0
    top_speed: float = 45.0
    wind: tuple[float, float, float] = (1.5, 0.5, 0.0)
    seed: int = 0
    colour: tuple[float, float, float] = (0.58, 0.59, 0.56)
    flash_m: float = 0.55  # radius of the launch flash


@lru_cache(maxsize=32)
def _flight(ev: Event) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integrated flight: times, positions (N x 3), (heading, pitch) in degrees."""
    dt = 0.01
    n = int(40 / dt)
    ts = np.arange(n) * dt
    pos = np.zeros((n, 3))
    att = np.zeros((n, 2))
    p = np.asarray(ev.launcher, np.float64)
    for i, tau in enumerate(ts):
        heading = ev.heading_deg + ev.turn_deg_s * tau
        pitch = ev.climb_deg + (ev.rail_pitch_deg - ev.climb_deg) * np.exp(-tau / 1.2)
        speed = min(ev.accel * tau, ev.top_speed)
        h, pt = np.radians(heading), np.radians(pitch)
        direction = np.array([np.sin(h) * np.cos(pt), np.cos(h) * np.cos(pt), np.sin(pt)])
        pos[i] = p
        att[i] = heading, pitch
        p = p + direction * speed * dt
    return ts, pos, att


def drone_state(ev: Event, world_t: float) -> tuple[np.ndarray, float, float]:
    """Drone centre, heading and pitch (degrees) at world time ``world_t``."""
    tau = world_t - ev.launch_t
    if tau <= 0:
        return np.asarray(ev.launcher, np.float64), ev.heading_deg, ev.rail_pitch_deg
    ts, pos, att = _flight(ev)
    i = min(int(tau / 0.01), len(ts) - 2)
    f = tau / 0.01 - i
    p = pos[i] * (1 - f) + pos[i + 1] * f
    return p, float(att[i, 0]), float(att[i, 1])


# Body frame: x forward, y left, z up (metres). A Shahed-like delta: 3.5 m long,
# 2.5 m span, wingtip fins.
_WING = np.array([[0.8, 0, 0], [-1.3, 1.25, 0], [-1.45, 1.2, 0], [-1.5, 0, 0],
                  [-1.45, -1.2, 0], [-1.3, -1.25, 0]])
_BODY_TOP = np.array([[1.9, 0, 0], [1.5, 0.2, 0.02], [-1.6, 0.2, 0.02], [-1.6, -0.2, 0.02],
                      [1.5, -0.2, 0.02]])
_BODY_SIDE = np.array([[1.9, 0, 0.0], [1.55, 0, 0.2], [-1.5, 0, 0.2], [-1.7, 0, 0.06],
                       [-1.7, 0, -0.12], [1.55, 0, -0.16]])
_FIN_L = np.array([[-1.3, 1.25, 0], [-1.5, 1.22, 0], [-1.58, 1.22, 0.42], [-1.42, 1.25, 0.4]])
_FIN_R = _FIN_L * np.array([1, -1, 1])
PARTS = ((_WING, 1.0), (_BODY_TOP, 0.85), (_BODY_SIDE, 0.7), (_FIN_L, 0.75), (_FIN_R, 0.75))
TAIL = np.array([-1.75, 0.0, 0.0])


def body_to_world(heading_deg: float, pitch_deg: float) -> np.ndarray:
    """Rotation taking body-frame vectors to world for a heading and pitch."""
    h, p = np.radians(heading_deg), np.radians(pitch_deg)
    fwd = np.array([np.sin(h) * np.cos(p), np.cos(h) * np.cos(p), np.sin(p)])
    left = np.array([-np.cos(h), np.sin(h), 0.0])
    up = np.cross(fwd, left)
    return np.stack([fwd, left, up], axis=1)


def draw_drone(canvas: np.ndarray, pose: Pose, ev: Event, world_t: float, light: Lighting) -> None:
    """Draw the drone as shaded 3-D polygons (or a faint speck when tiny)."""
    centre, heading, pitch = drone_state(ev, world_t)
    rot = body_to_world(heading, pitch)
    uvc, dc = project(pose, centre[None])
    if dc[0] <= 1.0:
        return
    colour = np.asarray(ev.colour, np.float32) * np.asarray(light.tint, np.float32) * light.gain
    size_px = pose.K[0, 0] * 3.0 / dc[0]
    x, y = uvc[0]
    if not (-60 < x < pose.width + 60 and -60 < y < pose.height + 60):
        return
    if size_px < 2.5:
        # sub-pixel: a speck whose darkness follows the drone's area on screen
        cover = min(1.0, (size_px / 2.5) ** 2 * 0.9)
        xi, yi = round(x), round(y)
        if 0 <= xi < pose.width and 0 <= yi < pose.height:
            canvas[yi, xi] = canvas[yi, xi] * (1 - cover) + colour * 0.6 * cover
        return
    x0, y0 = max(int(x - size_px) - 2, 0), max(int(y - size_px) - 2, 0)
    x1, y1 = min(int(x + size_px) + 3, pose.width), min(int(y + size_px) + 3, pose.height)
    if x1 <= x0 or y1 <= y0:
        return
    sun = np.asarray(light.sun_dir, np.float64)
    sun = sun / np.linalg.norm(sun)
    # draw the parts 4x supersampled without antialiasing, then filter down: cheap AA
    ss = 4
    w, h = x1 - x0, y1 - y0
    layer = np.zeros((h * ss, w * ss, 4), np.float32)
    world = [centre + verts @ rot.T for verts, _ in PARTS]
    uv, depth = project(pose, np.concatenate(world))
    if depth.min() <= 0.3:
        return
    k = 0
    for (verts, base_shade), wv in zip(PARTS, world, strict=True):
        pts = uv[k : k + len(verts)]
        k += len(verts)
        n = np.cross(wv[1] - wv[0], wv[2] - wv[0])
        n = n / (np.linalg.norm(n) + 1e-9)
        shade = base_shade * (0.55 + 0.45 * abs(float(n @ sun)))
        col = (*(float(c) for c in colour * shade), 1.0)
        ipts = np.round(((pts - [x0, y0]) * ss + (ss - 1) / 2) * 16).astype(np.int32)
        cv2.fillPoly(layer, [ipts], col, cv2.LINE_8, 4)
    small = cv2.resize(layer, (w, h), interpolation=cv2.INTER_AREA)
    composite(canvas[y0:y1, x0:x1], small)


@dataclass(frozen=True)
class Puff:
    """One smoke puff: where and when it was emitted, and how it moves."""

    t0: float
    p0: tuple[float, float, float]
    vel: tuple[float, float, float]
    r0: float
    growth: float
    opacity: float
    life: float


@lru_cache(maxsize=32)
def puffs(ev: Event) -> tuple[Puff, ...]:
    """The launch burst at the rail plus the booster trail along the flight."""
    rng = np.random.default_rng([ev.seed, 3])
    out = []
    base = np.asarray(ev.launcher, np.float64)
    back = body_to_world(ev.heading_deg, ev.rail_pitch_deg) @ np.array([-1.0, 0, 0])
    for _ in range(12):
        off = rng.normal(0, 0.5, 3)
        vel = back * rng.uniform(1.5, 4.0) + rng.normal(0, 1.0, 3) + np.array([0, 0, 0.6])
        out.append(Puff(ev.launch_t + rng.uniform(0, 0.25), tuple(base + off + back * 1.8),
                        tuple(vel), rng.uniform(0.35, 0.7), rng.uniform(0.5, 0.9),
                        rng.uniform(0.5, 0.8), rng.uniform(4.0, 7.0)))
    for k in range(int(BOOST_S / 0.12)):
        tau = k * 0.12
        p, h, pt = drone_state(ev, ev.launch_t + tau)
        tail = p + body_to_world(h, pt) @ TAIL
        out.append(Puff(ev.launch_t + tau, tuple(tail + rng.normal(0, 0.1, 3)),
                        tuple(rng.normal(0, 0.3, 3)), 0.3 + 0.2 * rng.random(),
                        0.55, 0.5 * (1 - tau / BOOST_S) + 0.12, rng.uniform(2.5, 4.0)))
    return tuple(out)


def puff_state(p: Puff, world_t: float, wind) -> tuple[np.ndarray, float, float] | None:
    """Centre, radius (m) and opacity of a puff at ``world_t`` (None if absent)."""
    age = world_t - p.t0
    if age < 0 or age > p.life:
        return None
    drag = 1 - np.exp(-age * 1.5)
    pos = (np.asarray(p.p0) + np.asarray(p.vel) * drag / 1.5 + np.asarray(wind) * age
           + np.array([0, 0, 0.25 * age]))
    radius = p.r0 + p.growth * np.sqrt(age)
    fade_in = min(1.0, age / 0.08)
    opacity = p.opacity * fade_in * np.exp(-age / (0.45 * p.life))
    return pos, float(radius), float(opacity)


@lru_cache(maxsize=4)
def _blob(size: int, seed: int) -> np.ndarray:
    """A soft, slightly lumpy disc used as a puff's alpha (size x size)."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    c = (size - 1) / 2
    r = np.sqrt((xs - c) ** 2 + (ys - c) ** 2) / c
    rng = np.random.default_rng(seed)
    lumps = cv2.resize(rng.random((7, 7)).astype(np.float32), (size, size),
                       interpolation=cv2.INTER_CUBIC)
    fine = cv2.resize(rng.random((16, 16)).astype(np.float32), (size, size),
                      interpolation=cv2.INTER_CUBIC)
    edge = 0.55 + 0.35 * lumps  # lumpy outline
    core = np.clip((edge - r) / 0.25, 0, 1)
    return np.clip(core * (0.75 + 0.35 * fine), 0, 1)


@lru_cache(maxsize=1024)
def _sized_blob(size: int, variant: int) -> np.ndarray:
    return cv2.resize(_blob(64, variant), (size, size), interpolation=cv2.INTER_LINEAR)


def draw_puff(canvas: np.ndarray, pose: Pose, centre, radius: float, opacity: float,
              colour: np.ndarray, variant: int) -> None:
    """Composite one translucent puff at world ``centre``."""
    uv, d = project(pose, np.asarray(centre)[None])
    if d[0] <= 0.5:
        return
    r_px = pose.K[0, 0] * radius / d[0]
    if r_px < 0.7:
        return
    size = max(3, int(r_px * 2.6))
    x0 = round(uv[0, 0] - size / 2)
    y0 = round(uv[0, 1] - size / 2)
    bx0, by0 = max(x0, 0), max(y0, 0)
    bx1, by1 = min(x0 + size, pose.width), min(y0 + size, pose.height)
    if bx1 <= bx0 or by1 <= by0:
        return
    a = _sized_blob(size, variant % 4)
    a = a[by0 - y0 : by1 - y0, bx0 - x0 : bx1 - x0, None] * opacity
    roi = canvas[by0:by1, bx0:bx1]
    roi *= 1 - a
    roi += a * colour


def draw_glow(canvas: np.ndarray, pose: Pose, centre, radius_m: float, colour,
              intensity: float, min_px: float = 1.2) -> None:
    """Add a bright radial glow (flash, booster, lamp) at world ``centre``."""
    uv, d = project(pose, np.asarray(centre, np.float64)[None])
    if d[0] <= 0.3:
        return
    r_px = max(pose.K[0, 0] * radius_m / d[0], min_px)
    half = int(r_px * 3) + 2
    cx, cy = uv[0]
    x0, x1 = max(int(cx) - half, 0), min(int(cx) + half + 1, pose.width)
    y0, y1 = max(int(cy) - half, 0), min(int(cy) + half + 1, pose.height)
    if x1 <= x0 or y1 <= y0:
        return
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    g = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * r_px * r_px)) * intensity
    canvas[y0:y1, x0:x1] += g[..., None] * np.asarray(colour, np.float32)


def flash_level(ev: Event, world_t: float) -> float:
    """Brightness of the launch flash at ``world_t`` (0 outside the 0.2 s window)."""
    tau = world_t - ev.launch_t
    if tau < 0 or tau >= FLASH_S:
        return 0.0
    return float((1 - tau / FLASH_S) ** 1.3)


@dataclass(frozen=True)
class Item:
    """Something to draw this frame: its depth, screen box and draw function."""

    depth: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels
    draw: object  # callable(canvas) -> None


def _box(pose: Pose, centre, radius_m: float, min_px: float = 3.0) -> tuple[float, float]:
    uv, d = project(pose, np.asarray(centre, np.float64)[None])
    r = max(pose.K[0, 0] * radius_m / max(d[0], 0.3), min_px)
    x, y = float(uv[0, 0]), float(uv[0, 1])
    return (x - r, y - r, x + r, y + r), float(d[0])


def dynamic_items(ev: Event, pose: Pose, world_t: float, light: Lighting) -> list[Item]:
    """Everything that moves (drone, smoke, flash, booster), for depth-sorted drawing."""
    items = []
    centre, heading, pitch = drone_state(ev, world_t)
    box, d = _box(pose, centre, 2.0)
    items.append(Item(d, box, lambda c: draw_drone(c, pose, ev, world_t, light)))
    smoke = np.array([0.78, 0.78, 0.75], np.float32) * np.asarray(light.tint, np.float32)
    smoke = smoke * max(light.gain, 0.12 if light.night else 0.0)
    for i, p in enumerate(puffs(ev)):
        st = puff_state(p, world_t, ev.wind)
        if st is None:
            continue
        pos, radius, opacity = st
        if opacity < 0.015:
            continue
        box, dp = _box(pose, pos, radius * 1.4)
        items.append(Item(dp, box, lambda c, pos=pos, r=radius, o=opacity, i=i:
                          draw_puff(c, pose, pos, r, o, smoke, i)))
    level = flash_level(ev, world_t)
    tau = world_t - ev.launch_t
    if level > 0:
        tail = np.asarray(ev.launcher) + body_to_world(ev.heading_deg, ev.rail_pitch_deg) @ TAIL
        box, _ = _box(pose, tail, ev.flash_m * 3.5)
        items.append(Item(0.0, box, lambda c: draw_glow(c, pose, tail, ev.flash_m,
                                                        (1.0, 0.85, 0.55), 2.6 * level)))
    if 0 <= tau < BOOST_S:
        tail = centre + body_to_world(heading, pitch) @ (TAIL * 1.05)
        burn = 1.6 * (1 - 0.4 * tau / BOOST_S)
        box, _ = _box(pose, tail, 0.35 * 3.5)
        items.append(Item(0.0, box, lambda c: draw_glow(c, pose, tail, 0.35, (1.0, 0.8, 0.45),
                                                        burn)))
    return items
