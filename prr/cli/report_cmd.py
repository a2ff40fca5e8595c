"""`prr report RECORD`: a readiness meeting and audit report of one review record."""

from __future__ import annotations

from pathlib import Path

import click

from prr.adapters.atomic import write_atomic
from prr.cli.trust_options import trust_options
from prr.workflow.reporting import ReportData, ReportOptions, gather


def render(data: ReportData, fmt: str) -> str:
    """The report in FORMAT; renderers are imported only for the format asked."""
    if fmt == "html":
        from prr.report.html import render_html

        return render_html(data)
    if fmt == "json":
        from prr.report.json_report import dumps, report_json

        return dumps(report_json(data))
    from prr.report.markdown import render_markdown

    return render_markdown(data)


@click.command("report")
@click.argument("record", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
@trust_options
@click.option("--ref", default="HEAD", show_default=True, help="Read the record and signatures at this commit.")
@click.option("--checklist", type=click.Path(dir_okay=False, path_type=Path), help="Pack file of non-built-in records.")
def report_command(
    record: Path,
    fmt: str,
    output: Path | None,
    allowed_signers: Path | None,
    revoked: Path | None,
    repository_signers: str | None,
    ref: str,
    checklist: Path | None,
) -> None:
    """Report on RECORD (a record folder or its record.toml): verdict, sections, blockers,
    waivers, evidence at the reviewed commit, signers, and what changed since the previous
    review.

    Without an allowed_signers file the signatures are shown as not verified. Exit 0 when
    the report is written, whatever the record's status (see prr verify for a gate)."""
    options = ReportOptions(ref, allowed_signers, revoked, repository_signers, checklist)
    text = render(gather(record, options), fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text.encode("utf-8"))
        click.echo(str(output))
