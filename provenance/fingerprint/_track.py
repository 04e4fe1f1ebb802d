"""The event track: what brightened from one decoded frame to the next, and where.

Several times a second (B-frames too around each sudden onset), the strongest
brightening spot away from screen overlays: the flash, the booster, the
drone. The launch's moment and path in one video; another video's track is
compared with it through the geometry of the two views (``provenance.match``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..media import Transient
from ._sift import PIN_MASK_PX, ViewFeatures
from ._sound import LaunchSound
from ._spans import merge_spans
from ._words import WordBag


@dataclass(frozen=True)
class EventTrack:
    """Per decoded frame: time, brightness, and the strongest brightening spot."""

    time_s: np.ndarray  # float32 (N,)
    brightness: np.ndarray  # float32 (N,)
    spot: np.ndarray  # float32 (N, 3): x, y (pixels of the sampled frames), gain

    def __len__(self) -> int:
        return len(self.time_s)

    @classmethod
    def empty(cls) -> EventTrack:
        return cls(np.zeros(0, np.float32), np.zeros(0, np.float32), np.zeros((0, 3), np.float32))

    def onsets(self, most: int = 3) -> list[int]:
        """Indices where something sudden starts: a gain well above the moments before."""
        gain = self.spot[:, 2]
        found = []
        for i in range(1, len(self)):
            before = gain[max(0, i - ONSET_LOOKBACK) : i]
            floor = max(float(np.median(before)) * ONSET_FACTOR, ONSET_MIN_GAIN)
            if gain[i] >= floor and gain[i - 1] < floor:
                found.append((float(gain[i]) / floor, i))
        found.sort(reverse=True)
        return sorted(i for _, i in found[:most])


ONSET_LOOKBACK = 6  # decoded frames (about 2 s without B-frames)

ONSET_FACTOR = 2.5

ONSET_MIN_GAIN = 40.0  # luma levels: a flash, a booster, fire; not noise or shake


def event_track(transients: Sequence[Transient], pinned: np.ndarray) -> EventTrack:
    """The track of ``transients``, ignoring spots on pinned overlays."""
    times, bright, spots = [], [], []
    for item in transients:
        spot = (0.0, 0.0, 0.0)
        for x, y, gain in item.peaks:
            if (
                len(pinned)
                and float(np.min(np.hypot(pinned[:, 0] - x, pinned[:, 1] - y))) < 2 * PIN_MASK_PX
            ):
                continue
            spot = (x, y, gain)
            break
        times.append(item.time_s)
        bright.append(item.brightness)
        spots.append(spot)
    return EventTrack(
        np.asarray(times, np.float32),
        np.asarray(bright, np.float32),
        np.asarray(spots, np.float32).reshape(-1, 3),
    )


EVENT_WINDOW_S = 2.5  # after the onset: flash, booster, climb

WINDOW_BEFORE_S = 0.5


@dataclass(frozen=True)
class SceneViews:
    """A media item's other-angle fingerprint: key frames, their words, its track, its sound."""

    keyframes: list[ViewFeatures]
    bag: WordBag  # the key frames' visual words
    track: EventTrack
    sound: LaunchSound | None = None  # None: not listened to (or not loaded)


def event_windows(track: EventTrack) -> list[tuple[float, float]]:
    """Moments worth decoding in full: around each onset, merged where they overlap."""
    return merge_spans(
        (
            max(0.0, float(track.time_s[i]) - WINDOW_BEFORE_S),
            float(track.time_s[i]) + EVENT_WINDOW_S + WINDOW_BEFORE_S,
        )
        for i in track.onsets()
    )
