"""The sound of a video, decoded only where it is asked for (around a launch)."""

from __future__ import annotations

import logging
from pathlib import Path

import av
import numpy as np

from ._video import decode_tolerant, open_video, seek_before, start_s, video_stream

log = logging.getLogger("provenance")


SOUND_RATE = 8000  # Hz: a launch's bang, roar and engine are well below 4 kHz


def sound_in(
    path: str | Path, windows: list[tuple[float, float]], *, rate: int = SOUND_RATE
) -> list[tuple[float, np.ndarray]]:
    """The first audio stream inside ``windows``: (start, mono float32 samples at ``rate``).

    Times are media seconds counted from the video's start, so sound and
    pictures keep the file's sync. A file without sound gives no clips; a
    window whose packets cannot be decoded gives none either.
    """
    path = Path(path)
    clips: list[tuple[float, np.ndarray]] = []
    container = open_video(path)
    with container:
        if not container.streams.audio:
            return clips
        base = start_s(video_stream(container, path))
        stream = container.streams.audio[0]
        for start, end in windows:
            if not seek_before(container, stream, base + start):
                continue
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            first: float | None = None
            parts: list[np.ndarray] = []
            try:
                for frame in decode_tolerant(container, stream, path):
                    if frame is None or frame.time is None:
                        continue
                    t = frame.time - base
                    if t > end:
                        break
                    if first is None:
                        first = t
                    parts.extend(r.to_ndarray().reshape(-1) for r in resampler.resample(frame))
            except (av.FFmpegError, ValueError) as exc:  # sound is extra: the pictures stand
                log.warning("%s: sound from %.1f s cannot be read (%s)", path, start, exc)
                continue
            if first is None or not parts:
                continue
            samples = np.concatenate(parts).astype(np.float32)
            skip = max(0, round((start - first) * rate))
            keep = samples[skip : max(skip, round((end - first) * rate))]
            if len(keep):
                clips.append((first + skip / rate, keep))
    return clips
