import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import claim, write_manifest

from provenance.errors import UnreadableManifest
from provenance.intake import read_manifest


def test_valid_jsonl_manifest(workdir: Path) -> None:
    path = write_manifest(
        workdir / "m.jsonl",
        [
            claim(
                "C1",
                ["media/a.mp4", "media/still.jpg"],
                target="airbase",
                text="We struck",
                source="channel/1",
                views=1200,
            ),
            "",
            claim("C2", ["media/b.mp4"], day=2),
        ],
    )
    manifest = read_manifest(path)
    assert manifest.problems == ()
    first, second = manifest.entries
    assert first.claim.id == "C1" and first.line == 1 and second.line == 3
    assert first.claim.media == ("media/a.mp4", "media/still.jpg")
    assert first.files == (
        (workdir / "media/a.mp4").resolve(),
        (workdir / "media/still.jpg").resolve(),
    )
    assert first.claim.extra == {"views": 1200}  # unknown fields are kept
    assert first.claim.claimed_at == datetime(2024, 10, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-11-06", datetime(2024, 11, 6, tzinfo=UTC)),
        ("2024-11-06T18:20:00", datetime(2024, 11, 6, 18, 20, tzinfo=UTC)),
        ("2024-11-06T18:20:00Z", datetime(2024, 11, 6, 18, 20, tzinfo=UTC)),
        ("2024-11-06T20:20:00+02:00", datetime(2024, 11, 6, 18, 20, tzinfo=UTC)),
    ],
)
def test_claimed_at_forms(workdir: Path, value: str, expected: datetime) -> None:
    path = write_manifest(
        workdir / "m.jsonl", [{**claim("C1", ["media/a.mp4"]), "claimed_at": value}]
    )
    assert read_manifest(path).entries[0].claim.claimed_at == expected


BAD_LINES = [
    ("not json", "{not json", "not valid JSON"),
    ("array", "[1, 2]", "one JSON object"),
    ("missing id", {"claimed_at": "2024-10-01", "group": "g", "media": ["media/a.mp4"]}, "id"),
    ("missing media", {"id": "X", "claimed_at": "2024-10-01", "group": "g"}, "media"),
    ("empty media", {"id": "X", "claimed_at": "2024-10-01", "group": "g", "media": []}, "media"),
    ("bad id chars", claim("C 1/x", ["media/a.mp4"]), "bad id"),
    ("id too long", claim("C" * 65, ["media/a.mp4"]), "bad id"),
    ("malformed date", {**claim("X", ["media/a.mp4"]), "claimed_at": "06/11/2024"}, "ISO-8601"),
    ("impossible date", {**claim("X", ["media/a.mp4"]), "claimed_at": "2024-02-30"}, "ISO-8601"),
    ("date not text", {**claim("X", ["media/a.mp4"]), "claimed_at": 20241106}, "ISO-8601"),
    ("group not text", {**claim("X", ["media/a.mp4"]), "group": 5}, "group"),
    ("text not text", claim("X", ["media/a.mp4"], text=["a"]), "text must be text"),
    ("dotdot path", claim("X", ["../outside.mp4"]), "leaves the manifest's folder"),
    ("sneaky dotdot", claim("X", ["media/../../outside.mp4"]), "leaves the manifest's folder"),
    ("absolute path", claim("X", ["/etc/passwd"]), "absolute media paths are refused"),
    ("missing file", claim("X", ["media/nope.mp4"]), "media file not found"),
    ("directory", claim("X", ["media"]), "not a regular file"),
    ("nul byte", claim("X", ["media/a.mp4\x00.jpg"]), "NUL"),
    ("huge line", claim("X", ["media/a.mp4"], text="x" * 10_000_000), "over the limit"),
]


@pytest.mark.parametrize(("name", "line", "reason"), BAD_LINES, ids=[b[0] for b in BAD_LINES])
def test_bad_line_is_reported_and_good_lines_taken(
    workdir: Path, name: str, line: dict | str, reason: str
) -> None:
    (workdir.parent / "outside.mp4").write_bytes(b"x")
    path = write_manifest(
        workdir / "m.jsonl",
        [claim("GOOD1", ["media/a.mp4"]), line, claim("GOOD2", ["media/b.mp4"])],
    )
    manifest = read_manifest(path)
    assert [e.claim.id for e in manifest.entries] == ["GOOD1", "GOOD2"]
    (problem,) = manifest.problems
    assert problem.line == 2
    assert reason in problem.reason
    assert f"{path}:2:" in problem.message


def test_duplicate_id_reported_not_merged(workdir: Path) -> None:
    path = write_manifest(
        workdir / "m.jsonl", [claim("C1", ["media/a.mp4"]), claim("C1", ["media/b.mp4"], day=5)]
    )
    manifest = read_manifest(path)
    assert [e.claim.media for e in manifest.entries] == [("media/a.mp4",)]
    (problem,) = manifest.problems
    assert problem.line == 2 and "duplicate claim id 'C1' (first on line 1)" in problem.reason


def test_symlink_leaving_the_folder_is_refused_unless_allowed(
    workdir: Path, tmp_path_factory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "v.mp4"
    elsewhere.write_bytes((workdir / "media/a.mp4").read_bytes())
    os.symlink(elsewhere, workdir / "media/link.mp4")
    os.symlink(workdir / "media/a.mp4", workdir / "media/inside_link.mp4")
    path = write_manifest(
        workdir / "m.jsonl",
        [claim("C1", ["media/link.mp4"]), claim("C2", ["media/inside_link.mp4"])],
    )
    manifest = read_manifest(path)
    assert [e.claim.id for e in manifest.entries] == ["C2"]
    assert "leaves the manifest's folder" in manifest.problems[0].reason
    allowed = read_manifest(path, allow_outside=True)
    assert [e.claim.id for e in allowed.entries] == ["C1", "C2"]
    assert allowed.entries[0].files == (elsewhere.resolve(),)


def test_symlink_loop_is_reported(workdir: Path) -> None:
    os.symlink(workdir / "media/loop2.mp4", workdir / "media/loop1.mp4")
    os.symlink(workdir / "media/loop1.mp4", workdir / "media/loop2.mp4")
    path = write_manifest(workdir / "m.jsonl", [claim("C1", ["media/loop1.mp4"])])
    (problem,) = read_manifest(path).problems
    assert problem.line == 1 and "media/loop1.mp4" in problem.reason


def test_names_with_spaces_quotes_and_non_latin_letters(workdir: Path) -> None:
    name = "media/удар \"нічний\" 'ok' ضربة.mp4"
    (workdir / name).write_bytes((workdir / "media/a.mp4").read_bytes())
    path = write_manifest(workdir / "m.jsonl", [claim("C1", [name])])
    manifest = read_manifest(path)
    assert manifest.problems == () and manifest.entries[0].claim.media == (name,)


def test_csv_manifest(workdir: Path) -> None:
    path = workdir / "m.csv"
    path.write_text(
        "id,claimed_at,group,target,text,source,media,extra_col\n"
        'C1,2024-10-01T12:00:00Z,Brigade North,airbase,"Struck, twice",ch/1,'
        "media/a.mp4;media/still.jpg,x\n"
        "C2,2024-10-02,Eastern Falcons,,,,media/b.mp4,\n"
        "C3,yesterday,Eastern Falcons,,,,media/c.mp4,\n",
        encoding="utf-8",
    )
    manifest = read_manifest(path)
    c1, c2 = (e.claim for e in manifest.entries)
    assert c1.media == ("media/a.mp4", "media/still.jpg") and c1.text == "Struck, twice"
    assert c1.extra == {"extra_col": "x"} and c2.target is None
    (problem,) = manifest.problems
    assert problem.line == 4 and "ISO-8601" in problem.reason


def test_csv_without_required_columns_is_unreadable(workdir: Path) -> None:
    path = workdir / "m.csv"
    path.write_text("id,group\nC1,g\n", encoding="utf-8")
    with pytest.raises(UnreadableManifest, match="lacks column"):
        read_manifest(path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "cannot read"), (b"\xff\xfe\x00bad", "not UTF-8")],
    ids=["missing", "binary"],
)
def test_unreadable_manifest(tmp_path: Path, content: bytes | None, reason: str) -> None:
    path = tmp_path / "m.jsonl"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UnreadableManifest, match=reason):
        read_manifest(path)
