"""Longer footage from the fixture scenes, for benchmarks (not part of the fixture set)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from . import sites
from .render import Shot, render_frame


def site_clip_frames(
    *, seconds: float, width: int, height: int, fps: int = 30, event: str = "A1",
    camera: str = "A1-cam1", start_s: float = 0.0
) -> Iterator[np.ndarray]:
    """RGB frames of ``camera`` filming ``event`` at ``width`` x ``height``, streamed."""
    ev = sites.EVENTS[event]
    cam = replace(sites.CAMERAS[camera], width=width, height=height)
    shot = Shot(cam, sites.site_of(ev), ev.lighting, ev, start_s)
    for i in range(round(seconds * fps)):
        yield render_frame(shot, i / fps, i)
