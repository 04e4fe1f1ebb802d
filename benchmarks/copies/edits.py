"""What claim channels do to footage, one frame at a time (NumPy, OpenCV, Pillow).

Every operation is built from a JSON-able dict of parameters (drawn, seeded, by
:mod:`benchmarks.copies.make_set`, and written into ``truth.json``) and is a
pure function of the frame and its time: the same parameters and frames give
the same pixels. Text is drawn with Pillow and DejaVu Sans (``fonts-dejavu-core``,
fetched with the footage: it has Arabic glyphs, and Pillow's libraqm shapes
them right to left).

Geometry: ``crop``, ``flip``, ``rotate``, ``fit`` (resize). Overlays: ``tone``,
``gray``, ``logo``, ``caption``, ``bars`` (letterbox or pillarbox with text in
the bars). Wrappers that put the footage on a larger canvas with its own
frames before and after: ``screen`` (a player window in a screen recording),
``pip`` (an inset over a studio picture), ``compile`` (between other
footage), ``bumper`` (a channel's intro and outro). ``split`` lays 2-4 clips
side by side.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .video import even

Frame = np.ndarray
FONT_DIR: Path | None = None  # set by make_set: <footage>/fonts-dejavu-core


def set_font_dir(path: Path) -> None:
    global FONT_DIR
    FONT_DIR = Path(path)
    _font.cache_clear()


@lru_cache(maxsize=64)
def _font(px: int, bold: bool) -> ImageFont.FreeTypeFont:
    if FONT_DIR is None:
        raise RuntimeError("edits.set_font_dir() was not called")
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), px, layout_engine=ImageFont.Layout.RAQM)


@lru_cache(maxsize=512)
def text_sprite(
    text: str,
    px: int,
    fg: tuple[int, int, int] = (245, 245, 245),
    *,
    bold: bool = False,
    box: tuple[int, int, int, float] | None = None,
    stroke: int = 0,
    rtl: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """``text`` as (RGB float32, alpha float32 in [0, 1]); ``box``: (r, g, b, opacity) behind."""
    font = _font(max(6, px), bold)
    kw = {"direction": "rtl", "language": "ar"} if rtl else {}
    x0, y0, x1, y1 = font.getbbox(text, stroke_width=stroke, **kw)
    pad = max(2, px // 4)
    w, h = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if box is not None:
        draw.rectangle((0, 0, w, h), fill=(box[0], box[1], box[2], int(255 * box[3])))
    draw.text(
        (pad - x0, pad - y0),
        text,
        font=font,
        fill=(*fg, 255),
        stroke_width=stroke,
        stroke_fill=(10, 10, 10, 255),
        **kw,
    )
    a = np.asarray(img, np.float32)
    return a[..., :3].copy(), a[..., 3] / 255.0


def paste(
    frame: Frame, rgb: np.ndarray, alpha: np.ndarray, x: int, y: int, opacity: float = 1.0
) -> None:
    """Alpha-blend a sprite onto ``frame`` in place at (x, y), clipped to the frame."""
    h, w = alpha.shape
    fh, fw = frame.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(fw, x + w), min(fh, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    a = alpha[y0 - y : y1 - y, x0 - x : x1 - x, None] * opacity
    roi = frame[y0:y1, x0:x1].astype(np.float32)
    roi = roi * (1 - a) + rgb[y0 - y : y1 - y, x0 - x : x1 - x] * a
    frame[y0:y1, x0:x1] = np.clip(roi + 0.5, 0, 255).astype(np.uint8)


def resize(frame: Frame, w: int, h: int) -> Frame:
    if frame.shape[1] == w and frame.shape[0] == h:
        return frame
    halve = 2 * w < frame.shape[1] and 2 * h < frame.shape[0]
    return cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA if halve else cv2.INTER_LINEAR)


def fit_box(src_w: int, src_h: int, box_w: int, box_h: int) -> tuple[int, int, int, int]:
    """(x, y, w, h) of a ``src`` picture scaled to fit inside a box, centred."""
    s = min(box_w / src_w, box_h / src_h)
    w, h = min(box_w, even(src_w * s)), min(box_h, even(src_h * s))
    return (box_w - w) // 2, (box_h - h) // 2, w, h


def fit_into(
    canvas: Frame, picture: Frame, x: int, y: int, w: int, h: int, *, cover: bool = False
) -> None:
    """Draw ``picture`` into the (x, y, w, h) box of ``canvas``: whole, or cropped to fill it."""
    ph, pw = picture.shape[:2]
    if cover:
        s = max(w / pw, h / ph)
        cw, ch = min(pw, round(w / s)), min(ph, round(h / s))
        cx, cy = (pw - cw) // 2, (ph - ch) // 2
        canvas[y : y + h, x : x + w] = resize(picture[cy : cy + ch, cx : cx + cw], w, h)
        return
    bx, by, bw, bh = fit_box(pw, ph, w, h)
    canvas[y + by : y + by + bh, x + bx : x + bx + bw] = resize(picture, bw, bh)


# -- procedural pictures (backgrounds, filler): unique per seed, never footage --------------


def smooth_noise(seed: int, w: int, h: int, cell: int, *, colours: int = 3) -> np.ndarray:
    """A smooth random field in [0, 1], (h, w, colours), from a coarse grid of ``cell`` px."""
    rng = np.random.default_rng(seed)
    gw, gh = max(2, w // cell + 2), max(2, h // cell + 2)
    small = rng.random((gh, gw, colours)).astype(np.float32)
    big = cv2.resize(small, (gw * cell, gh * cell), interpolation=cv2.INTER_CUBIC)
    big = big.reshape(big.shape[0], big.shape[1], colours)
    return np.clip(big[:h, :w], 0, 1)


def palette(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    dark = rng.uniform(10, 90, 3)
    light = rng.uniform(120, 240, 3)
    return dark.astype(np.float32), light.astype(np.float32)


def backdrop(seed: int, w: int, h: int) -> Frame:
    """A studio-like or desktop-like backdrop: gradient, soft blobs and panels, all seeded."""
    rng = np.random.default_rng(seed)
    dark, light = palette(seed)
    ys = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    base = dark + (light - dark) * (0.25 + 0.5 * ys)
    blobs = smooth_noise(seed + 1, w, h, cell=max(16, w // 6))
    img = base * (0.75 + 0.5 * blobs)
    img = np.broadcast_to(img, (h, w, 3)).copy()
    for _ in range(int(rng.integers(3, 7))):
        x0, y0 = int(rng.integers(0, w - w // 8)), int(rng.integers(0, h - h // 8))
        x1, y1 = x0 + int(rng.integers(w // 10, w // 3)), y0 + int(rng.integers(h // 12, h // 3))
        colour = tuple(float(c) for c in rng.uniform(20, 230, 3))
        cv2.rectangle(img, (x0, y0), (x1, y1), colour, -1)
    fine = smooth_noise(seed + 2, w, h, cell=12, colours=1)
    img += (fine - 0.5) * 24
    return np.clip(img, 0, 255).astype(np.uint8)


class Filler:
    """Unrelated moving pictures: a seeded texture panned and zoomed, with a title card."""

    def __init__(self, seed: int, w: int, h: int, title: str) -> None:
        self.w, self.h = w, h
        rng = np.random.default_rng(seed)
        big = smooth_noise(seed, w * 2, h * 2, cell=int(rng.integers(24, 60)))
        fine = smooth_noise(seed + 7, w * 2, h * 2, cell=10, colours=1)
        dark, light = palette(seed + 3)
        self.tex = np.clip(dark + (light - dark) * (0.7 * big + 0.3 * fine), 0, 255).astype(
            np.uint8
        )
        self.vx, self.vy = rng.uniform(-40, 40, 2)
        self.title = title

    def __call__(self, t: float, card: bool) -> Frame:
        x = int((self.w / 2 + self.vx * t) % self.w)
        y = int((self.h / 2 + self.vy * t) % self.h)
        frame = self.tex[y : y + self.h, x : x + self.w].copy()
        if card:
            rgb, a = text_sprite(self.title, max(14, self.h // 12), bold=True, box=(0, 0, 0, 0.55))
            paste(frame, rgb, a, (self.w - a.shape[1]) // 2, (self.h - a.shape[0]) // 2)
        return frame


# -- geometry ------------------------------------------------------------------------------


def crop(frame: Frame, box: Sequence[float]) -> Frame:
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = box
    return frame[round(y0 * h) : round(y1 * h), round(x0 * w) : round(x1 * w)]


def flip(frame: Frame, axis: str) -> Frame:
    return frame[:, ::-1] if axis == "h" else frame[::-1]


def rotate(frame: Frame, k: int) -> Frame:
    """``k`` quarter turns clockwise."""
    return np.rot90(frame, -k)


# -- colour --------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _tone_lut(
    brightness: float, contrast: float, gamma: float, gains: tuple[float, float, float]
) -> np.ndarray:
    x = np.arange(256, dtype=np.float32) / 255.0
    x = np.clip((x - 0.5) * contrast + 0.5 + brightness, 0, 1) ** gamma
    lut = np.stack([np.clip(x * 255 * g + 0.5, 0, 255) for g in gains], axis=-1)
    return lut.astype(np.uint8).reshape(256, 1, 3)


def tone(
    frame: Frame,
    *,
    brightness: float = 0.0,
    contrast: float = 1.0,
    gamma: float = 1.0,
    saturation: float = 1.0,
    hue_deg: float = 0.0,
    gains: Sequence[float] = (1.0, 1.0, 1.0),
) -> Frame:
    """Brightness, contrast, gamma and colour balance (one table per channel), then
    saturation and hue."""
    lut = _tone_lut(
        round(brightness, 4),
        round(contrast, 4),
        round(gamma, 4),
        tuple(round(float(g), 4) for g in gains),
    )
    out = cv2.LUT(np.ascontiguousarray(frame), lut)
    if saturation != 1.0 or hue_deg:
        hsv = cv2.cvtColor(out, cv2.COLOR_RGB2HSV_FULL)
        if hue_deg:
            hsv[..., 0] += np.uint8(round(hue_deg * 256 / 360) % 256)  # wraps around
        if saturation != 1.0:
            hsv[..., 1] = cv2.convertScaleAbs(hsv[..., 1], alpha=saturation)
        out = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL)
    return out


def gray(frame: Frame) -> Frame:
    g = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return np.repeat(g[..., None], 3, axis=2)


# -- logos ---------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def logo_sprite(
    text: str, width: int, colour: tuple[int, int, int], shape: str
) -> tuple[np.ndarray, np.ndarray]:
    """A channel logo ``width`` px wide: an emblem (ring, shield or star) and the name."""
    px = max(8, width // max(4, len(text)) * 2)
    rgb_t, a_t = text_sprite(text, px, (250, 250, 250), bold=True, stroke=max(1, px // 12))
    th, tw = a_t.shape
    e = th * 2
    w, h = e + tw + 4, max(e, th)
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    c = (*colour, 255)
    if shape == "ring":
        d.ellipse((2, 2, e - 2, e - 2), outline=c, width=max(2, e // 8))
        d.ellipse((e // 3, e // 3, e - e // 3, e - e // 3), fill=c)
    elif shape == "shield":
        d.polygon([(2, 2), (e - 2, 2), (e - 2, e // 2), (e // 2, e - 2), (2, e // 2)], fill=c)
        d.line(
            [(e // 4, e // 3), (3 * e // 4, e // 3)],
            fill=(255, 255, 255, 255),
            width=max(1, e // 10),
        )
    else:
        pts = [
            (
                e / 2
                + (e / 2 - 2)
                * (1 if i % 2 == 0 else 0.45)
                * math.cos(math.pi * i / 5 - math.pi / 2),
                e / 2
                + (e / 2 - 2)
                * (1 if i % 2 == 0 else 0.45)
                * math.sin(math.pi * i / 5 - math.pi / 2),
            )
            for i in range(10)
        ]
        d.polygon(pts, fill=c)
    a = np.asarray(img, np.float32)
    rgb, alpha = a[..., :3].copy(), a[..., 3] / 255.0
    y = (h - th) // 2
    sl = (slice(y, y + th), slice(e + 4, e + 4 + tw))
    rgb[sl] = rgb[sl] * (1 - a_t[..., None]) + rgb_t * a_t[..., None]
    alpha[sl] = np.maximum(alpha[sl], a_t)
    s = width / w
    size = (max(2, round(w * s)), max(2, round(h * s)))
    return (
        cv2.resize(rgb, size, interpolation=cv2.INTER_AREA),
        cv2.resize(alpha, size, interpolation=cv2.INTER_AREA),
    )


def logo(
    frame: Frame,
    t: float,
    *,
    text: str,
    colour: Sequence[int],
    shape: str,
    size: float,
    opacity: float,
    place: str,
    motion: str | None = None,
    period_s: float = 6.0,
    phase: float = 0.0,
) -> Frame:
    """A logo ``size`` x the frame's width, at a corner (``tl``, ``tr``, ``bl``, ``br``) or
    the centre (``c``); ``motion`` animates it: ``drift`` (bounces about the frame), ``pulse``
    (grows and shrinks, fades in and out), ``spin`` (turns on itself)."""
    h, w = frame.shape[:2]
    width = max(8, round(size * w))
    scale, alpha_k, angle = 1.0, 1.0, 0.0
    if motion == "pulse":
        k = 0.5 + 0.5 * math.sin(2 * math.pi * (t / period_s + phase))
        scale, alpha_k = 0.8 + 0.4 * k, 0.55 + 0.45 * k
    elif motion == "spin":
        angle = 360.0 * (t / period_s + phase)
    rgb, a = logo_sprite(text, max(8, round(width * scale)), tuple(int(c) for c in colour), shape)
    if angle:
        lh, lw = a.shape
        m = cv2.getRotationMatrix2D((lw / 2, lh / 2), angle, 1.0)
        side = int(math.hypot(lw, lh)) + 2
        m[:, 2] += ((side - lw) / 2, (side - lh) / 2)
        rgb = cv2.warpAffine(rgb, m, (side, side))
        a = cv2.warpAffine(a, m, (side, side))
    lh, lw = a.shape
    margin = round(0.03 * w)
    if motion == "drift":
        span_x, span_y = max(1, w - lw), max(1, h - lh)
        u = (t / period_s + phase) % 2.0
        v = (t / (period_s * 0.77) + phase * 1.3) % 2.0
        x, y = round(span_x * (u if u < 1 else 2 - u)), round(span_y * (v if v < 1 else 2 - v))
    elif place == "c":
        x, y = (w - lw) // 2, (h - lh) // 2
    else:
        x = margin if place[1] == "l" else w - lw - margin
        y = margin if place[0] == "t" else h - lh - margin
    out = frame.copy()
    paste(out, rgb, a, x, y, opacity * alpha_k)
    return out


# -- captions ------------------------------------------------------------------------------


def caption(
    frame: Frame,
    t: float,
    *,
    lines: Sequence[str],
    period_s: float,
    size: float,
    style: str,
    position: str,
    rtl: bool = False,
    colour: Sequence[int] = (250, 250, 250),
    start_s: float = 0.0,
) -> Frame:
    """Burned-in subtitles: ``lines`` in turn, each for ``period_s``, font ``size`` x height."""
    if t < start_s:
        return frame
    h, w = frame.shape[:2]
    text = lines[int((t - start_s) // period_s) % len(lines)]
    px = max(10, round(size * h))
    box = (0, 0, 0, 0.6) if style == "box" else None
    stroke = 0 if style == "box" else max(1, px // 10)
    rgb, a = text_sprite(text, px, tuple(int(c) for c in colour), box=box, stroke=stroke, rtl=rtl)
    if a.shape[1] > w - 8:  # too wide: shrink the sprite to the frame
        s = (w - 8) / a.shape[1]
        size2 = (w - 8, max(2, round(a.shape[0] * s)))
        rgb, a = cv2.resize(rgb, size2), cv2.resize(a, size2)
    x = (w - a.shape[1]) // 2
    y = round(0.05 * h) if position == "top" else h - a.shape[0] - round(0.06 * h)
    out = frame.copy()
    paste(out, rgb, a, x, y)
    return out


# -- bars ----------------------------------------------------------------------------------


def bars(
    frame: Frame,
    *,
    canvas: Sequence[int],
    colour: Sequence[int],
    texts: Sequence[str],
    text_size: float,
    rtl: Sequence[bool] = (),
    ticker: bool = False,
    t: float = 0.0,
) -> Frame:
    """The picture fitted whole into a ``canvas`` (w, h) of another shape: bars above and below
    (letterbox) or left and right (pillarbox), ``texts`` written in the bars (the first in
    the top or left bar, the second in the bottom or right one)."""
    cw, ch = int(canvas[0]), int(canvas[1])
    out = np.empty((ch, cw, 3), np.uint8)
    out[:] = np.asarray(colour, np.uint8)
    ph, pw = frame.shape[:2]
    bx, by, bw, bh = fit_box(pw, ph, cw, ch)
    out[by : by + bh, bx : bx + bw] = resize(frame, bw, bh)
    letterbox = by >= bx
    for i, text in enumerate(texts[:2]):
        r = bool(rtl[i]) if i < len(rtl) else False
        if letterbox:
            bar_h = by if i == 0 else ch - by - bh
            px = max(8, min(round(text_size * ch), round(bar_h * 0.6)))
            rgb, a = text_sprite(text, px, (240, 240, 240), bold=i == 0, rtl=r)
            if a.shape[1] > cw - 8:
                s = (cw - 8) / a.shape[1]
                size = (cw - 8, max(2, round(a.shape[0] * s)))
                rgb, a = cv2.resize(rgb, size), cv2.resize(a, size)
            y0 = 0 if i == 0 else by + bh
            y = y0 + (bar_h - a.shape[0]) // 2
            x = (cw - a.shape[1]) // 2
            if ticker and i == 1:
                x = round(cw - (t * 60) % (cw + a.shape[1]))
            paste(out, rgb, a, x, y)
        else:
            bar_w = bx if i == 0 else cw - bx - bw
            px = max(8, round(text_size * ch))
            words = text.split()
            rows = [" ".join(words[j : j + 2]) for j in range(0, len(words), 2)]
            y = ch // 4
            for row in rows[:6]:
                rgb, a = text_sprite(row, px, (240, 240, 240), bold=i == 0, rtl=r)
                if a.shape[1] > bar_w - 4:
                    s = max(0.1, (bar_w - 4) / a.shape[1])
                    size = (max(2, bar_w - 4), max(2, round(a.shape[0] * s)))
                    rgb, a = cv2.resize(rgb, size), cv2.resize(a, size)
                x0 = 0 if i == 0 else bx + bw
                paste(out, rgb, a, x0 + (bar_w - a.shape[1]) // 2, y)
                y += a.shape[0] + 4
    return out


# -- wrappers: the footage on a larger canvas ----------------------------------------------


class Screen:
    """A screen recording of a player: the footage scaled into a window with a title bar,
    controls, a progress bar that moves and a time read-out, over a desktop; a mouse
    pointer wanders. Before the footage starts the player shows a spinner, after it ends a
    replay button (no footage on screen then)."""

    def __init__(
        self,
        *,
        canvas: Sequence[int],
        window: Sequence[float],
        seed: int,
        title: str,
        theme: str,
        duration_s: float,
        lead_s: float,
    ) -> None:
        self.cw, self.ch = int(canvas[0]), int(canvas[1])
        rng = np.random.default_rng(seed)
        self.desktop = backdrop(seed, self.cw, self.ch)
        wx, wy, ww = window  # fractions: left, top, width
        self.wx, self.wy = round(wx * self.cw), round(wy * self.ch)
        self.ww = even(ww * self.cw)
        self.bar_h = max(14, self.ch // 24)
        self.ctl_h = max(18, self.ch // 16)
        self.vh = even(self.ww * 9 / 16)
        self.wh = self.bar_h + self.vh + self.ctl_h
        if self.wy + self.wh > self.ch:
            self.wy = max(0, self.ch - self.wh)
        self.dark = theme == "dark"
        self.title = title
        self.duration, self.lead = duration_s, lead_s
        self.cursor = rng.uniform(0, 1, (4, 2)) * (self.cw, self.ch)
        self.period = float(rng.uniform(5, 9))
        base = self.desktop.copy()
        bg = (32, 33, 36) if self.dark else (236, 236, 236)
        cv2.rectangle(
            base,
            (self.wx - 1, self.wy - 1),
            (self.wx + self.ww, self.wy + self.wh),
            (90, 90, 90),
            1,
        )
        base[self.wy : self.wy + self.bar_h, self.wx : self.wx + self.ww] = bg
        rgb, a = text_sprite(
            title, max(8, self.bar_h * 2 // 3), (200, 200, 200) if self.dark else (30, 30, 30)
        )
        paste(base, rgb, a, self.wx + 8, self.wy + (self.bar_h - a.shape[0]) // 2)
        for k, col in enumerate(((230, 80, 70), (240, 190, 60), (90, 200, 90))):
            cx = self.wx + self.ww - 12 - 16 * k
            cv2.circle(
                base, (cx, self.wy + self.bar_h // 2), max(3, self.bar_h // 4), col, -1, cv2.LINE_AA
            )
        y = self.wy + self.bar_h + self.vh
        base[y : y + self.ctl_h, self.wx : self.wx + self.ww] = (18, 18, 18)
        self.base = base

    @property
    def video_box(self) -> tuple[int, int, int, int]:
        return self.wx, self.wy + self.bar_h, self.ww, self.vh

    def __call__(self, picture: Frame | None, t: float) -> Frame:
        out = self.base.copy()
        x, y, w, h = self.video_box
        out[y : y + h, x : x + w] = 0
        played = min(max(t - self.lead, 0.0), self.duration)
        if picture is not None:
            fit_into(out, picture, x, y, w, h)
        elif t < self.lead:  # spinner
            cx, cy, r = x + w // 2, y + h // 2, max(6, h // 12)
            a0 = (t * 360) % 360
            cv2.ellipse(
                out, (cx, cy), (r, r), a0, 0, 270, (220, 220, 220), max(2, r // 4), cv2.LINE_AA
            )
        else:  # replay button
            cx, cy, r = x + w // 2, y + h // 2, max(8, h // 8)
            cv2.circle(out, (cx, cy), r, (220, 220, 220), max(2, r // 6), cv2.LINE_AA)
        cy = y + h + self.ctl_h // 2
        icon = max(4, self.ctl_h // 4)
        if picture is not None:  # pause icon while playing
            cv2.rectangle(
                out, (x + 8, cy - icon), (x + 8 + icon // 2, cy + icon), (240, 240, 240), -1
            )
            cv2.rectangle(
                out,
                (x + 8 + icon, cy - icon),
                (x + 8 + icon + icon // 2, cy + icon),
                (240, 240, 240),
                -1,
            )
        else:
            pts = np.array([(x + 8, cy - icon), (x + 8, cy + icon), (x + 8 + 2 * icon, cy)])
            cv2.fillPoly(out, [pts], (240, 240, 240), cv2.LINE_AA)
        stamp = (
            f"{int(played) // 60}:{int(played) % 60:02d} / "
            f"{int(self.duration) // 60}:{int(self.duration) % 60:02d}"
        )
        rgb, a = text_sprite(stamp, max(8, self.ctl_h // 2), (230, 230, 230))
        tx = x + 16 + 3 * icon
        paste(out, rgb, a, tx, cy - a.shape[0] // 2)
        px0, px1 = tx + a.shape[1] + 10, x + w - 12
        cv2.line(out, (px0, cy), (px1, cy), (110, 110, 110), max(2, self.ctl_h // 8))
        done = px0 + round((px1 - px0) * played / max(self.duration, 1e-6))
        cv2.line(out, (px0, cy), (done, cy), (230, 40, 40), max(2, self.ctl_h // 8))
        cv2.circle(out, (done, cy), max(3, self.ctl_h // 5), (240, 240, 240), -1, cv2.LINE_AA)
        u = (t / self.period) % 1.0 * 3
        i = int(u)
        p = self.cursor[i] + (self.cursor[i + 1] - self.cursor[i]) * (u - i)
        mx, my = int(p[0]), int(p[1])
        arrow = np.array(
            [
                (mx, my),
                (mx, my + 16),
                (mx + 4, my + 12),
                (mx + 8, my + 19),
                (mx + 10, my + 18),
                (mx + 7, my + 11),
                (mx + 12, my + 11),
            ]
        )
        cv2.fillPoly(out, [arrow], (250, 250, 250))
        cv2.polylines(out, [arrow], True, (0, 0, 0), 1, cv2.LINE_AA)
        return out


class Pip:
    """Picture-in-picture: the footage as an inset ``width`` x the canvas's width over a
    moving studio picture with a news ticker; before and after it, the studio alone."""

    def __init__(
        self,
        *,
        canvas: Sequence[int],
        width: float,
        anchor: Sequence[float],
        seed: int,
        ticker: str,
        border: int,
    ) -> None:
        self.cw, self.ch = int(canvas[0]), int(canvas[1])
        rng = np.random.default_rng(seed)
        self.studio = backdrop(seed, self.cw + 120, self.ch + 40)
        self.vx = float(rng.uniform(-6, 6))
        self.width = width
        self.anchor = anchor
        self.ticker = ticker
        self.border = border
        self.band = max(16, self.ch // 14)

    def inset_box(self, pw: int, ph: int) -> tuple[int, int, int, int]:
        w = even(self.width * self.cw)
        h = even(w * ph / pw)
        free_h = self.ch - self.band - h - 2 * self.border
        x = round(self.anchor[0] * (self.cw - w - 2 * self.border)) + self.border
        y = round(self.anchor[1] * max(0, free_h)) + self.border
        return x, y, w, min(h, self.ch - self.band - 2 * self.border)

    def __call__(self, picture: Frame | None, t: float) -> Frame:
        off = int(60 + 30 * math.sin(t * 0.4) + 25 * math.sin(t * self.vx / 10))  # 5-115
        out = self.studio[20 : 20 + self.ch, off : off + self.cw].copy()
        out[self.ch - self.band :] = (150, 20, 20)
        rgb, a = text_sprite(self.ticker, max(8, self.band * 2 // 3), bold=True)
        x = round(self.cw - (t * 70) % (self.cw + a.shape[1]))
        paste(out, rgb, a, x, self.ch - self.band + (self.band - a.shape[0]) // 2)
        if picture is not None:
            ph, pw = picture.shape[:2]
            x, y, w, h = self.inset_box(pw, ph)
            b = self.border
            out[y - b : y + h + b, x - b : x + w + b] = 245
            out[y : y + h, x : x + w] = resize(picture, w, h)
        return out


def split_layout(kind: str, cw: int, ch: int) -> list[tuple[int, int, int, int]]:
    """Tiles (x, y, w, h) of a split screen: ``2h`` side by side, ``2v`` stacked, ``3`` one
    large and two small, ``4`` a 2 x 2 grid (2 px gutters)."""
    g = 2
    if kind == "2h":
        w = (cw - g) // 2
        return [(0, 0, w, ch), (w + g, 0, cw - w - g, ch)]
    if kind == "2v":
        h = (ch - g) // 2
        return [(0, 0, cw, h), (0, h + g, cw, ch - h - g)]
    if kind == "3":
        w = even(cw * 0.62)
        h = (ch - g) // 2
        return [(0, 0, w, ch), (w + g, 0, cw - w - g, h), (w + g, h + g, cw - w - g, ch - h - g)]
    w, h = (cw - g) // 2, (ch - g) // 2
    return [
        (0, 0, w, h),
        (w + g, 0, cw - w - g, h),
        (0, h + g, w, ch - h - g),
        (w + g, h + g, cw - w - g, ch - h - g),
    ]


def bumper(
    b_id: str,
    title: str,
    colour: Sequence[int],
    duration_s: float,
    w: int,
    h: int,
    index: int,
    fps: float,
) -> Frame:
    """Frame ``index`` of a channel's animated bumper (the fixture generator's), the same
    pixels in every video of that size."""
    from fixturegen.overlays import Bumper, bumper_frame

    return bumper_frame(
        Bumper(b_id, title, tuple(int(c) for c in colour), duration_s), w, h, index, fps
    )


# -- one operation from its parameters -----------------------------------------------------


def frame_op(step: dict) -> Callable[[Frame, float], Frame]:
    """The per-frame operation of a step (``{"op": name, ...parameters}``)."""
    p = {k: v for k, v in step.items() if k != "op"}
    op = step["op"]
    if op == "crop":
        return lambda f, t: crop(f, p["box"])
    if op == "flip":
        return lambda f, t: flip(f, p["axis"])
    if op == "rotate":
        return lambda f, t: rotate(f, p["k"])
    if op == "gray":
        return lambda f, t: gray(f)
    if op == "tone":
        return lambda f, t: tone(f, **p)
    if op == "logo":
        return lambda f, t: logo(f, t, **p)
    if op == "caption":
        return lambda f, t: caption(f, t, **p)
    if op == "bars":
        return lambda f, t: bars(f, t=t, **p)
    if op == "fit":
        return lambda f, t: resize(f, p["size"][0], p["size"][1])
    raise ValueError(f"not a frame operation: {op}")


# -- sound -----------------------------------------------------------------------------------


def music_bed(seed: int, seconds: float, rate: int = 16000) -> np.ndarray:
    """A channel's music bed: chords, a bass line and a beat at 100-130 bpm, seeded, mono
    float in [-1, 1]. The same seed gives the same samples in every video it is laid under."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    bpm = float(rng.uniform(100, 130))
    beat = 60.0 / bpm
    roots = 110.0 * 2 ** (rng.choice([0, 3, 5, 7, 8, 10], 4) / 12)
    bar = (t // (4 * beat)).astype(int) % 4
    root = roots[bar]
    out = np.zeros(n)
    for ratio, gain in ((1.0, 0.25), (1.26, 0.18), (1.5, 0.18), (2.0, 0.1)):
        out += (
            gain * np.sin(2 * np.pi * root * ratio * t) * (0.7 + 0.3 * np.sin(2 * np.pi * t / beat))
        )
    out += 0.3 * np.sin(2 * np.pi * root / 2 * t) * np.exp(-((t % beat) / (0.4 * beat)))
    kick_t = t % beat
    out += (
        0.6 * np.sin(2 * np.pi * (50 + 80 * np.exp(-kick_t * 30)) * kick_t) * np.exp(-kick_t * 12)
    )
    hat_t = (t + beat / 2) % beat
    out += 0.05 * rng.standard_normal(n) * np.exp(-hat_t * 60)
    return (0.5 * out / max(1e-9, np.abs(out).max())).astype(np.float32)
