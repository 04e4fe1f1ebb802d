"""Airframe skins as texture maps: a model's shared layout plus an airframe's own marks.

A skin is a 0.80 m x 0.55 m patch of painted airframe, stored at 0.25 mm per
texel as three maps: ``albedo`` (RGB in [0, 1]), ``bump`` (2 channels: surface
slope along u and v, for shading grooves, rivets and chips) and ``gloss``
(specular strength). The *model* layout (paint, panel lines, rivet rows,
hatches, fixed stencils) is identical for every airframe of the model; each
*airframe* adds its own scratches, chips, repairs, dirt, edge wear and maybe a
serial number. Coordinates (u, v) are metres from the skin's centre, u across
(around the fuselage when curved), v down.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .sources import FONT, grime_map

TEX_M = 0.00025
SKIN_W, SKIN_H = 0.80, 0.55
TW, TH = round(SKIN_W / TEX_M), round(SKIN_H / TEX_M)
#: Width of the finest individual mark (thinnest scratch), in millimetres.
MIN_MARK_MM = 1.4

PAINTS = {
    "grey": (0.47, 0.49, 0.50),
    "dark_grey": (0.30, 0.31, 0.32),
    "olive": (0.33, 0.36, 0.24),
    "green": (0.27, 0.33, 0.25),
    "tan": (0.62, 0.55, 0.42),
    "white": (0.80, 0.80, 0.78),
    "blue_grey": (0.50, 0.55, 0.58),
    "sand": (0.70, 0.64, 0.50),
}
PRIMERS = ((0.62, 0.64, 0.36), (0.52, 0.27, 0.19), (0.58, 0.58, 0.55))
METAL = (0.74, 0.75, 0.77)
STENCILS = (
    "NO STEP",
    "DO NOT PUSH",
    "FUEL",
    "JACK POINT",
    "CAUTION",
    "GROUND HERE",
    "ACCESS",
    "STATIC PORT",
)


def tex_xy(u, v):
    """Texel (column, row) of skin coordinates in metres."""
    return (np.asarray(u) + SKIN_W / 2) / TEX_M, (np.asarray(v) + SKIN_H / 2) / TEX_M


def px(metres: float) -> float:
    """Length in texels."""
    return metres / TEX_M


@lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans Bold at ``size`` pixels."""
    return ImageFont.truetype(str(FONT), size)


def text_mask(text: str, char_h: float, stencil: bool = False) -> np.ndarray:
    """Antialiased float mask of ``text`` with capital height ~``char_h`` texels.

    ``stencil`` cuts bridges through closed letters, like a painted stencil.
    """
    size = max(8, int(char_h / 0.73))
    f = font(size)
    w = int(f.getlength(text) + size)
    img = Image.new("L", (w, int(size * 1.3)), 0)
    d = ImageDraw.Draw(img)
    x = size // 2
    for ch in text:
        d.text((x, size * 0.1), ch, fill=255, font=f)
        cw = f.getlength(ch)
        if stencil and ch in "0ABDOPQR4689":
            gap = max(2, int(size * 0.09))
            cx = int(x + cw / 2)
            d.rectangle((cx - gap // 2, 0, cx + gap // 2, int(size * 0.55)), fill=0)
        x += cw * 1.05
    m = np.asarray(img, np.float32) / 255.0
    ys, xs = np.nonzero(m > 0.05)
    return m[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def stamp(
    layer: np.ndarray, alpha: np.ndarray, x0: int, y0: int, colour, opacity: float = 1.0
) -> None:
    """Alpha-blend a solid colour into ``layer`` through ``alpha`` placed at (x0, y0), clipped."""
    h, w = alpha.shape
    xa, ya = max(0, x0), max(0, y0)
    xb, yb = min(layer.shape[1], x0 + w), min(layer.shape[0], y0 + h)
    if xa >= xb or ya >= yb:
        return
    a = alpha[ya - y0 : yb - y0, xa - x0 : xb - x0] * opacity
    region = layer[ya:yb, xa:xb]
    col = np.asarray(colour, np.float32)
    if region.ndim == 3:
        region[:] = region * (1 - a[..., None]) + col * a[..., None]
    else:
        region[:] = region * (1 - a) + col * a


def add_at(layer: np.ndarray, patch: np.ndarray, x0: int, y0: int) -> None:
    """Add ``patch`` into a 2-D ``layer`` at (x0, y0), clipped."""
    h, w = patch.shape
    xa, ya = max(0, x0), max(0, y0)
    xb, yb = min(layer.shape[1], x0 + w), min(layer.shape[0], y0 + h)
    if xa < xb and ya < yb:
        layer[ya:yb, xa:xb] += patch[ya - y0 : yb - y0, xa - x0 : xb - x0]


def poly_mask(points: np.ndarray, thickness: int = 0, pad: int = 4) -> tuple[np.ndarray, int, int]:
    """Float mask of a polygon, or of a polyline if ``thickness`` > 0, and its origin."""
    x0 = int(np.floor(points[:, 0].min())) - pad - thickness
    y0 = int(np.floor(points[:, 1].min())) - pad - thickness
    w = int(np.ceil(points[:, 0].max())) + pad + thickness - x0 + 1
    h = int(np.ceil(points[:, 1].max())) + pad + thickness - y0 + 1
    m = np.zeros((h, w), np.uint8)
    pts = np.round((points - (x0, y0)) * 16).astype(np.int32)
    if thickness:
        cv2.polylines(m, [pts], False, 255, thickness, cv2.LINE_AA, shift=4)
    else:
        cv2.fillPoly(m, [pts], 255, cv2.LINE_AA, shift=4)
    return m.astype(np.float32) / 255.0, x0, y0


# ---------------------------------------------------------------- model layout


def model_spec(index: int, rng: np.random.Generator) -> dict:
    """Random but fixed layout of airframe model ``M<index>`` (small, picklable)."""
    paint = list(PAINTS)[(index - 1) % len(PAINTS)]
    lines_u = np.cumsum(rng.uniform(0.12, 0.30, 6)) - SKIN_W / 2 + rng.uniform(-0.05, 0.05)
    lines_v = np.cumsum(rng.uniform(0.10, 0.24, 5)) - SKIN_H / 2 + rng.uniform(-0.04, 0.04)
    roi = (float(rng.uniform(-0.10, 0.10)), float(rng.uniform(-0.06, 0.06)))
    sign = 1.0 if roi[1] < 0 else -1.0
    serial_at = (
        roi[0] + float(rng.uniform(-0.03, 0.03)),
        roi[1] + sign * float(rng.uniform(0.05, 0.07)),
    )
    hatches = []
    for _ in range(int(rng.integers(1, 4))):
        w, h = rng.uniform(0.06, 0.18), rng.uniform(0.05, 0.12)
        hatches.append(
            [
                float(rng.uniform(-0.35, 0.35 - w)),
                float(rng.uniform(-0.25, 0.25 - h)),
                float(w),
                float(h),
            ]
        )
    stencils = []
    for i in range(int(rng.integers(3, 6))):
        near = i < 2  # at least two near the region shots frame, so close-ups show fixed text
        cu = roi[0] + rng.uniform(-0.12, 0.12) if near else rng.uniform(-0.35, 0.25)
        cv_ = roi[1] + rng.uniform(-0.08, 0.08) if near else rng.uniform(-0.25, 0.22)
        if abs(cu + 0.04 - serial_at[0]) < 0.14 and abs(cv_ - serial_at[1]) < 0.035:
            cv_ = serial_at[1] - sign * 0.045  # keep fixed stencils clear of the serial's place
        stencils.append(
            {
                "text": STENCILS[int(rng.integers(len(STENCILS)))],
                "u": float(cu),
                "v": float(cv_),
                "char_h": float(rng.uniform(0.006, 0.012)),
                "colour": [
                    (0.08, 0.08, 0.08),
                    (0.55, 0.08, 0.06),
                    (0.85, 0.72, 0.15),
                    (0.9, 0.9, 0.88),
                ][int(rng.integers(4))],
                "arrow": bool(rng.random() < 0.4),
            }
        )
    return {
        "model": f"M{index}",
        "seed": int(rng.integers(2**31)),
        "paint": paint,
        "colour": PAINTS[paint],
        "gloss": float(rng.uniform(0.08, 0.35)),
        "shininess": float(rng.uniform(12, 60)),
        "radius": None if index % 3 == 0 else float(rng.uniform(0.45, 1.6)),
        "lines_u": [float(x) for x in lines_u if abs(x) < SKIN_W / 2 - 0.01],
        "lines_v": [float(x) for x in lines_v if abs(x) < SKIN_H / 2 - 0.01],
        "rivet_pitch": float(rng.uniform(0.018, 0.03)),
        "rivet_r": float(rng.uniform(0.0016, 0.0024)),
        "rivet_off": float(rng.uniform(0.008, 0.014)),
        "hatches": hatches,
        "stencils": stencils,
        "roi": roi,
        "serial_at": serial_at,
        "serial_h": float(rng.uniform(0.012, 0.016)),
        "shape": ["delta", "plane", "quad"][index % 3],
    }


def _grooves_and_rivets(spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """Panel-line/hatch groove mask and rivet-head mask of a model (float, full size)."""
    groove = np.zeros((TH, TW), np.uint8)
    rivet = np.zeros((TH, TW), np.uint8)
    s = 16
    for u in spec["lines_u"]:
        x = int(tex_xy(u, 0)[0] * s)
        cv2.line(groove, (x, 0), (x, TH * s), 255, 4, cv2.LINE_AA, shift=4)
    for v in spec["lines_v"]:
        y = int(tex_xy(0, v)[1] * s)
        cv2.line(groove, (0, y), (TW * s, y), 255, 4, cv2.LINE_AA, shift=4)
    r = int(px(spec["rivet_r"]) * s)
    pitch, off = spec["rivet_pitch"], spec["rivet_off"]
    for u in spec["lines_u"]:
        for side in (-1, 1):
            for v in np.arange(-SKIN_H / 2, SKIN_H / 2, pitch):
                x, y = tex_xy(u + side * off, v)
                cv2.circle(rivet, (int(x * s), int(y * s)), r, 255, -1, cv2.LINE_AA, shift=4)
    for v in spec["lines_v"]:
        for u in np.arange(-SKIN_W / 2, SKIN_W / 2, pitch):
            x, y = tex_xy(u, v + off)
            cv2.circle(rivet, (int(x * s), int(y * s)), r, 255, -1, cv2.LINE_AA, shift=4)
    for hu, hv, hw, hh in spec["hatches"]:
        x0, y0 = tex_xy(hu, hv)
        x1, y1 = tex_xy(hu + hw, hv + hh)
        cv2.rectangle(
            groove,
            (int(x0 * s), int(y0 * s)),
            (int(x1 * s), int(y1 * s)),
            255,
            4,
            cv2.LINE_AA,
            shift=4,
        )
        inset = px(0.008)
        for cx, cy in (
            (x0 + inset, y0 + inset),
            (x1 - inset, y0 + inset),
            (x0 + inset, y1 - inset),
            (x1 - inset, y1 - inset),
        ):
            cv2.circle(
                rivet, (int(cx * s), int(cy * s)), int(px(0.003) * s), 255, -1, cv2.LINE_AA, shift=4
            )
            cv2.line(
                groove,
                (int((cx - 8) * s), int(cy * s)),
                (int((cx + 8) * s), int(cy * s)),
                255,
                2,
                cv2.LINE_AA,
                shift=4,
            )
    return groove.astype(np.float32) / 255.0, rivet.astype(np.float32) / 255.0


def _arrow(length: float) -> np.ndarray:
    """Polygon of a stencilled arrow pointing right, ``length`` texels long."""
    w = length * 0.18
    return np.array(
        [
            [0, -w / 2],
            [length * 0.7, -w / 2],
            [length * 0.7, -w * 1.3],
            [length, 0],
            [length * 0.7, w * 1.3],
            [length * 0.7, w / 2],
            [0, w / 2],
        ]
    )


_MODEL_CACHE: dict = {}


def model_maps(spec: dict) -> dict:
    """Texture maps shared by every airframe of a model (the last one is cached per worker)."""
    key = (spec["model"], spec["seed"])
    if key not in _MODEL_CACHE:
        _MODEL_CACHE.clear()
        _MODEL_CACHE[key] = _build_model_maps(spec)
    return _MODEL_CACHE[key]


def _build_model_maps(spec: dict) -> dict:
    """Paint, mottling, panel lines, rivets, hatches and fixed stencils of a model."""
    rng = np.random.default_rng(spec["seed"])
    albedo = np.empty((TH, TW, 3), np.float32)
    albedo[:] = spec["colour"]
    mottle = grime_map(rng, TH, TW, coarse=8)
    albedo *= (0.96 + 0.08 * cv2.GaussianBlur(mottle, (0, 0), 20))[..., None]
    orange_peel = rng.normal(0, 1, (TH // 2, TW // 2)).astype(np.float32)
    orange_peel = cv2.resize(cv2.GaussianBlur(orange_peel, (0, 0), 1.5), (TW, TH))
    height = orange_peel * 0.08
    groove, rivet = _grooves_and_rivets(spec)
    albedo *= (1 - 0.5 * groove)[..., None]
    height -= 1.2 * groove
    rivet_s = cv2.GaussianBlur(rivet, (0, 0), 1.2)
    height += 1.0 * rivet_s
    albedo *= (1 + 0.06 * rivet)[..., None]
    for st in spec["stencils"]:
        m = text_mask(st["text"], px(st["char_h"]))
        x, y = tex_xy(st["u"], st["v"])
        stamp(albedo, m, int(x), int(y), st["colour"], 0.92)
        if st["arrow"]:
            pts = _arrow(px(st["char_h"] * 4)) + np.array(
                [x + m.shape[1] + px(0.01), y + m.shape[0] / 2]
            )
            am, ax, ay = poly_mask(pts)
            stamp(albedo, am, ax, ay, st["colour"], 0.92)
    gloss = np.full((TH, TW), spec["gloss"], np.float32)
    return {"albedo": albedo, "height": height, "gloss": gloss, "groove": groove}


# ---------------------------------------------------------------- individual marks


def _near_roi(
    rng: np.random.Generator, spec: dict, p_near: float = 0.6, spread: float = 0.2
) -> tuple[float, float]:
    """A texel position: near the model's photographed region with probability ``p_near``, else
    anywhere.
    """
    if rng.random() < p_near:
        u = spec["roi"][0] + rng.normal(0, spread)
        v = spec["roi"][1] + rng.normal(0, spread * 0.7)
    else:
        u, v = rng.uniform(-SKIN_W / 2, SKIN_W / 2), rng.uniform(-SKIN_H / 2, SKIN_H / 2)
    x, y = tex_xy(np.clip(u, -SKIN_W / 2, SKIN_W / 2), np.clip(v, -SKIN_H / 2, SKIN_H / 2))
    return float(x), float(y)


def _path(rng: np.random.Generator, x: float, y: float, length: float) -> np.ndarray:
    """A gently curving random path of ``length`` texels starting at (x, y)."""
    n = int(rng.integers(4, 14))
    ang = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, rng.uniform(0.02, 0.25), n))
    steps = np.stack([np.cos(ang), np.sin(ang)], 1) * (length / n)
    return np.vstack([[x, y], np.array([x, y]) + np.cumsum(steps, 0)])


def _tapered_line(
    points: np.ndarray, width: int, rng: np.random.Generator
) -> tuple[np.ndarray, int, int]:
    """Mask of a scratch along ``points``: faint towards both ends and uneven along its length."""
    mask, x0, y0 = poly_mask(points, thickness=width)
    yy, xx = np.mgrid[0 : mask.shape[0], 0 : mask.shape[1]].astype(np.float32)
    length = float(np.sum(np.linalg.norm(np.diff(points, axis=0), axis=1))) + 1
    ends = [np.hypot(xx + x0 - p[0], yy + y0 - p[1]) for p in (points[0], points[-1])]
    taper = np.clip(np.minimum(*ends) / (0.3 * length), 0, 1) ** 0.7
    uneven = cv2.GaussianBlur(
        rng.uniform(0, 1, mask.shape).astype(np.float32), (0, 0), max(2.0, width * 1.5)
    )
    uneven = np.clip((uneven - uneven.mean()) * 6 + 0.8, 0.25, 1)
    return mask * taper * uneven, x0, y0


def add_scratches(m: dict, spec: dict, rng: np.random.Generator, count: int) -> None:
    """Thin scratches 1.4-4 mm wide, mostly short, lighter (scuffed paint, bare metal) or darker."""
    paint = np.asarray(spec["colour"], np.float32)
    for _ in range(count):
        x, y = _near_roi(rng, spec)
        length = px(float(np.clip(rng.lognormal(np.log(0.03), 0.7), 0.006, 0.16)))
        width_mm = min(4.0, MIN_MARK_MM + rng.exponential(0.7))
        width = max(int(np.ceil(MIN_MARK_MM / 1000 / TEX_M)), round(px(width_mm / 1000)))
        pts = _path(rng, x, y, length)
        mask, x0, y0 = _tapered_line(pts, width, rng)
        kind = rng.random()
        if kind < 0.55:
            colour = np.clip(paint * rng.uniform(1.35, 1.8) + 0.08, 0, 1)  # scuffed paint, chalky
        elif kind < 0.85:
            colour = np.asarray(METAL) * rng.uniform(0.85, 1.05)
            stamp(m["gloss"], mask, x0, y0, 0.9, rng.uniform(0.5, 1.0))
        else:
            colour = paint * rng.uniform(0.35, 0.6)
        stamp(m["albedo"], mask, x0, y0, colour, rng.uniform(0.5, 0.95))
        add_at(m["height"], -0.5 * mask, x0, y0)


def add_chips(m: dict, spec: dict, rng: np.random.Generator, count: int) -> None:
    """Irregular chipped blobs 2-8 mm across showing primer or bare metal, with a dark paint rim."""
    for _ in range(count):
        x, y = _near_roi(rng, spec)
        r = px(rng.uniform(0.0012, 0.004))
        k = int(rng.integers(10, 20))
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        rad = r * np.clip(1 + rng.normal(0, 0.3, k), 0.4, 1.8)
        pts = np.stack([x + rad * np.cos(ang) * rng.uniform(0.6, 1.4), y + rad * np.sin(ang)], 1)
        mask, x0, y0 = poly_mask(pts, pad=4)
        rim = cv2.dilate(mask, np.ones((3, 3), np.uint8)) - mask
        if rng.random() < 0.5:
            colour = PRIMERS[int(rng.integers(3))]
        else:
            colour = np.asarray(METAL) * rng.uniform(0.8, 1.0)
            stamp(m["gloss"], mask, x0, y0, 0.9)
        stamp(m["albedo"], rim, x0, y0, np.asarray(spec["colour"]) * 0.4, 0.8)
        stamp(m["albedo"], mask, x0, y0, colour, 1.0)
        add_at(m["height"], -0.8 * cv2.GaussianBlur(mask, (0, 0), 0.8), x0, y0)


def add_repairs(m: dict, spec: dict, rng: np.random.Generator, count: int) -> None:
    """Paint repairs: a brushed, slightly off-tint patch, sometimes with a new row of rivets."""
    paint = np.asarray(spec["colour"], np.float32)
    for _ in range(count):
        x, y = _near_roi(rng, spec, 0.7, 0.15)
        w, h = px(rng.uniform(0.04, 0.14)), px(rng.uniform(0.03, 0.10))
        mask = np.zeros((int(h) + 40, int(w) + 40), np.float32)
        if rng.random() < 0.5:
            cv2.rectangle(mask, (20, 20), (int(w) + 20, int(h) + 20), 1.0, -1)
        else:
            cv2.ellipse(
                mask,
                (int(w / 2) + 20, int(h / 2) + 20),
                (int(w / 2), int(h / 2)),
                rng.uniform(0, 180),
                0,
                360,
                1.0,
                -1,
            )
        brush = (
            cv2.GaussianBlur(rng.random(mask.shape).astype(np.float32) - 0.5, (0, 0), 1, sigmaY=9)
            * 4
        )
        mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(2, 8)) * np.clip(0.75 + brush, 0, 1)
        tint = paint * (1 + rng.normal(0, 0.05, 3)) * rng.uniform(0.85, 1.15)
        x0, y0 = int(x - w / 2) - 20, int(y - h / 2) - 20
        stamp(m["albedo"], mask, x0, y0, np.clip(tint, 0, 1), 0.95)
        stamp(m["gloss"], mask, x0, y0, spec["gloss"] * rng.uniform(0.4, 2.0), 0.9)
        if rng.random() < 0.5:
            rr = px(spec["rivet_r"])
            for t in np.arange(0.1, 0.9, spec["rivet_pitch"] / (w * TEX_M)):
                cx, cy = x0 + 20 + t * w, y0 + 20 + h * 0.5
                dot = np.zeros((int(4 * rr) + 1,) * 2, np.uint8)
                cv2.circle(
                    dot,
                    (int(2 * rr * 16), int(2 * rr * 16)),
                    int(rr * 16),
                    255,
                    -1,
                    cv2.LINE_AA,
                    shift=4,
                )
                d = dot.astype(np.float32) / 255
                add_at(
                    m["height"],
                    cv2.GaussianBlur(d, (0, 0), 1.2),
                    int(cx - 2 * rr),
                    int(cy - 2 * rr),
                )
                stamp(m["albedo"], d, int(cx - 2 * rr), int(cy - 2 * rr), METAL, 0.6)


def add_dirt(m: dict, rng: np.random.Generator) -> None:
    """Dirt from real texture crops, plus oil/exhaust streaks smeared along the airflow."""
    grime = grime_map(rng, TH, TW)
    dirt = np.asarray([0.20, 0.18, 0.15], np.float32) * rng.uniform(0.7, 1.3)
    a = grime * rng.uniform(0.35, 0.7)
    m["albedo"][:] = m["albedo"] * (1 - a[..., None]) + dirt * a[..., None]
    chalk = cv2.GaussianBlur(grime_map(rng, TH // 8, TW // 8, coarse=1), (0, 0), 12)
    chalk = cv2.resize((chalk - chalk.min()) / (np.ptp(chalk) + 1e-6), (TW, TH))
    m["albedo"] *= (1 + rng.uniform(0.05, 0.15) * (chalk - 0.5))[..., None]  # uneven fading
    for _ in range(int(rng.integers(3, 9))):
        length, width = int(px(rng.uniform(0.05, 0.25))), int(px(rng.uniform(0.006, 0.025)))
        src = grime_map(rng, width * 2 + 8, length + 8, coarse=2)
        streak = cv2.blur(src, (max(3, length // 6), 1))
        taper = np.linspace(1, 0, streak.shape[1], dtype=np.float32) ** rng.uniform(0.5, 2)
        across = np.exp(
            -(((np.arange(streak.shape[0]) - streak.shape[0] / 2) / (width / 2 + 1)) ** 2)
        )
        alpha = np.clip(streak * 1.5, 0, 1) * taper * across[:, None].astype(np.float32)
        alpha = cv2.warpAffine(
            alpha,
            cv2.getRotationMatrix2D((0, alpha.shape[0] / 2), rng.uniform(-20, 20), 1),
            (alpha.shape[1], alpha.shape[0] * 2),
        )
        x, y = _near_roi(rng, spec={"roi": (0.0, 0.0)}, p_near=0.3, spread=0.3)
        stamp(
            m["albedo"],
            alpha.astype(np.float32),
            int(x),
            int(y),
            (0.12, 0.10, 0.07),
            rng.uniform(0.3, 0.7),
        )


def add_edge_wear(m: dict, rng: np.random.Generator) -> None:
    """Paint rubbed off in patches along panel lines and hatch edges (a different pattern per
    airframe).
    """
    zone = cv2.dilate(m["groove"], np.ones((9, 9), np.uint8))
    noise = grime_map(rng, TH, TW, coarse=2)
    wear = np.clip((noise - rng.uniform(0.45, 0.6)) * 5, 0, 1) * zone
    lighter = np.clip(m["albedo"] * 1.35 + 0.05, 0, 1)
    a = (wear * 0.7)[..., None]
    m["albedo"][:] = m["albedo"] * (1 - a) + lighter * a


def add_serial(m: dict, spec: dict, text: str, rng: np.random.Generator) -> list[float]:
    """Paint a worn stencilled serial at the model's serial place; returns its box (u0, v0, u1, v1)
    in metres.
    """
    mask = text_mask(text, px(spec["serial_h"]), stencil=True)
    worn = grime_map(rng, *mask.shape, coarse=2)
    mask = mask * np.clip(1.2 - worn * 0.9, 0.2, 1)
    cx, cy = tex_xy(*spec["serial_at"])
    x0, y0 = int(cx - mask.shape[1] / 2), int(cy - mask.shape[0] / 2)
    colour = (0.06, 0.06, 0.06) if np.mean(spec["colour"]) > 0.45 else (0.88, 0.87, 0.82)
    stamp(m["albedo"], mask, x0, y0, colour, 0.95)
    u0, v0 = x0 * TEX_M - SKIN_W / 2, y0 * TEX_M - SKIN_H / 2
    return [u0, v0, u0 + mask.shape[1] * TEX_M, v0 + mask.shape[0] * TEX_M]


def airframe_maps(spec: dict, af: dict) -> dict:
    """The model's maps plus this airframe's individual marks; adds slope maps for shading."""
    base = model_maps(spec)
    rng = np.random.default_rng(af["seed"])
    m = {k: base[k].copy() for k in ("albedo", "height", "gloss")}
    m["groove"] = base["groove"]
    m["albedo"] *= np.clip(1 + rng.normal(0, 0.025, 3), 0.9, 1.1).astype(np.float32)  # fading
    add_dirt(m, rng)
    add_edge_wear(m, rng)
    add_repairs(m, spec, rng, int(rng.integers(1, 4)))
    add_chips(m, spec, rng, int(rng.integers(30, 60)))
    add_scratches(m, spec, rng, int(rng.integers(50, 90)))
    af["serial_box"] = add_serial(m, spec, af["serial"], rng) if af["serial"] else None
    h = cv2.GaussianBlur(m.pop("height"), (0, 0), 0.8)
    gy, gx = np.gradient(h)
    m["bump"] = np.dstack([-gx * 0.35, -gy * 0.35]).astype(np.float32)
    del m["groove"]
    return m
