"""`prr check`: the CI gate over committed review records."""

from __future__ import annotations

import json
from pathlib import Path

import click

from prr.cli.render_check import render_json, render_junit, render_text
from prr.cli.render_sarif import check_sarif
from prr.cli.trust_options import trust_options
from prr.exit_codes import ExitCode
from prr.workflow.gate import check
from prr.workflow.verifying import VerifyOptions

FORMATS = ["text", "json", "junit", "sarif"]


@click.command("check")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@trust_options
@click.option("--ref", default="HEAD", show_default=True, help="The commit to gate (records are read from it).")
@click.option(
    "--checklist",
    metavar="NAME|FILE",
    help="The pack records must be made with, pinned from outside the repository: a built-in pack, or your "
    "trusted copy of a pack file (default: .prr/config.toml at REF).",
)
@click.option(
    "--tier",
    type=click.IntRange(0, 3),
    help="The service's tier, pinned from outside the repository (default: .prr/config.toml at REF).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
def check_command(
    path: Path,
    allowed_signers: Path | None,
    revoked: Path | None,
    repository_signers: str | None,
    ref: str,
    checklist: str | None,
    tier: int | None,
    fmt: str,
) -> None:
    """Exit 0 only if a valid, approved, unexpired review record covers the code at REF.

    Exit 1 otherwise, with the reason: no record, invalid, expired, not ready, or stale
    ("stale: N files changed since the review of <date>"). A record covers when it was
    made at the service's tier or a more critical one (a lower number), with the service's
    pack; CI pins both with --tier and --checklist, as the repository under review could
    otherwise lower its own bar."""
    result = check(path, VerifyOptions(ref, allowed_signers, revoked, repository_signers), tier, checklist)
    if fmt == "json":
        click.echo(json.dumps(render_json(result), indent=2, ensure_ascii=False))
    elif fmt == "junit":
        click.echo(render_junit(result))
    elif fmt == "sarif":
        click.echo(json.dumps(check_sarif(result), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(result))
    raise click.exceptions.Exit(ExitCode.READY if result.passed else ExitCode.NOT_READY)
