"""Launch sites seen from every side: a launch area ringed by buildings, trees and hills.

The fixture set's sites (:mod:`fixturegen.sites`) are stage sets: planes in
front of cameras that stand near the origin and look north. Here cameras
stand all around the launcher, up to 800 m away and on roofs and hills, so a
site is a small world (:func:`make_site`, seeded): the launch area at the
origin with vehicles, walls, crates and stacks around it; buildings as boxes
(four walls and a roof, only the faces turned towards a camera drawn),
several of them tall enough (10-20 m) to film from their roof; every wall
and roof made unique (:func:`_weathered`: grime from a random crop of a
photograph, posters and signs), and a ground layer that repeats only every
330 m, since surfaces tiled from one photograph are alike everywhere and
would leave a feature matcher nothing but repeats; trees as crossed
billboards; poles with lamps; a ring of tree lines at about 1 km and of hills
at 2-3 km, so every direction has a horizon.
Lamps and lit windows shine at dusk and night.

World frame as in :mod:`fixturegen.scene`: x east, y north, z up, metres.
A plane's outward face is ``-(u x v)`` (as :func:`fixturegen.sites.standing`
makes them).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from functools import lru_cache

import cv2
import numpy as np

from .. import textures as tx
from ..scene import Light, Lighting, Plane, Sky
from ..sites import standing

# ------------------------------------------------------------------ lightings

DAY = Lighting(
    "day",
    1.0,
    (1.0, 0.98, 0.93),
    Sky((0.80, 0.84, 0.88), (0.34, 0.52, 0.82), (0.45, -0.6, 0.66), (1.0, 0.95, 0.8)),
    haze=(0.80, 0.83, 0.88),
    visibility_m=7000,
    sun_dir=(0.45, -0.6, 0.66),
)
DAY_HAZY = Lighting(
    "day (haze)",
    1.05,
    (1.0, 0.96, 0.88),
    Sky((0.88, 0.85, 0.78), (0.55, 0.62, 0.74), (-0.5, 0.5, 0.7)),
    haze=(0.86, 0.82, 0.74),
    visibility_m=3500,
    sun_dir=(-0.5, 0.5, 0.7),
)
OVERCAST = Lighting(
    "overcast",
    0.82,
    (0.93, 0.96, 1.0),
    Sky((0.78, 0.79, 0.81), (0.56, 0.58, 0.62)),
    haze=(0.76, 0.77, 0.80),
    visibility_m=4000,
    sun_dir=(0.1, -0.2, 1.0),
)
DUSK = Lighting(
    "dusk",
    0.32,
    (1.0, 0.74, 0.52),
    Sky((0.92, 0.58, 0.36), (0.16, 0.20, 0.40), (-0.96, -0.2, 0.05), (1.0, 0.6, 0.3)),
    haze=(0.62, 0.46, 0.38),
    visibility_m=4500,
    sun_dir=(-0.96, -0.2, 0.08),
)
NIGHT = Lighting(
    "night",
    0.045,
    (0.62, 0.72, 1.0),
    Sky((0.05, 0.055, 0.08), (0.008, 0.01, 0.02)),
    haze=(0.035, 0.04, 0.055),
    visibility_m=5000,
    sun_dir=(0.2, 0.3, 1.0),
    night=True,
)

LIGHTINGS: dict[str, Lighting] = {
    "day": DAY,
    "day_hazy": DAY_HAZY,
    "overcast": OVERCAST,
    "dusk": DUSK,
    "night": NIGHT,
}
PERIOD = {"day": "day", "day_hazy": "day", "overcast": "day", "dusk": "dusk", "night": "night"}


# ------------------------------------------------------------------ unique surfaces

_GRIME = (
    "camera",
    "coffee",
    "astronaut",
    "chelsea",
    "coins",
    "rocket",
    "moon",
    "page",
    "text",
    "retina",
    "gravel",
    "grass",
)
_POSTERS = ("astronaut", "coffee", "chelsea", "rocket", "camera", "page")


def _weathered(spec: tx.TextureSpec, rng: np.random.Generator) -> np.ndarray:
    """A wall of kind ``params[0]`` made unique: weathering from a random crop of one of
    the photographs over the whole wall, and sometimes a poster or a painted sign.

    Walls built from one tiled photograph are alike everywhere, which no real
    place is: a feature matcher would find nothing but repeats.
    """
    base_spec = replace(spec, kind=spec.params[0], params=spec.params[1:])
    img = np.array(tx.BUILDERS[base_spec.kind](base_spec, rng), np.float32)
    h, w = img.shape[:2]
    g = tx.gray(str(rng.choice(_GRIME)))
    gh, gw = g.shape
    frac = float(rng.uniform(0.35, 1.0))
    ch = max(8, int(gh * frac))
    cw = max(8, min(gw, int(ch * w / max(h, 1))))
    y0 = int(rng.integers(0, gh - ch + 1))
    x0 = int(rng.integers(0, gw - cw + 1))
    grime = tx.resize(g[y0 : y0 + ch, x0 : x0 + cw], w, h)
    img[..., :3] *= (0.72 + 0.56 * (grime - 0.5) * float(rng.uniform(0.6, 1.0)))[..., None]
    for _ in range(int(rng.integers(0, 3))):  # posters and signs
        photo = tx.sample(str(rng.choice(_POSTERS)))
        if photo.ndim == 2:
            photo = np.repeat(photo[..., None], 3, axis=2)
        pw = int(np.clip(rng.uniform(1.2, 4.5) * spec.ppm, 4, w * 0.6))
        ph = int(np.clip(pw * rng.uniform(0.5, 1.3), 4, h * 0.7))
        if pw >= w or ph >= h:
            continue
        py = int(rng.integers(0, h - ph))
        px = int(rng.integers(0, w - pw))
        sy, sx = photo.shape[:2]
        cy = int(rng.integers(0, sy // 3))
        cx = int(rng.integers(0, sx // 3))
        crop = photo[cy : cy + sy * 2 // 3, cx : cx + sx * 2 // 3]
        poster = cv2.resize(
            np.ascontiguousarray(crop, np.float32), (pw, ph), interpolation=cv2.INTER_AREA
        ) * float(rng.uniform(0.6, 0.95))
        a = img[py : py + ph, px : px + pw, 3:4]
        img[py : py + ph, px : px + pw, :3] = poster * a
    return img


tx.register("mc-wall", _weathered)


def unique(kind: str, params: tuple = ()) -> tuple[str, tuple]:
    """Texture kind and params of a unique version of ``kind``."""
    return "mc-wall", (kind, *params)


# ------------------------------------------------------------------ grounds


def _ground(theme: str) -> tx.GroundSpec:
    spec = _ground_layers(theme)
    # a layer repeating only every 330 m: patches of wear, tracks and bare earth that
    # differ from place to place
    return replace(spec, layers=(*spec.layers, tx.GroundLayer("camera", 330.0, 0.5)))


def _ground_layers(theme: str) -> tx.GroundSpec:
    L = tx.GroundLayer
    if theme in ("farm", "village"):
        return tx.GroundSpec(
            (L("grass", 5.0), L("gravel", 13.0, 0.6), L("moon", 140.0, 0.5)),
            (0.13, 0.17, 0.07),
            (0.55, 0.58, 0.33),
        )
    if theme in ("yard", "compound"):
        return tx.GroundSpec(
            (L("gravel", 4.0), L("grass", 17.0, 0.4), L("moon", 110.0, 0.35)),
            (0.22, 0.21, 0.19),
            (0.66, 0.63, 0.58),
        )
    if theme == "airfield":
        return tx.GroundSpec(
            (L("grass", 4.0), L("moon", 90.0, 0.45), L("gravel", 9.0, 0.3)),
            (0.30, 0.28, 0.14),
            (0.74, 0.70, 0.44),
        )
    return tx.GroundSpec(
        (L("gravel", 6.0), L("moon", 80.0, 0.45), L("brick", 23.0, 0.15)),
        (0.42, 0.34, 0.24),
        (0.86, 0.76, 0.58),
    )  # desert


THEMES = ("farm", "yard", "village", "desert", "airfield", "compound")

# per theme: (building textures and colours, tree colour, hills colour and photo)
_LOOK = {
    "farm": (
        (
            ("brick", (0.60, 0.30, 0.22)),
            ("shed", (0.55, 0.57, 0.58)),
            ("brick", (0.70, 0.62, 0.50)),
        ),
        (0.20, 0.30, 0.12),
        ((0.40, 0.46, 0.40), "moon"),
    ),
    "yard": (
        (("shed", (0.62, 0.62, 0.60)), ("shed", (0.50, 0.55, 0.62)), ("brick", (0.55, 0.40, 0.30))),
        (0.20, 0.26, 0.14),
        ((0.42, 0.45, 0.46), "retina"),
    ),
    "village": (
        (
            ("brick", (0.66, 0.58, 0.48)),
            ("brick", (0.55, 0.33, 0.25)),
            ("brick", (0.78, 0.74, 0.66)),
        ),
        (0.18, 0.28, 0.12),
        ((0.38, 0.44, 0.42), "moon"),
    ),
    "desert": (
        (
            ("brick", (0.78, 0.70, 0.56)),
            ("shed", (0.75, 0.70, 0.62)),
            ("brick", (0.70, 0.60, 0.46)),
        ),
        (0.30, 0.32, 0.16),
        ((0.72, 0.62, 0.50), "gravel"),
    ),
    "airfield": (
        (("shed", (0.60, 0.62, 0.60)), ("brick", (0.62, 0.58, 0.52)), ("shed", (0.45, 0.50, 0.42))),
        (0.20, 0.27, 0.13),
        ((0.40, 0.45, 0.46), "retina"),
    ),
    "compound": (
        (
            ("brick", (0.60, 0.55, 0.48)),
            ("brick", (0.50, 0.36, 0.28)),
            ("shed", (0.58, 0.58, 0.55)),
        ),
        (0.22, 0.28, 0.14),
        ((0.45, 0.46, 0.44), "moon"),
    ),
}


# ------------------------------------------------------------------ objects


@dataclass(frozen=True)
class Box:
    """A building or vehicle footprint: centre, half sizes along its axes, turn, height."""

    name: str
    cx: float
    cy: float
    hx: float  # half size along the box's own x axis
    hy: float
    angle_deg: float  # the box's x axis, counter-clockwise from east
    height: float

    @property
    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        a = np.radians(self.angle_deg)
        return np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])

    def local(self, x: float, y: float) -> tuple[float, float]:
        ax, ay = self.axes
        d = np.array([x - self.cx, y - self.cy])
        return float(d @ ax), float(d @ ay)

    def contains(self, x: float, y: float, margin: float = 0.0) -> bool:
        lx, ly = self.local(x, y)
        return abs(lx) <= self.hx + margin and abs(ly) <= self.hy + margin

    def radius(self) -> float:
        return float(np.hypot(self.hx, self.hy))


@dataclass(frozen=True)
class Screen:
    """A vertical obstacle of the site for sight lines: a segment and its top."""

    x0: float
    y0: float
    x1: float
    y1: float
    top: float


@dataclass(frozen=True)
class SiteLayout:
    """A site: ground, planes (with which are one-sided), lamps, and what blocks sight."""

    id: str
    theme: str
    ground: tx.GroundSpec
    planes: tuple[Plane, ...]
    solid: frozenset[str]  # one-sided planes: drawn only from their outward side
    flat: frozenset[str]  # lying on the ground: drawn first, never hide a moving thing
    lamps: tuple[tuple[Light, str | None], ...]  # (lamp, the one-sided plane it sits on)
    buildings: tuple[Box, ...]
    screens: tuple[Screen, ...] = field(default=())

    def night_lights(self, period: str) -> tuple[tuple[Light, str | None], ...]:
        """Lamps on at dusk (dimmer) and at night; none by day."""
        if period == "day":
            return ()
        if period == "dusk":
            return tuple(
                (Light(lp.position, lp.colour, lp.radius_m, lp.intensity * 0.5), on)
                for lp, on in self.lamps
            )
        return self.lamps


def _facing(dx: float, dy: float) -> float:
    """Compass bearing (degrees clockwise from north) of direction (dx, dy)."""
    return float(np.degrees(np.arctan2(dx, dy)))


def box_planes(
    box: Box,
    kinds: tuple[tuple[str, tuple], ...],
    ppm: float,
    seed: int,
    roof_kind: str = "shed",
    params: tuple = (),
) -> list[Plane]:
    """Four walls (each its own seed and look) and a roof of a box."""
    ax, ay = box.axes
    c = np.array([box.cx, box.cy])
    walls = (
        (ay, box.hy, 2 * box.hx),
        (-ay, box.hy, 2 * box.hx),
        (ax, box.hx, 2 * box.hy),
        (-ax, box.hx, 2 * box.hy),
    )
    out = []
    for k, (normal, half, width) in enumerate(walls):
        kind, colour = kinds[k % len(kinds)]
        centre = c + normal * half
        ukind, uparams = unique(kind, params if k == 0 else ())
        out.append(
            standing(
                f"{box.name}-w{k}",
                tuple(centre),
                float(width),
                box.height,
                ukind,
                ppm,
                seed=seed + k,
                colour=colour,
                params=uparams,
                facing_deg=_facing(*normal),
            )
        )
    # roof: texture x along the box's x axis, texture y along -ay (outward face up)
    corner = c - ax * box.hx + ay * box.hy
    rkind, rparams = unique(roof_kind)
    spec = tx.TextureSpec(
        rkind,
        2 * box.hx,
        2 * box.hy,
        max(4.0, ppm * 0.5),
        seed=seed + 9,
        colour=(0.42, 0.40, 0.38),
        params=rparams,
    )
    out.append(
        Plane(
            f"{box.name}-roof",
            (float(corner[0]), float(corner[1]), box.height),
            (float(ax[0]), float(ax[1]), 0.0),
            (float(-ay[0]), float(-ay[1]), 0.0),
            spec,
        )
    )
    return out


def crossed_tree(
    name: str, x: float, y: float, width: float, height: float, colour, seed: int, turn_deg: float
) -> list[Plane]:
    """A tree clump: two crossed foliage billboards (seen alike from every side)."""
    return [
        standing(
            f"{name}-{k}",
            (x, y),
            width,
            height,
            "foliage",
            12,
            seed=seed + k,
            colour=colour,
            facing_deg=turn_deg + 90 * k,
        )
        for k in range(2)
    ]


def ground_patch(
    name: str,
    x: float,
    y: float,
    length: float,
    width: float,
    angle_deg: float,
    seed: int,
    kind: str = "rocks",
    colour=(0.35, 0.34, 0.33),
) -> Plane:
    """A flat patch on the ground (road, concrete pad): drawn right after the ground."""
    a = np.radians(angle_deg)
    ax = np.array([np.cos(a), np.sin(a), 0.0])
    ay = np.array([-np.sin(a), np.cos(a), 0.0])
    origin = np.array([x, y, 0.03]) - ax * length / 2 + ay * width / 2
    spec = tx.TextureSpec(kind, length, width, 6, seed=seed, colour=colour)
    return Plane(
        name,
        tuple(float(v) for v in origin),
        tuple(float(v) for v in ax),
        tuple(float(v) for v in -ay),
        spec,
        occludes_moving=False,
    )


def _rng(site_id: str, seed: int, what: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(site_id.encode()), zlib.crc32(what.encode())])


def _free(x: float, y: float, r: float, placed: list[tuple[float, float, float]]) -> bool:
    return all(np.hypot(x - px, y - py) > r + pr + 3.0 for px, py, pr in placed)


@lru_cache(maxsize=16)
def make_site(site_id: str, theme: str, seed: int) -> SiteLayout:
    """The site ``site_id`` of ``theme`` (one of :data:`THEMES`), a function of its seed."""
    kinds, tree_colour, (hill_colour, hill_photo) = _LOOK[theme]
    rng = _rng(site_id, seed, "layout")
    planes: list[Plane] = []
    solid: set[str] = set()
    flat: set[str] = set()
    lamps: list[tuple[Light, str | None]] = []
    boxes: list[Box] = []
    screens: list[Screen] = []
    placed: list[tuple[float, float, float]] = [(0.0, 0.0, 9.0)]  # the launch area
    base = int(rng.integers(1000, 10**6))

    def add_box(
        box: Box, kset, ppm: float, roof: str = "shed", params: tuple = (), windows: bool = True
    ) -> None:
        ps = box_planes(box, kset, ppm, base + len(planes), roof, params)
        planes.extend(ps)
        solid.update(p.name for p in ps)
        boxes.append(box)
        ax, ay = box.axes
        corners = [
            np.array([box.cx, box.cy]) + ax * box.hx * sx + ay * box.hy * sy
            for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
        ]
        for k in range(4):
            a, b = corners[k], corners[(k + 1) % 4]
            screens.append(Screen(float(a[0]), float(a[1]), float(b[0]), float(b[1]), box.height))
        if not windows:
            return
        # lit windows on each wall (dusk and night), on the wall they belong to
        for k, (normal, half, width) in enumerate(
            (
                (ay, box.hy, box.hx),
                (-ay, box.hy, box.hx),
                (ax, box.hx, box.hy),
                (-ax, box.hx, box.hy),
            )
        ):
            along = ax if k < 2 else ay
            storeys = max(1, int(box.height // 3.2))
            for _ in range(int(rng.integers(0, 2 + storeys))):
                s = float(rng.uniform(-0.8, 0.8)) * width
                z = (int(rng.integers(0, storeys)) + 0.55) * 3.2
                p = np.array([box.cx, box.cy]) + normal * (half + 0.08) + along * s
                lamps.append(
                    (
                        Light(
                            (float(p[0]), float(p[1]), z),
                            (1.0, 0.78, 0.45),
                            0.45,
                            float(rng.uniform(0.25, 0.6)),
                        ),
                        f"{box.name}-w{k}",
                    )
                )

    # next to the launcher: a truck or two, a container, sandbag walls
    for i in range(int(rng.integers(1, 3))):
        for _ in range(50):
            r, th = rng.uniform(11, 24), rng.uniform(0, 2 * np.pi)
            x, y = r * np.cos(th), r * np.sin(th)
            if _free(x, y, 4.0, placed):
                placed.append((x, y, 4.0))
                colour = tuple(float(c) for c in rng.uniform(0.25, 0.65, 3))
                truck = Box(f"{site_id}-truck{i}", x, y, 3.4, 1.2, float(rng.uniform(0, 180)), 2.9)
                photo = ("rocket", "coffee", "astronaut", "chelsea")[int(rng.integers(0, 4))]
                add_box(
                    truck,
                    (
                        ("vehicle", colour),
                        ("vehicle", colour),
                        ("container", colour),
                        ("container", colour),
                    ),
                    36,
                    roof="container",
                    params=(photo,),
                    windows=False,
                )
                if i == 0:
                    for sx in (-0.9, 0.9):
                        ax, _ = truck.axes
                        p = np.array([x, y]) + ax * 3.45 * np.sign(sx)
                        lamps.append(
                            (
                                Light(
                                    (float(p[0]), float(p[1]), 1.0), (1.0, 0.95, 0.85), 0.12, 1.0
                                ),
                                None,
                            )
                        )
                break
    for i in range(int(rng.integers(1, 3))):
        for _ in range(50):
            r, th = rng.uniform(12, 30), rng.uniform(0, 2 * np.pi)
            x, y = r * np.cos(th), r * np.sin(th)
            if _free(x, y, 4.0, placed):
                placed.append((x, y, 4.0))
                w = float(rng.uniform(5, 9))
                name = f"{site_id}-sandbags{i}"
                facing = float(rng.uniform(0, 360))
                planes.append(
                    standing(
                        name,
                        (x, y),
                        w,
                        float(rng.uniform(1.2, 1.7)),
                        *unique("rocks")[:1],
                        36,
                        seed=base + 500 + i,
                        colour=(0.62, 0.56, 0.44),
                        params=unique("rocks")[1],
                        facing_deg=facing,
                    )
                )
                break
    # clutter around the launch area: crates, stacks, a tent, a generator
    for i in range(int(rng.integers(5, 10))):
        for _ in range(50):
            r, th = rng.uniform(7, 40), rng.uniform(0, 2 * np.pi)
            x, y = r * np.cos(th), r * np.sin(th)
            hx, hy = float(rng.uniform(0.5, 1.8)), float(rng.uniform(0.5, 1.5))
            if _free(x, y, float(np.hypot(hx, hy)), placed):
                placed.append((x, y, float(np.hypot(hx, hy))))
                colour = tuple(float(c) for c in rng.uniform(0.25, 0.7, 3))
                k = ("container", "shed", "rocks")[int(rng.integers(0, 3))]
                add_box(
                    Box(
                        f"{site_id}-crate{i}",
                        x,
                        y,
                        hx,
                        hy,
                        float(rng.uniform(0, 180)),
                        float(rng.uniform(0.8, 2.4)),
                    ),
                    ((k, colour),),
                    40,
                    roof=k,
                    windows=False,
                )
                break
    # buildings: several tall ones (roofs to film from), the rest low
    n_tall = int(rng.integers(3, 6))
    n_low = int(rng.integers(7, 12))
    for i in range(n_tall + n_low):
        tall = i < n_tall
        for _ in range(200):
            r = rng.uniform(45, 190) if tall else rng.uniform(28, 240)
            th = (
                (2 * np.pi * i / n_tall + rng.uniform(-0.5, 0.5))
                if tall
                else rng.uniform(0, 2 * np.pi)
            )
            x, y = r * np.cos(th), r * np.sin(th)
            hx, hy = (
                (rng.uniform(6, 14), rng.uniform(5, 9))
                if tall
                else (rng.uniform(4, 12), rng.uniform(3, 7))
            )
            if _free(x, y, float(np.hypot(hx, hy)), placed):
                placed.append((x, y, float(np.hypot(hx, hy))))
                height = float(rng.uniform(10, 19)) if tall else float(rng.uniform(3.2, 7.5))
                k = int(rng.integers(0, len(kinds)))
                kset = (
                    (kinds[k], kinds[(k + 1) % len(kinds)]) if rng.random() < 0.3 else (kinds[k],)
                )
                params = ("door",) if kinds[k][0] == "brick" and rng.random() < 0.6 else ()
                add_box(
                    Box(f"{site_id}-b{i}", x, y, hx, hy, float(rng.uniform(0, 180)), height),
                    kset,
                    20 if tall else 22,
                    params=params,
                )
                break
    # trees (crossed billboards), also farther out
    for i in range(int(rng.integers(16, 28))):
        for _ in range(100):
            r, th = rng.uniform(25, 420), rng.uniform(0, 2 * np.pi)
            x, y = r * np.cos(th), r * np.sin(th)
            w = float(rng.uniform(5, 16))
            if _free(x, y, w / 2, placed):
                placed.append((x, y, w / 2))
                h = float(rng.uniform(5, 13))
                colour = tuple(float(c) for c in np.asarray(tree_colour) * rng.uniform(0.8, 1.2))
                turn = float(rng.uniform(0, 90))
                planes.extend(
                    crossed_tree(
                        f"{site_id}-tree{i}", x, y, w, h, colour, base + 1000 + 3 * i, turn
                    )
                )
                for k in range(2):
                    b = np.radians(turn + 90 * k + 90)
                    dx, dy = np.sin(b) * w / 2, np.cos(b) * w / 2
                    screens.append(Screen(x - dx, y - dy, x + dx, y + dy, h * 0.8))
                break
    # poles with lamps
    for i in range(int(rng.integers(4, 8))):
        for _ in range(100):
            r, th = rng.uniform(15, 150), rng.uniform(0, 2 * np.pi)
            x, y = r * np.cos(th), r * np.sin(th)
            if _free(x, y, 0.5, placed):
                placed.append((x, y, 0.5))
                h = float(rng.uniform(7, 11))
                planes.append(
                    standing(
                        f"{site_id}-pole{i}",
                        (x, y),
                        1.4,
                        h,
                        "pole",
                        36,
                        seed=base + 2000 + i,
                        facing_deg=float(rng.uniform(0, 180)),
                    )
                )
                lamps.append((Light((x, y, h - 0.3), (0.85, 0.9, 1.0), 0.3, 1.3), None))
                break
    # flat patches: a road and a concrete pad
    for i in range(int(rng.integers(1, 3))):
        r, th = rng.uniform(10, 60), rng.uniform(0, 2 * np.pi)
        p = ground_patch(
            f"{site_id}-patch{i}",
            r * np.cos(th),
            r * np.sin(th),
            float(rng.uniform(40, 120)),
            float(rng.uniform(5, 9)),
            float(rng.uniform(0, 180)),
            base + 3000 + i,
            "rocks",
            (0.36, 0.35, 0.33),
        )
        planes.append(p)
        flat.add(p.name)
    # far rings: tree lines at ~1 km, hills at 2-3 km, every direction
    n_ring = 16
    offset = float(rng.uniform(0, 2 * np.pi))
    for k in range(n_ring):
        th = offset + 2 * np.pi * k / n_ring
        r = float(rng.uniform(950, 1250))
        w = 2 * np.pi * r / n_ring * 1.25
        x, y = r * np.sin(th), r * np.cos(th)
        planes.append(
            standing(
                f"{site_id}-treeline{k}",
                (x, y),
                w,
                float(rng.uniform(12, 22)),
                "foliage",
                2.5,
                seed=base + 4000 + k,
                colour=tree_colour,
                facing_deg=float(np.degrees(th)) + 180,
            )
        )
    for k in range(n_ring):
        th = offset + 2 * np.pi * (k + 0.5) / n_ring
        r = float(rng.uniform(2100, 3000))
        w = 2 * np.pi * r / n_ring * 1.3
        x, y = r * np.sin(th), r * np.cos(th)
        planes.append(
            standing(
                f"{site_id}-hills{k}",
                (x, y),
                w,
                float(rng.uniform(90, 260)),
                "hills",
                0.9,
                seed=base + 5000 + k,
                colour=tuple(float(c) for c in np.asarray(hill_colour) * rng.uniform(0.9, 1.1)),
                params=(hill_photo,),
                facing_deg=float(np.degrees(th)) + 180,
            )
        )
    return SiteLayout(
        site_id,
        theme,
        _ground(theme),
        tuple(planes),
        frozenset(solid),
        frozenset(flat),
        tuple(lamps),
        tuple(boxes),
        tuple(screens),
    )


def outward(plane: Plane) -> np.ndarray:
    """The outward normal of a one-sided plane: ``-(u x v)``."""
    n = -np.cross(np.asarray(plane.u, np.float64), np.asarray(plane.v, np.float64))
    return n / (np.linalg.norm(n) + 1e-12)


def sight_clear(layout: SiteLayout, eye, target) -> bool:
    """Whether the straight line from ``eye`` to ``target`` passes over every obstacle."""
    e = np.asarray(eye, np.float64)
    t = np.asarray(target, np.float64)
    d = t[:2] - e[:2]
    for s in layout.screens:
        a = np.array([s.x0, s.y0])
        b = np.array([s.x1, s.y1])
        m = np.array([[d[0], a[0] - b[0]], [d[1], a[1] - b[1]]])
        det = np.linalg.det(m)
        if abs(det) < 1e-9:
            continue
        u, v = np.linalg.solve(m, a - e[:2])
        if 0.0 < u < 1.0 and 0.0 <= v <= 1.0:
            z = e[2] + u * (t[2] - e[2])
            if z < s.top:
                return False
    return True
