"""Identify and probe media files: what a file holds, before it is decoded.

Media are identified by the sha256 of their bytes (the same bytes are the same
media, whatever the file is called) and recognised by their content, not their
name: a still image is whatever Pillow can open, a video whatever PyAV can
demux with a video stream that decodes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import MediaOpenError, MediaTooLarge
from ..model import MediaInfo, MediaKind

MAX_IMAGE_PIXELS = 50_000_000  # a 20000x20000 image or a decompression bomb is refused
MAX_VIDEO_PIXELS = 8192 * 4320
_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks (videos can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def probe_media(path: str | Path) -> MediaInfo:
    """Tell what ``path`` holds: a still image or a video, its size and duration.

    Decodes one frame of a video to be sure it is usable. Raises
    :class:`MediaOpenError` for anything that is neither, and
    :class:`MediaTooLarge` for images over :data:`MAX_IMAGE_PIXELS`.
    """
    path = Path(path)
    image = _probe_image(path)
    if image is not None:
        return image
    return _probe_video(path)


@dataclass(frozen=True)
class Still:
    """A decoded still image: its format, stored size, and grey pixels as shown."""

    format: str
    width: int
    height: int
    grey: np.ndarray  # uint8, EXIF orientation applied


def read_still_bgr(path: str | Path) -> np.ndarray:
    """A still's colour pixels as shown (EXIF orientation applied), BGR; for reports only.

    Call after :func:`read_still` accepted the file (size checked, format known).
    """
    with Image.open(path) as im:
        rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    return np.ascontiguousarray(rgb[..., ::-1])


def read_still(path: str | Path) -> Still | None:
    """Decode the still image at ``path``; None if Pillow does not know the format.

    Animated GIF/WebP are left to the video decoder (None). Raises
    :class:`MediaTooLarge` over :data:`MAX_IMAGE_PIXELS` (checked before
    decoding) and :class:`MediaOpenError` for a broken image.
    """
    path = Path(path)
    try:
        with Image.open(path) as im:
            width, height = im.size
            if getattr(im, "n_frames", 1) > 1 and im.format != "MPO":
                return None
            if width * height > MAX_IMAGE_PIXELS:
                raise MediaTooLarge(
                    path, f"image of {width}x{height} pixels is over {MAX_IMAGE_PIXELS:,} pixels"
                )
            im.load()  # decode fully: a truncated JPEG fails here, not later
            grey = np.asarray(ImageOps.exif_transpose(im).convert("L"))
            return Still((im.format or "").lower(), width, height, grey)
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        if isinstance(exc, Image.DecompressionBombError):
            raise MediaTooLarge(path, f"image refused as a decompression bomb ({exc})") from exc
        return None
    except MediaTooLarge:
        raise
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaOpenError(path, f"broken image ({exc})") from exc


def _probe_image(path: Path) -> MediaInfo | None:
    """Return the still's info, or None if it is no still image."""
    still = read_still(path)
    if still is None:
        return None
    return MediaInfo(
        kind=MediaKind.IMAGE, width=still.width, height=still.height, codec=still.format
    )


def _probe_video(path: Path) -> MediaInfo:
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError) as exc:
        if path.stat().st_size == 0:
            raise MediaOpenError(path, "empty file (0 bytes)") from exc
        raise MediaOpenError(path, "neither an image nor a video that can be decoded") from exc
    with container:
        if not container.streams.video:
            kinds: list[str] = sorted({s.type for s in container.streams}) or ["no"]
            raise MediaOpenError(path, f"no video stream (has {', '.join(kinds)} streams)")
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > MAX_VIDEO_PIXELS:
            raise MediaTooLarge(path, f"video of {width}x{height} pixels is too large")
        fps = _rate(stream.average_rate) or _rate(stream.guessed_rate)
        duration_s = _stream_duration_s(container, stream)
        try:
            first = next(container.decode(stream), None)
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise MediaOpenError(path, f"video does not decode ({exc})") from exc
        if first is None:
            raise MediaOpenError(path, "video has no decodable frames")
        width, height = width or first.width, height or first.height
        if duration_s is None:
            duration_s = _duration_from_packets(path)
        return MediaInfo(
            kind=MediaKind.VIDEO,
            width=width,
            height=height,
            duration_s=duration_s,
            fps=fps,
            codec=stream.codec_context.name,
        )


def _rate(rate: Fraction | None) -> float | None:
    if not rate or rate <= 0 or rate > 1000:  # absurd header rates are no information
        return None
    return float(rate)


def _stream_duration_s(
    container: av.container.InputContainer, stream: av.VideoStream
) -> float | None:
    if stream.duration and stream.time_base:
        return round(float(stream.duration * stream.time_base), 3)
    if container.duration:
        return round(container.duration / av.time_base, 3)
    return None


def _duration_from_packets(path: Path) -> float | None:
    """Last presentation time seen by demuxing (no decoding), for headerless files."""
    end = None
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            if packet.pts is None or packet.time_base is None:
                continue
            t = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            end = t if end is None else max(end, t)
    return None if end is None else round(end, 3)
