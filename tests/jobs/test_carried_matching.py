"""The nightly run on a Dask cluster whose workers cannot open the archive.

The fixture set (copies and other angles) and four close-ups (one airframe
twice, another of its model, a wide shot), fingerprinted, then matched twice
from the same archive: here, and on a LocalCluster whose worker processes are
refused every file of the archive's folder (the SQLite file, its WAL, the
index beside it). Both must store the same matches and give the same findings.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import claim, write_manifest
from skins import airframe, model_skin, shot, wide, write_jpeg

from provenance.archive import open_archive
from provenance.errors import ArchiveError
from provenance.intake import read_manifest
from provenance.jobs import carried
from provenance.jobs.ingest import ingest_manifest
from provenance.jobs.rescore import rescore
from provenance.match import AIRFRAME_MATCHER, COPY_MATCHER, VIEW_MATCHER

FIXTURES = Path(__file__).resolve().parents[2] / "provenance" / "fixtures"
MODEL = model_skin(5)
ONE, OTHER = airframe(MODEL, 21), airframe(MODEL, 22)

# Run in each worker process before it starts: every file under the folder is refused.
_OUT_OF_REACH = """
import builtins, io, os, sqlite3

FOLDER = {folder!r}


def _refused(path):
    try:
        return FOLDER in os.path.realpath(os.fsdecode(path))
    except TypeError:  # a file descriptor
        return False


def _guard(fn):
    def guarded(path, *args, **kwargs):
        if _refused(path) or FOLDER in str(path):
            raise PermissionError(f"{{path}}: the archive is out of this worker's reach")
        return fn(path, *args, **kwargs)

    return guarded


builtins.open = io.open = _guard(builtins.open)
os.open = _guard(os.open)
sqlite3.connect = _guard(sqlite3.connect)
"""


@pytest.fixture(scope="module")
def analysed(tmp_path_factory) -> Path:
    """An archive of the fixtures (fingerprinted) and four close-up claims (pending)."""
    root = tmp_path_factory.mktemp("carried")
    archive_path = root / "archive" / "provenance.db"
    archive_path.parent.mkdir()
    media = root / "closeups"
    write_jpeg(media / "media" / "one.jpg", shot(ONE, 1))
    write_jpeg(media / "media" / "other.jpg", shot(OTHER, 2))
    write_jpeg(media / "media" / "one_again.jpg", shot(ONE, 3, gain=0.8))
    write_jpeg(media / "media" / "wide.jpg", wide(4, MODEL))
    names = ("one", "other", "one_again", "wide")
    closeups = write_manifest(
        media / "manifest.jsonl",
        [claim(n.upper(), [f"media/{n}.jpg"], day=25 + i) for i, n in enumerate(names)],
    )
    with open_archive(archive_path, write=True, create=True) as archive:
        ingest_manifest(archive, read_manifest(FIXTURES / "manifest.jsonl"), workers=2)
        added = ingest_manifest(archive, read_manifest(closeups), fingerprint=False)
    assert len(added.added) == 4, added.problems
    return archive_path


def _copied(archive_path: Path, where: Path) -> Path:
    shutil.copytree(archive_path.parent, where)
    return where / archive_path.name


def _stored(archive_path: Path) -> tuple[dict, set, dict]:
    """Every stored match by matcher, the findings, the scores."""
    with open_archive(archive_path, write=False) as archive:
        matches = {
            m: sorted(archive.media_matches(m))
            for m in (COPY_MATCHER, VIEW_MATCHER, AIRFRAME_MATCHER)
        }
        findings = {
            (f.claim_id, f.kind.value, f.media, f.other_claim, f.other_media)
            for f in archive.findings()
        }
        scores = {c.claim.id: archive.score(c.claim.id) for c in archive.claims()}
    return matches, findings, scores


@pytest.fixture
def out_of_reach_cluster(tmp_path: Path) -> Iterator[tuple[object, Path]]:
    """A LocalCluster of two worker processes refused every file under ``tmp_path/far``."""
    distributed = pytest.importorskip("distributed")
    folder = tmp_path / "far"
    script = tmp_path / "out_of_reach.py"
    script.write_text(textwrap.dedent(_OUT_OF_REACH.format(folder=str(folder.resolve()))))
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        preload=[str(script)],
    ) as cluster:
        yield cluster, folder


@pytest.mark.slow
def test_a_cluster_that_cannot_open_the_archive_matches_as_this_machine_does(
    analysed: Path, tmp_path: Path, out_of_reach_cluster
) -> None:
    import distributed

    cluster, far = out_of_reach_cluster
    here = _copied(analysed, tmp_path / "here")
    there = _copied(analysed, far)
    with distributed.Client(cluster.scheduler_address) as client:  # the workers are refused
        with pytest.raises(ArchiveError, match="out of this worker's reach"):
            client.submit(open_archive, str(there), write=False, pure=False).result()
        with pytest.raises(PermissionError, match="out of this worker's reach"):
            client.submit(Path.read_bytes, there, pure=False).result()

    with open_archive(here, write=True) as archive:
        local = rescore(archive)
    with open_archive(there, write=True) as archive:
        remote = rescore(archive, scheduler=cluster.scheduler_address)
    with distributed.Client(cluster.scheduler_address) as client:  # matched there, let go
        assert set(client.run(carried.forget_matchers).values()) == {0}

    assert not local.failures and not remote.failures
    assert not local.match_problems and not remote.match_problems
    assert len(remote.media) == 4  # the close-ups, fingerprinted on the cluster
    matches, findings, scores = _stored(there)
    assert (matches, findings, scores) == _stored(here)
    # not vacuous: every matcher found something
    assert all(matches[m] for m in matches), {m: len(v) for m, v in matches.items()}
    kinds = {f[1] for f in findings}
    assert {"copy", "other_angle", "recycled_airframe"} <= kinds, kinds
