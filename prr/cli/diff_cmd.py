"""`prr diff OLD NEW`: what changed between two review records."""

from __future__ import annotations

from pathlib import Path

import click

from prr.workflow.record_diff import diff_records
from prr.workflow.reporting import load_record


@click.command("diff")
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option("--ref", default="HEAD", show_default=True, help="Read committed records at this commit.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff_command(old: Path, new: Path, ref: str, fmt: str) -> None:
    """Show what changed from the review record OLD to NEW (record folders or their
    record.toml): items, answers, evidence, notes, waivers, signers and the verdict.

    A record not committed at REF is read from the working tree. Exit 0 whenever both
    records could be read, whether or not they differ."""
    before, after = load_record(old, ref), load_record(new, ref)
    diff = diff_records(before.record, after.record, before.signed, after.signed)
    if fmt == "json":
        from prr.report.json_report import diff_json, dumps

        click.echo(dumps(diff_json(before, after, diff)), nl=False)
    else:
        from prr.report.diff_text import render_text

        click.echo(render_text(before, after, diff))
