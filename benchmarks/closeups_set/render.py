"""Pinhole rendering of a skin (flat or a cylinder section) and the camera pipeline.

Each pixel's ray is intersected with the surface, the hit point's skin
coordinates index the texture maps through ``cv2.remap``, and the point is lit
by a nearby light (diffuse + soft specular) with ambient sky light and an
optional soft shadow edge. The photo is then finished like a camera would:
gain, white balance, gamma, defocus or motion blur, sensor noise, vignetting.
"""

from __future__ import annotations

import cv2
import numpy as np

from . import skin


def rotate(v: np.ndarray, axis: np.ndarray, deg: float) -> np.ndarray:
    """Rotate vector ``v`` about unit ``axis`` by ``deg`` degrees (Rodrigues)."""
    a = np.deg2rad(deg)
    return v * np.cos(a) + np.cross(axis, v) * np.sin(a) + axis * np.dot(axis, v) * (1 - np.cos(a))


def surface_frame(radius: float | None, u: float, v: float):
    """Point, outward normal (towards the camera side) and u-tangent at skin coordinates (u, v)."""
    if radius is None:
        return np.array([u, v, 0.0]), np.array([0.0, 0.0, -1.0]), np.array([1.0, 0.0, 0.0])
    t = u / radius
    p = np.array([radius * np.sin(t), v, radius * (1 - np.cos(t))])
    return p, np.array([np.sin(t), 0.0, -np.cos(t)]), np.array([np.cos(t), 0.0, np.sin(t)])


def camera(radius, target, yaw, pitch, roll, dist) -> dict:
    """Camera looking at skin point ``target`` from ``dist`` m, tilted by yaw/pitch from the
    normal, rolled.
    """
    p0, n0, tu = surface_frame(radius, *target)
    tv = np.array([0.0, 1.0, 0.0])
    d = rotate(rotate(n0, tv, yaw), tu, pitch)
    c = p0 + dist * d
    fwd = -d
    down = tv - np.dot(tv, fwd) * fwd
    down /= np.linalg.norm(down)
    right = np.cross(down, fwd)
    r = np.deg2rad(roll)
    right, down = np.cos(r) * right + np.sin(r) * down, -np.sin(r) * right + np.cos(r) * down
    return {"c": c, "right": right, "down": down, "fwd": fwd, "target": p0}


def cast(cam: dict, radius, w: int, h: int, f: float, step: int = 1) -> dict:
    """Ray-cast every ``step``-th pixel: skin u, v (m), hit mask, point, normal, u-tangent."""
    xs = (np.arange(0, w, step, dtype=np.float32) + 0.5 - w / 2) / f
    ys = (np.arange(0, h, step, dtype=np.float32) + 0.5 - h / 2) / f
    X, Y = np.meshgrid(xs, ys)
    d = X[..., None] * cam["right"].astype(np.float32) + Y[..., None] * cam["down"].astype(
        np.float32
    )
    d += cam["fwd"].astype(np.float32)
    o = cam["c"].astype(np.float32)
    if radius is None:
        t = -o[2] / d[..., 2]
        hit = t > 0
        p = o + t[..., None] * d
        u, v = p[..., 0], p[..., 1]
        n = np.broadcast_to(np.array([0, 0, -1], np.float32), p.shape)
        tu = np.broadcast_to(np.array([1, 0, 0], np.float32), p.shape)
    else:
        R = np.float32(radius)
        a = d[..., 0] ** 2 + d[..., 2] ** 2
        b = 2 * (o[0] * d[..., 0] + (o[2] - R) * d[..., 2])
        cc = o[0] ** 2 + (o[2] - R) ** 2 - R**2
        disc = b * b - 4 * a * cc
        hit = disc > 0
        t = (-b - np.sqrt(np.maximum(disc, 0))) / (2 * a)
        hit &= t > 0
        p = o + t[..., None] * d
        th = np.arctan2(p[..., 0], R - p[..., 2])
        u, v = R * th, p[..., 1]
        n = np.stack([np.sin(th), np.zeros_like(th), -np.cos(th)], -1)
        tu = np.stack([np.cos(th), np.zeros_like(th), np.sin(th)], -1)
    inside = hit & (np.abs(u) < skin.SKIN_W / 2) & (np.abs(v) < skin.SKIN_H / 2)
    return {"u": u, "v": v, "mask": inside, "p": p, "n": n, "tu": tu}


def metres_per_px(g: dict, step: int = 1) -> np.ndarray:
    """Largest skin distance one image pixel spans (worst direction), per pixel."""
    du_y, du_x = np.gradient(g["u"])
    dv_y, dv_x = np.gradient(g["v"])
    a, b, c, d = du_x / step, du_y / step, dv_x / step, dv_y / step
    s1 = a * a + b * b + c * c + d * d
    s2 = np.sqrt(np.maximum(s1 * s1 - 4 * (a * d - b * c) ** 2, 0))
    return np.sqrt((s1 + s2) / 2)


def footprint(g: dict, cell: float = 0.005) -> np.ndarray:
    """Which 5 mm cells of the skin the shot shows (bool grid), for overlap between shots."""
    gw, gh = int(skin.SKIN_W / cell), int(skin.SKIN_H / cell)
    grid = np.zeros((gh, gw), bool)
    m = g["mask"]
    ix = ((g["u"][m] + skin.SKIN_W / 2) / cell).astype(int).clip(0, gw - 1)
    iy = ((g["v"][m] + skin.SKIN_H / 2) / cell).astype(int).clip(0, gh - 1)
    grid[iy, ix] = True
    return grid


def shade(
    maps: dict, g: dict, cam: dict, light: dict, gloss_k: float, shininess: float
) -> np.ndarray:
    """Lit skin colour (float RGB, linear-ish) for the cast rays ``g``."""
    mx, my = skin.tex_xy(g["u"], g["v"])
    mx, my = mx.astype(np.float32), my.astype(np.float32)
    alb = cv2.remap(maps["albedo"], mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    alb = np.power(np.clip(alb, 0.0, 1.0), np.float32(2.2))  # paint colours are display values
    bump = cv2.remap(maps["bump"], mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    gloss = cv2.remap(maps["gloss"], mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    tv = np.array([0, 1, 0], np.float32)
    n = g["n"] + bump[..., :1] * g["tu"] + bump[..., 1:] * tv
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    lv = light["pos"].astype(np.float32) - g["p"]
    lv /= np.linalg.norm(lv, axis=-1, keepdims=True)
    vv = cam["c"].astype(np.float32) - g["p"]
    vv /= np.linalg.norm(vv, axis=-1, keepdims=True)
    hv = lv + vv
    hv /= np.linalg.norm(hv, axis=-1, keepdims=True)
    diff = np.clip(np.sum(n * lv, -1), 0, 1)
    spec = gloss * gloss_k * np.clip(np.sum(n * hv, -1), 0, 1) ** shininess
    shadow = np.ones_like(diff)
    if light.get("shadow"):
        su, sv, ang, soft, depth = light["shadow"]
        s = (g["u"] - su) * np.cos(ang) + (g["v"] - sv) * np.sin(ang)
        shadow = 1 - depth * np.clip(0.5 + s / soft, 0, 1)
    col = np.asarray(light["colour"], np.float32)
    amb = np.asarray(light["ambient"], np.float32)
    direct = (diff * shadow)[..., None] * col
    return alb * (amb + direct) + (spec * shadow)[..., None] * col


def random_light(rng: np.random.Generator, cam: dict, with_shadow: bool) -> dict:
    """A nearby light somewhere in front of the skin, warm/cool tint, sky ambient, maybe a shadow
    edge.
    """
    side = np.array([rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 0.8), -1.0])
    pos = cam["target"] + side / np.linalg.norm(side) * rng.uniform(0.6, 4.0)
    warm = rng.uniform(-0.1, 0.1)
    light = {
        "pos": pos,
        "colour": [1.0 + warm, 1.0, 1.0 - warm],
        "ambient": list(np.array([0.30, 0.32, 0.36]) * rng.uniform(0.6, 1.3)),
        "shadow": None,
    }
    if with_shadow:
        light["shadow"] = [
            float(cam["target"][0] + rng.uniform(-0.08, 0.08)),
            float(cam["target"][1] + rng.uniform(-0.08, 0.08)),
            float(rng.uniform(0, 2 * np.pi)),
            float(rng.uniform(0.01, 0.06)),
            float(rng.uniform(0.5, 0.85)),
        ]
    return light


def motion_kernel(length: float, angle: float) -> np.ndarray:
    """Normalised line kernel for motion blur of ``length`` px at ``angle`` degrees."""
    k = int(np.ceil(length)) | 1
    ker = np.zeros((k, k), np.float32)
    c = k // 2
    dx, dy = np.cos(np.deg2rad(angle)) * length / 2, np.sin(np.deg2rad(angle)) * length / 2
    cv2.line(
        ker,
        (int(c * 16 - dx * 16), int(c * 16 - dy * 16)),
        (int(c * 16 + dx * 16), int(c * 16 + dy * 16)),
        1.0,
        1,
        cv2.LINE_AA,
        shift=4,
    )
    return ker / ker.sum()


def develop(rgb: np.ndarray, look: dict, blur: dict | None = None) -> np.ndarray:
    """Camera pipeline before noise: gain, white balance, gradient, vignette, gamma, blur -> float
    RGB in [0, 1].
    """
    h, w = rgb.shape[:2]
    img = rgb * np.float32(look["gain"]) * np.asarray(look["wb"], np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gx, gy = look["gradient"]
    img *= (1 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5))[..., None]
    r2 = ((xx - w / 2) ** 2 + (yy - h / 2) ** 2) / (w * w / 4 + h * h / 4)
    img *= (1 - look["vignette"] * r2)[..., None]
    img = np.clip(img, 0, 1) ** np.float32(1 / (2.2 * look["gamma"]))  # display encoding
    if blur:
        if blur["type"] == "motion":
            img = cv2.filter2D(
                img, -1, motion_kernel(blur["px"], blur["angle"]), borderType=cv2.BORDER_REFLECT
            )
        elif blur["px"] > 0:
            img = cv2.GaussianBlur(img, (0, 0), blur["px"])
    return img


def add_noise(img: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Signal-dependent sensor noise on a developed float RGB image -> uint8 BGR."""
    img = img + rng.normal(0, 1, img.shape).astype(np.float32) * (
        sigma * np.sqrt(np.clip(img, 0.02, 1))
    )
    out = np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(out[..., ::-1])


def finish(
    rgb: np.ndarray, rng: np.random.Generator, look: dict, blur: dict | None = None
) -> np.ndarray:
    """Full camera pipeline on linear RGB -> uint8 BGR."""
    return add_noise(develop(rgb, look, blur), rng, look["noise"])


def random_look(rng: np.random.Generator) -> dict:
    """Exposure and colour rendering of one shot."""
    temp = rng.uniform(-0.12, 0.12)
    return {
        "gain": float(rng.uniform(0.6, 1.4)),
        "wb": [float(1 + temp), 1.0, float(1 - temp)],
        "gradient": [float(rng.uniform(-0.3, 0.3)), float(rng.uniform(-0.3, 0.3))],
        "gamma": float(rng.uniform(0.85, 1.2)),
        "vignette": float(rng.uniform(0.05, 0.3)),
        "noise": float(rng.uniform(0.01, 0.035)),
    }


def to_linear(bgr: np.ndarray) -> np.ndarray:
    """uint8 BGR photo -> float linear RGB (so real backgrounds go through the same camera)."""
    return (bgr[..., ::-1].astype(np.float32) / 255.0) ** 2.2
