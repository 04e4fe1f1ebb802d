"""What a media file says about itself: container and stream tags, EXIF, text chunks.

Footage whose own file says it was recorded months before the attack it claims
is strong, checkable evidence. Metadata can be forged, stripped or rewritten by
any editor, so it is read as a statement of the file, never as a fact: the
capture time it gives (:attr:`FileMetadata.capture`) names the field it came
from, and placeholders (1904-01-01, the QuickTime epoch; 1970-01-01; zero
dates) are set aside as no time at all.

Reading is bounded (:data:`MAX_TAGS`, :data:`MAX_VALUE`): a file with a huge
metadata box gets a note, not a crash or a huge report.
"""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
from PIL import ExifTags, Image, UnidentifiedImageError

from ..model import MediaKind

DAMAGED = "damaged metadata"  # how a note on metadata a reader choked on begins
MAX_TAGS = 200  # tags kept per file; a huge metadata box is cut here, with a note
MAX_VALUE = 300  # characters kept per value

# fields that say when the footage was recorded, most trusted first (names compared in
# lower case: Matroska writes them in upper case)
VIDEO_TIME_KEYS = ("com.apple.quicktime.creationdate", "creation_time", "date")
EXIF_TIME_KEYS = ("datetimeoriginal", "datetimedigitized", "datetime")
DEVICE_KEYS = (
    ("com.apple.quicktime.make", "com.apple.quicktime.model"),
    ("com.android.manufacturer", "com.android.model"),
    ("make", "model"),
)
SOFTWARE_KEYS = ("com.apple.quicktime.software", "software", "encoder")
PLACE_KEYS = ("com.apple.quicktime.location.iso6709", "location", "location-eng", "gpsinfo")

# tags every muxer writes: they say nothing about where the footage came from
TECHNICAL = frozenset(
    {
        "major_brand",
        "minor_version",
        "compatible_brands",
        "handler_name",
        "language",
        "vendor_id",
        "encoder",
        "duration",
    }
)

PLACEHOLDER_YEARS = (1904, 1970, 1980)  # epochs that unset clocks write
NAIVE_SLACK = timedelta(hours=14)  # a time without a zone may be up to this far from UTC


@dataclass(frozen=True)
class Tag:
    """One field of the file: where it sits (container, a stream, EXIF), its name and value."""

    where: str
    key: str
    value: str


@dataclass(frozen=True)
class CaptureTime:
    """When the file says the footage was recorded, and which field says so.

    ``latest`` is the latest moment the field can mean: a time without a zone
    is read as local time anywhere on earth (up to 14 h later than read as UTC).
    """

    field: str  # "container creation_time", "EXIF DateTimeOriginal", ...
    value: str  # as written
    moment: datetime  # UTC; a time without a zone read as UTC
    zoned: bool

    @property
    def latest(self) -> datetime:
        return self.moment if self.zoned else self.moment + NAIVE_SLACK


@dataclass(frozen=True)
class ContentCredentials:
    """A C2PA manifest in the file: who signed it, whether it holds, what it claims.

    ``state`` is the C2PA validation state: ``Invalid`` (the signature or a hash
    fails: the file was changed after signing), ``Valid`` (intact, signed by a
    certificate nobody here vouches for), ``Trusted`` (intact, and the signer is
    on a trust list).
    """

    state: str
    signer: str | None  # the certificate's organisation and common name
    generator: str | None  # the software that wrote the manifest
    actions: tuple[str, ...]  # "c2pa.created 2024-06-01T08:00:00Z", ...
    failures: tuple[str, ...]  # the validation codes that failed


@dataclass(frozen=True)
class FileMetadata:
    """What a media file says about itself, and notes on what it does not say."""

    tags: tuple[Tag, ...]
    capture: CaptureTime | None = None
    device: str | None = None  # make and model
    software: str | None = None  # the encoder or editor that wrote the file
    place: str | None = None  # a position as written (ISO 6709 or EXIF GPS)
    notes: tuple[str, ...] = ()  # stripped, placeholders, disagreements, cut short
    error: str | None = None  # the metadata could not be read (the footage may still be)
    c2pa: ContentCredentials | None = None  # content credentials, when the file has them

    @property
    def empty(self) -> bool:
        """Nothing found: no tag, no credentials, and nothing wrong with reading them."""
        return (
            not self.tags
            and self.c2pa is None
            and self.error is None
            and not any(n.startswith(DAMAGED) for n in self.notes)
        )


def read_metadata(path: str | Path, kind: MediaKind) -> FileMetadata:
    """The metadata of ``path`` (a video or still, as probed). Never raises for the file's sake."""
    path = Path(path)
    try:
        with warnings.catch_warnings(record=True) as heard:  # Pillow warns of damaged EXIF
            warnings.simplefilter("always")
            tags, cut = _video_tags(path) if kind is MediaKind.VIDEO else _still_tags(path)
    except (OSError, av.error.FFmpegError, UnidentifiedImageError, ValueError) as exc:
        return FileMetadata((), error=f"metadata could not be read: {exc}")
    damaged = sorted({f"{DAMAGED}: {str(w.message).strip()}" for w in heard})
    credentials, why = content_credentials(path)
    return describe(tags, cut, damaged + ([why] if why else []), credentials)


def describe(
    tags: list[Tag],
    cut: int = 0,
    notes_so_far: list[str] | None = None,
    credentials: ContentCredentials | None = None,
) -> FileMetadata:
    """Capture time, device, software and place from ``tags`` (and the credentials'
    creation time, when they hold), with notes on what is missing."""
    notes: list[str] = list(notes_so_far or ())
    if cut:
        notes.append(f"{cut} more tags not read (a metadata box this large is unusual)")
    times: list[CaptureTime] = []
    for tag in tags:
        if tag.key.lower() in VIDEO_TIME_KEYS or tag.key.lower() in EXIF_TIME_KEYS:
            parsed = parse_time(tag.value)
            if parsed is None:
                notes.append(f"{tag.where} {tag.key} is not a time: {tag.value!r}")
                continue
            moment, zoned = parsed
            if moment.year in PLACEHOLDER_YEARS and moment.month == 1 and moment.day == 1:
                notes.append(f"{tag.where} {tag.key} is a placeholder ({tag.value}), not a time")
                continue
            times.append(CaptureTime(f"{tag.where} {tag.key}", tag.value, moment, zoned))
    if credentials is not None and credentials.state != "Invalid":
        for action in credentials.actions:
            name, _, when = action.partition(" ")
            parsed = parse_time(when) if name == "c2pa.created" and when else None
            if parsed is not None:
                times.insert(0, CaptureTime("C2PA c2pa.created", when, *parsed))
    elif credentials is not None:
        notes.append("content credentials fail validation: the file was changed after signing")
    capture = _first_trusted(times)
    if times and max(t.moment for t in times) - min(t.moment for t in times) > timedelta(days=1):
        spread = ", ".join(f"{t.field} {t.value}" for t in times)
        notes.append(f"the file's times disagree by more than a day: {spread}")
    by_key: dict[str, str] = {}
    for t in tags:  # the first of each name: the container's before a stream's
        by_key.setdefault(t.key.lower(), t.value)
    device = next(
        (
            " ".join(v for v in (by_key.get(make), by_key.get(model)) if v)
            for make, model in DEVICE_KEYS
            if by_key.get(make) or by_key.get(model)
        ),
        None,
    )
    software = next((by_key[k] for k in SOFTWARE_KEYS if by_key.get(k)), None)
    place = next((by_key[k] for k in PLACE_KEYS if by_key.get(k)), None)
    telling = [t for t in tags if t.key.lower() not in TECHNICAL]
    if not telling and credentials is None:
        notes.append("no capture time, device or place: the metadata was stripped or never written")
    return FileMetadata(
        tuple(tags), capture, device, software, place, tuple(notes), c2pa=credentials
    )


def _first_trusted(times: list[CaptureTime]) -> CaptureTime | None:
    """The capture time of the most trusted field: signed credentials that hold, then
    the order of the key lists."""
    order = ["c2pa.created", *VIDEO_TIME_KEYS, *EXIF_TIME_KEYS]
    return min(times, key=lambda t: order.index(t.field.rsplit(" ", 1)[-1].lower()), default=None)


@functools.cache
def _offline(c2pa: Any) -> Any:
    """A C2PA reading context that never goes to the network (one per process)."""
    settings = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    return c2pa.Context(c2pa.Settings.from_dict(settings))


def content_credentials(path: Path) -> tuple[ContentCredentials | None, str | None]:
    """The file's C2PA manifest (None without one), and a note when it cannot be read.

    Read offline by ``c2pa-python``: no remote manifest and no certificate
    revocation (OCSP) is fetched.
    """
    try:
        import c2pa
    except ImportError:
        return None, "content credentials not read: c2pa-python is not installed"
    try:
        reader = c2pa.Reader.try_create(str(path), context=_offline(c2pa))
        if reader is None:
            return None, None
        with reader:
            state = reader.get_validation_state() or "unknown"
            manifest = reader.get_active_manifest() or {}
            results = reader.get_validation_results() or {}
    except c2pa.C2paError.NotSupported:  # a format C2PA does not embed in (MKV, WebM, BMP)
        return None, None
    except Exception as exc:  # the library's verdict on a hostile file: the file's, not ours
        return None, f"content credentials could not be read: {type(exc).__name__}: {exc}"
    info = manifest.get("signature_info") or {}
    signer = " / ".join(str(v) for v in (info.get("issuer"), info.get("common_name")) if v)
    generators = manifest.get("claim_generator_info") or [{}]
    generator = " ".join(
        str(v) for v in (generators[0].get("name"), generators[0].get("version")) if v
    )
    actions = []
    for assertion in manifest.get("assertions") or ():
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            for action in (assertion.get("data") or {}).get("actions") or ():
                when = action.get("when")
                actions.append(f"{action.get('action')}{' ' + when if when else ''}"[:MAX_VALUE])
    failures = tuple(
        str(f.get("code")) for f in ((results.get("activeManifest") or {}).get("failure") or ())
    )
    return (
        ContentCredentials(str(state), signer or None, generator or None, tuple(actions), failures),
        None,
    )


_EXIF_TIME = re.compile(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")


def parse_time(value: str) -> tuple[datetime, bool] | None:
    """(moment in UTC, whether the value had a zone), or None if it is no time.

    ISO 8601 ("2024-09-02T05:31:12.000000Z", "2024-09-02T08:31:12+0300") and
    EXIF ("2024:09:02 05:31:12", no zone).
    """
    text = value.strip()
    match = _EXIF_TIME.match(text)
    if match:
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        try:
            moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError:  # 0000:00:00 00:00:00, what cameras write for no time
            return None
        return moment, False
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00"))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC), False
    return moment.astimezone(UTC), True


def _kept(where: str, items: dict, tags: list[Tag]) -> int:
    """Add ``items`` to ``tags`` up to :data:`MAX_TAGS`; how many did not fit."""
    cut = 0
    for key, value in items.items():
        if len(tags) >= MAX_TAGS:
            cut += 1
            continue
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        tags.append(Tag(where, str(key)[:MAX_VALUE], text.strip("\x00")[:MAX_VALUE]))
    return cut


def _video_tags(path: Path) -> tuple[list[Tag], int]:
    tags: list[Tag] = []
    with av.open(str(path), metadata_errors="replace") as container:
        cut = _kept("container", dict(container.metadata), tags)
        for stream in container.streams:
            cut += _kept(f"{stream.type} stream", dict(stream.metadata), tags)
    return tags, cut


def _still_tags(path: Path) -> tuple[list[Tag], int]:
    tags: list[Tag] = []
    with Image.open(path) as image:
        exif = image.getexif()
        named = {ExifTags.TAGS.get(k, str(k)): v for k, v in exif.items()}
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        named.update({ExifTags.TAGS.get(k, str(k)): v for k, v in sub.items()})
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        named.pop("ExifOffset", None)  # pointers to the sub-directories read here
        named.pop("GPSInfo", None)
        if gps:
            named["GPSInfo"] = _gps_text(gps)
        cut = _kept("EXIF", {k: v for k, v in named.items() if not isinstance(v, bytes)}, tags)
        text = {k: v for k, v in getattr(image, "text", {}).items()}  # PNG tEXt / iTXt chunks
        cut += _kept(f"{image.format} text", text, tags)
    return tags, cut


def _gps_text(gps: dict) -> str:
    """EXIF GPS as '+lat +lon' in degrees, or the raw fields when incomplete."""

    def degrees(dms: tuple, ref: str) -> float:
        d, m, s = (float(x) for x in dms)
        sign = -1.0 if ref in ("S", "W") else 1.0
        return sign * (d + m / 60.0 + s / 3600.0)

    try:
        lat = degrees(gps[2], gps.get(1, "N"))
        lon = degrees(gps[4], gps.get(3, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return str({ExifTags.GPSTAGS.get(k, k): v for k, v in gps.items()})[:MAX_VALUE]
    return f"{lat:+.6f} {lon:+.6f}"
