"""Frames of one recording: the site from anywhere, the launch, and a phone's camera.

The static scene is rendered once per recording (:func:`background`) onto a
canvas that covers every direction the hand, the pan and the zoom will point
the camera in, at the resolution of the longest focal length; each frame is
then the exact homography of that canvas for the frame's rotation and zoom
(the camera only turns about its centre), so parallax between cameras is
real and each recording costs one scene render. Unlike
:func:`fixturegen.scene.ground_bands` (cameras looking north), the ground is
ray-cast per canvas pixel and sampled from mip-mapped, world-tiled
photographs, so any heading and any distance up to the horizon works and two
cameras see the same ground. Walls turned away from a camera are not drawn;
textures are reduced to the density they are seen at.

Per frame (:class:`Recorder`): the launch (:func:`fixturegen.launch.dynamic_items`)
drawn through the frame's pose, with the walls that stand in front of it drawn
again; the flash and booster lighting up their surroundings; then the phone:
auto-exposure that meters the frame and lags (fast down, slow up, so it
pumps at the flash), white balance, vignette, tone curve, lens and digital
zoom softness, motion blur from the hand's turning during the exposure, and
sensor noise that grows with the exposure gain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .. import textures as tx
from ..launch import BOOST_S, Event, dynamic_items, flash_level
from ..scene import (
    Light,
    Lighting,
    Plane,
    Pose,
    draw_sky,
    draw_textured,
    lit,
    ray_directions,
    rotation,
)
from ..sites import rail
from .camera import Rig
from .world import SiteLayout, outward

CANVAS_MAX_PX = 4_200_000  # the background canvas is rendered at most this large
HORIZON_M = 9000.0


# ------------------------------------------------------------------ ground


@lru_cache(maxsize=16)
def _mips(sample: str) -> tuple[np.ndarray, ...]:
    """The world-tiling luminance of ``sample`` and its halvings down to a few pixels."""
    levels = [np.ascontiguousarray(tx.tileable(sample), np.float32)]
    while min(levels[-1].shape) >= 4:
        h, w = levels[-1].shape
        levels.append(cv2.resize(levels[-1], (w // 2, h // 2), interpolation=cv2.INTER_AREA))
    return tuple(levels)


def _remap1d(img: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``img`` sampled (bilinear, wrapping) at pixel coordinates ``u``, ``v`` (1-D)."""
    n = len(u)
    if n == 0:
        return np.zeros(0, np.float32)
    cols = 2048
    rows = (n + cols - 1) // cols
    pad = rows * cols - n
    mu = np.pad(u.astype(np.float32), (0, pad)).reshape(rows, cols)
    mv = np.pad(v.astype(np.float32), (0, pad)).reshape(rows, cols)
    out = cv2.remap(img, mu, mv, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    return out.reshape(-1)[:n]


def _layer(
    sample: str, period_m: float, x: np.ndarray, y: np.ndarray, footprint: np.ndarray
) -> np.ndarray:
    """One ground layer at world points (x, y), filtered to each point's footprint (m/px)."""
    mips = _mips(sample)
    texel = period_m / mips[0].shape[1]
    lod = np.clip(np.log2(np.maximum(footprint, 1e-9) / texel), 0, len(mips) - 1.001)
    base = np.floor(lod).astype(np.int32)
    frac = (lod - base).astype(np.float32)
    fu = np.mod(x, period_m) / period_m
    fv = np.mod(-y, period_m) / period_m
    out = np.zeros(len(x), np.float32)
    for level in np.unique(base):
        sel = base == level
        a, b = mips[level], mips[level + 1]
        ga = _remap1d(a, fu[sel] * a.shape[1] - 0.5, fv[sel] * a.shape[0] - 0.5)
        gb = _remap1d(b, fu[sel] * b.shape[1] - 0.5, fv[sel] * b.shape[0] - 0.5)
        out[sel] = ga + (gb - ga) * frac[sel]
    return out


def draw_ground(
    canvas: np.ndarray,
    pose: Pose,
    ground: tx.GroundSpec,
    light: Lighting,
    near: np.ndarray | None = None,
    launcher=None,
) -> None:
    """The ground plane z = 0, ray-cast per pixel, lit and hazed by distance.

    ``near`` (H x W, optional) receives, per ground pixel, how strongly a flash
    at ``launcher`` lights it (:func:`flash_falloff`).
    """
    dirs = ray_directions(pose)
    dz = dirs[..., 2]
    height = float(pose.C[2])
    with np.errstate(divide="ignore"):
        dist = np.where(dz < -1e-5, height / -dz, np.inf)
    hit = dist < HORIZON_M
    if not hit.any():
        return
    d = dist[hit].astype(np.float64)
    x = pose.C[0] + d * dirs[..., 0][hit]
    y = pose.C[1] + d * dirs[..., 1][hit]
    f = float(pose.K[0, 0])
    across = d / f
    along = across / np.maximum(-dz[hit], 1e-3)
    footprint = across**0.35 * along**0.65
    value = None
    for layer in ground.layers:
        g = _layer(layer.sample, layer.period_m, x, y, footprint)
        if value is None:
            dark = np.asarray(ground.dark, np.float32)
            bright = np.asarray(ground.light, np.float32)
            value = dark + (bright - dark) * g[:, None]
        else:
            value = value * (1 + layer.amount * (g - 0.5))[:, None]
    assert value is not None
    haze = (1 - np.exp(-d / light.visibility_m)).astype(np.float32)[:, None]
    k = np.asarray(light.tint, np.float32) * light.gain
    canvas[hit] = np.clip(value, 0, 1) * k * (1 - haze) + np.asarray(light.haze, np.float32) * haze
    if near is not None and launcher is not None:
        r = np.hypot(x - launcher[0], y - launcher[1])
        near[hit] = flash_falloff(np.hypot(r, launcher[2]))


FLASH_REACH_M = 12.0


def flash_falloff(distance_m):
    """How strongly the launch flash lights a surface this far from it (1 at the launcher)."""
    return (1.0 / (1.0 + (np.asarray(distance_m, np.float64) / FLASH_REACH_M) ** 2)).astype(
        np.float32
    )


# ------------------------------------------------------------------ planes


@lru_cache(maxsize=600)
def _texture(spec: tx.TextureSpec) -> np.ndarray:
    return tx.build(spec)


def _rect_distance(plane: Plane, point: np.ndarray) -> float:
    """Distance from ``point`` to the plane's rectangle."""
    o, u, v = (np.asarray(a, np.float64) for a in (plane.origin, plane.u, plane.v))
    d = point - o
    s = np.clip(d @ u, 0, plane.width_m)
    r = np.clip(d @ v, 0, plane.height_m)
    return float(np.linalg.norm(d - u * s - v * r))


def visible_to(plane: Plane, layout: SiteLayout, C: np.ndarray) -> bool:
    """Drawn for a camera at ``C``: not one-sided and turned away, not around the camera."""
    if plane.name in layout.solid and float((C - np.asarray(plane.origin)) @ outward(plane)) <= 0:
        return False
    return _rect_distance(plane, C) > 2.5


@dataclass(frozen=True)
class Drawn:
    """A plane as one camera draws it: its lit, reduced texture and where it sits."""

    plane: Plane
    tex: np.ndarray
    u: np.ndarray  # world vector of one texture pixel along x
    v: np.ndarray
    depth: float  # of its centre

    def draw(self, canvas: np.ndarray, pose: Pose) -> None:
        draw_textured(canvas, pose, self.tex, self.plane.origin, self.u, self.v)

    def alpha(self, s: float, r: float) -> float:
        """Coverage of the texture at plane coordinates (s, r) metres."""
        h, w = self.tex.shape[:2]
        x = int(np.clip(s / self.plane.width_m * w, 0, w - 1))
        y = int(np.clip(r / self.plane.height_m * h, 0, h - 1))
        return float(self.tex[y, x, 3])


def prepare_planes(
    planes: tuple[Plane, ...], layout: SiteLayout, light: Lighting, C: np.ndarray, focal: float
) -> list[Drawn]:
    """Every plane the camera at ``C`` draws, lit, hazed and reduced for ``focal``."""
    sun = np.asarray(light.sun_dir, np.float64)
    sun = sun / np.linalg.norm(sun)
    out = []
    for plane in planes:
        if not visible_to(plane, layout, C):
            continue
        near = max(_rect_distance(plane, C), 1.0)
        seen_ppm = focal / near
        tex = _texture(plane.texture)
        ppm_u = plane.texture.ppm
        ppm_v = plane.ppm_v or plane.texture.ppm
        k = min(ppm_u, ppm_v) / seen_ppm
        if k > 1.4:
            h, w = tex.shape[:2]
            tex = cv2.resize(
                tex, (max(2, round(w / k)), max(2, round(h / k))), interpolation=cv2.INTER_AREA
            )
        sx = plane.width_m / tex.shape[1]
        sy = plane.height_m / tex.shape[0]
        normal = np.cross(plane.u, plane.v)
        shade = 1.0 if plane.emissive else 0.72 + 0.38 * abs(float(normal @ sun))
        depth = float(np.linalg.norm(plane.centre() - C))
        out.append(
            Drawn(
                plane,
                lit(tex, light, depth, shade),
                np.asarray(plane.u, np.float64) * sx,
                np.asarray(plane.v, np.float64) * sy,
                depth,
            )
        )
    return out


def scene_planes(layout: SiteLayout, event: Event | None) -> tuple[Plane, ...]:
    """The site's planes and, for a launch, its rail where the launcher stands."""
    if event is None:
        return layout.planes
    top, stand = rail(
        "rail", event.launcher, event.heading_deg, event.rail_pitch_deg, seed=event.seed
    )
    return (*layout.planes, top, stand)


# ------------------------------------------------------------------ the static canvas


@dataclass(frozen=True)
class Canvas:
    """The static scene seen by the unturned camera: levels halving in size, and its pose."""

    levels: tuple[np.ndarray, ...]
    K: np.ndarray
    R: np.ndarray
    near: np.ndarray | None  # float32, how much the launch's flash lights each pixel (level 0)


def canvas_pose(rig: Rig, poses: list[Pose]) -> Pose:
    """The pose of a canvas covering every frame of ``poses`` at their longest focal length."""
    R0 = rotation(rig.yaw_deg, rig.pitch_deg, 0.0)
    f = max(float(p.K[0, 0]) for p in poses)
    corners = np.array(
        [
            [0, 0, 1],
            [rig.width, 0, 1],
            [rig.width, rig.height, 1],
            [0, rig.height, 1],
            [rig.width / 2, 0, 1],
            [0, rig.height / 2, 1],
            [rig.width, rig.height / 2, 1],
            [rig.width / 2, rig.height, 1],
        ],
        np.float64,
    )
    pts = []
    for p in poses:
        rays = corners @ np.linalg.inv(p.K).T @ p.R  # world directions
        cam = rays @ R0.T
        pts.append(cam[:, :2] / np.maximum(cam[:, 2:3], 1e-3))
    pts = np.concatenate(pts)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    for _ in range(3):
        w = (hi[0] - lo[0]) * f + 16
        h = (hi[1] - lo[1]) * f + 16
        if w * h <= CANVAS_MAX_PX:
            break
        f *= np.sqrt(CANVAS_MAX_PX / (w * h)) * 0.98
    w = int(np.ceil(((hi[0] - lo[0]) * f + 16) / 8) * 8)
    h = int(np.ceil(((hi[1] - lo[1]) * f + 16) / 8) * 8)
    K = np.array([[f, 0, -lo[0] * f + 8], [0, f, -lo[1] * f + 8], [0, 0, 1.0]])
    return Pose(K, R0, np.asarray(rig.position, np.float64), w, h)


def background(
    pose: Pose,
    layout: SiteLayout,
    drawn: list[Drawn],
    lamps: tuple[tuple[Light, str | None], ...],
    light: Lighting,
    launcher=None,
) -> Canvas:
    """Sky, ground, flat patches, then planes and lamps far to near.

    With a ``launcher``, also the light map of its flash: per pixel, how
    strongly the surface seen there is lit by it (0 for the sky).
    """
    from ..launch import draw_glow

    canvas = np.zeros((pose.height, pose.width, 3), np.float32)
    near = None if launcher is None else np.zeros((pose.height, pose.width), np.float32)
    draw_sky(canvas, pose, light.sky)
    draw_ground(canvas, pose, layout.ground, light, near, launcher)
    near3 = None if near is None else np.repeat(near[..., None], 3, axis=2)
    shown = {d.plane.name for d in drawn}
    items = []

    def both(d: Drawn):
        def draw(c: np.ndarray, p: Pose) -> None:
            d.draw(c, p)
            if near3 is not None:
                w = float(flash_falloff(_rect_distance(d.plane, np.asarray(launcher))))
                alpha = d.tex[..., 3:4]
                draw_textured(
                    near3,
                    p,
                    np.concatenate([alpha * w] * 3 + [alpha], axis=2),
                    d.plane.origin,
                    d.u,
                    d.v,
                )

        return draw

    for d in drawn:
        if d.plane.name in layout.flat:
            items.append((1e9 + d.depth, both(d)))  # right after the ground, far to near
        else:
            items.append((d.depth, both(d)))
    for lamp, on in lamps:
        if on is not None and on not in shown:
            continue
        items.append(
            (
                float(np.linalg.norm(np.asarray(lamp.position) - pose.C)) - 0.05,
                lambda c, p, lp=lamp: draw_glow(
                    c, p, lp.position, lp.radius_m, lp.colour, lp.intensity
                ),
            )
        )
    for _, draw in sorted(items, key=lambda it: -it[0]):
        draw(canvas, pose)
    levels = [canvas]
    while min(levels[-1].shape[:2]) > 200 and len(levels) < 4:
        h, w = levels[-1].shape[:2]
        levels.append(cv2.resize(levels[-1], (w // 2, h // 2), interpolation=cv2.INTER_AREA))
    return Canvas(
        tuple(levels),
        pose.K,
        pose.R,
        None if near3 is None else np.ascontiguousarray(near3[..., 0]),
    )


# ------------------------------------------------------------------ the phone


@dataclass(frozen=True)
class Phone:
    """A phone camera's processing (seeded per recording)."""

    wb: tuple[float, float, float] = (1.0, 1.0, 1.0)
    gamma: float = 1.0
    contrast: float = 0.0  # strength of an S-curve
    vignette: float = 0.2
    blur: float = 0.0  # lens softness (pixels)
    zoom_softness: float = 0.0  # extra blur per doubling of the zoom beyond 2x
    optical_zoom: float = 1.0  # zoom factor at the rig's field of view (1: the main lens)
    noise: float = 2.0  # sensor noise in 8-bit levels at unit exposure gain
    target: float = 0.36  # mean radiance the exposure aims at
    max_gain: float = 8.0  # the most the exposure can boost (at night)
    ae_down_s: float = 0.12  # exposure time constants: darkening fast ...
    ae_up_s: float = 0.7  # ... brightening slowly (the pumping)
    shutter_s: float = 1 / 120  # exposure time of a frame by day (longer at night)
    seed: int = 0


def _tone_lut(gamma: float, contrast: float) -> np.ndarray:
    x = np.arange(256, dtype=np.float64) / 255.0
    y = x ** (1 / gamma)
    s = 0.5 - 0.5 * np.cos(np.pi * y)
    y = (1 - contrast) * y + contrast * s
    return np.clip(np.round(y * 255), 0, 255).astype(np.uint8)


class Recorder:
    """Renders one recording frame by frame (in order: the exposure has memory)."""

    def __init__(
        self,
        rig: Rig,
        layout: SiteLayout,
        light: Lighting,
        event: Event | None,
        clock_start_s: float,
        phone: Phone,
        poses: list[Pose],
        period: str,
    ):
        self.rig, self.layout, self.light, self.event = rig, layout, light, event
        self.clock_start_s = clock_start_s
        self.phone = phone
        C = np.asarray(rig.position, np.float64)
        self.C = C
        bg_pose = canvas_pose(rig, poses)
        self.drawn = prepare_planes(
            scene_planes(layout, event), layout, light, C, float(bg_pose.K[0, 0])
        )
        self.canvas = background(
            bg_pose,
            layout,
            self.drawn,
            layout.night_lights(period),
            light,
            None if event is None else event.launcher,
        )
        self.occluders = [
            d for d in self.drawn if d.plane.occludes_moving and d.plane.name not in layout.flat
        ]
        occ = [(d.plane.origin, d.plane.u, d.plane.v) for d in self.occluders]
        o = np.array([a for a, _, _ in occ], np.float64).reshape(-1, 3)
        u = np.array([b for _, b, _ in occ], np.float64).reshape(-1, 3)
        v = np.array([c for _, _, c in occ], np.float64).reshape(-1, 3)
        self._occ = (
            o,
            u,
            v,
            np.cross(u, v),
            np.array([d.plane.width_m for d in self.occluders]),
            np.array([d.plane.height_m for d in self.occluders]),
        )
        w, h = rig.width, rig.height
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        r2 = ((xs - w / 2) / (w / 2)) ** 2 + ((ys - h / 2) / (h / 2)) ** 2
        vig = (1 - phone.vignette * 0.5 * r2)[..., None]
        self.gain_map = np.ascontiguousarray(
            vig * np.asarray(phone.wb, np.float32) * 255.0, dtype=np.float32
        )
        self.lut = _tone_lut(phone.gamma, phone.contrast)
        rng = np.random.default_rng([phone.seed, 0x0153])
        self.noise_bank = rng.standard_normal((6, h, w, 3), dtype=np.float32)
        self.exposure: float | None = None
        self.night = light.night

    # -- radiance

    def radiance(self, pose: Pose, media_t: float) -> np.ndarray:
        """Scene radiance seen through ``pose`` at media time ``media_t``."""
        f = float(pose.K[0, 0])
        level = 0
        while (
            level + 1 < len(self.canvas.levels)
            and float(self.canvas.K[0, 0]) / 2 ** (level + 1) >= f * 0.72
        ):
            level += 1
        s = 2.0**level
        to_level = np.array([[1 / s, 0, 0.5 / s - 0.5], [0, 1 / s, 0.5 / s - 0.5], [0, 0, 1]])
        H = (
            pose.K
            @ pose.R
            @ self.canvas.R.T
            @ np.linalg.inv(self.canvas.K)
            @ np.linalg.inv(to_level)
        )
        frame = cv2.warpPerspective(
            self.canvas.levels[level],
            H,
            (pose.width, pose.height),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        self._to_frame = H @ to_level  # level-0 canvas pixels to frame pixels
        if self.event is None:
            return frame
        world_t = self.clock_start_s + media_t
        dyn = dynamic_items(self.event, pose, world_t, self.light)
        items = [(it.depth, (lambda c, it=it: it.draw(c))) for it in dyn]
        again = self._occluding(pose, dyn)
        for k in again:
            d = self.occluders[k]
            items.append((d.depth, (lambda c, d=d: d.draw(c, pose))))
        items.sort(key=lambda it: -it[0])
        for _, draw in items:
            draw(frame)
        self._light_up(frame, pose, world_t)
        return frame

    def _occluding(self, pose: Pose, dyn) -> set[int]:
        """Occluders that some ray through a moving thing meets before it (vectorised)."""
        pts, depth = [], []
        for it in dyn:
            x0, y0, x1, y1 = it.box
            if x1 < 0 or y1 < 0 or x0 > pose.width or y0 > pose.height:
                continue
            for u, v in (((x0 + x1) / 2, (y0 + y1) / 2), (x0, y0), (x1, y1)):
                pts.append((u, v, 1.0))
                depth.append(it.depth)
        if not pts or not self.occluders:
            return set()
        rays = np.asarray(pts) @ np.linalg.inv(pose.K).T @ pose.R  # world, z-depth 1
        o, u, v, n, w, h = self._occ
        den = rays @ n.T  # (rays, planes)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = ((o - pose.C) * n).sum(axis=1)[None, :] / den
        ok = np.isfinite(t) & (t > 0) & (t < np.asarray(depth)[:, None])
        if not ok.any():
            return set()
        found = set()
        for i, k in zip(*np.nonzero(ok), strict=True):
            if k in found:
                continue
            p = pose.C + rays[i] * t[i, k] - o[k]
            s, r = float(p @ u[k]), float(p @ v[k])
            if 0 <= s <= w[k] and 0 <= r <= h[k] and self.occluders[k].alpha(s, r) > 0.5:
                found.add(int(k))
        return found

    def _light_up(self, frame: np.ndarray, pose: Pose, world_t: float) -> None:
        """The flash and booster light the ground and walls near the launcher (not the sky)."""
        ev = self.event
        assert ev is not None
        tau = world_t - ev.launch_t
        strength = 0.07 * flash_level(ev, world_t) + (0.02 if 0 <= tau < BOOST_S else 0.0)
        if strength <= 0:
            return
        if self.canvas.near is None:
            return
        lit_part = cv2.warpPerspective(
            self.canvas.near,
            self._to_frame,
            (pose.width, pose.height),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
        gain = np.float32(strength / max(self.light.gain, 1e-3))
        frame *= (1 + gain * lit_part)[..., None]

    # -- the phone's processing

    def develop(
        self,
        radiance: np.ndarray,
        index: int,
        dt: float,
        blur_px: float,
        blur_dir: float,
        zoom_total: float,
    ) -> np.ndarray:
        """Exposure (metered, lagging), noise, white balance, tone, softness, motion blur."""
        ph = self.phone
        small = cv2.resize(radiance, (32, 18), interpolation=cv2.INTER_AREA)
        lum = np.minimum(small @ np.array([0.3, 0.59, 0.11], np.float32), 6.0)
        wy = np.exp(-(((np.arange(18) - 8.5) / 7.0) ** 2))[:, None]
        wx = np.exp(-(((np.arange(32) - 15.5) / 12.0) ** 2))[None, :]
        metered = float((lum * wy * wx).sum() / (wy * wx).sum())
        wanted = float(np.clip(ph.target / max(metered, 1e-4), 0.25, ph.max_gain))
        if self.exposure is None:
            self.exposure = wanted
        else:
            tau = ph.ae_down_s if wanted < self.exposure else ph.ae_up_s
            a = 1 - np.exp(-dt / tau)
            self.exposure *= (wanted / self.exposure) ** a
        e = float(self.exposure)
        linear = cv2.multiply(radiance, self.gain_map * np.float32(e))
        # sensor noise grows with the gain; the phone's noise reduction (a blur at
        # high gain) and the lens soften it with the picture
        sigma = ph.noise * max(e, 1.0) ** 0.5
        pick = int(np.random.default_rng([ph.seed, 7, index]).integers(0, len(self.noise_bank)))
        img = cv2.convertScaleAbs(linear + self.noise_bank[pick] * np.float32(sigma))
        img = cv2.LUT(img, self.lut)
        soft = ph.blur + ph.zoom_softness * max(0.0, np.log2(max(zoom_total, 1e-3) / 2.0))
        if e > 2.5:
            soft = max(soft, 0.6 + 0.15 * min(e, 8.0))  # noise reduction at night
        if soft > 0.25:
            img = cv2.GaussianBlur(img, (0, 0), soft)
        if blur_px >= 1.5:
            n = int(min(round(blur_px), 41)) | 1
            k = np.zeros((n, n), np.float32)
            c = n // 2
            dx, dy = np.cos(blur_dir), np.sin(blur_dir)
            for i in range(n):
                s = i - c
                k[round(c + s * dy), round(c + s * dx)] = 1.0
            img = cv2.filter2D(img, -1, k / k.sum())
        return img


def motion_blur(rig: Rig, pose_at, t: float, shutter_s: float) -> tuple[float, float]:
    """How far (pixels) and in which direction the image centre moves during the exposure."""
    a = pose_at(t - shutter_s / 2)
    b = pose_at(t + shutter_s / 2)
    centre = np.array([rig.width / 2, rig.height / 2, 1.0])
    ray = a.R.T @ np.linalg.inv(a.K) @ centre
    moved = b.K @ b.R @ ray
    moved = moved[:2] / moved[2]
    d = moved - centre[:2]
    return float(np.hypot(*d)), float(np.arctan2(d[1], d[0]))
