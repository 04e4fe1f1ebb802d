"""The archive-wide indexes, persisted beside the archive in ``<archive>.index/``.

What they hold are :class:`~provenance.match.TableColumns`: the copy
matcher's frame table and the other-angle views' visual words.

Building the table decodes every item's light fingerprints, about 1 ms an
item (100 s at 100,000 items, BENCHMARKS.md); the persisted columns are
memory-mapped instead. ``rescore`` brings them up to date as items arrive,
and every command that loads them first checks them against the archive,
whose fingerprint writes are numbered (schema 5): an index of another
format, or one that holds an item whose fingerprints were written again
since, is never used. When the archive only gained items, only theirs are
decoded, and the index is written again as one part: the old part streamed
from its memory map, then theirs. A reader then maps one part and copies
nothing (joining parts in memory cost ``check`` 0.65 s at 10,000 items).
Otherwise it is built again. Parts are written under new names and the
manifest replaced last, so a reader sees the old index or the new one, never
half of one (parts no manifest names are removed once they are old: a
``check`` and a ``rescore`` may write at once); an index that cannot be
written (a read-only folder) costs the next command the build, nothing else.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..archive import Archive
from ..fingerprint import Fingerprints, codecs
from ..match import COPY_MATCHER, TableColumns, WordIndex
from .prints import light_prints

log = logging.getLogger("provenance")

# what the columns are made of: a change of any of these makes every index stale
FORMAT = f"table-1 {COPY_MATCHER} {' '.join(codecs.INDEX_KINDS)}"
MANIFEST = "manifest.json"
WORD_ARRAYS = ("data", "indices", "indptr", "idf")  # a kept word index (WordIndex.arrays)
GRACE_S = 600  # a part no manifest names is removed once it is this old (s)


def index_dir(archive: Archive) -> Path:
    """Where the archive's persisted indexes live: beside it, ``<archive>.index``."""
    path = Path(archive.path)
    return path.with_name(path.name + ".index")


@dataclass(frozen=True)
class _Part:
    """Items' columns as one part of the index holds them."""

    columns: TableColumns
    seqs: np.ndarray  # int64: each item's fingerprint sequence number when it was read
    name: str | None = None  # its folder, once written


def frame_columns(archive: Archive, *, persist: bool = True) -> TableColumns:
    """The index columns of every fingerprinted item, in the order they arrived.

    From the persisted index when it agrees with the archive, extended or built
    again otherwise (and, with ``persist``, written back).
    """
    folder = index_dir(archive)
    epoch = archive.fingerprint_epoch()
    manifest = _manifest(folder)
    parts: list[_Part] = []
    if (
        epoch is not None
        and manifest is not None
        and manifest.get("format") == FORMAT
        and manifest.get("archive") == epoch[0]  # not another archive made at this path
    ):
        parts = _read_parts(folder, manifest["parts"])
        if parts and manifest.get("epoch") == epoch[1] and (len(parts) == 1 or not persist):
            return _joined(parts)
    seqs = archive.fingerprint_seqs(codecs.INDEX_KINDS)
    kept = parts if all(_unchanged(p, seqs) for p in parts) else []
    known = {sha for part in kept for sha in part.columns.shas}
    new = sorted((sha for sha in seqs if sha not in known), key=lambda sha: seqs[sha])
    if kept:
        log.info("item index: %d items kept, %d added", sum(len(p.seqs) for p in kept), len(new))
        prints = [light_prints(archive, sha, codecs.INDEX_KINDS) for sha in new]  # one by one
    else:
        log.info("item index: built for %d items", len(new))
        prints = _all_light(archive, new)
    parts = list(kept)
    if new or not parts:  # (an archive that only wrote other kinds gets no empty part)
        parts.append(
            _Part(TableColumns.of(new, prints), np.array([seqs[s] for s in new], np.int64))
        )
    written = _write(folder, parts, epoch) if persist and epoch is not None else None
    return written.columns if written is not None else _joined(parts)


def _joined(parts: list[_Part]) -> TableColumns:
    return TableColumns.joined([p.columns for p in parts if len(p.seqs)] or [parts[-1].columns])


def _unchanged(part: _Part, seqs: dict[str, int]) -> bool:
    """Every item of ``part`` still holds the very fingerprints it was read from."""
    return all(seqs.get(sha) == int(n) for sha, n in zip(part.columns.shas, part.seqs, strict=True))


def _all_light(archive: Archive, shas: list[str]) -> list[Fingerprints]:
    """Light fingerprints of ``shas``: one query per kind."""
    stored = {kind: archive.fingerprints(kind) for kind in codecs.INDEX_KINDS}
    found = []
    for sha in shas:
        prints = codecs.decode({k: v[sha] for k, v in stored.items() if sha in v})
        if prints is None:
            raise ValueError(f"media {sha[:12]} lost its frame table while the index was built")
        found.append(prints)
    return found


def kept_word_index(
    archive: Archive,
    name: str,
    rows: Sequence[str],
    build: Callable[[], WordIndex],
    *,
    persist: bool = True,
) -> WordIndex:
    """The word index ``name`` over items ``rows``, as kept beside the archive for its
    fingerprints as they are now, or ``build()`` (then kept, with ``persist``).

    Its weights depend on every item's words (document frequencies), so it is kept
    whole, under a key of the archive's name, its fingerprint epoch and ``rows``:
    ``check`` builds it once between two runs, not at every call.
    """
    epoch = archive.fingerprint_epoch()
    if epoch is None:
        return build()
    made = [FORMAT, WordIndex.FORMAT, name, *map(str, epoch), *rows]
    key = hashlib.sha256("\n".join(made).encode())
    folder = index_dir(archive) / f"words-{name}-{key.hexdigest()[:24]}"
    try:
        arrays = _read_arrays(folder, WORD_ARRAYS)
        if len(arrays["indptr"]) == len(rows) + 1:
            return WordIndex.from_arrays(arrays)
    except (OSError, ValueError):
        pass
    index = build()
    if persist:
        try:
            _remove(folder)  # unreadable (or another's the same moment: the same bytes)
            _write_arrays(folder, index.arrays())
            for old in index_dir(archive).glob(f"words-{name}-*"):
                if old != folder and _age_s(old) > GRACE_S:
                    _remove(old)
        except OSError as exc:
            log.warning("item index: cannot write %s (%s)", folder, exc)
    return index


# Each part is a folder of .npy files: the columns' arrays, the items' sha256 and the
# sequence numbers their fingerprints had when the part was read.


def _manifest(folder: Path) -> dict | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if isinstance(manifest, dict) and isinstance(manifest.get("parts"), list):
        return manifest
    return None


def _read_parts(folder: Path, names: list) -> list[_Part]:
    """The parts named, memory-mapped; none at all if any cannot be read whole."""
    parts = []
    try:
        for name in names:
            where = folder / str(name)
            arrays = _read_arrays(where, (*TableColumns.ARRAYS, "shas", "seqs"))
            shas, seqs = arrays.pop("shas"), np.asarray(arrays.pop("seqs"))
            columns = TableColumns(tuple(s.decode() for s in shas.tolist()), **arrays)
            if not _consistent(columns) or len(seqs) != len(columns):
                log.warning("item index: %s does not hold together; building it again", where)
                return []
            parts.append(_Part(columns, seqs, str(name)))
    except (OSError, ValueError) as exc:
        log.warning("item index: cannot read %s (%s); building it again", folder, exc)
        return []
    return parts


def _consistent(c: TableColumns) -> bool:
    """Every per-entry array as long as the others, every per-item one as long as the items."""
    entries, items = len(c.hashes), len(c.shas)
    return (
        all(len(a) == entries for a in (c.owner, c.time_s, c.window, c.fill))
        and all(len(a) == items for a in (c.durations, c.is_still, c.word_lengths, c.view_lengths))
        and int(np.sum(c.word_lengths)) == len(c.word_ids) == len(c.word_counts)
        and int(np.sum(c.view_lengths)) == len(c.view_ids) == len(c.view_counts)
        and (entries == 0 or (int(c.owner.min()) >= 0 and int(c.owner.max()) < items))
    )


def _write(folder: Path, parts: list[_Part], epoch: tuple[str, int]) -> _Part | None:
    """Write ``parts`` as one part (unless it is one on disk already), then the manifest
    in one replace; drop what it no longer names. The part, memory-mapped from disk, or
    None on a failure, which leaves the old index (or none): the next command builds."""
    try:
        folder.mkdir(exist_ok=True)
        names = [parts[0].name if len(parts) == 1 and parts[0].name else _write_part(folder, parts)]
        temporary = folder / f".{MANIFEST}.{uuid.uuid4().hex}"
        archive, number = epoch
        manifest = {"format": FORMAT, "archive": archive, "epoch": number, "parts": names}
        temporary.write_text(json.dumps(manifest))
        os.replace(temporary, folder / MANIFEST)
        # what no manifest names, and what a command left half written: once old (one
        # that another command is writing now is young)
        for old in [*folder.glob("part-*"), *folder.glob(".*")]:
            if old.name not in names and _age_s(old) > GRACE_S:
                _remove(old)
    except OSError as exc:
        log.warning("item index: cannot write %s (%s); the next command builds it", folder, exc)
        return None
    return next(iter(_read_parts(folder, names)), None)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _age_s(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _write_part(folder: Path, parts: list[_Part]) -> str:
    """``parts`` one after the other as one new part (positions renumbered): its name."""
    name = f"part-{uuid.uuid4().hex}"
    offsets = np.cumsum([0, *(len(p.columns) for p in parts)])[:-1]
    pieces: dict[str, list[np.ndarray]] = {
        field: [getattr(p.columns, field) for p in parts] for field in TableColumns.ARRAYS
    }
    pieces["owner"] = [p.columns.owner + np.int32(o) for p, o in zip(parts, offsets, strict=True)]
    pieces["shas"] = [np.array([s.encode() for s in p.columns.shas], "S64") for p in parts]
    pieces["seqs"] = [p.seqs for p in parts]
    _write_arrays(folder / name, pieces)
    return name


def _read_arrays(where: Path, fields: Sequence[str]) -> dict[str, np.ndarray]:
    """What :func:`_write_arrays` wrote in folder ``where``: ``fields``, memory-mapped."""
    return {
        field: np.load(where / f"{field}.npy", mmap_mode="r", allow_pickle=False)
        for field in fields
    }


def _write_arrays(where: Path, arrays: Mapping[str, np.ndarray | list[np.ndarray]]) -> None:
    """``arrays`` as .npy files in folder ``where``, which appears whole or not at all.

    An array given as pieces is written as their concatenation, piece by piece into
    the file's memory map: a memory-mapped piece is never held in memory whole.
    """
    where.parent.mkdir(exist_ok=True)
    temporary = where.with_name(f".{where.name}.{uuid.uuid4().hex}")
    temporary.mkdir()
    for field, array in arrays.items():
        pieces = array if isinstance(array, list) else [array]
        first = np.asarray(pieces[0])
        shape = (sum(len(piece) for piece in pieces), *first.shape[1:])
        out = np.lib.format.open_memmap(
            temporary / f"{field}.npy", mode="w+", dtype=first.dtype, shape=shape
        )
        at = 0
        for piece in pieces:
            out[at : at + len(piece)] = piece
            at += len(piece)
        out.flush()
        del out
    try:
        os.replace(temporary, where)
    except OSError:  # another command kept the same one first
        shutil.rmtree(temporary, ignore_errors=True)
        if not where.exists():
            raise
