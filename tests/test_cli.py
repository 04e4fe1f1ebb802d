import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import FIXTURES, claim, write_manifest, write_video

from provenance.archive import open_archive
from provenance.cli import main
from provenance.scoring import SCORING_MODEL


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def manifest(workdir: Path) -> Path:
    shutil.copy(workdir / "media/a.mp4", workdir / "media/a_reupload.mp4")
    return write_manifest(
        workdir / "claims.jsonl",
        [
            claim(
                "C1",
                ["media/a.mp4", "media/still.jpg"],
                target="airbase",
                text="<script>alert(1)</script> удар",
            ),
            claim("C2", ["media/b.mp4"], day=3, group="Eastern Falcons"),
            claim("C3", ["media/a_reupload.mp4", "media/c.mp4"], day=5),
        ],
    )


def test_ingest_rescore_report_end_to_end(
    manifest: Path, archive_path: Path, tmp_path: Path
) -> None:
    result = run("ingest", manifest, "--archive", archive_path)
    assert result.exit_code == 0, result.output
    assert "3 claims added, 0 already in the archive, 0 refused; 4 new media" in result.output

    result = run("rescore", "--archive", archive_path)
    assert result.exit_code == 0, result.output
    # one copy; and no claim of noise videos shows an identifying close-up
    assert "3 claims" in result.output and "4 findings" in result.output

    out = tmp_path / "r.json"
    assert run("report", "--archive", archive_path, "--format", "json", "--out", out).exit_code == 0
    report = json.loads(out.read_text())
    assert report["schema"] == 1 and report["scoring_model"] == SCORING_MODEL
    claims = {c["id"]: c for c in report["claims"]}
    assert [c["id"] for c in report["claims"]] == ["C1", "C2", "C3"]
    for c in claims.values():
        assert [f["kind"] for f in c["findings"] if f["kind"] != "copy"] == ["no_closeup"]
        assert all(m["closeup"] is False and m["identifiers"] == [] for m in c["media"])
    (finding,) = [f for f in claims["C3"]["findings"] if f["kind"] == "copy"]
    assert finding["kind"] == "copy" and finding["media"] == "media/a_reupload.mp4"
    assert finding["other_claim"] == "C1" and finding["other_media"] == "media/a.mp4"
    assert finding["confidence"] == 1.0
    assert finding["segment"]["end_s"] == pytest.approx(2.0, abs=0.15)
    c3 = claims["C3"]["credibility"]
    assert c3["score"] < claims["C1"]["credibility"]["score"]
    assert c3["reasons"][0]["code"] == "copy_of_earlier_claim"
    assert "media/a_reupload.mp4 00:00-00:02 repeats media/a.mp4" in c3["reasons"][0]["text"]
    assert not [f for f in claims["C1"]["findings"] if f["kind"] == "copy"]  # the original
    media = claims["C1"]["media"]
    assert [m["path"] for m in media] == ["media/a.mp4", "media/still.jpg"]
    assert [m["kind"] for m in media] == ["video", "image"]
    assert all(len(m["sha256"]) == 64 and m["error"] is None for m in media)


def test_reingest_is_idempotent(manifest: Path, archive_path: Path) -> None:
    run("ingest", manifest, "--archive", archive_path)
    result = run("ingest", manifest, "--archive", archive_path)
    assert result.exit_code == 0
    assert "0 claims added, 3 already in the archive" in result.output


def test_bad_lines_exit_1_and_name_the_line(workdir: Path, archive_path: Path) -> None:
    path = write_manifest(
        workdir / "m.jsonl",
        [claim("C1", ["media/a.mp4"]), "{oops", claim("C2", ["media/missing.mp4"])],
    )
    result = run("ingest", path, "--archive", archive_path)
    assert result.exit_code == 1
    assert f"{path}:2: not valid JSON" in result.output
    assert f"{path}:3: claim 'C2': media/missing.mp4: media file not found" in result.output
    assert "1 claims added" in result.output


def test_unreadable_media_is_recorded_and_the_rest_goes_on(
    workdir: Path, archive_path: Path
) -> None:
    (workdir / "media/broken.mp4").write_bytes(b"not a video at all" * 50)
    path = write_manifest(workdir / "m.jsonl", [claim("C1", ["media/broken.mp4", "media/a.mp4"])])
    result = run("ingest", path, "--archive", archive_path)
    assert result.exit_code == 1
    assert "broken.mp4: unreadable: neither an image nor a video" in result.output
    out = workdir / "r.json"
    run("rescore", "--archive", archive_path)
    run("report", "--archive", archive_path, "--format", "json", "--out", out)
    (c1,) = json.loads(out.read_text())["claims"]
    assert c1["media"][0]["error"].startswith("neither an image nor a video")
    assert c1["media"][0]["status"] == "unreadable"
    assert c1["media"][1]["kind"] == "video" and c1["media"][1]["status"] == "done"
    # the unreadable item costs nothing; the readable one (noise) shows no close-up
    reasons = {r["code"]: r for r in c1["credibility"]["reasons"]}
    assert set(reasons) == {"media_unreadable", "no_identifying_closeup"}
    assert reasons["media_unreadable"]["effect"] == 0
    assert "(media/a.mp4)" in reasons["no_identifying_closeup"]["text"]


def test_unreadable_manifest_is_a_usage_error(tmp_path: Path, archive_path: Path) -> None:
    result = run("ingest", tmp_path / "nope.jsonl", "--archive", archive_path)
    assert result.exit_code == 2 and "cannot read the manifest" in result.output
    assert not archive_path.exists()


def test_bad_option_is_a_usage_error(archive_path: Path) -> None:
    assert run("report", "--archive", archive_path, "--format", "pdf", "--out", "x").exit_code == 2


def test_locked_archive_exits_3(manifest: Path, archive_path: Path) -> None:
    with open_archive(archive_path, write=True, create=True):
        for args in (("ingest", manifest), ("rescore",)):
            result = run(*args, "--archive", archive_path)
            assert result.exit_code == 3
            assert "another provenance run holds the archive" in result.output


def test_not_an_archive_exits_3_untouched(manifest: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("my notes\n")
    for args in (
        ("ingest", manifest),
        ("rescore",),
        ("report", "--format", "json", "--out", tmp_path / "r"),
    ):
        result = run(*args, "--archive", bogus)
        assert result.exit_code == 3 and "not an SQLite database" in result.output
    assert bogus.read_text() == "my notes\n"


def test_archive_from_environment(manifest: Path, archive_path: Path) -> None:
    result = CliRunner(env={"PROVENANCE_ARCHIVE": str(archive_path)}).invoke(
        main, ["ingest", str(manifest)]
    )
    assert result.exit_code == 0 and archive_path.exists()


def test_check_finds_reupload_without_storing(
    manifest: Path, archive_path: Path, tmp_path: Path
) -> None:
    run("ingest", manifest, "--archive", archive_path)
    copy = tmp_path / "new" / "forwarded.mp4"
    copy.parent.mkdir()
    shutil.copy(manifest.parent / "media/b.mp4", copy)
    fresh = write_video(tmp_path / "new" / "fresh.mp4", seed=99)
    before = {c.claim.id for c in open_archive(archive_path, write=False).claims()}

    result = run("check", copy, fresh, "--archive", archive_path, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert [m["path"] for m in payload["media"]] == [str(copy), str(fresh)]
    (finding,) = payload["findings"]
    assert finding["media"] == str(copy) and finding["other_claim"] == "C2"
    assert finding["other_media"] == "media/b.mp4"

    table = run("check", copy, "--archive", archive_path)
    assert "copy" in table.output and "claim C2 media/b.mp4" in table.output
    with open_archive(archive_path, write=False) as archive:
        assert {c.claim.id for c in archive.claims()} == before
        assert len(archive.all_media()) == 4  # a_reupload.mp4 is a.mp4


def test_check_reports_an_identifier_already_shown_in_the_archive(
    tmp_path: Path, archive_path: Path
) -> None:
    """A new shot of an archived airframe: not a copy, but its serial was shown before."""
    (tmp_path / "media").mkdir()
    shutil.copy(FIXTURES / "media" / "C001_b.mp4", tmp_path / "media" / "closeup.mp4")
    manifest = write_manifest(tmp_path / "claims.jsonl", [claim("C1", ["media/closeup.mp4"])])
    assert run("ingest", manifest, "--archive", archive_path).exit_code == 0
    new = FIXTURES / "media" / "C010_b.jpg"

    result = run("check", new, "--archive", archive_path, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    (media,) = payload["media"]
    assert media["closeup"] is True and [i["text"] for i in media["identifiers"]] == ["BN-1042"]
    (finding,) = payload["findings"]
    assert finding["kind"] == "recycled_identifier" and finding["other_claim"] == "C1"
    assert finding["other_media"] == "media/closeup.mp4"
    assert finding["evidence"]["identifier"] == "BN-1042"

    table = run("check", new, "--archive", archive_path).output
    assert "identifying close-up (identifiers: BN-1042)" in table
    assert "recycled_identifier" in table and "claim C1 media/closeup.mp4 BN-1042" in table


def test_check_tells_another_camera_from_another_day(tmp_path: Path, archive_path: Path) -> None:
    """Fixture A1-cam1 archived: A1-cam2 is its launch from elsewhere, A2 that site on
    another day (the sound tells them apart)."""
    (tmp_path / "media").mkdir()
    shutil.copy(FIXTURES / "media" / "C001_a.mp4", tmp_path / "media" / "cam1.mp4")
    manifest = write_manifest(tmp_path / "claims.jsonl", [claim("C1", ["media/cam1.mp4"])])
    assert run("ingest", manifest, "--archive", archive_path).exit_code == 0
    other_camera, other_day = FIXTURES / "media" / "C024_a.mp4", FIXTURES / "media" / "C007_a.mp4"

    result = run("check", other_camera, other_day, "--archive", archive_path, "--json")
    assert result.exit_code == 0, result.output
    found = {(f["media"], f["kind"]) for f in json.loads(result.output)["findings"]}
    assert found == {(str(other_camera), "other_angle"), (str(other_day), "same_site")}
    angle = next(f for f in json.loads(result.output)["findings"] if f["kind"] == "other_angle")
    assert angle["other_claim"] == "C1" and angle["evidence"]["sound_says"] == "same launch"
    table = run("check", other_camera, "--archive", archive_path).output
    assert "other_angle" in table and "claim C1 media/cam1.mp4 offset" in table


def test_check_bad_file_exits_1_and_goes_on(
    manifest: Path, archive_path: Path, tmp_path: Path
) -> None:
    run("ingest", manifest, "--archive", archive_path)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    result = run(
        "check",
        empty,
        tmp_path / "missing.mp4",
        manifest.parent / "media/c.mp4",
        "--archive",
        archive_path,
        "--json",
    )
    assert result.exit_code == 1
    media = json.loads(result.stdout)["media"]
    assert media[0]["error"] == "empty file (0 bytes)"
    assert "cannot read" in media[1]["error"]
    assert media[2]["error"] is None and media[2]["kind"] == "video"


def test_csv_and_html_reports(
    manifest: Path, archive_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an analysis this version would not run: the report must say its absence is no evidence
    from provenance.report import html as html_report

    off = ("future", "something not looked for in this version", False)
    monkeypatch.setattr(html_report, "ANALYSES", (*html_report.ANALYSES, off))
    run("ingest", manifest, "--archive", archive_path)
    run("rescore", "--archive", archive_path)
    run("report", "--archive", archive_path, "--format", "csv", "--out", tmp_path / "r.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text())))
    assert [r["id"] for r in rows] == ["C1", "C2", "C3"]
    assert rows[2]["copy_findings"] == "1" and "repeats media/a.mp4" in rows[2]["top_reason"]

    run("report", "--archive", archive_path, "--format", "html", "--out", tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; удар" in html
    assert 'id="claim-C3"' in html
    assert "something not looked for in this version: <em>not analysed yet" in html
    assert html.count("not analysed yet") == 1  # every real analysis ran


def test_csv_report_defuses_spreadsheet_formulas(
    workdir: Path, archive_path: Path, tmp_path: Path
) -> None:
    path = write_manifest(
        workdir / "m.jsonl", [claim("C1", ["media/a.mp4"], target='=HYPERLINK("x")')]
    )
    run("ingest", path, "--archive", archive_path)
    run("report", "--archive", archive_path, "--format", "csv", "--out", tmp_path / "r.csv")
    (row,) = csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text()))
    assert row["target"] == '\'=HYPERLINK("x")'


def test_the_command_line_starts_without_the_image_libraries() -> None:
    """`provenance --help` and `--version` must start at once (BENCHMARKS.md: under 0.3 s):
    the stages, and OpenCV, NumPy and PyAV with them, load in the commands that use them."""
    import subprocess
    import sys

    code = (
        "import sys, provenance.cli; "
        "heavy = sorted({'cv2', 'numpy', 'av', 'scipy', 'onnxruntime'} & set(sys.modules)); "
        "print(','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_a_file_recorded_long_before_its_claim_is_found_and_explained(
    workdir: Path, archive_path: Path, tmp_path: Path
) -> None:
    """The file's own capture time, months before the claim: a finding, -30, once per footage."""
    write_video(workdir / "media/old.mp4", seed=7, tags={"creation_time": "2024-06-01T08:00:00Z"})
    write_video(workdir / "media/fresh.mp4", seed=8, tags={"creation_time": "2024-10-02T11:00:00Z"})
    shutil.copy(workdir / "media/old.mp4", workdir / "media/old_again.mp4")
    manifest = write_manifest(
        workdir / "claims.jsonl",
        [
            claim("OLD", ["media/old.mp4"], day=2),
            claim("FRESH", ["media/fresh.mp4"], day=2),
            claim("AGAIN", ["media/old_again.mp4"], day=9),
        ],
    )
    assert run("ingest", manifest, "--archive", archive_path).exit_code == 0
    assert run("rescore", "--archive", archive_path).exit_code == 0
    out = tmp_path / "r.json"
    assert run("report", "--archive", archive_path, "--format", "json", "--out", out).exit_code == 0
    claims = {c["id"]: c for c in json.loads(out.read_text())["claims"]}

    (found,) = [f for f in claims["OLD"]["findings"] if f["kind"] == "recorded_before_claim"]
    assert found["media"] == "media/old.mp4" and found["other_claim"] is None
    assert found["evidence"]["field"] == "container creation_time"
    assert found["evidence"]["days_before_claim"] == pytest.approx(123.17, abs=0.01)
    reasons = {r["code"]: r for r in claims["OLD"]["credibility"]["reasons"]}
    assert reasons["recorded_before_claim"]["effect"] == -30
    assert "2024-06-01T08:00:00Z" in reasons["recorded_before_claim"]["text"]
    metadata = claims["OLD"]["media"][0]["metadata"]
    assert metadata["capture_time"] == "2024-06-01T08:00:00Z" and metadata["c2pa"] is None

    assert not [f for f in claims["FRESH"]["findings"] if f["kind"] == "recorded_before_claim"]
    codes = {r["code"] for r in claims["AGAIN"]["credibility"]["reasons"]}
    assert {"copy_of_earlier_claim", "recorded_before_claim_in_copy"} <= codes
    assert "recorded_before_claim" not in codes


def test_rescore_reads_the_metadata_an_older_version_did_not(
    workdir: Path, archive_path: Path
) -> None:
    from provenance.fingerprint import codecs

    write_video(workdir / "media/old.mp4", seed=7, tags={"creation_time": "2024-06-01T08:00:00Z"})
    manifest = write_manifest(workdir / "claims.jsonl", [claim("OLD", ["media/old.mp4"], day=2)])
    assert run("ingest", manifest, "--archive", archive_path).exit_code == 0
    assert run("rescore", "--archive", archive_path).exit_code == 0
    with open_archive(archive_path, write=True) as archive:  # as the last version left it
        with archive.transaction() as db:
            db.execute("DELETE FROM fingerprints WHERE kind = ?", (codecs.METADATA,))
        assert archive.fingerprints(codecs.METADATA) == {}
    assert run("rescore", "--archive", archive_path).exit_code == 0
    with open_archive(archive_path, write=False) as archive:
        assert len(archive.fingerprints(codecs.METADATA)) == 1
        kinds = [f.kind.value for f in archive.findings("OLD")]
    assert "recorded_before_claim" in kinds


def test_report_marks_and_the_chart_for_slides(
    manifest: Path, archive_path: Path, tmp_path: Path
) -> None:
    assert run("ingest", manifest, "--archive", archive_path).exit_code == 0
    assert run("rescore", "--archive", archive_path).exit_code == 0
    html, png = tmp_path / "r.html", tmp_path / "slides" / "timeline.png"
    result = run(
        "report", "--archive", archive_path, "--format", "html", "--out", html,
        "--mark", "2024-10-02=warning letter", "--chart-out", png,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert 'class="mark-label"' in html.read_text()
    assert html.read_text().count("2024-10-02 warning letter") == 3  # both charts, and the note
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = CliRunner().invoke(
        main, ["report", "--archive", str(archive_path), "--format", "html", "--out", str(html),
               "--mark", "2024-10-32=late"],
    )  # fmt: skip
    assert bad.exit_code == 2 and "is not a date" in bad.output
    svg = tmp_path / "t.svg"
    assert run(
        "report", "--archive", archive_path, "--format", "json", "--out", tmp_path / "r.json",
        "--chart-out", svg,
    ).exit_code == 0  # fmt: skip
    assert svg.read_text().startswith('<svg id="timeline-chart"')
