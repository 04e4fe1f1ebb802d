"""Seeded airframe skins for the close-up tests: one model's panels, each airframe's marks.

A *model* is what every airframe of it shares: paint, panel lines, rivet
rows. An *airframe* adds its own marks: scratches and chips placed by its
seed. A *shot* looks at the skin from an angle (a perspective warp of its
corners), under its own light (gain and a shading gradient), with sensor
noise: what a new photograph of the same airframe changes.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

SKIN = (960, 720)  # (width, height) of the flat skin, px


def model_skin(seed: int, paint: int = 120) -> np.ndarray:
    """A model's bare skin (luma): paint with a faint grain, panel lines, rivet rows."""
    rng = np.random.default_rng(seed)
    w, h = SKIN
    grain = cv2.GaussianBlur(rng.normal(0, 6, (h, w)).astype(np.float32), (0, 0), 1.2)
    skin = np.full((h, w), float(paint), np.float32) + grain
    for x in rng.integers(80, w - 80, 3):
        cv2.line(skin, (int(x), 0), (int(x), h), paint - 45, 2, cv2.LINE_AA)
        for y in range(20, h, 36):
            cv2.circle(skin, (int(x) + 14, y), 3, paint + 35, -1, cv2.LINE_AA)
    for y in rng.integers(80, h - 80, 2):
        cv2.line(skin, (0, int(y)), (w, int(y)), paint - 45, 2, cv2.LINE_AA)
        for x in range(20, w, 36):
            cv2.circle(skin, (x, int(y) + 14), 3, paint + 35, -1, cv2.LINE_AA)
    return skin


def airframe(skin: np.ndarray, seed: int, marks: int = 40) -> np.ndarray:
    """``skin`` with one airframe's own marks: curved scratches and chipped paint."""
    rng = np.random.default_rng(10_000 + seed)
    out = skin.copy()
    h, w = out.shape
    for _ in range(marks):
        x, y = rng.uniform(40, w - 40), rng.uniform(40, h - 40)
        if rng.random() < 0.7:  # a scratch: a wandering polyline, lighter than the paint
            angle = rng.uniform(0, np.pi)
            points = []
            for _ in range(int(rng.integers(4, 9))):
                points.append((x, y))
                angle += rng.normal(0, 0.5)
                step = rng.uniform(6, 16)
                x, y = x + step * np.cos(angle), y + step * np.sin(angle)
            line = np.array(points, np.int32).reshape(-1, 1, 2)
            shade = float(rng.choice([-55, 60]))
            cv2.polylines(out, [line], False, float(np.median(skin)) + shade, 2, cv2.LINE_AA)
        else:  # a chip: an irregular blob of primer
            corners = np.array(
                [
                    (x + r * np.cos(t), y + r * np.sin(t))
                    for t, r in zip(
                        np.sort(rng.uniform(0, 2 * np.pi, 7)), rng.uniform(3, 9, 7), strict=True
                    )
                ],
                np.int32,
            )
            cv2.fillPoly(out, [corners], float(rng.uniform(170, 210)), cv2.LINE_AA)
    return out


def shot(
    skin: np.ndarray,
    seed: int,
    *,
    tilt: float = 0.12,
    gain: float = 1.0,
    size: tuple[int, int] = (640, 480),
    blur: float = 0.0,
) -> np.ndarray:
    """One photograph of ``skin`` (uint8 luma, ``size``): seen at an angle (corners moved
    by up to ``tilt`` of the frame), lit by ``gain`` with a gradient, with noise."""
    rng = np.random.default_rng(20_000 + seed)
    h, w = skin.shape
    margin = np.array([w, h]) * 0.12
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32) + (
        np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]]) * margin
    ).astype(np.float32)
    dst = np.array([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]], np.float32)
    dst += rng.uniform(-tilt, tilt, (4, 2)).astype(np.float32) * np.array(size, np.float32)
    warp = cv2.getPerspectiveTransform(src, dst)
    view = cv2.warpPerspective(skin, warp, size, flags=cv2.INTER_AREA, borderValue=40.0)
    ramp = np.linspace(0.85, 1.15, size[0], dtype=np.float32)[None, :]
    view = view * gain * (ramp if rng.random() < 0.5 else ramp[:, ::-1])
    if blur:
        view = cv2.GaussianBlur(view, (0, 0), blur)
    view += rng.normal(0, 2.0, view.shape).astype(np.float32)
    return np.clip(view, 0, 255).astype(np.uint8)


def wide(seed: int, skin: np.ndarray, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """A wide shot: ``skin`` shrunk to a small object on a sky-to-ground scene."""
    rng = np.random.default_rng(30_000 + seed)
    w, h = size
    scene = np.tile(np.linspace(200, 90, h, dtype=np.float32)[:, None], (1, w))
    ground = cv2.GaussianBlur(rng.normal(0, 25, (h // 3, w)).astype(np.float32), (0, 0), 1.5)
    scene[-h // 3 :] = 110 + ground
    small = cv2.resize(skin, (w // 8, h // 8), interpolation=cv2.INTER_AREA)
    y, x = h // 3, w // 2
    scene[y : y + small.shape[0], x : x + small.shape[1]] = small
    scene += rng.normal(0, 2.0, scene.shape).astype(np.float32)
    return np.clip(scene, 0, 255).astype(np.uint8)


def write_jpeg(path: Path, luma: np.ndarray) -> Path:
    """``luma`` saved as a JPEG photograph (quality 92) at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), luma, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return path
