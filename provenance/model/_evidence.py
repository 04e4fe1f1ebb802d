"""What each kind of finding rests on: one frozen dataclass per kind of evidence.

A finding's evidence is one of :data:`Evidence`. Its dict form (``to_dict``,
and :func:`evidence_from_dict` back) is the JSON object the reports show and
the archive stores: the keys and values are the contract's, and
:class:`ViewGeometry`'s order of keys is the one stored inside view relations
(``matches.match_json``), so what older archives hold reads back and is
written again byte for byte. Values are taken from a dict as they are (no
conversion of numbers), so a round trip changes nothing.

It is long because every kind of evidence is here, each with its two forms:
one place to read what a finding can rest on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar


@dataclass(frozen=True)
class Holder:
    """A claim's use of a media item, in archive order."""

    claim_id: str
    path: str

    def to_dict(self) -> dict[str, str]:
        return {"claim": self.claim_id, "media": self.path}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Holder:
        return cls(d["claim"], d["media"])


def _holders(items: Any) -> tuple[Holder, ...]:
    """``also_in`` read back: holders, or bare claim ids as earlier versions stored them
    (their media unknown until the next ``rescore`` derives the findings again)."""
    return tuple(Holder(i, "") if isinstance(i, str) else Holder.from_dict(i) for i in items)


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in analysed pixels
Points = tuple[tuple[float, float, float, float], ...]  # (x, y) here, (x, y) in the other


@dataclass(frozen=True)
class IdenticalBytes:
    """``copy``: the very same file (same sha256) as the earlier claim's."""

    method: ClassVar[str] = "identical_bytes"

    sha256: str | None
    also_in: tuple[Holder, ...] = ()  # the other earlier holders of the footage

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "sha256": self.sha256,
            "also_in": [h.to_dict() for h in self.also_in],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> IdenticalBytes:
        return cls(d["sha256"], _holders(d["also_in"]))


@dataclass(frozen=True)
class FrameHashCopy:
    """``copy``: frames that hash alike, aligned in time (an edited copy or excerpt)."""

    method: ClassVar[str] = "frame_hashes"

    matched_frames: int  # frames on the time mapping
    weight: float  # their summed weight (content several items hold counts less)
    mean_distance_bits: float
    speed: float  # seconds of the earlier media per second of this one
    transform: str  # the flip or quarter turn that matched best ("none", "mirror", ...)
    also_in: tuple[Holder, ...] = ()  # the other earlier holders of the footage
    # Traced: the frames matched ``via`` (a later holder), whose own finding traces the
    # footage to the original; frames, bits and weight are of that match, speed and
    # transform of the two links together.
    via: Holder | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "matched_frames": self.matched_frames,
            "weight": self.weight,
            "mean_distance_bits": self.mean_distance_bits,
            "speed": self.speed,
            "transform": self.transform,
            "also_in": [h.to_dict() for h in self.also_in],
            "via": None if self.via is None else self.via.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FrameHashCopy:
        via = d.get("via")  # stored before findings were traced: direct
        return cls(
            d["matched_frames"],
            d["weight"],
            d["mean_distance_bits"],
            d["speed"],
            d["transform"],
            _holders(d["also_in"]),
            None if via is None else Holder.from_dict(via),
        )


@dataclass(frozen=True)
class EventAgreement:
    """The launch seen in both videos: other media time = media time - ``offset_s``."""

    offset_s: float
    frames_consistent: int  # aligned frames whose moving spot obeys the geometry
    frames_checked: int
    error: float  # median distance to the epipolar line, share of the frame width

    def to_dict(self) -> dict[str, Any]:
        return {
            "offset_s": self.offset_s,
            "event_frames_consistent": self.frames_consistent,
            "event_frames_checked": self.frames_checked,
            "event_error": self.error,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EventAgreement:
        return cls(
            d["offset_s"], d["event_frames_consistent"], d["event_frames_checked"], d["event_error"]
        )


@dataclass(frozen=True)
class SoundAgreement:
    """How the two recordings of the launch compare."""

    correlation: float  # of the roar's flicker, at the best lag
    lag_s: float  # on top of the event's offset_s: the sound's travel
    launch_loudness_db: tuple[float, float]  # how much louder the launch made each recording
    says: str  # "same launch", "another launch" or "undecided"

    def to_dict(self) -> dict[str, Any]:
        return {
            "sound_correlation": self.correlation,
            "sound_lag_s": self.lag_s,
            "launch_loudness_db": list(self.launch_loudness_db),
            "sound_says": self.says,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SoundAgreement:
        loudness = tuple(d["launch_loudness_db"])
        if len(loudness) != 2:
            raise ValueError(f"launch_loudness_db holds {len(loudness)} values, not 2")
        return cls(d["sound_correlation"], d["sound_lag_s"], loudness, d["sound_says"])


@dataclass(frozen=True)
class ViewGeometry:
    """``other_angle`` and ``same_site``: another viewpoint of the same place.

    ``event`` when the launch co-occurs in both videos; ``sound`` when both
    recordings of it were compared. Told from the finding's media's side
    (:meth:`reversed` tells it from the other's).
    """

    method: ClassVar[str] = "epipolar_geometry"

    frame_s: float  # the key frame matched, in this media
    other_frame_s: float
    matches: int  # matched keypoints
    inliers: int  # of the fundamental matrix
    homography_inliers: int
    spread: float  # share of both frames the inliers span
    parallax: bool
    frame_size: tuple[int, int]  # (width, height) the points are in
    other_frame_size: tuple[int, int]
    points: Points  # the inliers
    event: EventAgreement | None = None
    sound: SoundAgreement | None = None

    @property
    def offset_s(self) -> float | None:
        """Other media time = media time - offset_s, when the launch was seen in both."""
        return None if self.event is None else self.event.offset_s

    @property
    def decided_by(self) -> str:
        """Which cues decided, in words: the place (geometry), the launch's track in both
        pictures, the launch's sound (the numbers are the other keys)."""
        cues = ["geometry"]
        if self.event is not None:
            cues.append("the launch's track")
        if self.sound is not None and self.sound.says == "same launch":
            cues.append("the launch's sound")
        decided = cues[0] if len(cues) == 1 else ", ".join(cues[:-1]) + " and " + cues[-1]
        if self.sound is not None and self.sound.says == "another launch":
            decided += "; the sound said another launch"
        return decided

    def to_dict(self) -> dict[str, Any]:
        """The stored order of keys (``match_json`` holds them in this order)."""
        d: dict[str, Any] = {
            "method": self.method,
            "frame_s": self.frame_s,
            "other_frame_s": self.other_frame_s,
            "matches": self.matches,
            "inliers": self.inliers,
            "homography_inliers": self.homography_inliers,
            "spread": self.spread,
            "parallax": self.parallax,
            "frame_size": list(self.frame_size),
            "other_frame_size": list(self.other_frame_size),
            "points": [list(p) for p in self.points],
        }
        if self.event is not None:
            d.update(self.event.to_dict())
        if self.sound is not None:
            d.update(self.sound.to_dict())
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ViewGeometry:
        return cls(
            frame_s=d["frame_s"],
            other_frame_s=d["other_frame_s"],
            matches=d["matches"],
            inliers=d["inliers"],
            homography_inliers=d["homography_inliers"],
            spread=d["spread"],
            parallax=d["parallax"],
            frame_size=_pair(d["frame_size"]),
            other_frame_size=_pair(d["other_frame_size"]),
            points=tuple(_four(p) for p in d["points"]),
            event=EventAgreement.from_dict(d) if "offset_s" in d else None,
            sound=SoundAgreement.from_dict(d) if "sound_correlation" in d else None,
        )

    def reversed(self) -> ViewGeometry:
        """The same evidence told from the other media's side."""
        event, sound = self.event, self.sound
        if event is not None:
            event = replace(event, offset_s=round(-event.offset_s, 3))
        if sound is not None:
            loud = sound.launch_loudness_db
            sound = replace(sound, lag_s=round(-sound.lag_s, 3), launch_loudness_db=loud[::-1])
        return replace(
            self,
            frame_s=self.other_frame_s,
            other_frame_s=self.frame_s,
            frame_size=self.other_frame_size,
            other_frame_size=self.frame_size,
            points=tuple((xb, yb, xa, ya) for xa, ya, xb, yb in self.points),
            event=event,
            sound=sound,
        )


@dataclass(frozen=True)
class IdentifierEvidence:
    """``recycled_identifier``: the identifier read here and where the earlier claim showed it."""

    method: ClassVar[str] = "identifier"

    identifier: str  # as read here
    other_identifier: str  # as read in the earlier claim's media
    key: str  # what they are compared by (separators dropped, look-alikes folded)
    frame_s: float
    other_frame_s: float
    box: Box
    other_box: Box

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "identifier": self.identifier,
            "other_identifier": self.other_identifier,
            "key": self.key,
            "frame_s": self.frame_s,
            "other_frame_s": self.other_frame_s,
            "box": list(self.box),
            "other_box": list(self.other_box),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> IdentifierEvidence:
        return cls(
            d["identifier"],
            d["other_identifier"],
            d["key"],
            d["frame_s"],
            d["other_frame_s"],
            _four(d["box"]),
            _four(d["other_box"]),
        )


@dataclass(frozen=True)
class AirframeEvidence:
    """``recycled_airframe``: two close-ups registered and their fine detail compared.

    ``homography`` maps the other close-up's frame onto this one's; ``marks``
    are the patches of detail compared (scratches, chips, dirt, wear), as
    (x0, y0, x1, y1, ncc) in this frame's pixels: a patch agrees at ``ncc`` of
    at least ``agree_at``. ``support`` counts the patches left out because
    the registration rests on keypoints there (the fit made them agree).
    """

    method: ClassVar[str] = "airframe_marks"

    frame_s: float
    other_frame_s: float
    frame_size: tuple[int, int]
    other_frame_size: tuple[int, int]
    inliers: int
    overlap: float
    support: int
    agree_at: float
    homography: tuple[float, ...]
    marks: tuple[tuple[int, int, int, int, float], ...]

    @property
    def agreeing(self) -> int:
        return sum(m[4] >= self.agree_at for m in self.marks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "frame_s": self.frame_s,
            "other_frame_s": self.other_frame_s,
            "frame_size": list(self.frame_size),
            "other_frame_size": list(self.other_frame_size),
            "inliers": self.inliers,
            "overlap": self.overlap,
            "marks_compared": len(self.marks),
            "marks_agreeing": self.agreeing,
            "support": self.support,
            "agree_at": self.agree_at,
            "homography": list(self.homography),
            "marks": [list(m) for m in self.marks],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AirframeEvidence:
        return cls(
            d["frame_s"],
            d["other_frame_s"],
            _pair(d["frame_size"]),
            _pair(d["other_frame_size"]),
            d["inliers"],
            d["overlap"],
            d["support"],
            d["agree_at"],
            tuple(d["homography"]),
            tuple((a, b, c, e, n) for a, b, c, e, n in d["marks"]),
        )


@dataclass(frozen=True)
class SetAsideText:
    """Text read in a claim's media but not taken as an identifier, and why."""

    media: str
    time_s: float
    text: str
    why: str


@dataclass(frozen=True)
class UnresolvedMarking:
    """A marking read in a claim's media, too small or too blurred to identify an airframe."""

    media: str
    text: str
    height_px: float
    sharpness: float


@dataclass(frozen=True)
class NoCloseupEvidence:
    """``no_closeup``: what was read in the claim's readable media, and set aside."""

    method: ClassVar[str] = "closeup_reading"

    media_read: tuple[str, ...]
    frames_read: tuple[tuple[str, tuple[float, ...]], ...]  # (media, frame times read)
    text_set_aside: tuple[SetAsideText, ...] = ()
    markings_too_small_or_blurred: tuple[UnresolvedMarking, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "media_read": list(self.media_read),
            "frames_read": {path: list(times) for path, times in self.frames_read},
            "text_set_aside": [
                {"media": a.media, "time_s": a.time_s, "text": a.text, "why": a.why}
                for a in self.text_set_aside
            ],
            "markings_too_small_or_blurred": [
                {
                    "media": m.media,
                    "text": m.text,
                    "height_px": m.height_px,
                    "sharpness": m.sharpness,
                }
                for m in self.markings_too_small_or_blurred
            ],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NoCloseupEvidence:
        return cls(
            tuple(d["media_read"]),
            tuple((path, tuple(times)) for path, times in d["frames_read"].items()),
            tuple(
                SetAsideText(a["media"], a["time_s"], a["text"], a["why"])
                for a in d["text_set_aside"]
            ),
            tuple(
                UnresolvedMarking(m["media"], m["text"], m["height_px"], m["sharpness"])
                for m in d["markings_too_small_or_blurred"]
            ),
        )


@dataclass(frozen=True)
class CaptureEvidence:
    """``recorded_before_claim``: the file's own capture time, and the field it came from."""

    method: ClassVar[str] = "file_metadata"

    field: str  # "container creation_time", "EXIF DateTimeOriginal", ...
    value: str  # as the file writes it
    recorded_at: str  # ISO 8601 UTC; a time without a zone read as UTC
    zoned: bool  # False: read as local time anywhere, so up to 14 h later
    days_before_claim: float  # counted from the latest moment the value can mean

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "field": self.field,
            "value": self.value,
            "recorded_at": self.recorded_at,
            "zoned": self.zoned,
            "days_before_claim": self.days_before_claim,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CaptureEvidence:
        return cls(d["field"], d["value"], d["recorded_at"], d["zoned"], d["days_before_claim"])


Evidence = (
    IdenticalBytes
    | FrameHashCopy
    | ViewGeometry
    | IdentifierEvidence
    | AirframeEvidence
    | NoCloseupEvidence
    | CaptureEvidence
)

_BY_METHOD: dict[str, type[Evidence]] = {
    kind.method: kind
    for kind in (
        IdenticalBytes,
        FrameHashCopy,
        ViewGeometry,
        IdentifierEvidence,
        AirframeEvidence,
        NoCloseupEvidence,
        CaptureEvidence,
    )
}


def evidence_from_dict(d: Mapping[str, Any]) -> Evidence:
    """The evidence a dict of :meth:`to_dict` form holds (its ``method`` says which kind).

    Raises :class:`ValueError` for an unknown method, :class:`KeyError` for a
    missing key.
    """
    method = d.get("method")
    kind = _BY_METHOD.get(method) if isinstance(method, str) else None
    if kind is None:
        raise ValueError(f"evidence of unknown method {method!r}")
    return kind.from_dict(d)


def _pair(values: Any) -> tuple[int, int]:
    first, second = values
    return (first, second)


def _four(values: Any) -> tuple[float, float, float, float]:
    a, b, c, d = values
    return (a, b, c, d)


__all__ = [
    "EventAgreement",
    "Evidence",
    "FrameHashCopy",
    "IdenticalBytes",
    "IdentifierEvidence",
    "NoCloseupEvidence",
    "SetAsideText",
    "SoundAgreement",
    "UnresolvedMarking",
    "ViewGeometry",
    "evidence_from_dict",
]
