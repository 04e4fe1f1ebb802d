"""The copy matcher's frame table persisted beside the archive: used only while it agrees."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from conftest import made_up_prints

from provenance.archive import open_archive
from provenance.fingerprint import (
    EventTrack,
    Fingerprints,
    SceneViews,
    WordBag,
    codecs,
)
from provenance.jobs import item_index
from provenance.jobs.item_index import frame_columns, index_dir, kept_word_index
from provenance.jobs.matching import copy_matcher, matching_state
from provenance.jobs.prints import full_prints, light_prints
from provenance.match import COPY_MATCHER, CopyMatcher, TableColumns, WordIndex, orb_word_index
from provenance.model import Claim, MediaFile, MediaInfo, MediaKind

N = 24  # frames, twice a second
RNG = np.random.default_rng(5)


def bag(words: int) -> WordBag:
    ids = np.sort(RNG.choice(1000, words, replace=False)).astype(np.uint32)
    return WordBag(ids, RNG.integers(1, 4, words).astype(np.uint8))


def prints(hashes: np.ndarray, words: int = 3, views: bool = True) -> Fingerprints:
    seen = SceneViews([], bag(words + 4), EventTrack.empty()) if views else None
    fills = RNG.integers(1, 2**63, (len(hashes), 4), dtype=np.uint64)
    return made_up_prints(hashes, fills=fills, words=bag(words), views=seen)


def add_item(archive, name: str, fp: Fingerprints, day: int) -> str:
    sha = hashlib.sha256(name.encode()).hexdigest()
    claim = Claim(name, datetime(2025, 1, day, tzinfo=UTC), "", (f"media/{name}.mp4",))
    archive.add_claim(claim, [MediaFile(f"media/{name}.mp4", Path("/x"), sha, 1)])
    info = MediaInfo(MediaKind.VIDEO, 640, 360, N / 2, 2.0)
    archive.record_media_info(sha, info, codecs.encode(fp))
    return sha


def fresh(archive) -> TableColumns:
    """The columns built from the archive, item by item, in the index's order."""
    seqs = archive.fingerprint_seqs(codecs.INDEX_KINDS)
    shas = sorted(seqs, key=seqs.__getitem__)
    return TableColumns.of(shas, [light_prints(archive, s, codecs.INDEX_KINDS) for s in shas])


def same(a: TableColumns, b: TableColumns) -> bool:
    return a.shas == b.shas and all(
        np.array_equal(x, y) for x, y in zip(a.arrays().values(), b.arrays().values(), strict=True)
    )


@pytest.fixture
def archive(archive_path: Path):
    with open_archive(archive_path, write=True, create=True) as archive:
        for i in range(3):
            add_item(archive, f"C{i}", prints(RNG.integers(1, 2**63, N, dtype=np.uint64)), i + 1)
        yield archive


def _no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args):
        raise AssertionError("the index was built again")

    monkeypatch.setattr(item_index, "_all_light", refuse)
    monkeypatch.setattr(item_index, "light_prints", refuse)


def test_the_index_is_written_then_read_back_as_built(archive, monkeypatch) -> None:
    built = frame_columns(archive)
    assert same(built, fresh(archive))
    assert (index_dir(archive) / "manifest.json").exists()
    _no_build(monkeypatch)
    loaded = frame_columns(archive)
    assert same(loaded, built)
    assert isinstance(loaded.hashes, np.memmap)  # read from disk, not held twice


def test_a_new_item_alone_is_decoded_and_the_index_stays_one_part(archive, monkeypatch) -> None:
    frame_columns(archive)
    first = json.loads((index_dir(archive) / "manifest.json").read_text())["parts"]
    sha = add_item(archive, "C9", prints(RNG.integers(1, 2**63, N, dtype=np.uint64)), 9)
    decoded = []
    monkeypatch.setattr(item_index, "_all_light", lambda *_: pytest.fail("built again"))
    monkeypatch.setattr(
        item_index, "light_prints", lambda a, s, k: decoded.append(s) or light_prints(a, s, k)
    )
    columns = frame_columns(archive)
    assert decoded == [sha]
    parts = json.loads((index_dir(archive) / "manifest.json").read_text())["parts"]
    assert len(parts) == 1 and parts != first
    assert same(columns, fresh(archive)) and len(columns) == 4
    assert isinstance(columns.hashes, np.memmap) and isinstance(columns.view_ids, np.memmap)


def test_an_index_in_several_parts_is_read_then_written_as_one(archive, monkeypatch) -> None:
    """As earlier versions left it: read joined; written again as one part when allowed."""
    built = frame_columns(archive)
    folder = index_dir(archive)
    manifest = json.loads((folder / "manifest.json").read_text())
    names = []
    for shas in (built.shas[:1], built.shas[1:]):
        columns = TableColumns.of(
            shas, [light_prints(archive, s, codecs.INDEX_KINDS) for s in shas]
        )
        seqs = archive.fingerprint_seqs(codecs.INDEX_KINDS)
        part = item_index._Part(columns, np.array([seqs[s] for s in shas], np.int64))
        names.append(item_index._write_part(folder, [part]))
    (folder / "manifest.json").write_text(json.dumps({**manifest, "parts": names}))
    _no_build(monkeypatch)
    assert same(frame_columns(archive, persist=False), built)
    assert json.loads((folder / "manifest.json").read_text())["parts"] == names
    assert same(frame_columns(archive), built)
    assert len(json.loads((folder / "manifest.json").read_text())["parts"]) == 1


def test_other_kinds_written_leave_the_index_as_it_was(archive, monkeypatch) -> None:
    frame_columns(archive)
    parts = json.loads((index_dir(archive) / "manifest.json").read_text())["parts"]
    sha = next(iter(archive.fingerprint_seqs(codecs.INDEX_KINDS)))
    archive.add_fingerprint(sha, codecs.METADATA, b"{}")  # what rescore adds to old items
    _no_build(monkeypatch)
    assert same(frame_columns(archive), fresh(archive))
    assert json.loads((index_dir(archive) / "manifest.json").read_text())["parts"] == parts


def test_an_item_written_again_is_never_read_from_the_old_index(archive) -> None:
    old = frame_columns(archive)
    sha = old.shas[0]
    changed = prints(RNG.integers(1, 2**63, N, dtype=np.uint64))
    archive.add_fingerprint(sha, codecs.FRAMES, codecs.encode(changed)[codecs.FRAMES])
    columns = frame_columns(archive)
    assert same(columns, fresh(archive))
    assert not np.array_equal(columns.hashes, old.hashes)


@pytest.mark.parametrize("damage", ["truncated", "manifest", "format", "missing part"])
def test_a_damaged_or_foreign_index_is_built_again(archive, damage: str, caplog) -> None:
    frame_columns(archive)
    folder = index_dir(archive)
    manifest = json.loads((folder / "manifest.json").read_text())
    part = folder / manifest["parts"][0]
    if damage == "truncated":
        (part / "hashes.npy").write_bytes((part / "hashes.npy").read_bytes()[:100])
    elif damage == "manifest":
        (folder / "manifest.json").write_text("{not json")
    elif damage == "format":
        (folder / "manifest.json").write_text(json.dumps({**manifest, "format": "table-0"}))
    else:
        for f in part.iterdir():
            f.unlink()
        part.rmdir()
    with caplog.at_level(logging.INFO, logger="provenance"):
        columns = frame_columns(archive)
    assert same(columns, fresh(archive))
    assert "item index: built" in caplog.text


def test_an_index_that_cannot_be_written_costs_only_the_build(archive, caplog) -> None:
    index_dir(archive).write_text("a file where the index folder would go")
    columns = frame_columns(archive)
    assert same(columns, fresh(archive))
    assert "cannot write" in caplog.text


def test_matches_from_the_persisted_index_are_those_of_the_table_in_memory(archive) -> None:
    clip = RNG.integers(1, 2**63, N, dtype=np.uint64)
    edited = clip ^ np.uint64(0b10110)  # three bits off: a re-encoded copy
    original = add_item(archive, "O", prints(clip), 10)
    copy = add_item(archive, "R", prints(edited), 11)
    claims = archive.claims()
    shas = list(archive.fingerprint_seqs(codecs.TABLE_KINDS))
    in_memory = CopyMatcher(
        claims,
        {s: light_prints(archive, s) for s in shas},
        lambda s: full_prints(archive, s, with_views=False),
    )
    frame_columns(archive)  # written, then read back
    state = matching_state(COPY_MATCHER, archive, claims, {}, frame_columns(archive), persist=False)
    persisted = copy_matcher(state, archive)
    expected = in_memory.match(copy).matches
    assert [m.other_sha256 for m in expected] == [original]
    assert persisted.match(copy).matches == expected


def test_every_fingerprint_write_moves_the_epoch(archive) -> None:
    epoch = archive.fingerprint_epoch()
    sha = next(iter(archive.fingerprint_seqs(codecs.TABLE_KINDS)))
    archive.add_fingerprint(sha, "something-v1", b"x")
    assert archive.fingerprint_epoch() != epoch
    before = archive.fingerprint_seqs(codecs.TABLE_KINDS)[sha]
    archive.add_fingerprint(sha, codecs.FRAMES, archive.fingerprint(sha, codecs.FRAMES))
    assert archive.fingerprint_seqs(codecs.TABLE_KINDS)[sha] > before


def test_the_views_words_are_indexed_as_stored_and_empty_without_views(archive) -> None:
    plain = add_item(
        archive, "P", prints(RNG.integers(1, 2**63, N, dtype=np.uint64), views=False), 12
    )
    frame_columns(archive)
    words = frame_columns(archive).view_words()
    for sha in archive.fingerprint_seqs(codecs.INDEX_KINDS):
        stored = archive.fingerprint(sha, codecs.SIFT_WORDS)
        if sha == plain:
            assert stored is None and not len(words[sha].words)
            continue
        expected = codecs.decode_sift_words(stored)
        assert np.array_equal(words[sha].words, expected.words) and len(expected.words) == 7
        assert np.array_equal(words[sha].counts, expected.counts)


def test_an_archive_made_again_at_the_same_path_never_reads_the_old_index(
    archive_path: Path, monkeypatch
) -> None:
    def make(seed: int) -> TableColumns:
        for leftover in archive_path.parent.glob(archive_path.name + "*"):
            if leftover.is_file():
                leftover.unlink()
        with open_archive(archive_path, write=True, create=True) as archive:
            rng = np.random.default_rng(seed)
            for i in range(2):  # the same items, the same writes: only the bytes differ
                add_item(
                    archive, f"C{i}", prints(rng.integers(1, 2**63, N, dtype=np.uint64)), i + 1
                )
            return frame_columns(archive), fresh(archive)

    first, _ = make(1)
    second, expected = make(2)
    assert same(second, expected) and not same(second, first)


def test_a_part_no_manifest_names_is_removed_only_once_it_is_old(archive) -> None:
    frame_columns(archive)
    stray = index_dir(archive) / "part-being-written-by-another-command"
    stray.mkdir()
    add_item(archive, "C8", prints(RNG.integers(1, 2**63, N, dtype=np.uint64)), 8)
    frame_columns(archive)
    assert stray.exists()  # it may be a check's, about to be named by its manifest
    old = time.time() - 2 * item_index.GRACE_S
    os.utime(stray, (old, old))
    add_item(archive, "C9", prints(RNG.integers(1, 2**63, N, dtype=np.uint64)), 9)
    frame_columns(archive)
    assert not stray.exists()


def test_a_kept_word_index_is_read_until_the_fingerprints_or_its_items_change(archive) -> None:
    columns = frame_columns(archive)
    built: list[int] = []

    def build() -> WordIndex:
        built.append(1)
        return orb_word_index(columns)

    first = kept_word_index(archive, "orb", columns.shas, build)
    again = kept_word_index(archive, "orb", columns.shas, build)
    assert len(built) == 1  # read back, not built
    bag = light_prints(archive, columns.shas[1]).words
    assert again.shortlist(bag, top=3) == first.shortlist(bag, top=3)
    assert again.shortlist(bag, top=1)[0][0] == 1
    kept_word_index(archive, "orb", columns.shas[:2], build)  # other items
    assert len(built) == 2
    for kept in index_dir(archive).glob("words-orb-*"):  # damaged: built and kept again
        (kept / "data.npy").write_bytes(b"not an array")
    kept_word_index(archive, "orb", columns.shas, build)
    kept_word_index(archive, "orb", columns.shas, build)
    assert len(built) == 3
    sha = columns.shas[0]
    archive.add_fingerprint(sha, codecs.ORB_WORDS, archive.fingerprint(sha, codecs.ORB_WORDS))
    kept_word_index(archive, "orb", columns.shas, build)  # the same items written again
    assert len(built) == 4
