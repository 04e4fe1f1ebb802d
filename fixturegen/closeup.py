"""Close-ups of an airframe's skin: stills and short handheld videos.

The skin (see :mod:`airframe`) is a textured plane posed in 3-D above a
textured ground; a camera looks at the serial from a given distance, azimuth
and elevation. Videos pan and zoom slowly. Unreadable close-ups are made the
way they happen: a heavy motion blur, or a camera too far away. The serial's
height in pixels comes from projecting its box, so tests can check it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from . import textures as tx
from .airframe import AIRFRAMES, SKIN_H_M, SKIN_W_M, Airframe, serial_box_m, skin_spec
from .render import Shot, render_frame
from .scene import Camera, Lighting, Look, Plane, Site, base_pose, look_at, project

CLOSE_LOOK = Look(noise=2.0, blur=0.6, shake_deg=0.25)


@dataclass(frozen=True)
class CloseupSpec:
    """How one close-up of an airframe is framed, lit and degraded."""

    airframe: str
    width: int
    height: int
    distance_m: float
    azimuth_deg: float = 0.0  # camera around the skin's normal (left/right)
    elevation_deg: float = 25.0  # camera above the normal
    tilt_deg: float = 50.0  # skin leaning back from vertical
    roll_deg: float = 0.0  # skin rotated in its own plane
    hfov_deg: float = 55.0
    aim_m: tuple[float, float] = (0.0, 0.0)  # aim offset from the serial centre (skin u, v)
    lighting: str = "overcast"
    ground: str = "gravel"
    look: Look = CLOSE_LOOK
    motion_blur_px: float = 0.0
    motion_blur_deg: float = 15.0
    pan_m: float = 0.0  # video: lateral camera travel over the clip
    zoom_to: float = 1.0  # video: focal length factor reached at the end
    seed: int = 0


SERIAL_CENTRE = np.array([0.0, 0.0, 1.0])


def _axes(spec: CloseupSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Skin axes u (right), v (down) and n (towards the viewer) in the world."""
    r, t = np.radians(spec.roll_deg), np.radians(spec.tilt_deg)
    u0, v0 = np.array([1.0, 0, 0]), np.array([0, -np.sin(t), -np.cos(t)])
    u = np.cos(r) * u0 + np.sin(r) * v0
    v = -np.sin(r) * u0 + np.cos(r) * v0
    n = np.cross(v, u)
    return u, v, n / np.linalg.norm(n)


def skin_plane(spec: CloseupSpec, ppm: float) -> Plane:
    """The airframe's skin placed so its serial's centre is at SERIAL_CENTRE."""
    af = AIRFRAMES[spec.airframe]
    u, v, _ = _axes(spec)
    x0, y0, x1, y1 = serial_box_m(af)
    origin = SERIAL_CENTRE - u * (x0 + x1) / 2 - v * (y0 + y1) / 2
    return Plane(f"skin-{af.id}", tuple(origin), tuple(u), tuple(v), skin_spec(af, ppm))


def camera_at(spec: CloseupSpec, progress: float = 0.0) -> Camera:
    """The close-up camera at ``progress`` (0..1) of its pan/zoom."""
    u, v, n = _axes(spec)
    az, el = np.radians(spec.azimuth_deg), np.radians(spec.elevation_deg)
    horiz = np.array([n[0], n[1], 0.0])
    horiz /= np.linalg.norm(horiz)
    side = np.array([horiz[1], -horiz[0], 0.0])
    direction = (np.cos(el) * (np.cos(az) * horiz + np.sin(az) * side)
                 + np.array([0, 0, np.sin(el)]))
    pos = SERIAL_CENTRE + direction * spec.distance_m + u * spec.pan_m * (progress - 0.5)
    target = SERIAL_CENTRE + u * spec.aim_m[0] + v * spec.aim_m[1]
    yaw, pitch = look_at(pos, target)
    cam = Camera(f"closeup-{spec.airframe}-{spec.seed}", tuple(float(c) for c in pos), yaw, pitch,
                 spec.width, spec.height, spec.hfov_deg, 0.0, spec.look, spec.seed)
    zoom = 1 + (spec.zoom_to - 1) * progress
    return cam.with_zoom(zoom) if zoom != 1 else cam


def _ground(name: str) -> tx.GroundSpec:
    if name == "grass":
        return tx.GroundSpec((tx.GroundLayer("grass", 1.5), tx.GroundLayer("gravel", 2.3, 0.5)),
                             (0.12, 0.16, 0.07), (0.50, 0.55, 0.30))
    if name == "concrete":
        return tx.GroundSpec((tx.GroundLayer("gravel", 2.0), tx.GroundLayer("moon", 6.0, 0.5)),
                             (0.35, 0.35, 0.34), (0.70, 0.70, 0.68))
    return tx.GroundSpec((tx.GroundLayer("gravel", 1.2), tx.GroundLayer("grass", 3.1, 0.4)),
                         (0.25, 0.23, 0.2), (0.62, 0.58, 0.52))


def closeup_shot(spec: CloseupSpec, lighting: Lighting) -> Shot:
    """The shot of a close-up (its camera at the start of the clip)."""
    cam = camera_at(spec, 0.0)
    ppm = min(700.0, 1.6 * cam.focal * max(spec.zoom_to, 1.0) / max(spec.distance_m - 0.3, 0.2))
    site = Site(f"closeup-{spec.airframe}", _ground(spec.ground), (skin_plane(spec, ppm),))
    return Shot(cam, site, lighting)


def motion_blur(img: np.ndarray, length_px: float, angle_deg: float) -> np.ndarray:
    """Linear motion blur of ``length_px`` pixels along ``angle_deg``."""
    n = int(np.ceil(length_px)) | 1
    k = np.zeros((n, n), np.float32)
    c = n // 2
    a = np.radians(angle_deg)
    p0 = (c - np.cos(a) * length_px / 2, c - np.sin(a) * length_px / 2)
    p1 = (c + np.cos(a) * length_px / 2, c + np.sin(a) * length_px / 2)
    cv2.line(k, (int(p0[0] * 16), int(p0[1] * 16)), (int(p1[0] * 16), int(p1[1] * 16)), 1.0, 1,
             cv2.LINE_AA, 4)
    k /= k.sum()
    return cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT)


def render_closeup(spec: CloseupSpec, lighting: Lighting, times) -> list[np.ndarray]:
    """Frames of the close-up at media times ``times`` (one time for a still)."""
    shot = closeup_shot(spec, lighting)
    duration = max(float(times[-1]), 1e-6) if len(times) > 1 else 1.0
    frames = []
    for i, t in enumerate(times):
        cam = camera_at(spec, float(t) / duration if len(times) > 1 else 0.0)
        frame = render_frame(shot, float(t), i, moving=replace(cam, look=shot.camera.look))
        if spec.motion_blur_px > 0:
            frame = motion_blur(frame, spec.motion_blur_px, spec.motion_blur_deg)
        frames.append(frame)
    return frames


def serial_height_px(spec: CloseupSpec, progress: float = 0.0) -> float:
    """Height in pixels of the serial's painted box in the unshaken view at ``progress``."""
    af: Airframe = AIRFRAMES[spec.airframe]
    plane = skin_plane(spec, 100.0)
    o, u, v = (np.asarray(a) for a in (plane.origin, plane.u, plane.v))
    x0, y0, x1, y1 = serial_box_m(af)
    pts = np.array([o + u * x + v * y for x in (x0, x1) for y in (y0, y1)])
    uv, depth = project(base_pose(camera_at(spec, progress)), pts)
    if depth.min() <= 0:
        return 0.0
    left = np.linalg.norm(uv[1] - uv[0])
    right = np.linalg.norm(uv[3] - uv[2])
    return float(min(left, right))


def serial_in_frame(spec: CloseupSpec, progress: float = 0.0) -> bool:
    """Whether the whole serial box is inside the unshaken frame at ``progress``."""
    af = AIRFRAMES[spec.airframe]
    plane = skin_plane(spec, 100.0)
    o, u, v = (np.asarray(a) for a in (plane.origin, plane.u, plane.v))
    x0, y0, x1, y1 = serial_box_m(af)
    pts = np.array([o + u * x + v * y for x in (x0, x1) for y in (y0, y1)])
    uv, depth = project(base_pose(camera_at(spec, progress)), pts)
    return bool(depth.min() > 0 and (uv[:, 0] >= 2).all() and (uv[:, 0] <= spec.width - 3).all()
                and (uv[:, 1] >= 2).all() and (uv[:, 1] <= spec.height - 3).all())


__all__ = ["SKIN_H_M", "SKIN_W_M", "CloseupSpec", "render_closeup", "serial_height_px",
           "serial_in_frame"]
