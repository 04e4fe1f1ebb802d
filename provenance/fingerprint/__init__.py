"""Stage 2: frames -> fingerprints (pure: no file is opened here).

One pass over a media item's sampled frames gives its frame table (hashes,
detail, thumbnails), ORB key frames and visual words (crops and insets),
SIFT key frames and the event track (other cameras); the launch's sound and
the close-up reading come from what the caller decodes and hands in.
:mod:`provenance.fingerprint.codecs` stores each kind.
"""

from ._closeups import (
    CandidateFrames,
    CloseupReading,
    Marking,
    SetAside,
    identifier_tokens,
    match_key,
    normalise,
    read_closeups,
)
from ._frames import (
    KEYFRAME_MIN_DETAIL,
    THUMB_SIZE,
    Fingerprints,
    FirstPass,
    MediaFingerprint,
    fingerprint_frames,
)
from ._hashing import VARIANTS, compose_variants, inverse_variant
from ._ocr import RapidReader, closeup_picture, read_media_closeups
from ._orb import MAX_KEYFRAMES, FrameFeatures, orb_bag, orb_features
from ._sift import ViewFeatures, drop_overlays, mutual_matches, sift_bag, sift_features
from ._sound import LaunchSound, SoundClip, band_energy, launch_sound, sound_windows
from ._surface import CloseupPicture, SurfaceMeasure, measure_surface
from ._track import EVENT_WINDOW_S, EventTrack, SceneViews, event_track, event_windows
from ._windows import FILL_CROPS, NO_TILE, SPLIT_TILES
from ._words import (
    ORB_VOCABULARY,
    SIFT_VOCABULARY,
    Vocabulary,
    WordBag,
    bag_of_words,
    distinct_words,
    orb_words,
    sift_words,
)

__all__ = [
    "EVENT_WINDOW_S",
    "FILL_CROPS",
    "KEYFRAME_MIN_DETAIL",
    "MAX_KEYFRAMES",
    "NO_TILE",
    "ORB_VOCABULARY",
    "SIFT_VOCABULARY",
    "SPLIT_TILES",
    "THUMB_SIZE",
    "VARIANTS",
    "CandidateFrames",
    "CloseupPicture",
    "CloseupReading",
    "EventTrack",
    "Fingerprints",
    "FirstPass",
    "FrameFeatures",
    "LaunchSound",
    "Marking",
    "MediaFingerprint",
    "RapidReader",
    "SceneViews",
    "SetAside",
    "SoundClip",
    "SurfaceMeasure",
    "ViewFeatures",
    "Vocabulary",
    "WordBag",
    "bag_of_words",
    "band_energy",
    "closeup_picture",
    "compose_variants",
    "distinct_words",
    "drop_overlays",
    "event_track",
    "event_windows",
    "fingerprint_frames",
    "identifier_tokens",
    "inverse_variant",
    "launch_sound",
    "match_key",
    "measure_surface",
    "mutual_matches",
    "normalise",
    "orb_bag",
    "orb_features",
    "orb_words",
    "read_closeups",
    "read_media_closeups",
    "sift_bag",
    "sift_features",
    "sift_words",
    "sound_windows",
]
