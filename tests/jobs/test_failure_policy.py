"""The failure policy (README, "When something fails"): every run finishes, every result is honest.

Footage that cannot be decoded is ``unreadable`` (uncertainty, never guilt); a
failure of our own code is ``internal_error``, logged with its traceback, never
held against the claim; the other items go on. The archive's own failures are
exit code 3 with the archive named, and nothing else is created or touched.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner, Result
from conftest import claim, pan_frame, write_manifest, write_video

from provenance.archive import open_archive
from provenance.cli import main
from provenance.errors import ArchiveError
from provenance.jobs import analyse
from provenance.jobs.pool import Guarded
from provenance.match import COPY_MATCHER, CopyMatcher

FIVE_KINDS = ("json", "csv", "html")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def _report(archive_path: Path, tmp_path: Path) -> dict:
    out = tmp_path / "report.json"
    result = run("report", "--archive", archive_path, "--format", "json", "--out", out)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def _media(report: dict) -> dict[str, dict]:
    return {m["path"]: m for c in report["claims"] for m in c["media"]}


def _copies(report: dict, claim_id: str) -> list[tuple[str, str]]:
    """(other claim, other media) of the claim's copy findings."""
    (found,) = [c for c in report["claims"] if c["id"] == claim_id]
    return [(f["other_claim"], f["other_media"]) for f in found["findings"] if f["kind"] == "copy"]


def _in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Analyse media in this process, so a monkeypatched stage takes effect."""

    def here(fn, calls, **_):
        for args in calls:
            yield Guarded(args, fn(*args))

    monkeypatch.setattr(analyse, "run_guarded", here)


# -- the archive: missing, damaged ------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [("rescore",), ("report", "--format", "json", "--out", "r.json"), ("check", "x.mp4")],
)
def test_a_missing_archive_is_refused_and_nothing_is_created(tmp_path: Path, command) -> None:
    """`rescore --archive typo.db` used to create an empty archive and report "0 claims"."""
    here = tmp_path / "here"
    typo = here / "typo.db"
    write_video(here / "x.mp4")
    result = CliRunner().invoke(main, [*command, "--archive", str(typo)], catch_exceptions=True)
    assert result.exit_code == 3, result.output
    assert f"{typo}: no archive here" in result.output
    assert sorted(p.name for p in here.iterdir()) == ["x.mp4"]  # no archive, no lock


def _corrupt_table(archive_path: Path, table: str) -> None:
    """Overwrite the root page of ``table`` with garbage (the file header stays valid)."""
    db = sqlite3.connect(archive_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    db.close()
    with open(archive_path, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(np.random.default_rng(5).integers(0, 256, page_size, np.uint8).tobytes())


@pytest.mark.parametrize(
    ("table", "readers"),
    [("findings", ("report",)), ("scores", ("report",)), ("fingerprints", ("report", "check"))],
)
def test_a_damaged_archive_is_exit_3_naming_it_for_every_command(
    workdir: Path, archive_path: Path, tmp_path: Path, table: str, readers: tuple[str, ...]
) -> None:
    """A corrupt page met by a later read used to escape as a sqlite3.DatabaseError traceback.

    Each command that reads the damaged table stops with exit 3 naming the
    archive; the readers leave it byte for byte as it was (check does not read
    findings or scores, so it still works when only those are damaged).
    """
    manifest = write_manifest(
        workdir / "m.jsonl", [claim("C1", ["media/a.mp4"]), claim("C2", ["media/c.mp4"])]
    )
    assert run("ingest", manifest, "--archive", archive_path, "--no-fingerprint").exit_code == 0
    assert run("rescore", "--archive", archive_path).exit_code == 0
    _corrupt_table(archive_path, table)
    before = archive_path.read_bytes()
    commands = {
        "report": ("report", "--format", "json", "--out", tmp_path / "r.json"),
        "check": ("check", workdir / "media/b.mp4"),
    }
    for name, args in commands.items():
        result = run(*args, "--archive", archive_path)
        if name not in readers:
            assert result.exit_code == 0, (name, result.output)
            continue
        assert result.exit_code == 3, (name, result.output, result.exception)
        assert f"error: {archive_path}: cannot read the archive" in result.output
        assert "Traceback" not in result.output
    assert archive_path.read_bytes() == before  # the readers left it untouched
    result = run("rescore", "--archive", archive_path)
    assert result.exit_code == 3, (result.output, result.exception)
    assert f"error: {archive_path}: cannot " in result.output
    assert "Traceback" not in result.output


def test_a_broken_constraint_is_an_archive_error_naming_it(archive_path: Path) -> None:
    """IntegrityError (here: a match to media the archive does not hold) was not mapped."""
    with open_archive(archive_path, write=True, create=True) as archive:
        run_id = archive.start_run("rescore")
        with pytest.raises(ArchiveError, match=str(archive_path)):
            archive.record_matches("a" * 64, {"b" * 64: "{}"}, COPY_MATCHER, run_id)


# -- the report: one moment, the stored model --------------------------------------------


def test_a_report_taken_while_rescore_saves_shows_one_run(
    workdir: Path, archive_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`report` read findings and scores in separate autocommit SELECTs: a run saving in
    between gave a report mixing the two runs."""
    from provenance import report as report_module
    from provenance.archive import ScoredClaim
    from provenance.model import Credibility, Rating

    manifest = write_manifest(workdir / "m.jsonl", [claim("C1", ["media/a.mp4"])])
    assert run("ingest", manifest, "--archive", archive_path).exit_code == 0
    assert run("rescore", "--archive", archive_path).exit_code == 0
    reader = open_archive(archive_path, write=False)
    first_findings = reader.findings

    def findings_then_another_run_saves(*args, **kwargs):
        found = first_findings(*args, **kwargs)
        with open_archive(archive_path, write=True) as writer:
            run_id = writer.start_run("rescore")
            other = Credibility(3, Rating.VERY_LOW, (), "v99")
            writer.save_results(run_id, [], [ScoredClaim("C1", other)])
        return found

    monkeypatch.setattr(reader, "findings", findings_then_another_run_saves)
    data = report_module.collect(reader)
    reader.close()
    (view,) = data.claims
    assert view.credibility is not None and view.credibility.model != "v99"
    # the next report sees the new run
    with open_archive(archive_path, write=False) as again:
        (view,) = report_module.collect(again).claims
    assert view.credibility is not None and view.credibility.model == "v99"


def test_the_report_says_the_scoring_model_each_score_was_made_with(
    workdir: Path, archive_path: Path, tmp_path: Path
) -> None:
    """The JSON printed the code's model, not the one stored with the scores."""
    from provenance.scoring import SCORING_MODEL

    manifest = write_manifest(
        workdir / "m.jsonl", [claim("C1", ["media/a.mp4"]), claim("C2", ["media/b.mp4"])]
    )
    assert run("ingest", manifest, "--archive", archive_path).exit_code == 0
    assert run("rescore", "--archive", archive_path).exit_code == 0
    db = sqlite3.connect(archive_path)
    with db:
        db.execute("UPDATE scores SET model = 'v1' WHERE claim_id = 'C1'")
    db.close()
    report = _report(archive_path, tmp_path)
    models = {c["id"]: c["credibility"]["model"] for c in report["claims"]}
    assert models == {"C1": "v1", "C2": SCORING_MODEL}
    assert report["scoring_model"] == ", ".join(sorted({"v1", SCORING_MODEL}))


# -- our own failures against the footage's -------------------------------------------


@pytest.mark.our_bug
def test_a_bug_in_analysis_is_an_internal_error_never_held_against_the_claim(
    workdir: Path,
    archive_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every exception used to be recorded as unreadable footage: the claim lost 20 points
    (no_usable_footage) for a bug of ours."""
    _in_process(monkeypatch)
    real = analyse.fingerprint_frames

    def buggy(frames, **kwargs):
        raise KeyError("a bug of ours")

    monkeypatch.setattr(analyse, "fingerprint_frames", buggy)
    (workdir / "media/broken.mp4").write_bytes(b"not a video" * 40)
    manifest = write_manifest(
        workdir / "m.jsonl",
        [claim("OURS", ["media/a.mp4"]), claim("BAD", ["media/broken.mp4"], day=2)],
    )
    result = run("ingest", manifest, "--archive", archive_path, "--no-fingerprint")
    assert result.exit_code == 0
    caplog.clear()
    result = run("rescore", "--archive", archive_path)
    assert result.exit_code == 1, result.output
    assert "a.mp4: internal error in analysis (a bug in provenance" in result.output
    assert "broken.mp4: unreadable: neither an image nor a video" in result.output
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("KeyError" in m and "Traceback" in m and "a.mp4" in m for m in logged), logged

    report = _report(archive_path, tmp_path)
    media = _media(report)
    assert media["media/a.mp4"]["status"] == "internal_error"
    assert media["media/a.mp4"]["error"] == "KeyError: 'a bug of ours'"
    assert media["media/broken.mp4"]["status"] == "unreadable"
    scores = {c["id"]: c["credibility"] for c in report["claims"]}
    assert scores["OURS"]["score"] == 70  # nothing held against it
    assert [r["code"] for r in scores["OURS"]["reasons"]] == ["media_internal_error"]
    assert {r["code"] for r in scores["BAD"]["reasons"]} == {
        "no_usable_footage",
        "media_unreadable",
    }

    # once the bug is fixed, the next run analyses the item again (not the unreadable one)
    monkeypatch.setattr(analyse, "fingerprint_frames", real)
    result = run("rescore", "--archive", archive_path)
    assert result.exit_code == 0, result.output
    assert "1 media fingerprinted (0 unreadable, 0 internal errors)" in result.output
    media = _media(_report(archive_path, tmp_path))
    assert media["media/a.mp4"]["status"] == "done" and media["media/a.mp4"]["error"] is None


@pytest.mark.our_bug
def test_a_bug_in_the_close_up_stage_keeps_the_copy_fingerprints(
    tmp_path: Path, archive_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OCR runtime error used to throw away the item's copy fingerprints too."""
    _in_process(monkeypatch)
    frames = [pan_frame(i / 15) for i in range(60)]
    _write(tmp_path / "media/orig.mp4", frames)
    _write(tmp_path / "media/again.mp4", frames, crf=38)
    manifest = write_manifest(
        tmp_path / "m.jsonl",
        [claim("A", ["media/orig.mp4"]), claim("B", ["media/again.mp4"], day=2)],
    )

    def onnx_fails(frames):
        raise RuntimeError("ONNXRuntimeError: bad allocation")

    monkeypatch.setattr(analyse, "read_media_closeups", onnx_fails)
    assert run("ingest", manifest, "--archive", archive_path, "--no-fingerprint").exit_code == 0
    result = run("rescore", "--archive", archive_path)
    assert result.exit_code == 1
    assert "internal error in close-ups" in result.output
    report = _report(archive_path, tmp_path)
    media = _media(report)
    assert media["media/again.mp4"]["status"] == "internal_error"
    assert "close-ups: RuntimeError: ONNXRuntimeError" in media["media/again.mp4"]["error"]
    assert media["media/again.mp4"]["closeup"] is None  # not known, not "no"
    b = next(c for c in report["claims"] if c["id"] == "B")
    assert [(f["kind"], f["other_claim"]) for f in b["findings"]] == [("copy", "A")]  # only
    codes = [r["code"] for r in b["credibility"]["reasons"]]
    assert "copy_of_earlier_claim" in codes and "no_identifying_closeup" not in codes


@pytest.mark.our_bug
def test_a_bug_matching_one_item_is_recorded_and_the_item_is_matched_again(
    tmp_path: Path, archive_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One item's matching failure used to stop the whole nightly job."""
    frames = [pan_frame(i / 15) for i in range(60)]
    _write(tmp_path / "media/orig.mp4", frames)
    _write(tmp_path / "media/again.mp4", frames, crf=38)
    write_video(tmp_path / "media/other.mp4", seed=4)
    manifest = write_manifest(
        tmp_path / "m.jsonl",
        [
            claim("A", ["media/orig.mp4"]),
            claim("B", ["media/again.mp4"], day=2),
            claim("C", ["media/other.mp4"], day=3),
        ],
    )
    assert run("ingest", manifest, "--archive", archive_path).exit_code == 0
    with open_archive(archive_path, write=False) as archive:
        other = next(c for c in archive.claims() if c.claim.id == "C").media[0].sha256
    real = CopyMatcher.match

    def fails_on_other(self, sha, **kwargs):
        if sha == other:
            raise ValueError("cannot reshape array of size 0")
        return real(self, sha, **kwargs)

    monkeypatch.setattr(CopyMatcher, "match", fails_on_other)
    result = run("rescore", "--archive", archive_path)
    assert result.exit_code == 1, result.output
    assert "internal error in matching (copies)" in result.output
    report = _report(archive_path, tmp_path)
    assert _media(report)["media/other.mp4"]["status"] == "internal_error"
    assert _copies(report, "B") == [("A", "media/orig.mp4")]

    monkeypatch.setattr(CopyMatcher, "match", real)
    result = run("rescore", "--archive", archive_path)
    assert result.exit_code == 0, result.output
    assert "1 matched for copies" in result.output  # only the item that failed
    assert _media(_report(archive_path, tmp_path))["media/other.mp4"]["status"] == "done"


# -- footage cut short ---------------------------------------------------------------------


def _write(path: Path, frames, *, fps: int = 15, crf: int = 23, faststart: bool = False) -> Path:
    """H.264 in MP4; ``faststart`` puts the index first, as phones and web uploads do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": "ultrafast", "g": str(fps)}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_a_file_cut_short_says_how_much_was_read_and_that_part_is_analysed(
    tmp_path: Path, archive_path: Path
) -> None:
    """An 8 s MP4 truncated part-way used to be reported as a whole 8.0 s video."""
    whole = _write(tmp_path / "whole.mp4", [pan_frame(i / 15) for i in range(120)], faststart=True)
    cut = tmp_path / "media" / "cut.mp4"
    cut.parent.mkdir()
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) * 6 // 10])
    damaged = bytearray(data)  # a stretch in the middle overwritten with noise
    middle = len(data) // 2
    damaged[middle : middle + 60_000] = np.random.default_rng(1).bytes(60_000)
    (tmp_path / "media" / "damaged.mp4").write_bytes(bytes(damaged))
    shutil.copy(whole, tmp_path / "media" / "whole.mp4")
    manifest = write_manifest(
        tmp_path / "m.jsonl",
        [
            claim("W", ["media/whole.mp4"]),
            claim("CUT", ["media/cut.mp4"], day=2),
            claim("DMG", ["media/damaged.mp4"], day=3),
        ],
    )
    result = run("ingest", manifest, "--archive", archive_path)
    assert result.exit_code == 0, result.output
    assert run("rescore", "--archive", archive_path).exit_code == 0
    report = _report(archive_path, tmp_path)
    media = _media(report)
    assert media["media/whole.mp4"]["incomplete"] is None
    assert media["media/whole.mp4"]["decoded_s"] == pytest.approx(8.0, abs=0.15)
    cut_media = media["media/cut.mp4"]
    assert cut_media["status"] == "done" and cut_media["duration_s"] == pytest.approx(8.0, abs=0.1)
    assert 3.0 < cut_media["decoded_s"] < 7.0
    assert cut_media["incomplete"] == f"cut short: {cut_media['decoded_s']:.1f} s of 8.0 s decoded"
    # what was read is analysed: the part it holds is a copy of the whole video
    assert _copies(report, "CUT") == [("W", "media/whole.mp4")]
    damaged_media = media["media/damaged.mp4"]
    assert damaged_media["status"] == "done"
    assert damaged_media["incomplete"].startswith("damaged: ")
    assert damaged_media["incomplete"].endswith(" s could not be decoded")
    html = tmp_path / "r.html"
    result = run("report", "--archive", archive_path, "--format", "html", "--out", html)
    assert result.exit_code == 0
    assert "cut short: " in html.read_text(encoding="utf-8")


# -- check and rescore agree ---------------------------------------------------------------


def test_check_names_the_original_that_rescore_names(tmp_path: Path, archive_path: Path) -> None:
    """check took the claim holding the very bytes as the original, even when an earlier
    claim held the footage in another encoding; rescore names the earliest claim."""
    frames = [pan_frame(i / 15) for i in range(60)]
    _write(tmp_path / "media/orig.mp4", frames)
    again = _write(tmp_path / "media/again.mp4", frames, crf=38)
    manifest = write_manifest(
        tmp_path / "m.jsonl",
        [claim("A", ["media/orig.mp4"]), claim("B", ["media/again.mp4"], day=2)],
    )
    assert run("ingest", manifest, "--archive", archive_path).exit_code == 0
    assert run("rescore", "--archive", archive_path).exit_code == 0
    assert _copies(_report(archive_path, tmp_path), "B") == [("A", "media/orig.mp4")]

    forwarded = shutil.copy(again, tmp_path / "forwarded.mp4")  # B's very bytes
    result = run("check", forwarded, "--archive", archive_path, "--json")
    assert result.exit_code == 0, result.output
    (checked,) = json.loads(result.output)["findings"]
    assert (checked["kind"], checked["other_claim"], checked["other_media"]) == (
        "copy",
        "A",
        "media/orig.mp4",
    )
    assert "B" in json.dumps(checked["evidence"]["also_in"])
