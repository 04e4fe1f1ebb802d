"""Close-ups without text, end to end: recognised by their marks, and the airframe again.

Four claims of seeded close-up photographs: an airframe, another airframe of
the same model, the first airframe again from another angle and light, and a
wide shot. Then ``check`` of two more shots.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
from click.testing import CliRunner, Result
from conftest import claim, write_manifest
from skins import airframe, model_skin, shot, wide, write_jpeg

from provenance.cli import main

MODEL = model_skin(5)
FIRST, SECOND = airframe(MODEL, 21), airframe(MODEL, 22)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _write_video(path: Path, luma, seconds: float = 3.0, fps: int = 10) -> Path:
    """A steady H.264 video of one close-up, moving a pixel a frame (a handheld camera)."""
    from fractions import Fraction

    import av
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = luma.shape[1], luma.shape[0], "yuv420p"
        stream.options = {"crf": "16", "preset": "ultrafast"}
        for i in range(int(seconds * fps)):
            frame = np.repeat(np.roll(luma, i % 3, axis=1)[..., None], 3, axis=2)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_an_airframe_shown_again_without_a_serial_is_found_scored_and_pictured(
    tmp_path: Path, archive_path: Path, monkeypatch
) -> None:
    media = tmp_path / "media"
    write_jpeg(media / "first.jpg", shot(FIRST, 1))
    write_jpeg(media / "sibling.jpg", shot(SECOND, 2))
    write_jpeg(media / "again.jpg", shot(FIRST, 3, gain=0.8))
    write_jpeg(media / "wide.jpg", wide(4, FIRST))
    manifest = write_manifest(
        tmp_path / "claims.jsonl",
        [
            claim("FIRST", ["media/first.jpg"], day=1),
            claim("SIBLING", ["media/sibling.jpg"], day=2),
            claim("AGAIN", ["media/again.jpg"], day=3),
            claim("WIDE", ["media/wide.jpg"], day=4),
        ],
    )
    assert run("ingest", manifest, "--archive", archive_path).exit_code == 0
    assert run("rescore", "--archive", archive_path).exit_code == 0
    out = tmp_path / "report.json"
    assert run("report", "--archive", archive_path, "--format", "json", "--out", out).exit_code == 0
    claims = {c["id"]: c for c in json.loads(out.read_text())["claims"]}

    for cid in ("FIRST", "SIBLING", "AGAIN"):
        (item,) = claims[cid]["media"]
        assert item["closeup"] is True and item["identifiers"] == []
        assert item["closeup_marks"]["marks"] > 0 and item["closeup_marks"]["surface_share"] > 0.5
    (item,) = claims["WIDE"]["media"]
    assert item["closeup"] is False and item["closeup_marks"] is None

    found_all = [f for c in claims.values() for f in c["findings"]]
    (found,) = [f for f in found_all if f["kind"] == "recycled_airframe"]
    assert (found["media"], found["other_claim"], found["other_media"]) == (
        "media/again.jpg",
        "FIRST",
        "media/first.jpg",
    )
    evidence = found["evidence"]
    assert evidence["method"] == "airframe_marks" and evidence["marks_agreeing"] >= 20
    assert evidence["marks_agreeing"] / evidence["marks_compared"] >= 0.8
    assert found in claims["AGAIN"]["findings"]

    def codes(cid: str) -> list[str]:
        return [r["code"] for r in claims[cid]["credibility"]["reasons"]]

    assert codes("FIRST") == ["fresh_airframe"] and codes("SIBLING") == ["fresh_airframe"]
    assert codes("AGAIN") == ["recycled_airframe"] and codes("WIDE") == ["no_identifying_closeup"]
    assert claims["AGAIN"]["credibility"]["score"] < claims["FIRST"]["credibility"]["score"]

    html = tmp_path / "report.html"
    made = run("report", "--archive", archive_path, "--format", "html", "--out", html)
    assert made.exit_code == 0
    page = html.read_text(encoding="utf-8")
    assert "registered onto the left one" in page and "patches of detail compared" in page
    pictures = list((tmp_path / "report_files").glob("claim*.jpg"))
    assert len(pictures) == 1 and cv2.imread(str(pictures[0])).shape[0] == 400

    # new shots checked against the archive: each airframe known by its own marks, the
    # close-ups' word index read as the rescore kept it beside the archive (not rebuilt)
    import provenance.jobs.matching as matching

    (kept,) = archive_path.with_name(archive_path.name + ".index").glob("words-closeups-*")
    assert (kept / "indptr.npy").is_file()

    def not_again(words):
        raise AssertionError("the close-ups' word index was built again")

    monkeypatch.setattr(matching, "closeup_word_index", not_again)
    # an archived close-up checked again is a copy of itself, not a recycled airframe
    result = run("check", media / "again.jpg", "--archive", archive_path, "--json")
    kinds = [(f["kind"], f["other_claim"]) for f in json.loads(result.output)["findings"]]
    assert ("copy", "AGAIN") in kinds and "recycled_airframe" not in {k for k, _ in kinds}
    for shown, expected in ((FIRST, "FIRST"), (SECOND, "SIBLING")):
        new = write_jpeg(tmp_path / "new" / f"{expected}.jpg", shot(shown, 9, gain=1.2))
        result = run("check", new, "--archive", archive_path, "--json")
        assert result.exit_code == 0, result.output
        (finding,) = json.loads(result.output)["findings"]
        assert finding["kind"] == "recycled_airframe" and finding["other_claim"] == expected


def test_rescore_measures_the_close_ups_an_older_version_read_for_text_only(
    tmp_path: Path, archive_path: Path
) -> None:
    """Readings stored without surfaces: the next rescore measures them from the files
    still there and finds the airframe again; a file gone keeps its reading."""
    from dataclasses import replace

    from provenance.archive import open_archive
    from provenance.fingerprint import codecs

    media = tmp_path / "media"
    write_jpeg(media / "first.jpg", shot(FIRST, 1))
    _write_video(media / "again.mp4", shot(FIRST, 3, gain=0.8))  # read again by seeking
    write_jpeg(media / "gone.jpg", shot(SECOND, 2))
    manifest = write_manifest(
        tmp_path / "claims.jsonl",
        [
            claim("FIRST", ["media/first.jpg"], day=1),
            claim("AGAIN", ["media/again.mp4"], day=3),
            claim("GONE", ["media/gone.jpg"], day=4),
        ],
    )
    assert run("ingest", manifest, "--archive", archive_path).exit_code == 0
    assert run("rescore", "--archive", archive_path).exit_code == 0
    older = {codecs.CLOSEUP_PICTURE, codecs.CLOSEUP_WORDS}
    with open_archive(archive_path, write=True) as archive:  # as the last version left it
        readings = {
            sha: codecs.decode_closeup(data)
            for sha, data in archive.fingerprints(codecs.CLOSEUP).items()
        }
        with archive.transaction() as db:
            db.execute(
                f"DELETE FROM fingerprints WHERE kind IN ({','.join('?' * len(older))})",
                tuple(older),
            )
            db.execute("DELETE FROM matches")
            db.execute("DELETE FROM matched")
        for sha, reading in readings.items():
            text_only = codecs.encode_closeup(replace(reading, surfaces=()))
            archive.add_fingerprint(sha, codecs.CLOSEUP, text_only)
    (media / "gone.jpg").unlink()
    assert run("rescore", "--archive", archive_path).exit_code == 0
    with open_archive(archive_path, write=False) as archive:
        now = {
            sha: codecs.decode_closeup(data)
            for sha, data in archive.fingerprints(codecs.CLOSEUP).items()
        }
        assert sorted(len(r.surfaces) for r in now.values()) == [0, 1, 3]
        assert len(archive.fingerprints(codecs.CLOSEUP_PICTURE)) == 2
        kinds = {cid: [f.kind.value for f in archive.findings(cid)] for cid in ("AGAIN", "GONE")}
    assert kinds["AGAIN"] == ["recycled_airframe"]
    assert kinds["GONE"] == ["no_closeup"]  # its reading stands as the older version made it


def test_rescore_keeps_the_picture_of_a_close_up_an_older_rule_did_not_count(
    tmp_path: Path, archive_path: Path
) -> None:
    """A close-up the rule of an older version did not count kept no picture, and its
    airframe was matched by an older matcher: the next rescore keeps its picture from
    the file (the surfaces stored stay as they are) and finds the airframe again."""
    from provenance.archive import open_archive
    from provenance.fingerprint import codecs

    media = tmp_path / "media"
    write_jpeg(media / "first.jpg", shot(FIRST, 1))
    write_jpeg(media / "again.jpg", shot(FIRST, 3, gain=0.8))
    manifest = write_manifest(
        tmp_path / "claims.jsonl",
        [claim("FIRST", ["media/first.jpg"], day=1), claim("AGAIN", ["media/again.jpg"], day=3)],
    )
    assert run("ingest", manifest, "--archive", archive_path).exit_code == 0
    assert run("rescore", "--archive", archive_path).exit_code == 0
    older = (codecs.CLOSEUP_PICTURE, codecs.CLOSEUP_WORDS)
    with open_archive(archive_path, write=True) as archive:  # as the older version left it
        readings = archive.fingerprints(codecs.CLOSEUP)
        with archive.transaction() as db:
            db.execute("DELETE FROM fingerprints WHERE kind IN (?, ?)", older)
            db.execute("DELETE FROM matches WHERE family = 'airframes'")
            db.execute("UPDATE matched SET matcher = 'airframes-v1' WHERE family = 'airframes'")
    assert run("rescore", "--archive", archive_path).exit_code == 0
    with open_archive(archive_path, write=False) as archive:
        assert archive.fingerprints(codecs.CLOSEUP) == readings
        assert len(archive.fingerprints(codecs.CLOSEUP_PICTURE)) == 2
        kinds = [f.kind.value for f in archive.findings("AGAIN")]
    assert kinds == ["recycled_airframe"]
