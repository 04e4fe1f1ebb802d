"""The JSON report against the JSON Schema kept in the repository."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(
        resources.files("provenance.report").joinpath("report.schema.json").read_text()
    )
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture(scope="module")
def report(demo) -> dict:
    return json.loads(next(p for p in demo.reports if p.suffix == ".json").read_text())


def test_the_demo_report_follows_the_schema(validator, report):
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(report)]
    assert not errors, errors[:5]
    kinds = {f["kind"] for c in report["claims"] for f in c["findings"]}
    assert {"copy", "recycled_identifier", "no_closeup"} <= kinds  # the schema saw them all
    hows = {c["how"] for la in report["launches"] for c in la["later"]}
    assert {"copy", "other_angle", "recycled_airframe"} <= hows


@pytest.mark.parametrize(
    ("where", "bad"),
    [
        (("claims", 0, "credibility", "score"), 101),
        (("claims", 0, "credibility", "rating"), "excellent"),
        (("claims", 0, "media", 0, "closeup"), "yes"),
        (("claims", 0, "id"), "C 1"),
        (("scoring_model",), ""),
        (("launches", 0, "later", 0, "how"), "rumour"),
        (("launches", 0, "id"), "launch 1"),
        (("launches", 0, "claim_count"), 0),
    ],
)
def test_the_schema_refuses_what_the_contract_forbids(validator, report, where, bad):
    broken = copy.deepcopy(report)
    target = broken
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = bad
    assert not validator.is_valid(broken)


def test_a_finding_of_an_unknown_kind_is_refused(validator, report):
    broken = copy.deepcopy(report)
    claim = next(c for c in broken["claims"] if c["findings"])
    claim["findings"][0]["kind"] = "rumour"
    assert not validator.is_valid(broken)


def test_check_json_prints_the_same_media_and_finding_objects(validator, tmp_path, archive_path):
    """``check --json``: its ``media`` and ``findings`` follow the report's definitions."""
    import shutil

    from click.testing import CliRunner
    from conftest import FIXTURES, claim, write_manifest

    from provenance.cli import main

    (tmp_path / "media").mkdir()
    shutil.copy(FIXTURES / "media" / "C001_b.mp4", tmp_path / "media" / "closeup.mp4")
    manifest = write_manifest(tmp_path / "claims.jsonl", [claim("C1", ["media/closeup.mp4"])])
    runner = CliRunner()
    assert (
        runner.invoke(main, ["ingest", str(manifest), "--archive", str(archive_path)]).exit_code
        == 0
    )
    result = runner.invoke(
        main,
        ["check", str(FIXTURES / "media" / "C010_b.jpg"), "--archive", str(archive_path), "--json"],
    )
    payload = json.loads(result.output)
    schema = validator.schema
    check_schema = {
        "$defs": schema["$defs"],
        "type": "object",
        "required": ["media", "findings"],
        "additionalProperties": False,
        "properties": {
            "media": {"type": "array", "items": {"$ref": "#/$defs/media"}},
            "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
        },
    }
    errors = list(jsonschema.Draft202012Validator(check_schema).iter_errors(payload))
    assert not errors, [e.message for e in errors[:3]]
    assert [f["kind"] for f in payload["findings"]] == ["recycled_identifier"]
