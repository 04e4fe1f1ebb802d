#!/usr/bin/env python3
"""Make small synthetic H.264 test clips for the peer adapters' self-test.

Needs numpy + PyAV (the dev venv has them: /tmp/venv/bin/python).

    python make_test_videos.py --out-dir /tmp/peer_selftest            # self-test set + pairs.json
    python make_test_videos.py --decode-clip /tmp/peer_selftest/decode_720p60s.mp4   # 60 s 1280x720 30 fps

Content: a panning multi-scale smooth-noise texture with a few moving discs and a
slow brightness drift, so frame hashes have real structure (PDQ quality high).
"""

import argparse
import json
import os
import sys

import av
import numpy as np


def _smooth_noise(rng, h, w, scales=(4, 16, 64)):
    """Sum of bilinearly upsampled random grids at several scales -> float32 in [0,1]."""
    out = np.zeros((h, w, 3), np.float32)
    for i, s in enumerate(scales):
        gh, gw = max(2, h // s + 2), max(2, w // s + 2)
        grid = rng.random((gh, gw, 3), dtype=np.float32)
        ys = np.linspace(0, gh - 1.001, h)
        xs = np.linspace(0, gw - 1.001, w)
        y0, x0 = ys.astype(int), xs.astype(int)
        fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
        g00 = grid[y0][:, x0]
        g01 = grid[y0][:, x0 + 1]
        g10 = grid[y0 + 1][:, x0]
        g11 = grid[y0 + 1][:, x0 + 1]
        layer = (
            g00 * (1 - fy) * (1 - fx) + g01 * (1 - fy) * fx + g10 * fy * (1 - fx) + g11 * fy * fx
        )
        out += layer * (2.0**i)  # coarse scales dominate
    out -= out.min()
    out /= out.max()
    return out


def frames(seed, w, h, n, fps, flip=False):
    rng = np.random.default_rng(seed)
    big = (_smooth_noise(rng, h * 2, w * 2) * 255).astype(np.uint8)
    # motion path of the crop window (seed-dependent direction)
    ang = rng.uniform(0, 2 * np.pi)
    vx, vy = np.cos(ang), np.sin(ang)
    discs = [
        (
            rng.uniform(0, w),
            rng.uniform(0, h),
            rng.uniform(-4, 4),
            rng.uniform(-4, 4),
            rng.uniform(h / 20, h / 8),
            rng.integers(0, 256, 3),
        )
        for _ in range(4)
    ]
    yy, xx = np.mgrid[0:h, 0:w]
    for i in range(n):
        t = i / fps
        # ping-pong pan over the big texture
        px = (w / 2) + (w / 2 - 1) * np.sin(2 * np.pi * t / 23.0 + ang) * vx
        py = (h / 2) + (h / 2 - 1) * np.sin(2 * np.pi * t / 17.0 + ang) * vy
        x0, y0 = int(px + w / 2) % w, int(py + h / 2) % h
        img = big[y0 : y0 + h, x0 : x0 + w].copy()
        for dx, dy, sx, sy, r, col in discs:
            cx = (dx + sx * i) % w
            cy = (dy + sy * i) % h
            m = (xx - cx) ** 2 + (yy - cy) ** 2 < r * r
            img[m] = col
        gain = 0.85 + 0.15 * np.sin(2 * np.pi * t / 7.0)
        img = np.clip(img.astype(np.float32) * gain, 0, 255).astype(np.uint8)
        if flip:
            img = img[:, ::-1]
        yield np.ascontiguousarray(img)


def encode(path, frame_iter, w, h, fps, crf=23, preset="medium", out_size=None):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    ow, oh = out_size or (w, h)
    with av.open(path, "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = ow, oh, "yuv420p"
        s.options = {"crf": str(crf), "preset": preset}
        for img in frame_iter:
            fr = av.VideoFrame.from_ndarray(img, format="rgb24")
            if out_size:
                fr = fr.reformat(width=ow, height=oh)
            for p in s.encode(fr):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", default="/tmp/peer_selftest")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument(
        "--decode-clip",
        metavar="PATH",
        help="instead, write one 60 s 1280x720 30 fps H.264 clip to PATH",
    )
    a = ap.parse_args()
    if a.decode_clip:
        w, h, fps, n = 1280, 720, 30, 60 * 30
        encode(a.decode_clip, frames(7, w, h, n, fps), w, h, fps, preset="veryfast")
        print(a.decode_clip)
        return 0
    w, h, fps = a.width, a.height, a.fps
    n = int(a.seconds * fps)
    d = os.path.abspath(a.out_dir)
    orig = encode(f"{d}/orig.mp4", frames(1, w, h, n, fps), w, h, fps)
    flip = encode(f"{d}/flip.mp4", frames(1, w, h, n, fps, flip=True), w, h, fps)
    reenc = encode(
        f"{d}/reenc_small.mp4",
        frames(1, w, h, n, fps),
        w,
        h,
        fps,
        crf=35,
        out_size=(w // 2 // 2 * 2, h // 2 // 2 * 2),
    )
    other = encode(f"{d}/other.mp4", frames(2, w, h, n, fps), w, h, fps)
    pairs = {
        "files": [orig, flip, reenc, other],
        "pairs": [
            {"a": orig, "b": reenc, "edit": "reencode_half_res_crf35", "expected": True},
            {"a": orig, "b": flip, "edit": "hflip", "expected": True},
            {"a": orig, "b": other, "edit": "unrelated", "expected": False},
        ],
    }
    with open(f"{d}/pairs.json", "w") as f:
        json.dump(pairs, f, indent=2)
    print(f"{d}/pairs.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
