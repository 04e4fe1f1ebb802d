"""The ``provenance`` command: a thin click layer over the library.

Exit codes (the contract): 0 done, findings are not errors; 1 some inputs
failed and the rest were processed; 2 usage error or unreadable manifest;
3 the archive is unavailable (locked, read-only, corrupt, newer), untouched.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from . import __version__
from .archive import DEFAULT_ARCHIVE, open_archive
from .errors import ArchiveError, ClusterError, ProvenanceError, UnreadableManifest
from .model import IdentifierEvidence, MediaStatus, ViewGeometry

# The stages are imported by the commands that use them: `provenance --help` and
# `--version` load no image library (under 0.3 s, BENCHMARKS.md).
if TYPE_CHECKING:
    from .jobs import CheckResult, RescoreSummary

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_ARCHIVE = 0, 1, 2, 3
log = logging.getLogger("provenance")
F = TypeVar("F", bound=Callable[..., Any])


def archive_option(command: F) -> F:
    return click.option(
        "--archive",
        "archive_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=DEFAULT_ARCHIVE,
        envvar="PROVENANCE_ARCHIVE",
        show_default=True,
        show_envvar=True,
        help="The claim archive (SQLite file).",
    )(command)


def workers_option(*, default: int) -> Callable[[F], F]:
    """``--workers N``: processes fingerprinting media (the coordinator alone writes)."""
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=default,
        show_default=True,
        help="Processes fingerprinting media.",
    )


def fail(exc: ProvenanceError) -> NoReturn:
    """Print a clean message for ``exc`` and exit with its contract code."""
    click.echo(f"error: {exc.message}", err=True)
    if isinstance(exc, ArchiveError):
        sys.exit(EXIT_ARCHIVE)
    if isinstance(exc, UnreadableManifest | ClusterError):
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_PARTIAL)


def report_problems(problems: Iterable[str]) -> int:
    count = 0
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
        count += 1
    return count


class _Commands(click.Group):
    """The command group: a bug that escapes a whole command is said to be ours.

    Per-item failures never get here (each is recorded against its item); what
    does is a failure of a whole step, such as scoring. It is logged at ERROR
    with its traceback, and the exit code is 1.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            log.error("internal error in provenance (a bug, not your input)", exc_info=exc)
            click.echo(
                f"error: internal error in provenance ({type(exc).__name__}: {exc});"
                " this is a bug, not a property of your input: the traceback is above",
                err=True,
            )
            sys.exit(EXIT_PARTIAL)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provenance")
@click.option("-v", "--verbose", is_flag=True, help="Log debugging detail.")
@click.option("-q", "--quiet", is_flag=True, help="Log warnings and errors only.")
def main(verbose: bool, quiet: bool) -> None:
    """Check claim footage against an archive of earlier claims.

    \b
    provenance ingest claims.jsonl      add claims and fingerprint their media
    provenance check clip.mp4           what the archive already holds of new footage
    provenance rescore                  the nightly job: findings and scores for every claim
    provenance report --format html --out report.html
    provenance demo --out demo/         everything above on bundled fixtures
    """
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )


@main.command()
@click.argument("manifest", type=click.Path(path_type=Path))
@archive_option
@click.option(
    "--allow-outside", is_flag=True, help="Accept media paths outside the manifest's folder."
)
@click.option(
    "--no-fingerprint", is_flag=True, help="Only store claims; `rescore` fingerprints later."
)
@workers_option(default=1)
def ingest(
    manifest: Path, archive_path: Path, allow_outside: bool, no_fingerprint: bool, workers: int
) -> None:
    """Add the claims of MANIFEST (JSONL or CSV) and fingerprint new media.

    Idempotent: the same manifest again changes nothing. Example:

        provenance ingest claims/2024-11.jsonl --archive claims.db
    """
    try:
        from .intake import read_manifest
        from .jobs import ingest_manifest

        parsed = read_manifest(manifest, allow_outside=allow_outside)
        with open_archive(archive_path, write=True, create=True) as archive:
            summary = ingest_manifest(
                archive, parsed, fingerprint=not no_fingerprint, workers=workers
            )
    except ProvenanceError as exc:
        fail(exc)
    errors = report_problems(p.message for p in summary.problems)
    unreadable = [m for m in summary.media if m.status is MediaStatus.UNREADABLE]
    ours = [(m.file, p) for m in summary.media for p in m.internal_errors]
    errors += report_problems(f"{m.file}: unreadable: {m.error}" for m in unreadable)
    errors += report_problems(
        f"{file}: internal error in {p.stage} (a bug in provenance, not in the footage;"
        f" the traceback is in the log): {p.reason}"
        for file, p in ours
    )
    click.echo(
        f"{len(summary.added)} claims added, {len(summary.unchanged)} already in the archive, "
        f"{len(summary.problems)} refused; {len(summary.media)} new media fingerprinted, "
        f"{len(unreadable)} unreadable, {len(ours)} internal errors"
    )
    sys.exit(EXIT_PARTIAL if errors else EXIT_OK)


@main.command()
@click.argument("media", nargs=-1, required=True)
@archive_option
@click.option(
    "--json", "as_json", is_flag=True, help="Print the contract's JSON instead of a table."
)
def check(media: tuple[str, ...], archive_path: Path, as_json: bool) -> None:
    """Compare MEDIA with the archive without storing anything.

    provenance check new_clip.mp4 still.jpg --json
    """
    try:
        with open_archive(archive_path, write=False) as archive:
            from .jobs import check_media

            result = check_media(archive, media)
    except ProvenanceError as exc:
        fail(exc)
    if as_json:
        from .report.jsonout import finding_dict, media_dict

        payload = {
            "media": [media_dict(m.path, m.record, m.closeup, m.metadata) for m in result.media],
            "findings": [finding_dict(f) for f in result.findings],
        }
        click.echo(json.dumps(payload, indent=1, ensure_ascii=False))
    else:
        _print_check(result)
    sys.exit(EXIT_PARTIAL if result.failed else EXIT_OK)


def _print_check(result: CheckResult) -> None:
    from .scoring import format_span

    for m in result.media:
        status, why = m.record.reported_status, m.record.reported_error
        if m.info is None:
            click.echo(f"{m.path}: {status.value.replace('_', ' ')}: {why}", err=True)
            continue
        if why:
            click.echo(f"{m.path}: checked in part: {why}", err=True)
        info = m.info
        what = f"{info.kind.value} {info.width}x{info.height}" if info else ""
        if info and info.duration_s:
            what += f" {info.duration_s:.1f} s"
        if m.closeup is not None and m.closeup.closeup:
            ids = ", ".join(i.text for i in m.closeup.identifiers) or "none read"
            what += f", identifying close-up (identifiers: {ids})"
        found = [f for f in result.findings if f.media == m.path]
        click.echo(f"{m.path}: {what}: {len(found) or 'no'} finding(s)")
        for f in found:
            seg = ""
            if f.segment:
                seg = (
                    f" {format_span(f.segment.start_s, f.segment.end_s)}"
                    f" = {format_span(f.segment.other_start_s, f.segment.other_end_s)}"
                )
            ev = f.evidence
            shown = f" {ev.identifier}" if isinstance(ev, IdentifierEvidence) else ""
            if isinstance(ev, ViewGeometry) and ev.offset_s is not None:
                shown += f" offset {ev.offset_s:+.2f} s"  # another camera: how its clock relates
            click.echo(
                f"  {f.kind.value:<20} claim {f.other_claim} {f.other_media}{seg}{shown}"
                f"  confidence {f.confidence:.2f}"
            )


@main.command(name="rescore")
@archive_option
@workers_option(default=1)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Send fingerprinting and matching to the Dask cluster at ADDRESS"
    " (tcp://host:8786); see docs/cluster.md.",
)
def rescore_command(archive_path: Path, workers: int, scheduler: str | None) -> None:
    """Process pending media, match new media, then recompute every claim's score.

    Incremental, resumable and one run at a time. Examples (cron):

        provenance rescore --archive /srv/claims.db --workers 2
        provenance rescore --archive /srv/claims.db --scheduler tcp://10.0.0.5:8786
    """
    try:
        with open_archive(archive_path, write=True) as archive:
            from .jobs import rescore

            summary = rescore(archive, workers=workers, scheduler=scheduler)
    except ProvenanceError as exc:
        fail(exc)
    _print_rescore(summary)
    sys.exit(EXIT_PARTIAL if summary.unreadable or summary.internal_errors else EXIT_OK)


def _print_rescore(summary: RescoreSummary) -> None:
    report_problems(f"{m.file}: unreadable: {m.error}" for m in summary.unreadable)
    report_problems(
        f"{where}: internal error in {p.stage} (a bug in provenance, not in the footage;"
        f" the traceback is in the log): {p.reason}"
        for where, p in summary.internal_errors
    )
    click.echo(
        f"run {summary.run_id}: {summary.claims} claims, {len(summary.media)} media fingerprinted "
        f"({len(summary.unreadable)} unreadable, {len(summary.internal_errors)} internal errors), "
        f"{summary.matched} matched for copies and "
        f"{summary.related} for other angles, "
        f"{summary.findings} findings, "
        f"{len(summary.new_claims)} newly scored, {len(summary.changed_scores)} scores changed"
    )
    new = summary.new_claims
    if new:
        shown = ", ".join(f"{c.claim_id} ({c.new})" for c in new[:20])
        more = f" and {len(new) - 20} more" if len(new) > 20 else ""
        click.echo(f"  new claims scored: {shown}{more}")
    for change in summary.changed_scores:
        click.echo(f"  {change.claim_id}: {change.old} -> {change.new}  {change.reason or ''}")


@main.command()
@archive_option
@click.option("--format", "fmt", type=click.Choice(["html", "json", "csv"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--mark",
    "marks",
    multiple=True,
    metavar='DATE="LABEL"',
    help='A dated line across the weekly charts, as 2024-11-18="warning letter" (repeatable).',
)
@click.option(
    "--chart-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the timeline chart alone, for slides (.png or .svg).",
)
def report(
    archive_path: Path, fmt: str, out: Path, marks: tuple[str, ...], chart_out: Path | None
) -> None:
    """Write the credibility report.

    CSV writes one row per claim to OUT and one row per claim of each launch
    to OUT's name with `_launches` added (report.csv: report_launches.csv).

    provenance report --format html --out report.html --mark 2024-11-18="warning letter"
    """
    from .report.charts import Mark

    try:
        dated = [Mark.parse(m) for m in marks]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--mark") from None
    if chart_out is not None and chart_out.suffix.lower() not in (".png", ".svg"):
        raise click.BadParameter(f"{chart_out}: write .png or .svg", param_hint="--chart-out")
    try:
        with open_archive(archive_path, write=False) as archive:
            from .report import collect

            data = collect(archive)
    except ProvenanceError as exc:
        fail(exc)
    try:
        from .report import launches_csv_path, write_report, write_timeline

        write_report(data, fmt, out, dated)
        if chart_out is not None:
            write_timeline(data, chart_out, dated)
    except OSError as exc:
        where = exc.filename or out
        click.echo(f"error: {where}: cannot write the report ({exc.strerror or exc})", err=True)
        sys.exit(EXIT_USAGE)
    if data.unscored:
        click.echo(
            f"note: {len(data.unscored)} claims have no score yet; run `provenance rescore`",
            err=True,
        )
    click.echo(f"wrote {out} ({len(data.claims)} claims)")
    if fmt == "csv":
        click.echo(f"wrote {launches_csv_path(out)} ({len(data.launches)} launches)")
    if chart_out is not None:
        click.echo(f"wrote {chart_out} (the timeline chart)")


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Folder for the fixtures, the archive and the reports.",
)
@workers_option(default=2)
@click.option(
    "--fixtures",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Use these fixtures instead of generating them.",
)
def demo(out: Path, workers: int, fixtures: Path | None) -> None:
    """Build an archive from the bundled fixtures and write the reports.

    provenance demo --out demo/ && xdg-open demo/report.html
    """
    from .jobs import run_demo

    try:
        result = run_demo(out, fixtures=fixtures, workers=workers)
    except ProvenanceError as exc:
        fail(exc)
    click.echo(f"fixtures: {result.fixtures}")
    click.echo(f"archive:  {result.archive}")
    _print_rescore(result.rescore)
    for path in result.reports:
        click.echo(f"report:   {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
