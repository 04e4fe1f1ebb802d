"""Pinhole cameras and textured planes: a tiny renderer with real parallax.

World frame: x east, y north, z up, metres. Camera frame: x right, y down,
z forward (OpenCV). A plane is a textured rectangle: texture pixel (s, r) sits
at world point ``origin + u * s / ppm_u + v * r / ppm_v``. Each plane is drawn
with its own homography ``H = K [R a, R b, R (origin - C)]`` (a, b the scaled
axes), far to near, after clipping the part of it behind the camera. Two
cameras at different positions therefore see different images that no single
2-D warp relates, as in real footage.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from functools import cached_property

import cv2
import numpy as np

from . import textures as tx

NEAR_M = 0.25  # planes are clipped to depth >= NEAR_M


def _unit(v) -> np.ndarray:
    a = np.asarray(v, np.float64)
    return a / np.linalg.norm(a)


def rotation(yaw_deg: float, pitch_deg: float, roll_deg: float = 0.0) -> np.ndarray:
    """World-to-camera rotation for a camera looking at compass ``yaw`` (clockwise
    from north), tilted up by ``pitch`` and rolled clockwise by ``roll``."""
    yaw, pitch, roll = np.radians([yaw_deg, pitch_deg, roll_deg])
    fwd = np.array([np.sin(yaw) * np.cos(pitch), np.cos(yaw) * np.cos(pitch), np.sin(pitch)])
    right = np.array([np.cos(yaw), -np.sin(yaw), 0.0])
    down = np.cross(fwd, right)
    r0 = np.stack([right, down, fwd])
    c, s = np.cos(roll), np.sin(roll)
    rz = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    return rz @ r0


def look_at(position, target) -> tuple[float, float]:
    """(yaw, pitch) in degrees of a camera at ``position`` looking at ``target``."""
    d = np.asarray(target, float) - np.asarray(position, float)
    yaw = np.degrees(np.arctan2(d[0], d[1]))
    pitch = np.degrees(np.arctan2(d[2], np.hypot(d[0], d[1])))
    return float(yaw), float(pitch)


@dataclass(frozen=True)
class Look:
    """Per-camera sensor look: exposure, white balance, tone, noise, softness."""

    gain: float = 1.0
    wb: tx.RGB = (1.0, 1.0, 1.0)
    gamma: float = 1.0  # >1 brightens midtones
    noise: float = 2.0  # std of sensor noise, in 8-bit levels
    blur: float = 0.0  # Gaussian sigma in pixels (lens softness / focus)
    vignette: float = 0.25
    shake_deg: float = 0.12  # amplitude of handheld rotation jitter


@dataclass(frozen=True)
class Camera:
    """A pinhole camera: where it is, where it looks, its image size and look."""

    name: str
    position: tuple[float, float, float]
    yaw_deg: float
    pitch_deg: float
    width: int
    height: int
    hfov_deg: float
    roll_deg: float = 0.0
    look: Look = Look()
    seed: int = 0

    @property
    def focal(self) -> float:
        return (self.width / 2) / np.tan(np.radians(self.hfov_deg) / 2)

    @cached_property
    def K(self) -> np.ndarray:
        f = self.focal
        return np.array([[f, 0, (self.width - 1) / 2], [0, f, (self.height - 1) / 2], [0, 0, 1.0]])

    @cached_property
    def R(self) -> np.ndarray:
        return rotation(self.yaw_deg, self.pitch_deg, self.roll_deg)

    @property
    def C(self) -> np.ndarray:
        return np.asarray(self.position, np.float64)

    def with_zoom(self, factor: float) -> Camera:
        """The same camera with its focal length multiplied by ``factor``."""
        hfov = 2 * np.degrees(np.arctan(np.tan(np.radians(self.hfov_deg) / 2) / factor))
        return replace(self, hfov_deg=float(hfov))


@dataclass(frozen=True)
class Pose:
    """A camera's actual rotation and centre for one frame (after shake)."""

    K: np.ndarray
    R: np.ndarray
    C: np.ndarray
    width: int
    height: int

    @property
    def t(self) -> np.ndarray:
        return -self.R @ self.C


def base_pose(cam: Camera) -> Pose:
    """The camera's pose without shake."""
    return Pose(cam.K, cam.R, cam.C, cam.width, cam.height)


def shaken_pose(cam: Camera, media_t: float, frame_index: int) -> Pose:
    """Pose at media time ``media_t`` with smooth handheld jitter (rotation only)."""
    amp = np.radians(cam.look.shake_deg)
    if amp == 0:
        return base_pose(cam)
    rng = np.random.default_rng([cam.seed, 7])
    freqs = rng.uniform(0.25, 2.2, size=(3, 3))
    phases = rng.uniform(0, 2 * np.pi, size=(3, 3))
    weights = np.array([1.0, 0.5, 0.25])
    angles = (weights[None, :] * np.sin(2 * np.pi * freqs * media_t + phases)).sum(axis=1)
    jitter = np.random.default_rng([cam.seed, 11, frame_index]).normal(0, 0.12, 3)
    rvec = (angles + jitter) * amp * np.array([1.0, 1.0, 0.5])
    dR, _ = cv2.Rodrigues(rvec.reshape(3, 1))
    return Pose(cam.K, dR @ cam.R, cam.C, cam.width, cam.height)


def project(pose: Pose, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project world points (N x 3): pixel coordinates (N x 2) and depths (N)."""
    pc = (np.asarray(points, np.float64) - pose.C) @ pose.R.T
    depth = pc[:, 2]
    uvw = pc @ pose.K.T
    w = uvw[:, 2:3]
    safe = np.where(np.abs(w) < 1e-9, 1e-9, w)
    return uvw[:, :2] / safe, depth


@dataclass(frozen=True)
class Plane:
    """A textured rectangle in the world.

    ``origin`` is the world point of texture pixel (0, 0); ``u`` and ``v`` are
    the unit world directions of texture x and y. ``ppm_v`` defaults to the
    texture's ppm (vertical planes); ground patches pass their own.
    """

    name: str
    origin: tuple[float, float, float]
    u: tuple[float, float, float]
    v: tuple[float, float, float]
    texture: tx.TextureSpec
    ppm_v: float | None = None
    emissive: bool = False  # not shaded by the scene light (lamps, screens)
    occludes_moving: bool = True  # False for the rail the drone rests on

    @property
    def width_m(self) -> float:
        return self.texture.width_m

    @property
    def height_m(self) -> float:
        return self.texture.height_m

    def corners(self) -> np.ndarray:
        """World corners (4 x 3): top-left, top-right, bottom-right, bottom-left."""
        o, u, v = (np.asarray(a, np.float64) for a in (self.origin, self.u, self.v))
        return np.stack([o, o + u * self.width_m, o + u * self.width_m + v * self.height_m,
                         o + v * self.height_m])

    def points(self, nu: int, nv: int) -> np.ndarray:
        """A grid of nu x nv world points on the plane (for tests and checks)."""
        o, u, v = (np.asarray(a, np.float64) for a in (self.origin, self.u, self.v))
        su = np.linspace(0.05, 0.95, nu) * self.width_m
        sv = np.linspace(0.05, 0.95, nv) * self.height_m
        return np.array([o + u * a + v * b for a in su for b in sv])

    def centre(self) -> np.ndarray:
        return self.corners().mean(axis=0)


def plane_matrix(pose: Pose, plane_origin, u_scaled, v_scaled) -> np.ndarray:
    """M such that camera coords of texture pixel (s, r) are ``M @ (s, r, 1)``."""
    return np.stack(
        [pose.R @ np.asarray(u_scaled), pose.R @ np.asarray(v_scaled),
         pose.R @ (np.asarray(plane_origin) - pose.C)], axis=1)


def draw_textured(
    canvas: np.ndarray,
    pose: Pose,
    tex: np.ndarray,
    origin,
    u_scaled,
    v_scaled,
) -> None:
    """Composite a premultiplied RGBA texture placed in the world onto ``canvas``.

    The part of the plane closer than NEAR_M (or behind the camera) is masked
    out before warping, so no point behind the camera is ever drawn.
    """
    th, tw = tex.shape[:2]
    M = plane_matrix(pose, origin, u_scaled, v_scaled)
    corners = np.array([[0, 0, 1], [tw, 0, 1], [tw, th, 1], [0, th, 1]], np.float64)
    depth = corners @ M[2]
    if depth.max() <= NEAR_M:
        return
    H = pose.K @ M
    clipped = depth.min() < NEAR_M
    if clipped:
        poly = _clip_polygon(corners[:, :2], depth - NEAR_M)
        if len(poly) < 3:
            return
        visible = np.column_stack([poly, np.ones(len(poly))])
    else:
        visible = corners
    img_pts = visible @ H.T
    img_pts = img_pts[:, :2] / img_pts[:, 2:3]
    x0 = int(np.clip(np.floor(img_pts[:, 0].min()) - 1, 0, pose.width))
    x1 = int(np.clip(np.ceil(img_pts[:, 0].max()) + 2, 0, pose.width))
    y0 = int(np.clip(np.floor(img_pts[:, 1].min()) - 1, 0, pose.height))
    y1 = int(np.clip(np.ceil(img_pts[:, 1].max()) + 2, 0, pose.height))
    if x1 <= x0 or y1 <= y0:
        return
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1.0]])
    warped = cv2.warpPerspective(
        tex, shift @ H, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    if clipped:
        # Every pixel sees exactly one point of the (infinite) plane; those inside
        # the image of the clipped polygon see points in front of the camera.
        mask = np.zeros(warped.shape[:2], np.float32)
        pts = np.round((img_pts - [x0, y0]) * 16).astype(np.int32)
        cv2.fillPoly(mask, [pts], 1.0, cv2.LINE_AA, 4)
        warped *= mask[..., None]
    composite(canvas[y0:y1, x0:x1], warped)


def composite(roi: np.ndarray, rgba_premul: np.ndarray) -> None:
    """``roi = roi * (1 - alpha) + rgb`` in place (premultiplied 'over', with cv2 for speed)."""
    a = rgba_premul[..., 3]
    a3 = cv2.merge([a, a, a])
    rgb = cv2.cvtColor(rgba_premul, cv2.COLOR_RGBA2RGB)
    roi[:] = cv2.add(cv2.subtract(roi, cv2.multiply(roi, a3)), rgb)


def _clip_polygon(pts: np.ndarray, signed: np.ndarray) -> np.ndarray:
    """Sutherland-Hodgman clip of a polygon to where the (affine) ``signed`` >= 0."""
    out = []
    n = len(pts)
    for i in range(n):
        a, b = pts[i], pts[(i + 1) % n]
        da, db = signed[i], signed[(i + 1) % n]
        if da >= 0:
            out.append(a)
        if (da >= 0) != (db >= 0):
            out.append(a + (b - a) * (da / (da - db)))
    return np.array(out, np.float64)


def draw_plane(canvas: np.ndarray, pose: Pose, plane: Plane, tex: np.ndarray) -> None:
    """Draw ``plane`` (whose texture, lit for this shot, is ``tex``)."""
    ppm_u = plane.texture.ppm
    ppm_v = plane.ppm_v or plane.texture.ppm
    u = np.asarray(plane.u, np.float64) / ppm_u
    v = np.asarray(plane.v, np.float64) / ppm_v
    draw_textured(canvas, pose, tex, plane.origin, u, v)


@dataclass(frozen=True)
class Sky:
    """Sky gradient by elevation angle, with an optional sun glow."""

    horizon: tx.RGB
    zenith: tx.RGB
    sun_dir: tuple[float, float, float] | None = None
    sun_colour: tx.RGB = (1.0, 0.9, 0.7)


def ray_directions(pose: Pose) -> np.ndarray:
    """Unit world directions of the rays through every pixel (H x W x 3)."""
    ys, xs = np.mgrid[0 : pose.height, 0 : pose.width].astype(np.float32)
    pix = np.stack([xs, ys, np.ones_like(xs)], axis=-1)
    kinv = np.linalg.inv(pose.K).astype(np.float32)
    cam = pix @ kinv.T
    world = cam @ pose.R.astype(np.float32)
    return world / np.linalg.norm(world, axis=-1, keepdims=True)


def draw_sky(canvas: np.ndarray, pose: Pose, sky: Sky) -> None:
    """Fill ``canvas`` with the sky seen through ``pose`` (smooth: computed at 1/4 size)."""
    k_small = np.diag([0.25, 0.25, 1.0]) @ pose.K
    k_small[:2, 2] -= 0.375  # centre of small pixel i is big pixel 4 i + 1.5
    small = Pose(k_small, pose.R, pose.C, (pose.width + 3) // 4, (pose.height + 3) // 4)
    dirs = ray_directions(small)
    elev = np.clip(dirs[..., 2], 0, 1)
    w = (elev / 0.6).clip(0, 1) ** 0.55
    hz = np.asarray(sky.horizon, np.float32)
    zn = np.asarray(sky.zenith, np.float32)
    img = hz + (zn - hz) * w[..., None]
    if sky.sun_dir is not None:
        cosang = dirs @ _unit(sky.sun_dir).astype(np.float32)
        glow = np.clip(cosang, 0, 1) ** 24
        img += glow[..., None] * np.asarray(sky.sun_colour, np.float32) * 0.5
    big = cv2.resize(img, (small.width * 4, small.height * 4), interpolation=cv2.INTER_LINEAR)
    canvas[:] = big[: pose.height, : pose.width]


@dataclass(frozen=True)
class GroundBand:
    """A world rectangle of the ground sampled at one resolution."""

    x0: float
    y0: float
    x1: float
    y1: float
    rx: float
    ry: float


BAND_EDGES_M = (0.3, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 260.0, 600.0)
MAX_BAND_PX = 1400


def ground_bands(cam: Camera) -> tuple[GroundBand, ...]:
    """Bands of ground (by distance north of the camera) with suitable resolutions.

    Resolution follows the screen density at each band's near edge, with the
    strong vertical foreshortening of ground seen at a low angle, so far ground
    is pre-filtered instead of aliasing.
    """
    f = cam.focal
    h = max(cam.position[2], 0.3)
    cx, cy = cam.position[0], cam.position[1]
    yaw = np.radians(cam.yaw_deg)
    half = np.radians(cam.hfov_deg / 2 + 6)
    # the steepest ray of the view (with margin for shake and roll) sets the
    # nearest ground that can be seen; nothing closer is prepared
    half_diag = np.arctan(np.hypot(cam.width, cam.height) / 2 / f)
    depression = -np.radians(cam.pitch_deg) + half_diag + np.radians(3 + abs(cam.roll_deg))
    d_min = 0.3 if depression >= np.radians(80) else max(0.3, 0.8 * h / np.tan(depression))
    rise = np.radians(cam.pitch_deg) + half_diag + np.radians(3)
    d_max = BAND_EDGES_M[-1] if rise > -np.radians(1) else min(
        BAND_EDGES_M[-1], 1.3 * h / np.tan(-rise))
    edges = [d_min, *[e for e in BAND_EDGES_M if d_min * 1.3 < e < d_max], d_max]
    bands = []
    for d0, d1 in itertools.pairwise(edges):
        dn = np.sqrt(max(d0, 0.7) * d1)  # screen density varies across a band; take the middle
        rx = 1.05 * f / dn
        ry = min(rx, 1.05 * f * h / dn**2 + 0.5)
        tan_lo = np.tan(np.clip(yaw - half, -1.35, 1.35))
        tan_hi = np.tan(np.clip(yaw + half, -1.35, 1.35))
        pad = 0.5 + 0.1 * d1
        lo = min(d1 * tan_lo, d0 * tan_lo) - pad
        hi = max(d1 * tan_hi, d0 * tan_hi) + pad
        width = hi - lo
        rx = min(rx, MAX_BAND_PX / width)
        ry = min(ry, 400 / (d1 - d0))
        overlap = 0.02 * (d1 - d0)
        bands.append(GroundBand(cx + lo, cy + d0, cx + hi, cy + d1 + overlap, rx, ry))
    return tuple(bands)


def draw_ground_band(canvas: np.ndarray, pose: Pose, band: GroundBand, tex: np.ndarray) -> None:
    """Draw one ground band (``tex`` from :func:`textures.ground_patch`, premultiplied)."""
    origin = (band.x0, band.y1, 0.0)
    u = np.array([1.0 / band.rx, 0, 0])
    v = np.array([0, -1.0 / band.ry, 0])
    draw_textured(canvas, pose, tex, origin, u, v)


@dataclass(frozen=True)
class Light:
    """A point light (lamp, headlight, window) drawn as a glow, mostly at night."""

    position: tuple[float, float, float]
    colour: tx.RGB
    radius_m: float
    intensity: float = 1.0


@dataclass(frozen=True)
class Site:
    """A place: ground, standing planes and lamps. Lighting comes with an event."""

    name: str
    ground: tx.GroundSpec
    planes: tuple[Plane, ...]
    lights: tuple[Light, ...] = field(default=())


@dataclass(frozen=True)
class Lighting:
    """Time of day: how bright and what colour the scene is, sky and haze."""

    name: str
    gain: float
    tint: tx.RGB
    sky: Sky
    haze: tx.RGB
    visibility_m: float = 900.0
    sun_dir: tuple[float, float, float] = (0.3, -0.5, 0.6)
    night: bool = False


def haze_factor(depth: float, light: Lighting) -> float:
    """Fraction of haze colour mixed into a surface at ``depth`` metres."""
    return float(1 - np.exp(-max(depth, 0) / light.visibility_m))


def lit(tex: np.ndarray, light: Lighting, depth: float, shade: float = 1.0) -> np.ndarray:
    """A premultiplied texture lit by ``light`` and hazed for ``depth``."""
    h = haze_factor(depth, light)
    k = np.asarray(light.tint, np.float32) * light.gain * shade * (1 - h)
    out = tex * np.array([*k, 1.0], np.float32)
    if h > 1e-4:
        out[..., :3] += tex[..., 3:4] * (np.asarray(light.haze, np.float32) * h)
    return out
