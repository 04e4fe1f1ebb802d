"""The nightly job: incremental, resumable after kill -9, one run at a time."""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import claim, write_manifest, write_video

from provenance.archive import open_archive
from provenance.intake import read_manifest
from provenance.jobs.ingest import ingest_manifest
from provenance.jobs.rescore import rescore
from provenance.match import COPY_MATCHER as MATCHER


def _ingest(manifest: Path, archive_path: Path, *, fingerprint: bool = True) -> None:
    with open_archive(archive_path, write=True, create=True) as archive:
        ingest_manifest(archive, read_manifest(manifest), fingerprint=fingerprint)


def _results(archive_path: Path) -> tuple[set, dict]:
    """Findings (as plain tuples) and scores of an archive."""
    with open_archive(archive_path, write=False) as archive:
        findings = {
            (f.claim_id, f.kind.value, f.media, f.other_claim, f.other_media)
            for f in archive.findings()
        }
        scores = {
            c.claim.id: (s.score, [r.code for r in s.reasons])
            for c in archive.claims()
            if (s := archive.score(c.claim.id)) is not None
        }
    return findings, scores


def _videos(folder: Path, seeds: range) -> list[str]:
    names = []
    for seed in seeds:
        write_video(folder / "media" / f"v{seed}.mp4", seed=seed, seconds=3.0)
        names.append(f"media/v{seed}.mp4")
    return names


def test_a_second_run_matches_only_new_media_and_agrees_with_a_fresh_archive(
    tmp_path: Path, archive_path: Path
) -> None:
    names = _videos(tmp_path, range(4))
    shutil.copy(tmp_path / "media/v0.mp4", tmp_path / "media/v0_again.mp4")
    first = write_manifest(
        tmp_path / "first.jsonl",
        [claim(f"C{i}", [n], day=i + 1) for i, n in enumerate(names)],
    )
    _ingest(first, archive_path)
    with open_archive(archive_path, write=True, create=True) as archive:
        assert rescore(archive).matched == 4
    second = write_manifest(
        tmp_path / "second.jsonl",
        [claim("C9", ["media/v0_again.mp4", *_videos(tmp_path, range(9, 10))], day=20)],
    )
    _ingest(second, archive_path)
    with open_archive(archive_path, write=True, create=True) as archive:
        summary = rescore(archive)
    assert summary.matched == 1  # v9; v0_again is v0's bytes, matched already
    assert [c.claim_id for c in summary.new_claims] == ["C9"]

    fresh = tmp_path / "fresh" / "provenance.db"
    fresh.parent.mkdir()
    _ingest(first, fresh)
    _ingest(second, fresh)
    with open_archive(fresh, write=True, create=True) as archive:
        rescore(archive)
    assert _results(archive_path) == _results(fresh)
    findings, _ = _results(archive_path)
    assert ("C9", "copy", "media/v0_again.mp4", "C0", "media/v0.mp4") in findings


def test_a_claim_dated_earlier_that_arrives_later_becomes_the_original(
    tmp_path: Path, archive_path: Path
) -> None:
    (name,) = _videos(tmp_path, range(1))
    shutil.copy(tmp_path / name, tmp_path / "media/early.mp4")
    _ingest(write_manifest(tmp_path / "a.jsonl", [claim("LATE", [name], day=20)]), archive_path)
    with open_archive(archive_path, write=True, create=True) as archive:
        rescore(archive)
        before = archive.score("LATE").score
    _ingest(
        write_manifest(tmp_path / "b.jsonl", [claim("EARLY", ["media/early.mp4"], day=2)]),
        archive_path,
    )
    with open_archive(archive_path, write=True, create=True) as archive:
        summary = rescore(archive)
        history = archive.score_history("LATE")
    (change,) = summary.changed_scores
    assert change.claim_id == "LATE" and change.old == before and change.new < before
    assert change.reason and "of earlier claim EARLY" in change.reason
    findings, _ = _results(archive_path)
    assert ("LATE", "copy", name, "EARLY", "media/early.mp4") in findings
    assert not [f for f in findings if f[0] == "EARLY" and f[1] == "copy"]
    assert [score for _, score, _ in history] == [before, change.new]  # a row per change


# -- kill -9 at several points, and a second run at once -----------------------------


def _start_rescore(archive_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "provenance.cli", "-q", "rescore", "--archive", str(archive_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _progress(archive_path: Path) -> tuple[int, int, int]:
    """(media fingerprinted, media matched, runs finished), read without any lock."""
    db = sqlite3.connect(f"file:{archive_path}?mode=ro", uri=True, timeout=5)
    try:
        done = db.execute("SELECT count(*) FROM media WHERE status != 'pending'").fetchone()[0]
        matched = db.execute("SELECT count(*) FROM matched WHERE family = 'copies'").fetchone()[0]
        finished = db.execute("SELECT count(*) FROM runs WHERE status = 'done'").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0, 0, 0
    finally:
        db.close()
    return done, matched, finished


@pytest.fixture
def pending_copy(pending_archive, tmp_path: Path) -> tuple[Path, tuple]:
    """A fresh copy of the pending archive, and the clean run's results."""
    source, reference = pending_archive
    archive_path = tmp_path / "copy" / "provenance.db"
    shutil.copytree(source.parent, archive_path.parent)
    return archive_path, reference


def _kill_then_finish(run: subprocess.Popen, archive_path: Path, reference: tuple) -> None:
    """kill -9 ``run``; the next run must finish with a consistent archive and the
    results of an uninterrupted run."""
    run.send_signal(signal.SIGKILL)
    run.wait()
    finish = _start_rescore(archive_path)
    _, err = finish.communicate(timeout=300)
    assert finish.returncode == 0, err
    db = sqlite3.connect(archive_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    statuses = dict(db.execute("SELECT status, count(*) FROM media GROUP BY status").fetchall())
    assert statuses == {"done": 7}
    db.close()
    assert _results(archive_path) == reference


@pytest.fixture(scope="module")
def pending_archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple]:
    """An ingested archive with 7 media pending (8 claims), and one clean run's results."""
    folder = tmp_path_factory.mktemp("kill")
    names = _videos(folder, range(20, 27))
    shutil.copy(folder / names[0], folder / "media/copy.mp4")
    manifest = write_manifest(
        folder / "m.jsonl",
        [claim(f"K{i}", [n], day=i + 1) for i, n in enumerate(names)]
        + [claim("KC", ["media/copy.mp4"], day=28)],
    )
    archive_path = folder / "archive" / "provenance.db"
    archive_path.parent.mkdir()
    _ingest(manifest, archive_path, fingerprint=False)
    reference = folder / "reference" / "provenance.db"
    shutil.copytree(archive_path.parent, reference.parent)
    with open_archive(reference, write=True, create=True) as archive:
        rescore(archive)
    return archive_path, _results(reference)


@pytest.mark.slow
@pytest.mark.parametrize(
    "point",
    ["at start", "after 1 fingerprinted", "after 5 fingerprinted", "while matching", "at the end"],
)
def test_kill_9_at_any_point_then_the_next_run_finishes_consistently(
    pending_copy, point: str
) -> None:
    archive_path, reference = pending_copy
    reached = {
        "at start": lambda p: True,
        "after 1 fingerprinted": lambda p: p[0] >= 1,
        "after 5 fingerprinted": lambda p: p[0] >= 5,
        "while matching": lambda p: p[1] >= 1,
        "at the end": lambda p: p[1] >= 7,
    }[point]
    run = _start_rescore(archive_path)
    deadline = time.monotonic() + 120
    while run.poll() is None and not reached(_progress(archive_path)):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    _kill_then_finish(run, archive_path, reference)


@pytest.mark.slow
def test_a_second_run_exits_at_once_while_one_runs(tmp_path: Path, archive_path: Path) -> None:
    names = []
    for seed in range(40, 52):  # enough work that the first run is still going
        write_video(tmp_path / "media" / f"w{seed}.mp4", seed=seed, seconds=8.0, size=(320, 240))
        names.append(f"media/w{seed}.mp4")
    manifest = write_manifest(
        tmp_path / "m.jsonl", [claim(f"W{i}", [n], day=i + 1) for i, n in enumerate(names)]
    )
    _ingest(manifest, archive_path, fingerprint=False)
    first = _start_rescore(archive_path)
    try:
        while first.poll() is None and _progress(archive_path)[0] < 1:
            time.sleep(0.02)
        started = time.monotonic()
        second = _start_rescore(archive_path)
        _, err = second.communicate(timeout=60)
        assert first.poll() is None, "the first run ended too soon for this test"
        assert second.returncode == 3
        assert "another provenance run holds the archive" in err
        assert time.monotonic() - started < 15  # at once: no waiting for the lock
    finally:
        first.communicate(timeout=300)
    assert first.returncode == 0
    assert _progress(archive_path) == (len(names), len(names), 1)


@pytest.mark.slow
def test_a_dask_cluster_run_gives_what_a_local_run_gives(pending_copy) -> None:
    """Fingerprinting and matching on a LocalCluster; this process alone writes."""
    distributed = pytest.importorskip("distributed")
    archive_path, reference = pending_copy
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        open_archive(archive_path, write=True, create=True) as archive,
    ):
        summary = rescore(archive, scheduler=cluster.scheduler_address)
    assert len(summary.media) == 7 and summary.matched == 7 and not summary.failures
    assert _results(archive_path) == reference


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_usage_error(pending_copy) -> None:
    pytest.importorskip("distributed")
    archive_path, _ = pending_copy
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "provenance.cli",
            "rescore",
            "--archive",
            str(archive_path),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "tcp://127.0.0.1:9: cannot reach the Dask scheduler" in result.stderr
    assert _progress(archive_path)[0] == 0  # no media touched


def _reencode(source: Path, target: Path, crf: int = 40) -> Path:
    """A perceptual copy: the same pictures, encoded again at another quality."""
    import av

    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        stream = inp.streams.video[0]
        enc = out.add_stream("libx264", rate=stream.average_rate)
        enc.width, enc.height, enc.pix_fmt = stream.width, stream.height, "yuv420p"
        enc.options = {"crf": str(crf), "preset": "ultrafast"}
        for frame in inp.decode(stream):
            for packet in enc.encode(frame.reformat(format="yuv420p")):
                out.mux(packet)
        for packet in enc.encode():
            out.mux(packet)
    return target


@pytest.mark.parametrize("workers", [1, 2])
def test_perceptual_matches_are_stored_and_read_back(tmp_path: Path, archive_path: Path, workers):
    names = _videos(tmp_path, range(60, 62))
    _reencode(tmp_path / names[0], tmp_path / "media" / "again.mp4")
    manifest = write_manifest(
        tmp_path / "m.jsonl",
        [
            claim("A", [names[0]], day=1),
            claim("B", [names[1]], day=2),
            claim("C", ["media/again.mp4"], day=3),
        ],
    )
    _ingest(manifest, archive_path, fingerprint=False)
    with open_archive(archive_path, write=True, create=True) as archive:
        summary = rescore(archive, workers=workers)
        stored = archive.media_matches(MATCHER)
    assert summary.matched == 3 and stored  # the copy and its source matched, both ways
    findings, scores = _results(archive_path)
    assert ("C", "copy", "media/again.mp4", "A", names[0]) in findings
    assert "copy_of_earlier_claim" in scores["C"][1] and scores["C"][0] < scores["A"][0]


# seeded: the same "random" moments every run, between 0.3 s and 4.4 s after the start
RANDOM_DELAYS = sorted(random.Random(2026).sample([x / 10 for x in range(3, 45)], 6))


@pytest.mark.slow
@pytest.mark.parametrize("delay_s", RANDOM_DELAYS)
def test_kill_9_at_random_moments_then_the_next_run_finishes_consistently(
    pending_copy, delay_s: float
) -> None:
    archive_path, reference = pending_copy
    run = _start_rescore(archive_path)
    time.sleep(delay_s)
    _kill_then_finish(run, archive_path, reference)
