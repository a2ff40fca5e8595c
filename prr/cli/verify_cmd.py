"""`prr verify`: check every review record at a ref, offline, from git objects."""

from __future__ import annotations

from pathlib import Path

import click

from prr.cli.indented_json import dumps_indented
from prr.cli.render_verify import render_json, render_text
from prr.cli.trust_options import trust_options
from prr.exit_codes import ExitCode
from prr.workflow.verifying import VerifyOptions, verify


@click.command("verify")
@click.argument("path", default=".", type=click.Path(path_type=Path))  # may exist only at --ref
@trust_options
@click.option("--ref", default="HEAD", show_default=True, help="Read records and signatures from this commit.")
@click.option("--checklist", type=click.Path(dir_okay=False, path_type=Path), help="Pack file of non-built-in records.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def verify_command(
    path: Path,
    allowed_signers: Path | None,
    revoked: Path | None,
    repository_signers: str | None,
    ref: str,
    checklist: Path | None,
    fmt: str,
) -> None:
    """Verify the review records of the service at PATH (or one record folder).

    PATH names a place in the repository: one the working tree no longer has (a record
    removed since) is found in the tree at --ref.

    Exit 0 when every record is intact, trusted, bound to its commit and checklist, signed
    by enough people and unexpired; 1 otherwise (or when there is no record)."""
    options = VerifyOptions(ref, allowed_signers, revoked, repository_signers, checklist)
    report = verify(path, options)
    if fmt == "json":
        click.echo(dumps_indented(render_json(report)))
    else:
        click.echo(render_text(report))
    raise click.exceptions.Exit(ExitCode.READY if report.all_valid else ExitCode.NOT_READY)
