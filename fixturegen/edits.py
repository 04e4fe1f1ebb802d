"""Edits that turn an archived media item into a copy.

Each function takes decoded frames (uint8 RGB) and returns new frames; time
edits take the source's frame times and return the copy's. Geometric edits
also come as point maps so tests can check that a homography relates a copy
to its source (unlike another camera angle).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .videoio import Decoded, frame_at

Frames = list[np.ndarray]


def even(n: float) -> int:
    """Round to the nearest even integer (H.264 with yuv420p needs even sizes)."""
    return max(2, round(n / 2) * 2)


@dataclass(frozen=True)
class Crop:
    """Crop box as fractions of the frame (x0, y0, x1, y1)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        return (round(self.x0 * width), round(self.y0 * height), round(self.x1 * width),
                round(self.y1 * height))


def crop(frames: Sequence[np.ndarray], box: Crop,
         out_size: tuple[int, int] | None = None) -> Frames:
    """Cut ``box`` out of each frame, optionally scaling to ``out_size`` (w, h)."""
    h, w = frames[0].shape[:2]
    x0, y0, x1, y1 = box.pixels(w, h)
    size = out_size or (even(x1 - x0), even(y1 - y0))
    return [cv2.resize(f[y0:y1, x0:x1], size, interpolation=cv2.INTER_AREA if size[0] < x1 - x0
                       else cv2.INTER_LINEAR) for f in frames]


def crop_map(box: Crop, src_size: tuple[int, int], out_size: tuple[int, int]) -> np.ndarray:
    """3x3 matrix taking source pixel coordinates to the cropped copy's."""
    w, h = src_size
    x0, y0, x1, y1 = box.pixels(w, h)
    sx, sy = out_size[0] / (x1 - x0), out_size[1] / (y1 - y0)
    return np.array([[sx, 0, -x0 * sx + (sx - 1) / 2], [0, sy, -y0 * sy + (sy - 1) / 2],
                     [0, 0, 1.0]])


def hflip(frames: Sequence[np.ndarray]) -> Frames:
    """Mirror left-right."""
    return [np.ascontiguousarray(f[:, ::-1]) for f in frames]


def hflip_map(width: int) -> np.ndarray:
    """3x3 matrix of a left-right mirror of a ``width``-pixel frame."""
    return np.array([[-1.0, 0, width - 1], [0, 1, 0], [0, 0, 1]])


def rot90(frames: Sequence[np.ndarray], clockwise: bool = True) -> Frames:
    """Rotate by 90 degrees (a phone video that lost its orientation flag)."""
    code = cv2.ROTATE_90_CLOCKWISE if clockwise else cv2.ROTATE_90_COUNTERCLOCKWISE
    return [cv2.rotate(f, code) for f in frames]


def resize_all(frames: Sequence[np.ndarray], size: tuple[int, int]) -> Frames:
    """Scale every frame to ``size`` (w, h)."""
    return [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames]


def tone(frames: Sequence[np.ndarray], *, brightness: float = 0.0, contrast: float = 1.0,
         gamma: float = 1.0, rgb_gain: tuple[float, float, float] = (1, 1, 1),
         saturation: float = 1.0) -> Frames:
    """Saturation, colour shift (per-channel gain), contrast about mid-grey,
    brightness (added, 0..1 scale) and gamma, in that order."""
    x = np.arange(256, dtype=np.float64) / 255.0
    luts = []
    for g in rgb_gain:
        y = np.clip((x * g - 0.5) * contrast + 0.5 + brightness, 0, 1) ** (1 / gamma)
        luts.append(np.clip(np.round(y * 255), 0, 255).astype(np.uint8))
    out = []
    for f in frames:
        if saturation != 1.0:
            img = f.astype(np.float32)
            grey = img @ np.array([0.299, 0.587, 0.114], np.float32)
            img = grey[..., None] + (img - grey[..., None]) * saturation
            f = np.clip(img + 0.5, 0, 255).astype(np.uint8)
        chans = [cv2.LUT(np.ascontiguousarray(f[..., c]), luts[c]) for c in range(3)]
        out.append(cv2.merge(chans))
    return out


def grayscale(frames: Sequence[np.ndarray]) -> Frames:
    """Black-and-white (kept as 3 equal channels)."""
    return [np.repeat(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2) for f in frames]


def fit_with_bars(frames: Sequence[np.ndarray], out_size: tuple[int, int],
                  colour=(0, 0, 0)) -> Frames:
    """Scale to fit inside ``out_size`` keeping aspect; pad with bars (letter/pillarbox)."""
    w_out, h_out = out_size
    h, w = frames[0].shape[:2]
    s = min(w_out / w, h_out / h)
    nw, nh = even(w * s), even(h * s)
    x0, y0 = (w_out - nw) // 2, (h_out - nh) // 2
    out = []
    for f in frames:
        canvas = np.empty((h_out, w_out, 3), np.uint8)
        canvas[:] = colour
        canvas[y0 : y0 + nh, x0 : x0 + nw] = cv2.resize(f, (nw, nh), interpolation=cv2.INTER_AREA)
        out.append(canvas)
    return out


def retime(src: Decoded, *, start_s: float, end_s: float, speed: float = 1.0,
           fps: float) -> tuple[Frames, float]:
    """Frames of a copy showing source time ``start_s + t * speed`` at copy time t.

    The copy covers source [start_s, end_s) at ``fps``; returns the frames and
    the copy's duration ``(end_s - start_s) / speed``.
    """
    duration = (end_s - start_s) / speed
    n = round(duration * fps)
    frames = [frame_at(src, start_s + (i / fps) * speed) for i in range(n)]
    return frames, n / fps


def picture_in_picture(background: Sequence[np.ndarray], inset: Sequence[np.ndarray], *,
                       width_frac: float = 0.45, corner: str = "br", border: int = 2) -> Frames:
    """Inset frames scaled to ``width_frac`` of the width over the background."""
    h, w = background[0].shape[:2]
    ih, iw = inset[0].shape[:2]
    nw = even(w * width_frac)
    nh = even(ih * nw / iw)
    m = even(w * 0.03)
    x0 = w - nw - m if corner[1] == "r" else m
    y0 = h - nh - m if corner[0] == "b" else m
    out = []
    for bg, fg in zip(background, inset, strict=True):
        f = bg.copy()
        f[y0 - border : y0 + nh + border, x0 - border : x0 + nw + border] = 240
        f[y0 : y0 + nh, x0 : x0 + nw] = cv2.resize(fg, (nw, nh), interpolation=cv2.INTER_AREA)
        out.append(f)
    return out


def ken_burns(image: np.ndarray, out_size: tuple[int, int], n: int, *,
              zoom: tuple[float, float] = (1.0, 1.25),
              centre: tuple[tuple[float, float], tuple[float, float]] = ((0.5, 0.5), (0.5, 0.5)),
              ) -> Frames:
    """A slow zoom/pan over a still image (for 'archived photo' videos and fillers)."""
    h, w = image.shape[:2]
    w_out, h_out = out_size
    base = max(w_out / w, h_out / h)
    out = []
    for i in range(n):
        p = i / max(n - 1, 1)
        p = p * p * (3 - 2 * p)
        z = zoom[0] + (zoom[1] - zoom[0]) * p
        cx = (centre[0][0] + (centre[1][0] - centre[0][0]) * p) * w
        cy = (centre[0][1] + (centre[1][1] - centre[0][1]) * p) * h
        s = base * z
        M = np.array([[s, 0, w_out / 2 - s * cx], [0, s, h_out / 2 - s * cy]], np.float64)
        out.append(cv2.warpAffine(image, M, out_size, flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REFLECT))
    return out


def jpeg_recompress(image: np.ndarray, quality: int) -> np.ndarray:
    """One round of JPEG compression (generation loss) returned as pixels."""
    ok, buf = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].copy()
