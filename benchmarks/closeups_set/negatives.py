"""Negatives made from real footage: ``wide`` (a scene, maybe with a tiny drone) and ``scene`` (no
airframe).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from . import render, skin
from .media import save_still, save_video
from .shots import composite_drone
from .sources import PHOTOS, SKY, VIDEOS, photo, random_crop, video_frames, video_length

SCENE_PHOTOS = tuple(PHOTOS)
#: Video clips a drone could plausibly be spotted in (outdoor).
WIDE_VIDEOS = ("vtest", "city", "bikes", "phone")


def _even(w: int, h: int, cap: int = 1280, mult: int = 2) -> tuple[int, int]:
    """Size scaled down to at most ``cap`` and rounded down to a multiple of ``mult``."""
    s = min(1.0, cap / max(w, h))
    return int(w * s) // mult * mult, int(h * s) // mult * mult


def _clip(name: str, rng: np.random.Generator, n: int) -> list[np.ndarray]:
    total = video_length(name)
    n = min(n, total)
    return video_frames(name, int(rng.integers(0, total - n + 1)), n)


def scene(item: dict, out: Path) -> dict:
    """A real photo crop or a real clip re-encoded: no airframe at all."""
    rng = np.random.default_rng(item["seed"])
    if item["video"]:
        name = list(VIDEOS)[item["source_index"] % len(VIDEOS)]
        frames = _clip(name, rng, int(rng.integers(50, 101)))
        w, h = _even(frames[0].shape[1], frames[0].shape[0], mult=16)
        save_video(
            out / item["file"],
            [cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in frames],
        )
    else:
        name = SCENE_PHOTOS[item["source_index"] % len(SCENE_PHOTOS)]
        img = photo(name)
        w, h = _even(
            int(img.shape[1] * rng.uniform(0.8, 1.6)),
            int(img.shape[0] * rng.uniform(0.8, 1.6)),
            cap=1600,
        )
        save_still(
            out / item["file"], random_crop(img, rng, w, h, zoom=(1.0, 1.5)), item["quality"]
        )
    return {
        "source": name,
        "width": w,
        "height": h,
        "view": {"skin_cover": 0.0, "mark_px": 0.0, "blur_px": None},
    }


def wide(item: dict, out: Path, maps_for) -> dict:
    """A real scene (still or clip) with a tiny drone composited in, or none."""
    rng = np.random.default_rng(item["seed"])
    spec = item.get("spec")
    maps = maps_for(spec) if spec else None
    span = float(rng.uniform(12, 45))
    if item["video"]:
        name = WIDE_VIDEOS[item["source_index"] % len(WIDE_VIDEOS)]
        frames = _clip(name, rng, int(rng.integers(50, 90)))
        w, h = _even(frames[0].shape[1], frames[0].shape[0], mult=16)
        frames = [cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in frames]
        start, end = (
            rng.uniform([0.1, 0.05], [0.9, 0.35]) * (w, h),
            rng.uniform([0.1, 0.05], [0.9, 0.35]) * (w, h),
        )
        covers, outf = [], []
        for i, f in enumerate(frames):
            if maps is None:
                outf.append(f)
                continue
            lin = render.to_linear(f)
            xy = start + (end - start) * i / len(frames)
            img, cov = composite_drone(
                lin, maps, spec["shape"], span, xy, np.random.default_rng(item["seed"])
            )
            covers.append(cov)
            outf.append(
                np.clip(img ** (1 / 2.2) * 255 + 0.5, 0, 255).astype(np.uint8)[..., ::-1].copy()
            )
        save_video(out / item["file"], outf)
        cover = float(np.mean(covers)) if covers else 0.0
    else:
        name = SKY[item["source_index"] % len(SKY)]
        img = photo(name)
        w, h = _even(
            int(img.shape[1] * rng.uniform(1.0, 1.5)),
            int(img.shape[0] * rng.uniform(1.0, 1.5)),
            cap=1600,
        )
        lin = render.to_linear(random_crop(img, rng, w, h, zoom=(1.0, 1.2)))
        cover = 0.0
        if maps is not None:
            lin, cover = composite_drone(
                lin,
                maps,
                spec["shape"],
                span,
                (rng.uniform(0.1, 0.9) * w, rng.uniform(0.08, 0.45) * h),
                rng,
            )
        look = {
            "gain": 1.0,
            "wb": [1.0, 1.0, 1.0],
            "gradient": [0.0, 0.0],
            "gamma": 1.0,
            "vignette": 0.0,
            "noise": 0.01,
        }
        save_still(out / item["file"], render.finish(lin, rng, look), item["quality"])
    return {
        "source": name,
        "width": w,
        "height": h,
        "view": {
            "skin_cover": round(cover, 5),
            "mark_px": round(skin.MIN_MARK_MM / (2500 / span), 3) if maps else 0.0,
            "blur_px": None,
            "span_px": round(span, 1) if maps else None,
        },
    }
