"""Burned-in text that is not an identifier: logos, timestamps, captions, bumpers.

Overlays are drawn on finished 8-bit frames (as an editor would) with Pillow's
bundled font. Each overlay knows the strings it shows, so the ground truth can
list them as ``overlay_text``. The channel bumper is a short animated logo
whose pixels depend only on the frame size and index, so every video that
starts with it carries identical bumper frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont


@lru_cache(maxsize=16)
def font(px: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled sans-serif at ``px`` pixels."""
    return ImageFont.load_default(size=px)


@lru_cache(maxsize=256)
def _text_sprite(text: str, px: int, fg: tuple[int, int, int], bg_alpha: float,
                 stroke: int) -> tuple[np.ndarray, np.ndarray]:
    """Rendered text as (RGB float32, alpha float32), with an optional dark box."""
    f = font(px)
    x0, y0, x1, y1 = f.getbbox(text, stroke_width=stroke)
    pad = max(2, px // 4)
    w, h = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    ink = Image.new("L", (w, h), 0)
    ImageDraw.Draw(ink).text((pad - x0, pad - y0), text, font=f, fill=255,
                             stroke_width=stroke, stroke_fill=255)
    a = np.asarray(ink, np.float32) / 255.0
    rgb = np.empty((h, w, 3), np.float32)
    rgb[:] = np.asarray(fg, np.float32)
    alpha = np.maximum(a, bg_alpha)
    box = np.zeros((h, w, 3), np.float32) + 12.0
    rgb = (rgb * a[..., None] + box * (bg_alpha * (1 - a))[..., None]) / np.maximum(alpha, 1e-6)[
        ..., None]
    return rgb, alpha


def paste_text(frame: np.ndarray, text: str, x: int, y: int, px: int, *,
               fg=(235, 235, 235), bg_alpha: float = 0.0, stroke: int = 0,
               anchor: str = "lt") -> tuple[int, int, int, int]:
    """Draw ``text`` on ``frame`` in place; returns its box (x0, y0, x1, y1)."""
    rgb, alpha = _text_sprite(text, px, tuple(fg), bg_alpha, stroke)
    h, w = alpha.shape
    if anchor[0] == "r":
        x -= w
    elif anchor[0] == "m":
        x -= w // 2
    if anchor[1] == "b":
        y -= h
    fh, fw = frame.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, fw), min(y + h, fh)
    if x1 <= x0 or y1 <= y0:
        return (x0, y0, x0, y0)
    a = alpha[y0 - y : y1 - y, x0 - x : x1 - x, None]
    roi = frame[y0:y1, x0:x1].astype(np.float32)
    frame[y0:y1, x0:x1] = np.clip(roi * (1 - a) + rgb[y0 - y : y1 - y, x0 - x : x1 - x] * a + 0.5,
                                  0, 255).astype(np.uint8)
    return (x0, y0, x1, y1)


@dataclass(frozen=True)
class Overlays:
    """What an editor burned in: a corner logo, a timestamp and a caption.

    ``clock`` is the timestamp at media time 0 ("YYYY-MM-DD HH:MM:SS"); with
    ``running`` it advances with the video, else it stays fixed. Everything is
    kept inside the top and bottom 10 % of the frame.
    """

    logo: str | None = None
    clock: str | None = None
    running: bool = True
    caption: str | None = None
    logo_right: bool = False
    clock_format: str = "%Y-%m-%d %H:%M:%S"

    def clock_text(self, media_t: float) -> str | None:
        if self.clock is None:
            return None
        start = datetime.strptime(self.clock, "%Y-%m-%d %H:%M:%S")
        shown = start + timedelta(seconds=int(np.floor(media_t + 1e-6)) if self.running else 0)
        return shown.strftime(self.clock_format)

    def texts(self, times: Sequence[float]) -> list[str]:
        """Every distinct string shown at the given media times, in order."""
        out: list[str] = []
        for s in (self.logo, self.caption):
            if s:
                out.append(s)
        for t in times:
            c = self.clock_text(t)
            if c and c not in out:
                out.append(c)
        return out

    def apply(self, frame: np.ndarray, media_t: float) -> np.ndarray:
        """A copy of ``frame`` with the overlays drawn."""
        out = frame.copy()
        h, w = out.shape[:2]
        px = max(10, h // 20)
        m = max(3, h // 60)
        if self.logo:
            if self.logo_right:
                paste_text(out, self.logo, w - m, m, px + 2, fg=(250, 250, 250), bg_alpha=0.55,
                           anchor="rt")
            else:
                paste_text(out, self.logo, m, m, px + 2, fg=(250, 250, 250), bg_alpha=0.55)
        c = self.clock_text(media_t)
        if c:
            if self.logo_right:
                paste_text(out, c, m, m, px, fg=(255, 240, 120), stroke=1)
            else:
                paste_text(out, c, w - m, m, px, fg=(255, 240, 120), stroke=1, anchor="rt")
        if self.caption:
            paste_text(out, self.caption, w // 2, h - m, px, fg=(255, 255, 255), bg_alpha=0.6,
                       anchor="mb")
        return out


def apply_overlays(frames: Sequence[np.ndarray], times: Sequence[float],
                   ov: Overlays | None) -> list[np.ndarray]:
    """Overlays drawn on every frame (``times`` are media times)."""
    if ov is None:
        return list(frames)
    return [ov.apply(f, t) for f, t in zip(frames, times, strict=True)]


@dataclass(frozen=True)
class Bumper:
    """A channel's animated intro (or outro) logo."""

    id: str
    title: str
    colour: tuple[int, int, int]
    duration_s: float


SH_INTRO = Bumper("SH-intro", "SOUTHERN HAWKS", (200, 150, 40), 1.5)
SH_OUTRO = Bumper("SH-outro", "SOUTHERN HAWKS", (200, 150, 40), 1.0)


def bumper_frame(b: Bumper, width: int, height: int, index: int, fps: float) -> np.ndarray:
    """Frame ``index`` of bumper ``b``: emblem zooms in, title fades in, a light sweeps."""
    return _bumper_frame(b, width, height, index, fps).copy()


@lru_cache(maxsize=128)
def _bumper_frame(b: Bumper, width: int, height: int, index: int, fps: float) -> np.ndarray:
    t = index / fps
    p = min(1.0, t / (b.duration_s * 0.6))
    ease = 1 - (1 - p) ** 3
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    r = np.hypot((xs - width / 2) / width, (ys - height / 2) / height)
    bg = np.clip(0.32 - r * 0.45, 0, 1)[..., None] * np.array([0.25, 0.3, 0.55]) * 255
    img = bg.astype(np.float32)
    # sweeping light band
    sweep = np.exp(-(((xs - ys * 0.5) - (t / b.duration_s) * width * 1.6 + width * 0.3) / 30) ** 2)
    img += sweep[..., None] * 40
    # emblem: a stylised hawk (delta wings + tail) in a ring
    cx, cy = width / 2, height * 0.42
    s = height * 0.28 * (0.3 + 0.7 * ease)
    ang = (1 - ease) * 1.2
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    hawk = np.array([[0, -0.9], [0.25, -0.35], [1.0, -0.1], [0.3, 0.1], [0.18, 0.75],
                     [0, 0.55], [-0.18, 0.75], [-0.3, 0.1], [-1.0, -0.1], [-0.25, -0.35]])
    pts = (hawk @ rot.T) * s + [cx, cy]
    col = tuple(float(c) for c in b.colour)
    cv2.circle(img, (int(cx), int(cy)), int(s * 1.15), col, max(2, height // 90), cv2.LINE_AA)
    cv2.fillPoly(img, [np.round(pts * 16).astype(np.int32)], col, cv2.LINE_AA, 4)
    frame = np.clip(img, 0, 255).astype(np.uint8)
    fade = float(np.clip((t - b.duration_s * 0.35) / (b.duration_s * 0.3), 0, 1))
    if fade > 0:
        text = np.zeros_like(frame)
        paste_text(text, b.title, width // 2, int(height * 0.72), max(14, height // 11),
                   fg=(245, 245, 245), anchor="mt")
        frame = np.clip(frame.astype(np.float32) + text.astype(np.float32) * fade, 0,
                        255).astype(np.uint8)
    return frame


def bumper_frames(b: Bumper, width: int, height: int, fps: float) -> list[np.ndarray]:
    """All frames of bumper ``b`` at ``fps``."""
    n = round(b.duration_s * fps)
    return [bumper_frame(b, width, height, i, fps) for i in range(n)]
