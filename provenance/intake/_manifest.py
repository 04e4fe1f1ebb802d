"""Read a claims manifest (JSON Lines or CSV) and validate each claim.

A bad line never stops the others: :func:`read_manifest` returns the claims it
could take and one :class:`~provenance.errors.ManifestError` per line it could
not, with the line number and the reason. Only a manifest that cannot be read
at all raises :class:`~provenance.errors.UnreadableManifest`.

Media paths are resolved against the manifest's folder; a path that leaves it
(``../``, absolute, or a link pointing outside) is refused unless the caller
allows it, and a missing file refuses the claim, so that ingesting the
manifest again once the file is there takes it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..errors import ManifestError, MediaError, MediaMissing, UnreadableManifest, UnsafePathError
from ..model import Claim

CLAIM_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
REQUIRED = ("id", "claimed_at", "group", "media")
OPTIONAL = ("target", "text", "source")
MAX_LINE_CHARS = 1_000_000  # a claim is a few hundred bytes; a megabyte line is hostile
CSV_MEDIA_SEPARATOR = ";"


@dataclass(frozen=True)
class ManifestEntry:
    """A valid claim of the manifest with its media resolved on disk."""

    claim: Claim
    line: int
    files: tuple[Path, ...]  # same order as ``claim.media``


@dataclass(frozen=True)
class Manifest:
    path: Path
    entries: tuple[ManifestEntry, ...]
    problems: tuple[ManifestError, ...]


def read_manifest(path: str | Path, *, allow_outside: bool = False) -> Manifest:
    """Parse and validate the manifest at ``path``.

    Parameters
    ----------
    path
        A ``.jsonl`` (or ``.ndjson``/``.json``) or ``.csv`` file; other names are
        sniffed from their first character.
    allow_outside
        Accept media paths that leave the manifest's folder.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableManifest(path, f"cannot read the manifest ({exc.strerror or exc})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableManifest(path, f"not UTF-8 text (byte {exc.start})") from exc
    del raw
    rows = _csv_rows(path, text) if _is_csv(path, text) else _jsonl_rows(path, text)

    base = path.parent.resolve()
    entries: list[ManifestEntry] = []
    problems: list[ManifestError] = []
    first_line_of: dict[str, int] = {}
    for line, row in rows:
        if isinstance(row, ManifestError):
            problems.append(row)
            continue
        try:
            claim = parse_claim(row)
            if claim.id in first_line_of:
                raise ValueError(
                    f"duplicate claim id {claim.id!r} (first on line {first_line_of[claim.id]});"
                    " this line was not taken"
                )
            first_line_of[claim.id] = line
            files = tuple(
                resolve_media_path(base, p, allow_outside=allow_outside) for p in claim.media
            )
        except (ManifestError, MediaError) as exc:
            problems.append(ManifestError(path, f"claim {claim.id!r}: {exc.message}", line=line))
            continue
        except ValueError as exc:
            problems.append(ManifestError(path, str(exc), line=line))
            continue
        entries.append(ManifestEntry(claim=claim, line=line, files=files))
    return Manifest(path=path, entries=tuple(entries), problems=tuple(problems))


def parse_claim(row: dict[str, Any]) -> Claim:
    """Validate one manifest record; raise ``ValueError`` naming the bad field."""
    missing = [k for k in REQUIRED if row.get(k) in (None, "", [])]
    if missing:
        raise ValueError(f"missing required field(s): {', '.join(missing)}")
    claim_id = row["id"]
    if not isinstance(claim_id, str) or not CLAIM_ID.fullmatch(claim_id):
        raise ValueError(f"bad id {claim_id!r}: use 1-64 of A-Za-z0-9._-")
    group = row["group"]
    if not isinstance(group, str) or not group.strip():
        raise ValueError("group must be a non-empty string")
    media = row["media"]
    if isinstance(media, str):
        media = [media]
    if not isinstance(media, list) or not all(isinstance(m, str) and m.strip() for m in media):
        raise ValueError("media must be a list of one or more non-empty paths")
    optional: dict[str, str | None] = {}
    for key in OPTIONAL:
        value = row.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{key} must be text")
        optional[key] = value or None
    extra = {k: v for k, v in row.items() if k not in REQUIRED and k not in OPTIONAL}
    return Claim(
        id=claim_id,
        claimed_at=parse_claimed_at(row["claimed_at"]),
        group=group.strip(),
        media=tuple(m.strip() for m in media),
        extra=extra,
        **optional,
    )


def parse_claimed_at(value: Any) -> datetime:
    """ISO-8601 date or datetime to an aware UTC datetime; no zone means UTC."""
    if not isinstance(value, str):
        raise ValueError(f"claimed_at must be an ISO-8601 string, not {type(value).__name__}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"claimed_at {value!r} is not an ISO-8601 date or datetime") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def resolve_media_path(base: Path, written: str, *, allow_outside: bool = False) -> Path:
    """Locate a media path of the manifest folder ``base`` (already resolved).

    Raises :class:`UnsafePathError` for a path that leaves ``base`` (unless
    allowed) and :class:`MediaMissing` when nothing readable is there.
    """
    if "\x00" in written:
        raise UnsafePathError(written, "path contains a NUL byte")
    candidate = Path(written)
    if candidate.is_absolute() and not allow_outside:
        raise UnsafePathError(written, "absolute media paths are refused (see --allow-outside)")
    joined = base / candidate
    try:
        resolved = joined.resolve(strict=False)
    except (OSError, RuntimeError) as exc:  # RuntimeError: symlink loop on Python < 3.13
        raise MediaMissing(written, f"cannot resolve the path ({exc})") from exc
    if not allow_outside and not _is_within(resolved, base):
        raise UnsafePathError(written, "path leaves the manifest's folder (see --allow-outside)")
    try:
        st = os.stat(resolved)
    except FileNotFoundError:
        raise MediaMissing(written, "media file not found") from None
    except OSError as exc:
        raise MediaMissing(written, f"cannot open the media file ({exc.strerror or exc})") from exc
    if not os.path.isfile(resolved) or st.st_size < 0:
        raise MediaMissing(written, "not a regular file")
    return resolved


def _is_within(path: Path, base: Path) -> bool:
    try:
        path.relative_to(base)
    except ValueError:
        return False
    return True


def _is_csv(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return True
    if suffix in (".jsonl", ".ndjson", ".json"):
        return False
    return not text.lstrip().startswith("{")


Row = tuple[int, "dict[str, Any] | ManifestError"]


def _jsonl_rows(path: Path, text: str) -> Iterator[Row]:
    for number, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            yield (
                number,
                ManifestError(
                    path,
                    f"line of {len(line):,} characters is over the limit of {MAX_LINE_CHARS:,}",
                    line=number,
                ),
            )
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, ManifestError(path, f"not valid JSON ({exc.msg})", line=number)
            continue
        if not isinstance(record, dict):
            yield number, ManifestError(path, "a line must be one JSON object", line=number)
            continue
        yield number, record


def _csv_rows(path: Path, text: str) -> Iterator[Row]:
    csv.field_size_limit(MAX_LINE_CHARS)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [k for k in REQUIRED if k not in header]
    if missing:
        raise UnreadableManifest(path, f"CSV header lacks column(s): {', '.join(missing)}")
    reader.fieldnames = header
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, ManifestError(path, f"bad CSV ({exc})", line=start)
            continue
        if None in record:  # more cells than columns
            yield start, ManifestError(path, "more cells than header columns", line=start)
            continue
        if not any((v or "").strip() for v in record.values()):
            continue
        row: dict[str, Any] = {k: (v if v != "" else None) for k, v in record.items()}
        if row.get("media"):
            row["media"] = [p.strip() for p in row["media"].split(CSV_MEDIA_SEPARATOR) if p.strip()]
        yield start, row
