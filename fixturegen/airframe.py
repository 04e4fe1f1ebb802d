"""Airframes: painted skins with a serial number and unique scratches.

A skin is a texture in metres: painted metal (photographic grain from the
gravel sample), panel lines with rivets, the serial painted in large letters
and seeded scratches and scuffs that make one airframe recognisable even when
its serial cannot be read. The same airframe always gives the same skin, so a
new close-up of it in a later claim shows the same serial and scratches.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import textures as tx

SKIN_W_M = 1.4
SKIN_H_M = 0.7
MASTER_PPM = 700  # skins are drawn at this density, then filtered to the shot's
SERIAL_ORIGIN_M = (0.30, 0.22)  # top-left of the serial's box on the skin
SERIAL_CAP_M = 0.085  # painted letter height


@dataclass(frozen=True)
class Airframe:
    """One drone airframe: identity, serial, paint and scratch seed."""

    id: str
    serial: str
    paint: tx.RGB
    ink: tx.RGB
    seed: int


@lru_cache(maxsize=4)
def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=px)


def _font_px_for_cap(cap_px: float) -> int:
    """Font size whose capital height is ``cap_px`` pixels."""
    probe = 100
    top, bottom = _font(probe).getbbox("BN-1042")[1::2]
    return max(6, round(probe * cap_px / (bottom - top)))


def serial_box_m(af: Airframe) -> tuple[float, float, float, float]:
    """Serial's ink box on the skin, in metres from the skin's top-left (x0, y0, x1, y1)."""
    cap_px = SERIAL_CAP_M * MASTER_PPM
    font = _font(_font_px_for_cap(cap_px))
    x0, y0, x1, y1 = font.getbbox(af.serial, stroke_width=3)
    ox, oy = SERIAL_ORIGIN_M
    return (ox + 0 / MASTER_PPM, oy, ox + (x1 - x0) / MASTER_PPM, oy + (y1 - y0) / MASTER_PPM)


def _draw_serial(img: np.ndarray, af: Airframe) -> None:
    cap_px = SERIAL_CAP_M * MASTER_PPM
    font = _font(_font_px_for_cap(cap_px))
    x0, y0, x1, y1 = font.getbbox(af.serial, stroke_width=3)
    layer = Image.new("L", (x1 - x0 + 8, y1 - y0 + 8), 0)
    ImageDraw.Draw(layer).text((4 - x0, 4 - y0), af.serial, font=font, fill=255,
                               stroke_width=3, stroke_fill=255)
    ink = np.asarray(layer, np.float32) / 255.0
    ox, oy = (round(c * MASTER_PPM) - 4 for c in SERIAL_ORIGIN_M)
    h, w = ink.shape
    wear = tx.smooth_noise(np.random.default_rng([af.seed, 2]), (h, w), 9) > 0.18
    ink = ink * (0.75 + 0.25 * wear)
    roi = img[oy : oy + h, ox : ox + w]
    roi[:] = roi * (1 - ink[..., None]) + np.asarray(af.ink, np.float32) * ink[..., None]


def _scratches(img: np.ndarray, rng: np.random.Generator) -> None:
    """Seeded bright scratches (lines and arcs) and dark scuffs: the airframe's 'fingerprint'."""
    h, w = img.shape[:2]
    bare = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(7, 12))):
        x, y = rng.uniform(0.05, 0.95) * w, rng.uniform(0.08, 0.92) * h
        length = rng.uniform(0.08, 0.35) * w
        ang = rng.uniform(0, np.pi)
        thick = int(rng.integers(1, 4))
        if rng.random() < 0.5:
            p = np.array([[x, y], [x + np.cos(ang) * length, y + np.sin(ang) * length]])
            cv2.polylines(bare, [np.round(p * 4).astype(np.int32)], False, 1.0, thick,
                          cv2.LINE_AA, 2)
        else:
            r = length
            a0 = np.degrees(ang)
            cv2.ellipse(bare, (int(x), int(y)), (int(r), int(r * rng.uniform(0.3, 1.0))),
                        a0, 0, rng.uniform(25, 70), 1.0, thick, cv2.LINE_AA)
        for _ in range(int(rng.integers(0, 4))):  # short parallel scuffs
            dx, dy = rng.normal(0, 6, 2)
            s = rng.uniform(0.02, 0.06) * w
            p = np.array([[x + dx, y + dy], [x + dx + np.cos(ang) * s, y + dy + np.sin(ang) * s]])
            cv2.polylines(bare, [np.round(p * 4).astype(np.int32)], False, 0.7, 1, cv2.LINE_AA, 2)
    bare *= 0.8
    img[:] = img * (1 - bare[..., None]) + bare[..., None] * np.array([0.74, 0.74, 0.70])
    dark = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(3, 6))):
        c = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        axes = (int(rng.uniform(20, 90)), int(rng.uniform(8, 30)))
        cv2.ellipse(dark, c, axes, rng.uniform(0, 180), 0, 360, 1.0, -1, cv2.LINE_AA)
    dark = cv2.GaussianBlur(dark, (0, 0), 9) * 0.45
    img *= 1 - dark[..., None]


def skin_master(af: Airframe) -> np.ndarray:
    """The skin at MASTER_PPM as RGB float32 (cached)."""
    return _skin_master(af).copy()


@lru_cache(maxsize=16)
def _skin_master(af: Airframe) -> np.ndarray:
    w, h = round(SKIN_W_M * MASTER_PPM), round(SKIN_H_M * MASTER_PPM)
    rng = np.random.default_rng([af.seed, 1])
    grain = tx._tiled("gravel", w, h, 0.35 * MASTER_PPM)
    blotch = tx.smooth_noise(rng, (h, w), 120)
    paint = np.asarray(af.paint, np.float32)
    img = paint * (0.82 + 0.22 * grain[..., None]) * (0.9 + 0.16 * blotch[..., None])
    # panel lines with rivets
    xs = [int(w * f) for f in sorted(rng.uniform(0.05, 0.95, 2))] + [int(w * 0.985)]
    ys = [int(h * rng.uniform(0.72, 0.8))]
    for x in xs:
        cv2.line(img, (x, 0), (x, h), tuple(float(c) for c in paint * 0.35), 3, cv2.LINE_AA)
        for y in range(12, h, 24):
            cv2.circle(img, (x + 9, y), 3, tuple(float(c) for c in paint * 0.6), -1, cv2.LINE_AA)
            cv2.circle(img, (x + 8, y - 1), 1, tuple(float(c) for c in np.minimum(paint * 1.4, 1)),
                       -1, cv2.LINE_AA)
    for y in ys:
        cv2.line(img, (0, y), (w, y), tuple(float(c) for c in paint * 0.35), 3, cv2.LINE_AA)
        for x in range(10, w, 24):
            cv2.circle(img, (x, y + 9), 3, tuple(float(c) for c in paint * 0.6), -1, cv2.LINE_AA)
    _draw_serial(img, af)
    _scratches(img, np.random.default_rng([af.seed, 3]))
    out = np.clip(img, 0, 1).astype(np.float32)
    out.setflags(write=False)
    return out


def _skin_builder(spec: tx.TextureSpec, rng: np.random.Generator) -> np.ndarray:
    """Texture builder 'skin': params = (Airframe,)."""
    af: Airframe = spec.params[0]
    master = _skin_master(af)
    w, h = spec.size_px
    rgb = tx.resize(master, w, h)
    # outline: a wing root with a swept leading edge, so background shows in a corner
    alpha = np.ones((h, w), np.float32)
    cut = np.array([[0, 0], [int(w * 0.12), 0], [0, int(h * 0.35)]], np.int32)
    cv2.fillPoly(alpha, [cut], 0.0, cv2.LINE_AA)
    return tx.rgba(rgb, alpha)


tx.register("skin", _skin_builder)


def skin_spec(af: Airframe, ppm: float) -> tx.TextureSpec:
    """TextureSpec of an airframe's skin at ``ppm`` pixels per metre."""
    return tx.TextureSpec("skin", SKIN_W_M, SKIN_H_M, ppm, seed=af.seed, params=(af,))


AIRFRAMES: dict[str, Airframe] = {
    a.id: a
    for a in (
        Airframe("AF-1", "BN-1042", (0.42, 0.45, 0.36), (0.05, 0.05, 0.05), 101),
        Airframe("AF-2", "BN-1077", (0.40, 0.43, 0.35), (0.05, 0.05, 0.05), 102),
        Airframe("AF-3", "BN-2210", (0.46, 0.47, 0.42), (0.04, 0.04, 0.04), 103),
        Airframe("AF-4", "EF-2290", (0.70, 0.71, 0.70), (0.06, 0.06, 0.07), 104),
        Airframe("AF-5", "EF-2315", (0.66, 0.67, 0.67), (0.08, 0.06, 0.05), 105),
        Airframe("AF-6", "SH-0031", (0.72, 0.62, 0.45), (0.06, 0.05, 0.04), 106),
        Airframe("AF-7", "SH-0047", (0.70, 0.60, 0.44), (0.06, 0.05, 0.04), 107),
        Airframe("AF-8", "SH-0052", (0.74, 0.64, 0.47), (0.06, 0.05, 0.04), 108),
        Airframe("AF-9", "EF-2341", (0.22, 0.24, 0.26), (0.92, 0.92, 0.88), 109),
    )
}
