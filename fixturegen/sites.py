"""The world of the fixtures: launch sites, times of day, events and cameras.

Sites A-D are daytime launch sites, E and F are night sites. Each site has a
textured ground and standing planes at clearly different depths (launcher and
vehicle ~15-25 m, buildings ~35-50 m, tree line ~80-120 m, hills ~150-300 m)
in front of the cameras, which stand near the origin looking roughly north.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import textures as tx
from .launch import Event
from .scene import Camera, Light, Lighting, Look, Plane, Site, Sky, look_at

WIDE_W, WIDE_H = 480, 272  # 16:9-ish and divisible by 16 for H.264 macroblocks


def standing(name: str, centre_xy, width: float, height: float, spec_kind: str, ppm: float, *,
             seed: int, colour=(0.5, 0.5, 0.5), params: tuple = (), facing_deg: float = 180.0,
             base_z: float = 0.0, emissive: bool = False) -> Plane:
    """A vertical textured rectangle standing on the ground, its front facing ``facing_deg``."""
    yaw = np.radians(facing_deg - 180.0)
    right = np.array([np.cos(yaw), -np.sin(yaw), 0.0])
    c = np.array([centre_xy[0], centre_xy[1], 0.0])
    origin = c - right * width / 2 + np.array([0, 0, base_z + height])
    spec = tx.TextureSpec(spec_kind, width, height, ppm, seed=seed, colour=colour, params=params)
    return Plane(name, tuple(origin), tuple(right), (0.0, 0.0, -1.0), spec, emissive=emissive)


def rail(name: str, centre, heading_deg: float, pitch_deg: float, *, seed: int,
         length: float = 4.2, width: float = 0.55) -> tuple[Plane, Plane]:
    """An inclined launch rail (the drone rests on it) and the stand under its front."""
    h, p = np.radians(heading_deg), np.radians(pitch_deg)
    fwd = np.array([np.sin(h) * np.cos(p), np.cos(h) * np.cos(p), np.sin(p)])
    right = np.array([np.cos(h), -np.sin(h), 0.0])
    c = np.asarray(centre, float) - np.array([0, 0, 0.3])
    origin = c + fwd * length / 2 - right * width / 2
    spec = tx.TextureSpec("rail", width, length, 120, seed=seed)
    top = Plane(name, tuple(origin), tuple(right), tuple(-fwd), spec, occludes_moving=False)
    front = c + fwd * length * 0.35
    leg_h = float(front[2])
    stand = standing(name + "-stand", front[:2], 1.0, leg_h, "rail", 120, seed=seed + 1,
                     facing_deg=heading_deg + 180)
    return top, replace(stand, occludes_moving=False)


def _grass() -> tx.GroundSpec:
    return tx.GroundSpec((tx.GroundLayer("grass", 5.0), tx.GroundLayer("gravel", 13.0, 0.6),
                          tx.GroundLayer("moon", 120.0, 0.9)), (0.12, 0.16, 0.07),
                         (0.52, 0.56, 0.32))


def _gravel() -> tx.GroundSpec:
    return tx.GroundSpec((tx.GroundLayer("gravel", 4.0), tx.GroundLayer("grass", 17.0, 0.4),
                          tx.GroundLayer("retina", 90.0, 0.5)), (0.22, 0.21, 0.19),
                         (0.66, 0.63, 0.58))


def _hay() -> tx.GroundSpec:
    return tx.GroundSpec((tx.GroundLayer("grass", 4.0), tx.GroundLayer("moon", 70.0, 0.7),
                          tx.GroundLayer("gravel", 9.0, 0.3)), (0.33, 0.27, 0.12),
                         (0.80, 0.70, 0.42))


def _sand() -> tx.GroundSpec:
    return tx.GroundSpec((tx.GroundLayer("gravel", 6.0), tx.GroundLayer("moon", 80.0, 0.8),
                          tx.GroundLayer("brick", 23.0, 0.15)), (0.42, 0.34, 0.24),
                         (0.86, 0.76, 0.58))


# launcher positions (drone centre on the rail)
LAUNCHER_A1 = (3.0, 22.0, 1.9)
LAUNCHER_A2 = (4.6, 23.0, 1.9)  # moved ~1.9 m for the second event
LAUNCHER_B = (-2.0, 19.0, 1.9)
LAUNCHER_C = (1.0, 20.0, 1.9)
LAUNCHER_D = (0.0, 17.0, 1.9)
LAUNCHER_E = (3.0, 18.0, 1.9)
LAUNCHER_F = (2.0, 16.0, 1.9)


def site_a(launcher=LAUNCHER_A1, heading: float = 25.0, pitch: float = 16.0) -> Site:
    """Airfield edge: grass, truck, brick building, shed, pole, tree line, hills."""
    planes = (
        *rail("A-rail", launcher, heading, pitch, seed=11),
        standing("A-truck", (-1.0, 27.0), 7.5, 3.1, "vehicle", 40, seed=12,
                 colour=(0.33, 0.36, 0.24), params=("rocket",)),
        standing("A-container", (15.0, 33.0), 6.0, 2.6, "container", 30, seed=13,
                 colour=(0.55, 0.22, 0.14), facing_deg=200),
        standing("A-pole", (-7.0, 30.0), 1.4, 9.0, "pole", 40, seed=14),
        standing("A-building", (-14.0, 44.0), 16.0, 7.0, "brick", 18, seed=15,
                 colour=(0.55, 0.33, 0.25), params=("door",)),
        standing("A-shed", (15.0, 52.0), 13.0, 5.0, "shed", 16, seed=16, colour=(0.55, 0.57, 0.58)),
        standing("A-trees", (0.0, 95.0), 420.0, 14.0, "foliage", 7, seed=17,
                 colour=(0.18, 0.27, 0.12)),
        standing("A-hills", (0.0, 240.0), 1400.0, 48.0, "hills", 2.6, seed=18,
                 colour=(0.38, 0.44, 0.42), params=("moon",)),
    )
    return Site("A", _grass(), planes)


def site_b() -> Site:
    """Industrial yard: gravel, containers, warehouse, pole, trees, far hills."""
    planes = (
        *rail("B-rail", LAUNCHER_B, 8.0, 18.0, seed=21),
        standing("B-container-1", (6.0, 24.0), 6.0, 2.6, "container", 36, seed=22,
                 colour=(0.62, 0.30, 0.12)),
        standing("B-container-2", (-10.0, 26.0), 6.0, 2.6, "container", 36, seed=23,
                 colour=(0.16, 0.30, 0.50), facing_deg=165),
        standing("B-pole", (9.0, 36.0), 1.4, 10.0, "pole", 36, seed=24),
        standing("B-warehouse", (0.0, 49.0), 30.0, 8.5, "shed", 14, seed=25,
                 colour=(0.62, 0.62, 0.60)),
        standing("B-trees", (0.0, 120.0), 500.0, 16.0, "foliage", 6, seed=26,
                 colour=(0.20, 0.26, 0.14)),
        standing("B-hills", (0.0, 260.0), 1500.0, 55.0, "hills", 2.4, seed=27,
                 colour=(0.42, 0.45, 0.46), params=("retina",)),
    )
    return Site("B", _gravel(), planes)


def site_c() -> Site:
    """Farm: hay field, pickup, barn, rubble wall, tree line, hills."""
    planes = (
        *rail("C-rail", LAUNCHER_C, 35.0, 17.0, seed=31),
        standing("C-truck", (8.0, 24.0), 6.5, 2.8, "vehicle", 40, seed=32,
                 colour=(0.62, 0.58, 0.48), params=("coffee",), facing_deg=190),
        standing("C-wall", (-5.0, 29.0), 9.0, 1.6, "rocks", 40, seed=33, colour=(0.55, 0.5, 0.42)),
        standing("C-barn", (-16.0, 40.0), 14.0, 6.5, "brick", 18, seed=34,
                 colour=(0.60, 0.28, 0.20)),
        standing("C-trees", (0.0, 85.0), 400.0, 13.0, "foliage", 7, seed=35,
                 colour=(0.22, 0.30, 0.12)),
        standing("C-hills", (0.0, 175.0), 1200.0, 40.0, "hills", 3, seed=36,
                 colour=(0.40, 0.46, 0.38), params=("moon",)),
    )
    return Site("C", _hay(), planes)


def site_d() -> Site:
    """Desert outpost: sand, sandbag wall, pickup, shed, dunes and far ridge."""
    planes = (
        *rail("D-rail", LAUNCHER_D, -10.0, 15.0, seed=41),
        standing("D-wall", (-6.0, 25.0), 8.0, 1.5, "rocks", 40, seed=42, colour=(0.70, 0.62, 0.48)),
        standing("D-truck", (7.0, 21.0), 6.5, 2.8, "vehicle", 40, seed=43,
                 colour=(0.70, 0.62, 0.46), params=("astronaut",), facing_deg=170),
        standing("D-shed", (-18.0, 38.0), 12.0, 4.5, "shed", 18, seed=44,
                 colour=(0.75, 0.70, 0.62)),
        standing("D-dunes", (0.0, 150.0), 1000.0, 30.0, "hills", 4, seed=45,
                 colour=(0.78, 0.66, 0.48), params=("gravel",)),
        standing("D-ridge", (0.0, 320.0), 2000.0, 70.0, "hills", 2, seed=46,
                 colour=(0.62, 0.55, 0.50), params=("retina",)),
    )
    return Site("D", _sand(), planes)


def site_e() -> Site:
    """Night compound: building with lamps and a lit window, pole lamp, trees."""
    planes = (
        *rail("E-rail", LAUNCHER_E, 15.0, 18.0, seed=51),
        standing("E-building", (0.0, 35.0), 22.0, 7.0, "brick", 16, seed=52,
                 colour=(0.55, 0.5, 0.45), params=("door",)),
        standing("E-pole", (-12.0, 25.0), 1.4, 8.0, "pole", 36, seed=53),
        standing("E-trees", (0.0, 80.0), 400.0, 15.0, "foliage", 7, seed=54,
                 colour=(0.2, 0.25, 0.15)),
    )
    lights = (
        Light((-4.0, 34.8, 5.6), (1.0, 0.78, 0.45), 0.25, 1.3),
        Light((6.0, 34.8, 5.6), (1.0, 0.78, 0.45), 0.25, 1.2),
        Light((-12.0, 25.1, 7.6), (0.85, 0.9, 1.0), 0.3, 1.4),
        Light((2.6, 34.9, 2.0), (1.0, 0.7, 0.35), 0.45, 0.35),
    )
    return Site("E", _gravel(), planes, lights)


def site_f() -> Site:
    """Night field: parked vehicle with headlights, tree line, distant village lights."""
    planes = (
        *rail("F-rail", LAUNCHER_F, 30.0, 17.0, seed=61),
        standing("F-truck", (-6.0, 22.0), 6.5, 2.8, "vehicle", 36, seed=62,
                 colour=(0.35, 0.37, 0.3)),
        standing("F-trees", (0.0, 90.0), 400.0, 13.0, "foliage", 7, seed=63,
                 colour=(0.2, 0.26, 0.14)),
    )
    rng = np.random.default_rng(64)
    village = tuple(
        Light((float(x), 420.0 + float(rng.uniform(0, 60)), float(rng.uniform(58, 75))),
              (1.0, 0.8, 0.5), 0.9, float(rng.uniform(0.4, 0.9)))
        for x in np.sort(rng.uniform(-160, 140, 9))
    )
    lights = (
        Light((-8.9, 21.9, 1.0), (1.0, 0.95, 0.85), 0.14, 1.6),
        Light((-7.6, 21.9, 1.0), (1.0, 0.95, 0.85), 0.14, 1.6),
        *village,
    )
    return Site("F", _grass(), planes, lights)


DAY_MORNING = Lighting(
    "morning", 1.0, (1.0, 0.97, 0.9),
    Sky((0.82, 0.84, 0.86), (0.40, 0.56, 0.80), (0.5, -0.8, 0.25), (1.0, 0.95, 0.8)),
    haze=(0.78, 0.80, 0.84), visibility_m=650, sun_dir=(0.5, -0.8, 0.5))
EVENING = Lighting(
    "evening", 0.78, (1.0, 0.78, 0.55),
    Sky((0.96, 0.70, 0.46), (0.30, 0.36, 0.58), (-0.95, 0.25, 0.08), (1.0, 0.7, 0.4)),
    haze=(0.88, 0.68, 0.50), visibility_m=500, sun_dir=(-0.9, 0.2, 0.15))
OVERCAST = Lighting(
    "overcast", 0.86, (0.93, 0.96, 1.0),
    Sky((0.78, 0.79, 0.80), (0.58, 0.60, 0.64)), haze=(0.76, 0.77, 0.79),
    visibility_m=420, sun_dir=(0.0, -0.3, 1.0))
MIDDAY = Lighting(
    "midday", 1.08, (1.0, 0.98, 0.93),
    Sky((0.80, 0.85, 0.90), (0.30, 0.50, 0.85), (0.2, -0.3, 0.93)), haze=(0.80, 0.84, 0.9),
    visibility_m=900, sun_dir=(0.2, -0.3, 0.93))
DESERT_HAZE = Lighting(
    "desert haze", 1.05, (1.0, 0.95, 0.86),
    Sky((0.90, 0.85, 0.76), (0.55, 0.62, 0.72), (0.6, -0.5, 0.62)), haze=(0.88, 0.82, 0.72),
    visibility_m=380, sun_dir=(0.6, -0.5, 0.62))
NIGHT_E = Lighting(
    "night", 0.055, (0.65, 0.75, 1.0),
    Sky((0.045, 0.05, 0.075), (0.008, 0.01, 0.02)), haze=(0.03, 0.035, 0.05),
    visibility_m=600, sun_dir=(0.0, 0.3, 1.0), night=True)
NIGHT_F = Lighting(
    "night", 0.04, (0.6, 0.7, 1.0),
    Sky((0.06, 0.05, 0.05), (0.006, 0.008, 0.016)), haze=(0.04, 0.035, 0.035),
    visibility_m=800, sun_dir=(0.0, 0.3, 1.0), night=True)


EVENTS: dict[str, Event] = {
    e.id: e
    for e in (
        Event("A1", "A", DAY_MORNING, LAUNCHER_A1, 25.0, 16.0, 20.0, "AF-1", turn_deg_s=4.0,
              wind=(1.8, 0.6, 0.0), seed=201),
        Event("A2", "A", EVENING, LAUNCHER_A2, 5.0, 16.0, 12.0, "AF-3", turn_deg_s=-6.0,
              climb_deg=9.0, wind=(-1.2, 1.0, 0.0), seed=202),
        Event("B1", "B", OVERCAST, LAUNCHER_B, 8.0, 18.0, 30.0, "AF-2", turn_deg_s=7.0,
              wind=(1.0, -0.4, 0.0), seed=203),
        Event("C1", "C", MIDDAY, LAUNCHER_C, 35.0, 17.0, 15.0, "AF-4", turn_deg_s=-3.0,
              wind=(-1.5, 0.3, 0.0), seed=204, colour=(0.55, 0.56, 0.55)),
        Event("D1", "D", DESERT_HAZE, LAUNCHER_D, -10.0, 15.0, 40.0, "AF-6", turn_deg_s=3.0,
              wind=(2.2, 0.8, 0.0), seed=205, colour=(0.62, 0.55, 0.42)),
        Event("E1", "E", NIGHT_E, LAUNCHER_E, 15.0, 18.0, 50.0, "AF-7", turn_deg_s=2.0,
              wind=(1.0, 0.5, 0.0), seed=206),
        Event("F1", "F", NIGHT_F, LAUNCHER_F, 30.0, 17.0, 8.0, "AF-5", turn_deg_s=-4.0,
              wind=(-0.8, 0.6, 0.0), seed=207),
    )
}


def site_of(event: Event) -> Site:
    """The site an event happens at (A2 has its launcher moved)."""
    if event.id == "A2":
        return site_a(LAUNCHER_A2, 5.0, 16.0)
    return {"A": site_a, "B": site_b, "C": site_c, "D": site_d, "E": site_e, "F": site_f}[
        event.site]()


def aimed(name: str, position, target, *, hfov: float, look: Look, seed: int,
          width: int = WIDE_W, height: int = WIDE_H, roll: float = 0.0,
          dyaw: float = 0.0, dpitch: float = 0.0) -> Camera:
    """A camera at ``position`` aimed at ``target`` (then turned by dyaw/dpitch)."""
    yaw, pitch = look_at(position, target)
    return Camera(name, tuple(float(v) for v in position), yaw + dyaw, pitch + dpitch,
                  width, height, hfov, roll, look, seed)


CAMERAS: dict[str, Camera] = {
    c.name: c
    for c in (
        aimed("A1-cam1", (0.0, 0.0, 1.6), (3.0, 30.0, 3.0), hfov=60, seed=301,
              look=Look(noise=2.0, shake_deg=0.12)),
        aimed("A1-cam2", (-8.0, 5.0, 1.8), (3.0, 30.0, 3.5), hfov=54, seed=302, roll=-1.2,
              look=Look(gain=0.95, wb=(1.07, 1.0, 0.9), gamma=1.06, noise=2.5, shake_deg=0.2)),
        aimed("A1-cam3", (10.0, -4.0, 2.7), (2.0, 30.0, 2.5), hfov=66, seed=303,
              look=Look(gain=1.06, wb=(0.94, 1.0, 1.08), gamma=0.95, noise=1.8, blur=0.5,
                        shake_deg=0.1)),
        aimed("A2-cam1", (2.0, -2.0, 1.5), (4.0, 30.0, 3.5), hfov=58, seed=304,
              look=Look(noise=2.5, shake_deg=0.15)),
        aimed("B1-cam1", (0.0, 0.0, 1.7), (-1.0, 30.0, 3.0), hfov=60, seed=305,
              look=Look(noise=2.0, shake_deg=0.1)),
        aimed("B1-cam2", (7.0, 4.0, 1.5), (-2.0, 26.0, 4.5), hfov=46, seed=306,
              width=WIDE_H, height=WIDE_W,
              look=Look(gain=1.05, wb=(1.02, 1.0, 0.95), gamma=1.08, noise=3.0, blur=0.4,
                        shake_deg=0.35)),
        aimed("C1-cam1", (0.0, 0.0, 1.7), (2.0, 30.0, 3.0), hfov=60, seed=307,
              look=Look(noise=2.0, shake_deg=0.14)),
        aimed("D1-cam1", (0.0, 0.0, 2.0), (1.0, 30.0, 3.0), hfov=62, seed=308,
              look=Look(gain=0.97, noise=2.0, shake_deg=0.12)),
        aimed("E1-cam1", (0.0, 0.0, 1.7), (1.0, 30.0, 4.0), hfov=62, seed=309,
              look=Look(gain=1.0, noise=3.0, shake_deg=0.12)),
        aimed("F1-cam1", (0.0, 0.0, 1.5), (1.0, 30.0, 4.0), hfov=60, seed=310,
              look=Look(gain=1.0, noise=3.0, shake_deg=0.15)),
    )
}
