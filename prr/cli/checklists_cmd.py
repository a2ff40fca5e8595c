"""`prr checklists list | show | lint`."""

from __future__ import annotations

import datetime as dt
import json

import click

from prr.cli.render_pack import render_list, render_pack
from prr.exit_codes import ExitCode
from prr.format.pack_json import pack_to_data
from prr.workflow import checklists as workflow
from prr.workflow import scorers

FORMAT = click.Choice(["text", "json"])


@click.group()
def checklists() -> None:
    """List, show and lint readiness checklist packs."""


@checklists.command("list")
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True)
def list_packs(fmt: str) -> None:
    """The built-in packs."""
    summaries = workflow.list_builtin()
    if fmt == "json":
        click.echo(json.dumps([vars(s) for s in summaries], indent=2))
    else:
        click.echo(render_list(summaries))


@checklists.command("show")
@click.argument("pack")
@click.option("--tier", type=click.IntRange(0, 3), help="Only the items asked at this tier, with their requirement.")
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True)
def show(pack: str, tier: int | None, fmt: str) -> None:
    """Show PACK (a built-in name or a file), resolved through `extends`."""
    resolved = workflow.open_pack(pack)
    if fmt == "json":
        click.echo(json.dumps(pack_to_data(resolved, tier), indent=2, ensure_ascii=False))
    else:
        click.echo(render_pack(resolved, tier))


@checklists.command("lint")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--scorer",
    "scorer_file",
    metavar="FILE",
    help="Also load your scorer FILE and try it on each pack at every tier.",
)
def lint(files: tuple[str, ...], scorer_file: str | None) -> None:
    """Check pack FILES; print every problem as file:line:col: message."""
    scorer = scorers.load_scorer(scorer_file) if scorer_file else None
    problems = workflow.lint(list(files))
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise click.exceptions.Exit(ExitCode.USAGE)
    if scorer is not None:
        now = dt.datetime.now(dt.UTC)
        for ref in files:
            scorers.try_scorer(scorer, workflow.open_pack(ref), now)
    checked = f" with scorer {scorer.id!r}" if scorer else ""
    click.echo(f"{len(files)} pack{'s' if len(files) != 1 else ''} OK{checked}")
