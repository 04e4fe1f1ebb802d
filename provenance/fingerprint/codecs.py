"""How each kind of fingerprint is stored: one codec per kind, and the kinds' names.

The archive keeps opaque bytes per (media item, kind); a kind's name carries
its version, so a new format is a new kind and old archives stay readable.
Light kinds are loaded for the whole archive and indexed; the others only
for the few items checked in detail (copy kinds) or verified as another
camera (view kinds).
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, Protocol

import cv2
import numpy as np

from ..media import CaptureTime, ContentCredentials, FileMetadata, Tag
from ._closeups import CloseupReading, Marking, SetAside
from ._frames import THUMB_SIZE, Fingerprints, MediaFingerprint
from ._orb import FrameFeatures, orb_bag
from ._sift import ViewFeatures
from ._sound import BANDS_HZ, LaunchSound, SoundClip
from ._surface import CloseupPicture, SurfaceMeasure
from ._track import EventTrack, SceneViews
from ._words import WordBag

FRAMES = "frames-v2"  # the frame table: what the index needs, small and quick to load
THUMBS = "thumbs-v1"  # the thumbnails, loaded only for items checked in detail
ORB_KEYFRAMES = "orb-keyframes-v1"
ORB_WORDS = "orb-words-v1"
SIFT_KEYFRAMES = "sift-keyframes-v1"
SIFT_WORDS = "sift-words-v1"
EVENT_TRACK = "event-track-v1"
LAUNCH_SOUND = "launch-sound-v1"
CLOSEUP = "closeup-v1"
CLOSEUP_PICTURE = "closeup-picture-v1"  # an identifying close-up's best frame (JPEG), for airframes
CLOSEUP_WORDS = "closeup-words-v1"  # ... and its SIFT words: the airframes' shortlist
PICTURE_KINDS = (CLOSEUP_PICTURE, CLOSEUP_WORDS)
WINDOWS = "windows-v1"  # windows with footage of their own, and their hashes (index: light)
TILES = "tiles-v1"  # every frame's split-screen tile hashes: looked up, never indexed
FILLS = "fills-v1"  # every frame's centre-crop hashes: indexed (a tile filled with the clip)
METADATA = "metadata-v1"  # what the file says about itself (not a fingerprint: kept beside them)

LIGHT_KINDS = (FRAMES, WINDOWS, FILLS, ORB_WORDS, SIFT_WORDS, CLOSEUP)  # loaded for every item
TABLE_KINDS = (FRAMES, WINDOWS, FILLS, ORB_WORDS)  # what the copy matcher's frame table holds
INDEX_KINDS = (*TABLE_KINDS, SIFT_WORDS)  # ... and the persisted index beside it (views' words)
COPY_KINDS = (FRAMES, WINDOWS, FILLS, TILES, THUMBS, ORB_KEYFRAMES, ORB_WORDS, CLOSEUP)
VIEW_KINDS = (SIFT_KEYFRAMES, SIFT_WORDS, EVENT_TRACK, LAUNCH_SOUND)  # other angles, in detail

_TABLE = np.dtype(
    [("time_s", "<f4"), ("detail", "<f4"), ("portrait", "?"), ("hashes", "<u8", (8,))]
)


def encode(prints: Fingerprints) -> dict[str, bytes]:
    """Every stored kind of ``prints`` (complete fingerprints, as one analysis gives)."""
    frames = prints.frames
    if frames.thumbs is None:
        raise ValueError("only complete fingerprints (with thumbnails) are stored")
    stored = {
        FRAMES: _frame_table(frames),
        WINDOWS: _savez(boxes=frames.windows, hashes=frames.window_hashes),
        TILES: _save(np.ascontiguousarray(frames.tile_hashes, np.uint64)),
        FILLS: _save(np.ascontiguousarray(frames.fill_hashes, np.uint64)),
        THUMBS: zlib.compress(np.ascontiguousarray(frames.thumbs, np.uint8).tobytes(), 3),
        ORB_KEYFRAMES: _orb_keyframes(prints.keyframes),
        ORB_WORDS: _save(np.stack([prints.words.words, prints.words.counts]).astype(np.uint16)),
    }
    if prints.views is not None:
        views = prints.views
        # deflated: a quarter less for the descriptors, two thirds less for the words
        # (ORB's binary descriptors and the thumbnails do not compress); read back by
        # the same np.load, so the items stored plain before are read as they are
        stored[SIFT_KEYFRAMES] = _savez_compressed(**_keyframe_arrays(views.keyframes, 128))
        stored[SIFT_WORDS] = _savez_compressed(words=views.bag.words, counts=views.bag.counts)
        stored[EVENT_TRACK] = _savez(
            time_s=views.track.time_s, brightness=views.track.brightness, spot=views.track.spot
        )
        stored[LAUNCH_SOUND] = _launch_sound(views.sound or LaunchSound(()))
    if prints.closeup is not None:
        stored[CLOSEUP] = encode_closeup(prints.closeup)
    return stored


def decode(stored: Mapping[str, bytes]) -> Fingerprints | None:
    """A media item's fingerprints from their stored bytes (None without a frame table).

    Whatever kinds are missing stay out: without thumbnails and key frames the
    result is the light form the archive-wide index needs; without SIFT words,
    no views.
    """
    if FRAMES not in stored:
        return None
    frames = _decode_frames(
        stored[FRAMES],
        stored.get(THUMBS),
        stored.get(WINDOWS),
        stored.get(TILES),
        stored.get(FILLS),
    )
    keyframes = _decode_orb(stored[ORB_KEYFRAMES]) if ORB_KEYFRAMES in stored else []
    if ORB_WORDS in stored:
        pair = np.load(io.BytesIO(stored[ORB_WORDS]), allow_pickle=False)
        words = WordBag(pair[0].astype(np.uint32), pair[1].astype(np.uint8))
    else:
        words = orb_bag(keyframes)
    reading = decode_closeup(stored[CLOSEUP]) if CLOSEUP in stored else None
    return Fingerprints(frames, keyframes, words, decode_views(stored), reading)


def decode_views(stored: Mapping[str, bytes]) -> SceneViews | None:
    """The other-angle views among ``stored`` (None without their words)."""
    if SIFT_WORDS not in stored:
        return None
    bag = decode_sift_words(stored[SIFT_WORDS])
    keyframes = (
        [ViewFeatures(*row) for row in _keyframe_rows(_load(stored[SIFT_KEYFRAMES]))]
        if SIFT_KEYFRAMES in stored
        else []
    )
    if EVENT_TRACK in stored:
        t = _load(stored[EVENT_TRACK])
        track = EventTrack(t["time_s"], t["brightness"], t["spot"])
    else:
        track = EventTrack.empty()
    sound = _decode_sound(stored[LAUNCH_SOUND]) if LAUNCH_SOUND in stored else None
    return SceneViews(keyframes, bag, track, sound)


def decode_sift_words(data: bytes) -> WordBag:
    """The other-angle views' visual words alone (what their shortlist ranks by)."""
    z = np.load(io.BytesIO(data), allow_pickle=False)
    return WordBag(z["words"].astype(np.uint32), z["counts"].astype(np.uint8))


def encode_metadata(metadata: FileMetadata) -> bytes:
    return json.dumps(asdict(metadata), default=str, separators=(",", ":")).encode()


def decode_metadata(data: bytes) -> FileMetadata:
    raw = json.loads(data)
    capture = raw.get("capture")
    return FileMetadata(
        tags=tuple(Tag(**t) for t in raw.get("tags", ())),
        capture=None
        if capture is None
        else CaptureTime(
            capture["field"],
            capture["value"],
            datetime.fromisoformat(capture["moment"]),
            capture["zoned"],
        ),
        device=raw.get("device"),
        software=raw.get("software"),
        place=raw.get("place"),
        notes=tuple(raw.get("notes", ())),
        error=raw.get("error"),
        c2pa=None if raw.get("c2pa") is None else _credentials(raw["c2pa"]),
    )


def _credentials(raw: Mapping[str, Any]) -> ContentCredentials:
    return ContentCredentials(
        raw["state"],
        raw["signer"],
        raw["generator"],
        tuple(raw["actions"]),
        tuple(raw["failures"]),
    )


def encode_closeup(reading: CloseupReading) -> bytes:
    return json.dumps(asdict(reading), separators=(",", ":")).encode()


def decode_closeup(data: bytes) -> CloseupReading:
    raw = json.loads(data)
    return CloseupReading(
        frames_read=tuple(raw["frames_read"]),
        markings=tuple(Marking(**{**m, "box": tuple(m["box"])}) for m in raw.get("markings", ())),
        set_aside=tuple(SetAside(**s) for s in raw.get("set_aside", ())),
        error=raw.get("error"),
        frame_size=tuple(raw.get("frame_size", (0, 0))),
        surfaces=tuple(SurfaceMeasure(**m) for m in raw.get("surfaces", ())),
    )


PICTURE_QUALITY = 92  # JPEG quality of a close-up's kept frame: marks of a pixel or two survive


def encode_closeup_picture(picture: CloseupPicture) -> dict[str, bytes]:
    """The stored kinds of a close-up's picture: the frame, and its words apart."""
    ok, jpeg = cv2.imencode(".jpg", picture.luma, [cv2.IMWRITE_JPEG_QUALITY, PICTURE_QUALITY])
    if not ok:
        raise ValueError("OpenCV could not encode a close-up's frame")
    return {
        CLOSEUP_PICTURE: _savez(time_s=np.float64(picture.time_s), jpeg=jpeg.ravel()),
        CLOSEUP_WORDS: _save(np.ascontiguousarray(picture.words, np.uint32)),
    }


def decode_closeup_picture(stored: Mapping[str, bytes | None]) -> CloseupPicture | None:
    """The kept close-up picture among an item's ``stored`` kinds (None: it keeps none)."""
    picture, words = stored.get(CLOSEUP_PICTURE), stored.get(CLOSEUP_WORDS)
    if picture is None or words is None:
        return None
    z = _load(picture)
    luma = cv2.imdecode(z["jpeg"], cv2.IMREAD_GRAYSCALE)
    if luma is None:
        raise ValueError("a stored close-up frame does not decode")
    return CloseupPicture(float(z["time_s"]), luma, decode_closeup_words(words))


def decode_closeup_words(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data), allow_pickle=False).astype(np.uint32, copy=False)


# -- the kinds, one by one ------------------------------------------------------------


def _frame_table(frames: MediaFingerprint) -> bytes:
    table = np.empty(len(frames), dtype=_TABLE)
    table["time_s"], table["detail"] = frames.time_s, frames.detail
    table["portrait"], table["hashes"] = frames.portrait, frames.hashes
    return _save(table)


def _decode_frames(
    data: bytes,
    thumbs: bytes | None,
    windows: bytes | None,
    tiles: bytes | None = None,
    fills: bytes | None = None,
) -> MediaFingerprint:
    table = np.load(io.BytesIO(data), allow_pickle=False)
    in_tiles = np.zeros((len(table), 0), np.uint64)  # items analysed before tiles-v1
    if tiles is not None:
        in_tiles = _load(tiles).astype(np.uint64)
    in_fills = np.zeros((len(table), 0), np.uint64)  # items analysed before fills-v1
    if fills is not None:
        in_fills = _load(fills).astype(np.uint64)
    boxes, in_windows = np.zeros((0, 4), np.float32), np.zeros((len(table), 0, 2), np.uint64)
    if windows is not None:  # items analysed before windows-v1 have none
        z = _load(windows)
        boxes, in_windows = z["boxes"].astype(np.float32), z["hashes"].astype(np.uint64)
    pixels = None
    if thumbs is not None:
        pixels = np.frombuffer(zlib.decompress(thumbs), np.uint8).reshape(
            len(table), THUMB_SIZE[1], THUMB_SIZE[0]
        )
    return MediaFingerprint(
        time_s=table["time_s"].astype(np.float32),
        hashes=table["hashes"].astype(np.uint64),
        detail=table["detail"].astype(np.float32),
        portrait=table["portrait"].astype(bool),
        thumbs=pixels,
        windows=boxes,
        window_hashes=in_windows,
        tile_hashes=in_tiles,
        fill_hashes=in_fills,
    )


def _orb_keyframes(frames: Sequence[FrameFeatures]) -> bytes:
    return _savez_compressed(
        mirrored=np.array([f.mirrored for f in frames], bool), **_keyframe_arrays(frames, 32)
    )


def _decode_orb(data: bytes) -> list[FrameFeatures]:
    z = _load(data)
    return [
        FrameFeatures(*row, bool(m))
        for row, m in zip(_keyframe_rows(z), z["mirrored"], strict=True)
    ]


class _KeyFrame(Protocol):
    """ORB's and SIFT's key frames (frozen dataclasses: the members are read-only)."""

    @property
    def time_s(self) -> float: ...
    @property
    def size(self) -> tuple[int, int]: ...
    @property
    def points(self) -> np.ndarray: ...
    @property
    def descriptors(self) -> np.ndarray: ...


def _keyframe_arrays(frames: Sequence[_KeyFrame], descriptor_bytes: int) -> dict[str, np.ndarray]:
    """Key frames (ORB or SIFT) as flat arrays to store."""
    return {
        "times": np.array([f.time_s for f in frames], np.float32),
        "sizes": np.array([f.size for f in frames], np.int32).reshape(-1, 2),
        "counts": np.array([len(f.points) for f in frames], np.int32),
        "points": np.concatenate([f.points for f in frames])
        if frames
        else np.zeros((0, 2), np.float32),
        "descriptors": np.concatenate([f.descriptors for f in frames])
        if frames
        else np.zeros((0, descriptor_bytes), np.uint8),
    }


def _keyframe_rows(
    z: Mapping[str, np.ndarray],
) -> Iterator[tuple[float, tuple[int, int], np.ndarray, np.ndarray]]:
    """Back from :func:`_keyframe_arrays`: (time, size, points, descriptors) per key frame.

    Each array is read once (an ``NpzFile`` reads and parses it again at every access).
    """
    points, descriptors = z["points"], z["descriptors"]
    bounds = np.concatenate([[0], np.cumsum(z["counts"])])
    for t, s, a, b in zip(z["times"], z["sizes"], bounds[:-1], bounds[1:], strict=True):
        yield float(t), (int(s[0]), int(s[1])), points[a:b], descriptors[a:b]


def _launch_sound(heard: LaunchSound) -> bytes:
    return _savez(
        starts=np.array([c.start_s for c in heard.clips], np.float64),
        lengths=np.array([len(c.energy) for c in heard.clips], np.int64),
        energy=np.concatenate([c.energy for c in heard.clips]).astype(np.float16)
        if heard.clips
        else np.zeros((0, len(BANDS_HZ)), np.float16),
    )


def _decode_sound(data: bytes) -> LaunchSound:
    z = _load(data)
    bounds = np.concatenate([[0], np.cumsum(z["lengths"])])
    energy = z["energy"].astype(np.float32)
    return LaunchSound(
        tuple(
            SoundClip(float(s), energy[a:b])
            for s, a, b in zip(z["starts"], bounds[:-1], bounds[1:], strict=True)
        )
    )


def _save(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def _savez(**arrays: Any) -> bytes:
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def _savez_compressed(**arrays: Any) -> bytes:
    out = io.BytesIO()
    np.savez_compressed(out, **arrays)
    return out.getvalue()


def _load(data: bytes) -> Any:
    return np.load(io.BytesIO(data), allow_pickle=False)
