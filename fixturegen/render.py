"""Render frames of a camera recording a site (and maybe a launch event).

A :class:`Shot` ties a camera to a site, a lighting and optionally an event,
with the world-clock time of its media time 0. Static textures are lit and
hazed once per shot; each frame then draws sky, ground bands, and planes and
moving things sorted far to near, and applies the camera's response: exposure,
white balance, tone, vignetting, lens softness and sensor noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from . import textures as tx
from .launch import Event, draw_glow, dynamic_items
from .scene import (
    NEAR_M,
    Camera,
    Lighting,
    Pose,
    Site,
    base_pose,
    draw_ground_band,
    draw_plane,
    draw_sky,
    ground_bands,
    lit,
    project,
    shaken_pose,
)


@dataclass(frozen=True)
class Shot:
    """A camera filming a site under a lighting, from world time ``start_s``."""

    camera: Camera
    site: Site
    lighting: Lighting
    event: Event | None = None
    start_s: float = 0.0


@dataclass(frozen=True)
class _Prepared:
    ground: tuple  # (band, lit texture)
    planes: tuple  # (plane, lit texture, depth)


@lru_cache(maxsize=8)
def _prepare(cam: Camera, site: Site, light: Lighting) -> _Prepared:
    """Lit ground patches and plane textures for one camera (done once)."""
    pose = base_pose(cam)
    bands = []
    for band in ground_bands(cam):
        rgb = tx.ground_patch(site.ground, band.x0, band.y0, band.x1, band.y1, band.rx, band.ry)
        mid = np.array([(band.x0 + band.x1) / 2, (band.y0 + band.y1) / 2, 0.0])
        depth = float(np.linalg.norm(mid[:2] - pose.C[:2]))
        bands.append((band, lit(tx.rgba(rgb), light, depth)))
    planes = []
    sun = np.asarray(light.sun_dir, np.float64) / np.linalg.norm(light.sun_dir)
    for plane in site.planes:
        _, d = project(pose, plane.centre()[None])
        tex = tx.build(plane.texture)
        normal = np.cross(plane.u, plane.v)
        shade = 1.0 if plane.emissive else 0.72 + 0.38 * abs(float(normal @ sun))
        planes.append((plane, lit(tex, light, float(d[0]), shade), float(d[0])))
    return _Prepared(tuple(bands), tuple(planes))


MARGIN_PX = 24  # the static background is rendered this much larger on each side


def _static_items(pose, prep: _Prepared, site: Site):
    """Planes and lamps as (depth, draw function), for depth-sorted drawing."""
    items = [(depth, (lambda c, p=plane, t=tex: draw_plane(c, pose, p, t)))
             for plane, tex, depth in prep.planes]
    for lamp in site.lights:
        _, d = project(pose, np.asarray(lamp.position)[None])
        items.append((float(d[0]) - 0.01, lambda c, lp=lamp: draw_glow(
            c, pose, lp.position, lp.radius_m, lp.colour, lp.intensity)))
    return items


@lru_cache(maxsize=4)
def _background(cam: Camera, site: Site, light: Lighting) -> np.ndarray:
    """Everything static (sky, ground, planes, lamps) seen by the unshaken camera,
    on a canvas MARGIN_PX larger on each side."""
    base = base_pose(cam)
    K = base.K.copy()
    K[0, 2] += MARGIN_PX
    K[1, 2] += MARGIN_PX
    pose = Pose(K, base.R, base.C, cam.width + 2 * MARGIN_PX, cam.height + 2 * MARGIN_PX)
    prep = _prepare(cam, site, light)
    canvas = np.zeros((pose.height, pose.width, 3), np.float32)
    draw_sky(canvas, pose, light.sky)
    for band, tex in reversed(prep.ground):
        draw_ground_band(canvas, pose, band, tex)
    for _, draw in sorted(_static_items(pose, prep, site), key=lambda it: -it[0]):
        draw(canvas)
    canvas.setflags(write=False)
    return canvas


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _plane_box(pose: Pose, plane) -> tuple[float, float, float, float]:
    uv, depth = project(pose, plane.corners())
    if depth.min() <= NEAR_M:
        return (-1e9, -1e9, 1e9, 1e9)
    return (float(uv[:, 0].min()), float(uv[:, 1].min()), float(uv[:, 0].max()),
            float(uv[:, 1].max()))


def render_radiance(
    shot: Shot, media_t: float, index: int, moving: Camera | None = None
) -> np.ndarray:
    """Scene radiance (float32 RGB, ~[0, 1]) seen at media time ``media_t``.

    The shake is a pure rotation about the camera centre, so the static scene
    is rendered once and moved by the exact homography ``K dR K^-1``; moving
    things are drawn on top, and static planes nearer than one of them that
    overlap it are drawn again over it. ``moving`` (a camera that travels, for
    close-up pans) renders everything per frame instead.
    """
    cam = shot.camera
    light = shot.lighting
    prep = _prepare(cam, shot.site, light)
    if moving is not None:
        pose = shaken_pose(moving, media_t, index)
        canvas = np.zeros((pose.height, pose.width, 3), np.float32)
        draw_sky(canvas, pose, light.sky)
        for band, tex in reversed(prep.ground):
            draw_ground_band(canvas, pose, band, tex)
        items = _static_items(pose, prep, shot.site)
    else:
        pose = shaken_pose(cam, media_t, index)
        bg = _background(cam, shot.site, light)
        d_rot = pose.R @ cam.R.T
        H = cam.K @ d_rot @ np.linalg.inv(cam.K) @ np.array(
            [[1, 0, -MARGIN_PX], [0, 1, -MARGIN_PX], [0, 0, 1.0]])
        canvas = cv2.warpPerspective(bg, H, (cam.width, cam.height), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_REPLICATE)
        items = []
    world_t = shot.start_s + media_t
    if shot.event is not None:
        dyn = dynamic_items(shot.event, pose, world_t, light)
        items.extend((it.depth, it.draw) for it in dyn)
        if moving is None and dyn:
            for plane, tex, depth in prep.planes:
                if not plane.occludes_moving:
                    continue
                box = _plane_box(pose, plane)
                if any(depth < it.depth and _overlaps(box, it.box) for it in dyn):
                    items.append((depth, lambda c, p=plane, t=tex: draw_plane(c, pose, p, t)))
    items.sort(key=lambda it: -it[0])
    for _, draw in items:
        draw(canvas)
    return canvas


NOISE_FRAMES = 12


@lru_cache(maxsize=4)
def _unit_noise(width: int, height: int) -> np.ndarray:
    """Frames of unit Gaussian noise for one frame size (seeded, reused by index)."""
    rng = np.random.default_rng(99)
    return rng.standard_normal((NOISE_FRAMES, height, width, 3), dtype=np.float32)


@lru_cache(maxsize=8)
def _noise_bank(width: int, height: int, sigma: float) -> np.ndarray:
    """The unit noise frames scaled to ``sigma`` 8-bit levels (int16)."""
    return np.round(_unit_noise(width, height) * sigma).astype(np.int16)


@lru_cache(maxsize=16)
def _gain_map(cam: Camera) -> np.ndarray:
    """Exposure x white balance x vignetting, per pixel (H x W x 3)."""
    look = cam.look
    ys, xs = np.mgrid[0 : cam.height, 0 : cam.width].astype(np.float32)
    r2 = ((xs - cam.width / 2) / (cam.width / 2)) ** 2 + (
        (ys - cam.height / 2) / (cam.height / 2)) ** 2
    vig = (1 - look.vignette * 0.5 * r2)[..., None]
    return np.ascontiguousarray(vig * np.asarray(look.wb, np.float32) * look.gain * 255.0,
                                dtype=np.float32)


@lru_cache(maxsize=16)
def _tone_lut(gamma: float) -> np.ndarray:
    """8-bit tone curve: gamma plus a soft shoulder for highlights."""
    x = np.arange(256, dtype=np.float64) / 255.0
    y = x ** (1 / gamma)
    return np.clip(np.round(y * 255), 0, 255).astype(np.uint8)


def develop(radiance: np.ndarray, cam: Camera, index: int) -> np.ndarray:
    """Camera response: exposure, white balance, vignette, tone, blur, noise (8-bit)."""
    look = cam.look
    img = cv2.convertScaleAbs(cv2.multiply(radiance, _gain_map(cam)))
    if look.gamma != 1.0:
        img = cv2.LUT(img, _tone_lut(look.gamma))
    if look.blur > 0:
        img = cv2.GaussianBlur(img, (0, 0), look.blur)
    if look.noise > 0:
        bank = _noise_bank(cam.width, cam.height, look.noise)
        pick = int(np.random.default_rng([cam.seed, 5, index]).integers(0, NOISE_FRAMES))
        img = np.clip(img + bank[pick], 0, 255).astype(np.uint8)
    return img


def render_frame(
    shot: Shot, media_t: float, index: int, moving: Camera | None = None
) -> np.ndarray:
    """One finished 8-bit RGB frame of ``shot`` at media time ``media_t``."""
    return develop(render_radiance(shot, media_t, index, moving), shot.camera, index)


def render_clip(shot: Shot, times) -> list[np.ndarray]:
    """Frames of ``shot`` at the given media times."""
    return [render_frame(shot, float(t), i) for i, t in enumerate(times)]
