"""Photographic textures built from scikit-image's bundled sample images.

Every texture is a float32 RGBA array in [0, 1] with *premultiplied* alpha,
built by a pure function of a frozen :class:`TextureSpec` (and cached), so the
same spec always gives the same pixels. Grayscale samples are colourised with a
two-colour ramp; sizes are given in metres and pixels-per-metre so that one
spec renders at any resolution a camera needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import cv2
import numpy as np
from skimage import data as skdata

RGB = tuple[float, float, float]

SAMPLES = (
    "grass", "gravel", "brick", "rocket", "coffee", "chelsea", "camera", "coins",
    "moon", "hubble_deep_field", "astronaut", "retina", "text", "page",
)


@cache
def sample(name: str) -> np.ndarray:
    """A bundled scikit-image sample as float32 in [0, 1] (H x W or H x W x 3)."""
    if name not in SAMPLES:
        raise ValueError(f"unknown sample image {name!r}")
    img = getattr(skdata, name)()
    out = img.astype(np.float32) / 255.0
    out.setflags(write=False)
    return out


@cache
def gray(name: str) -> np.ndarray:
    """Luminance of a sample, normalised to mean 0.5 and a common contrast."""
    img = sample(name)
    if img.ndim == 3:
        img = img @ np.array([0.299, 0.587, 0.114], np.float32)
    lo, hi = np.percentile(img, [1, 99])
    out = np.clip((img - lo) / max(hi - lo, 1e-3), 0, 1).astype(np.float32)
    out.setflags(write=False)
    return out


@cache
def tileable(name: str) -> np.ndarray:
    """A sample's luminance mirrored 2x2 so that it tiles without seams."""
    g = gray(name)
    top = np.concatenate([g, g[:, ::-1]], axis=1)
    out = np.concatenate([top, top[::-1]], axis=0)
    out.setflags(write=False)
    return out


def colorise(g: np.ndarray, dark: RGB, light: RGB) -> np.ndarray:
    """Map a grayscale image onto a dark-to-light colour ramp (H x W x 3)."""
    d = np.asarray(dark, np.float32)
    lt = np.asarray(light, np.float32)
    return d + (lt - d) * g[..., None]


def resize(img: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize with area filtering when shrinking and bilinear when enlarging."""
    width, height = max(1, int(width)), max(1, int(height))
    h, w = img.shape[:2]
    shrink = width < w or height < h
    mode = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    return cv2.resize(img, (width, height), interpolation=mode)


def crop_frac(img: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Crop by fractions of the image size."""
    h, w = img.shape[:2]
    return img[int(y0 * h) : int(y1 * h), int(x0 * w) : int(x1 * w)]


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cell: float) -> np.ndarray:
    """Smooth value noise in [0, 1] with features about ``cell`` pixels wide."""
    h, w = shape
    gh, gw = max(2, int(h / cell) + 2), max(2, int(w / cell) + 2)
    coarse = rng.random((gh, gw)).astype(np.float32)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def profile(rng: np.random.Generator, n: int,
            scales: tuple[tuple[float, float], ...]) -> np.ndarray:
    """A 1-D fractal profile in [0, 1]: sum of smooth noises (cell px, weight)."""
    out = np.zeros(n, np.float32)
    for cell, weight in scales:
        k = max(2, int(n / cell) + 2)
        pts = rng.random(k).astype(np.float32)
        out += weight * np.interp(np.arange(n) / cell, np.arange(k), pts).astype(np.float32)
    out -= out.min()
    return out / max(float(out.max()), 1e-6)


def rgba(rgb: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
    """Stack colour and alpha into a premultiplied float32 RGBA texture."""
    if alpha is None:
        alpha = np.ones(rgb.shape[:2], np.float32)
    a = alpha.astype(np.float32)[..., None]
    return np.ascontiguousarray(np.concatenate([rgb * a, a], axis=2).astype(np.float32))


@dataclass(frozen=True)
class TextureSpec:
    """What a plane is painted with: a builder name, its size and its look."""

    kind: str  # key of BUILDERS
    width_m: float
    height_m: float
    ppm: float  # texture pixels per metre
    seed: int = 0
    colour: RGB = (0.5, 0.5, 0.5)
    params: tuple = ()

    @property
    def size_px(self) -> tuple[int, int]:
        return max(2, round(self.width_m * self.ppm)), max(2, round(self.height_m * self.ppm))


def _tiled(name: str, w: int, h: int, px_per_tile: float) -> np.ndarray:
    """Tile a sample's seamless luminance so one tile spans ``px_per_tile`` px."""
    t = tileable(name)
    tile = resize(t, px_per_tile * 2, px_per_tile * 2)
    reps = (h // tile.shape[0] + 1, w // tile.shape[1] + 1)
    return np.tile(tile, reps)[:h, :w]


def _brick_facade(spec: TextureSpec, rng: np.random.Generator) -> np.ndarray:
    w, h = spec.size_px
    g = _tiled("brick", w, h, 4.0 * spec.ppm)
    c = np.asarray(spec.colour, np.float32)
    img = colorise(g, tuple(c * 0.45), tuple(np.minimum(c * 1.35, 1)))
    dirt = smooth_noise(rng, (h, w), max(4, 1.5 * spec.ppm))
    img *= (0.8 + 0.3 * dirt)[..., None]
    storeys = max(1, int(spec.height_m // 3.2))
    n_win = max(1, int(spec.width_m // 3.0))
    for s in range(storeys):
        for k in range(n_win):
            if rng.random() < 0.15:
                continue
            x0 = int((k + 0.3) * w / n_win)
            x1 = int((k + 0.7) * w / n_win)
            y0 = int(h - (s + 0.75) * 3.2 * spec.ppm)
            y1 = int(y0 + 1.4 * spec.ppm)
            glass = 0.06 + 0.10 * rng.random()
            img[max(y0, 0) : y1, x0:x1] = (glass, glass * 1.05, glass * 1.15)
            fr = max(1, int(0.08 * spec.ppm))
            img[max(y0, 0) : max(y0, 0) + fr, x0:x1] = 0.55
    if "door" in spec.params:
        x0 = int(w * 0.12)
        img[int(h - 2.2 * spec.ppm) :, x0 : x0 + int(1.1 * spec.ppm)] = (0.16, 0.13, 0.1)
    return rgba(img)


def _metal_shed(spec: TextureSpec, rng: np.random.Generator) -> np.ndarray:
    w, h = spec.size_px
    ribs = 0.5 + 0.5 * np.cos(np.arange(w) / max(spec.ppm * 0.25, 1) * 2 * np.pi)
    g = _tiled("gravel", w, h, 3.0 * spec.ppm) * 0.5 + 0.25 + 0.2 * ribs[None, :]
    rust = smooth_noise(rng, (h, w), max(3, spec.ppm))
    c = np.asarray(spec.colour, np.float32)
    img = colorise(g, tuple(c * 0.5), tuple(np.minimum(c * 1.3, 1)))
    img = img * (1 - 0.35 * rust[..., None]) + rust[..., None] * 0.35 * np.array([0.45, 0.25, 0.12])
    return rgba(img)


def _vehicle(spec: TextureSpec, rng: np.random.Generator) -> np.ndarray:
    """Side of a truck: painted panels with photographic grime, cab, wheels."""
    w, h = spec.size_px
    c = np.asarray(spec.colour, np.float32)
    grime = _tiled("gravel", w, h, 2.0 * spec.ppm)
    img = colorise(grime * 0.35 + 0.45, tuple(c * 0.6), tuple(np.minimum(c * 1.25, 1)))
    photo = gray(spec.params[0] if spec.params else "rocket")
    cargo = resize(crop_frac(photo, 0.15, 0.25, 0.6, 0.7), int(w * 0.66), int(h * 0.66))
    ys, xs = int(h * 0.06), int(w * 0.33)
    mix = c * (0.45 + 0.75 * cargo[..., None])  # tarpaulin/cargo: photo grain in paint colour
    img[ys : ys + mix.shape[0], xs : xs + mix.shape[1]] = mix
    alpha = np.zeros((h, w), np.float32)
    body_bottom = int(h * 0.78)
    alpha[int(h * 0.05) : body_bottom, int(w * 0.32) :] = 1  # cargo bed
    cab = np.array([[0, body_bottom], [0, int(h * 0.35)], [int(w * 0.08), int(h * 0.15)],
                    [int(w * 0.3), int(h * 0.15)], [int(w * 0.3), body_bottom]], np.int32)
    cv2.fillPoly(alpha, [cab], 1.0)
    win = np.array([[int(w * 0.04), int(h * 0.36)], [int(w * 0.10), int(h * 0.2)],
                    [int(w * 0.26), int(h * 0.2)], [int(w * 0.26), int(h * 0.36)]], np.int32)
    cv2.fillPoly(img, [win], (0.08, 0.1, 0.12))
    r = int(h * 0.2)
    for fx in (0.15, 0.55, 0.75, 0.9):
        centre = (int(w * fx), int(h - r - 1))
        cv2.circle(img, centre, r, (0.05, 0.05, 0.05), -1, cv2.LINE_AA)
        cv2.circle(img, centre, int(r * 0.45), (0.3, 0.3, 0.28), -1, cv2.LINE_AA)
        cv2.circle(alpha, centre, r, 1.0, -1, cv2.LINE_AA)
    return rgba(img, alpha)


def _rail(spec: TextureSpec, rng: np.random.Generator) -> np.ndarray:
    """Launch rail seen from above-front: dark steel channel with a frame."""
    w, h = spec.size_px
    g = _tiled("gravel", w, h, 1.0 * spec.ppm) * 0.3 + 0.5
    img = colorise(g, (0.10, 0.11, 0.10), (0.35, 0.36, 0.33))
    alpha = np.zeros((h, w), np.float32)
    bar = max(2, int(w * 0.22))
    alpha[:, :bar] = 1
    alpha[:, -bar:] = 1
    for k in range(1, 6):
        y = int(k * h / 6)
        alpha[y : y + max(2, h // 30), :] = 1
    return rgba(img, alpha)


def _foliage(spec: TextureSpec, rng: np.random.Generator) -> np.ndarray:
    """Tree line: dark green photographic foliage with a bumpy crown silhouette."""
    w, h = spec.size_px
    g = _tiled("moon", w, h, 20 * spec.ppm) * 0.5 + _tiled("grass", w, h, 6 * spec.ppm) * 0.5
    c = np.asarray(spec.colour, np.float32)
    img = colorise(g, tuple(c * 0.35), tuple(np.minimum(c * 1.5, 1)))
    crowns = profile(rng, w, ((4 * spec.ppm, 1.0), (1.2 * spec.ppm, 0.6), (25 * spec.ppm, 1.2)))
    top = (0.05 + 0.45 * (1 - crowns)) * h
    rows = np.arange(h, dtype=np.float32)[:, None]
    alpha = np.clip(rows - top[None, :] + 0.5, 0, 1)
    return rgba(img, alpha)


def _hills(spec: TextureSpec, rng: np.random.Generator) -> np.ndarray:
    """Distant hills: relief from the moon/retina photos, hazy, with a ridge line."""
    w, h = spec.size_px
    src = spec.params[0] if spec.params else "moon"
    g = _tiled(src, w, h, 120 * spec.ppm)
    c = np.asarray(spec.colour, np.float32)
    img = colorise(g * 0.6 + 0.2, tuple(c * 0.7), tuple(np.minimum(c * 1.25, 1)))
    ridge = profile(rng, w, ((80 * spec.ppm, 1.0), (20 * spec.ppm, 0.35), (5 * spec.ppm, 0.1)))
    top = (0.05 + 0.7 * (1 - ridge)) * h
    rows = np.arange(h, dtype=np.float32)[:, None]
    alpha = np.clip(rows - top[None, :] + 0.5, 0, 1)
    return rgba(img, alpha)


def _pole(spec: TextureSpec, rng: np.random.Generator) -> np.ndarray:
    """Wooden utility pole with a cross-arm."""
    w, h = spec.size_px
    g = _tiled("grass", w, h, 1.0 * spec.ppm)
    img = colorise(g * 0.4 + 0.3, (0.18, 0.13, 0.09), (0.42, 0.33, 0.24))
    alpha = np.zeros((h, w), np.float32)
    cx = w // 2
    half = max(1, int(0.12 * spec.ppm))
    alpha[:, cx - half : cx + half + 1] = 1
    arm = max(1, int(0.1 * spec.ppm))
    alpha[int(0.06 * h) : int(0.06 * h) + arm, :] = 1
    return rgba(img, alpha)


def _container(spec: TextureSpec, rng: np.random.Generator) -> np.ndarray:
    """Shipping container: ribbed painted steel with photographic wear."""
    w, h = spec.size_px
    ribs = 0.5 + 0.5 * np.sign(np.sin(np.arange(w) / max(spec.ppm * 0.18, 1) * np.pi))
    wear = gray("coffee")
    wear = resize(wear, w, h)
    g = 0.35 + 0.25 * ribs[None, :] + 0.3 * (wear - 0.5)
    c = np.asarray(spec.colour, np.float32)
    img = colorise(np.clip(g, 0, 1), tuple(c * 0.45), tuple(np.minimum(c * 1.3, 1)))
    rust = smooth_noise(rng, (h, w), max(3, 0.8 * spec.ppm)) ** 3
    img = img * (1 - rust[..., None] * 0.6) + rust[..., None] * 0.6 * np.array([0.4, 0.2, 0.1])
    return rgba(img)


def _rocks(spec: TextureSpec, rng: np.random.Generator) -> np.ndarray:
    """Low wall of rubble/sandbags from the coins and gravel photos."""
    w, h = spec.size_px
    g = resize(gray("coins"), w, h) * 0.5 + _tiled("gravel", w, h, 2 * spec.ppm) * 0.5
    c = np.asarray(spec.colour, np.float32)
    img = colorise(g, tuple(c * 0.45), tuple(np.minimum(c * 1.3, 1)))
    top = (0.1 + 0.35 * profile(rng, w, ((1.0 * spec.ppm, 1.0), (0.3 * spec.ppm, 0.4)))) * h
    alpha = np.clip(np.arange(h, dtype=np.float32)[:, None] - top[None, :] + 0.5, 0, 1)
    return rgba(img, alpha)


BUILDERS = {
    "brick": _brick_facade,
    "shed": _metal_shed,
    "vehicle": _vehicle,
    "rail": _rail,
    "foliage": _foliage,
    "hills": _hills,
    "pole": _pole,
    "container": _container,
    "rocks": _rocks,
}


def register(kind: str, builder) -> None:
    """Add a texture builder (used by the airframe module for painted skins)."""
    BUILDERS[kind] = builder


@lru_cache(maxsize=64)
def build(spec: TextureSpec) -> np.ndarray:
    """The premultiplied RGBA texture of ``spec`` (cached, read-only)."""
    rng = np.random.default_rng(spec.seed)
    out = BUILDERS[spec.kind](spec, rng).astype(np.float32)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class GroundLayer:
    """One world-tiled layer of the ground: a sample repeating every ``period_m``."""

    sample: str
    period_m: float
    amount: float = 1.0  # 1 = base colour layer; otherwise multiplicative modulation


@dataclass(frozen=True)
class GroundSpec:
    """Ground look: colour ramp of the first layer, modulated by the others."""

    layers: tuple[GroundLayer, ...]
    dark: RGB
    light: RGB


def ground_patch(
    ground: GroundSpec, x0: float, y0: float, x1: float, y1: float, rx: float, ry: float
) -> np.ndarray:
    """Ground texture of the world rectangle [x0,x1] x [y0,y1] (RGB).

    Column i is world x = x0 + i / rx, row j is world y = y1 - j / ry (row 0 is
    the far edge). The content depends only on world coordinates, so patches
    made for different cameras agree; only their filtering differs.
    """
    nx, ny = max(2, round((x1 - x0) * rx)), max(2, round((y1 - y0) * ry))
    xs = (x0 + (np.arange(nx) + 0.5) / rx).astype(np.float64)
    ys = (y1 - (np.arange(ny) + 0.5) / ry).astype(np.float64)
    value = None
    for layer in ground.layers:
        t = tileable(layer.sample)
        # pre-filter the tile to the patch's density when shrinking; enlarging
        # is left to the bilinear lookup below
        tw = int(np.clip(round(layer.period_m * rx), 2, t.shape[1]))
        th = int(np.clip(round(layer.period_m * ry), 2, t.shape[0]))
        tile = t if (tw, th) == t.shape[1::-1] else resize(t, tw, th)
        fx = (np.mod(xs, layer.period_m) / layer.period_m * tw - 0.5).astype(np.float32)
        fy = (np.mod(-ys, layer.period_m) / layer.period_m * th - 0.5).astype(np.float32)
        map_x = np.ascontiguousarray(np.broadcast_to(fx[None, :], (ny, nx)))
        map_y = np.ascontiguousarray(np.broadcast_to(fy[:, None], (ny, nx)))
        g = cv2.remap(tile, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
        if value is None:
            value = colorise(g, ground.dark, ground.light)
        else:
            value = value * (1 + layer.amount * (g - 0.5))[..., None]
    assert value is not None
    return np.clip(value, 0, 1).astype(np.float32)
