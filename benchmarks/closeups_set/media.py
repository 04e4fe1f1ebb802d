"""Writing stills (JPEG/PNG/WebP) and H.264 videos deterministically."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import av
import cv2
import numpy as np


def save_still(path: Path, bgr: np.ndarray, quality: int) -> None:
    """Write a still; the format follows the suffix, ``quality`` applies to JPEG/WebP."""
    ext = path.suffix.lower()
    if ext == ".jpg":
        params = [cv2.IMWRITE_JPEG_QUALITY, quality]
    elif ext == ".webp":
        params = [cv2.IMWRITE_WEBP_QUALITY, quality]
    else:
        params = [cv2.IMWRITE_PNG_COMPRESSION, 6]
    if not cv2.imwrite(str(path), bgr, params):
        raise OSError(f"could not write {path}")


def save_video(path: Path, frames: list[np.ndarray], fps: int = 25, crf: int = 23) -> None:
    """Encode BGR frames (sizes a multiple of 16) as H.264 yuv420p MP4, reproducibly.

    libx264 inside one process carries state from earlier encodes into later
    ones, so the bytes would depend on which worker encoded what before. Each
    clip is therefore encoded by a fresh interpreter (``python -m ...media``)
    from a temporary I420 array.
    """
    h, w = frames[0].shape[:2]
    if h % 16 or w % 16:
        raise ValueError(f"video size {w}x{h} is not a multiple of 16")
    yuv = np.stack([cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_BGR2YUV_I420) for f in frames])
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "frames.npy"
        np.save(raw, yuv)
        cmd = [sys.executable, "-m", __spec__.name, str(raw), str(path), str(fps), str(crf)]
        subprocess.run(cmd, check=True, cwd=Path(__file__).resolve().parents[2])


def _encode(raw: Path, path: Path, fps: int, crf: int) -> None:
    """Encode an (n, h*3/2, w) I420 array with single-threaded x264 (run in a fresh process)."""
    yuv = np.load(raw)
    h, w = yuv.shape[1] * 2 // 3, yuv.shape[2]
    with av.open(str(path), "w") as out:
        opts = {"crf": str(crf), "preset": "medium", "threads": "1"}
        st = out.add_stream("libx264", rate=fps, options=opts)
        st.width, st.height, st.pix_fmt = w, h, "yuv420p"
        st.codec_context.thread_count = 1
        for fr in yuv:
            for pkt in st.encode(av.VideoFrame.from_ndarray(fr, format="yuv420p")):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)


def first_frame(path: Path) -> np.ndarray | None:
    """First frame of a still or a video as BGR (for the contact sheet)."""
    if path.suffix.lower() == ".mp4":
        cap = cv2.VideoCapture(str(path))
        ok, fr = cap.read()
        cap.release()
        return fr if ok else None
    return cv2.imread(str(path), cv2.IMREAD_COLOR)


if __name__ == "__main__":
    _encode(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
