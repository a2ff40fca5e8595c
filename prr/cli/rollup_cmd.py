"""`prr rollup`: the organisation's scorecard over many service repositories, or over the
JSON results CI jobs collected."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from prr.adapters.probe_cache import default_dir
from prr.cli.render_rollup import render_markdown, render_text
from prr.cli.render_rollup_html import render_html
from prr.exit_codes import ExitCode
from prr.workflow import rollup_json
from prr.workflow.rollup import rollup
from prr.workflow.service_summary import SummaryOptions


@click.command("rollup")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--from-json",
    "results",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Merge the services of a `prr rollup --format json` result (repeatable).",
)
# Not the shared trust_options: a rollup never falls back to git's gpg.ssh.allowedSignersFile,
# so whether records are verified does not depend on the scanning machine's git config.
@click.option(
    "--allowed-signers",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Verify records against this OpenSSH allowed_signers file (without it: status 'unverified').",
)
@click.option("--revoked", type=click.Path(dir_okay=False, path_type=Path), help="Revoked keys (as prr verify).")
@click.option(
    "--repository-signers",
    metavar="PATH",
    help="Verify against an allowed_signers file committed in each repository (weaker: pushers can change it).",
)
@click.option("--ref", default="HEAD", show_default=True, help="Scan this commit of each repository.")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "html", "json"]), default="text", show_default=True)
@click.option("--jobs", type=click.IntRange(1, 1024), help="Repositories scanned at once (default: one per core).")
@click.option("--no-cache", is_flag=True, help="Re-run every probe instead of reusing unchanged results.")
def rollup_command(
    paths: tuple[Path, ...],
    results: tuple[Path, ...],
    allowed_signers: Path | None,
    revoked: Path | None,
    repository_signers: str | None,
    ref: str,
    fmt: str,
    jobs: int | None,
    no_cache: bool,
) -> None:
    """Scorecard of the services at PATHS (repositories or service folders; default: the
    current folder unless --from-json is given): tier, verdict and status of the newest
    review, waivers lapsing within 30 days, and the share of tier 0-1 services with an SLO,
    a dashboard and a runbook.

    Records are verified only with --allowed-signers (or --repository-signers); otherwise
    their status is "unverified". Exit 0 with the scorecard, 2 for bad input, 3 when no
    repository could be scanned."""
    options = SummaryOptions(
        ref=ref,
        allowed_signers=allowed_signers,
        revoked=revoked,
        repository_signers=repository_signers,
        cache_dir=None if no_cache else default_dir(),
    )
    targets = paths or (() if results else (Path("."),))
    result = rollup(targets, results, options, jobs, _progress if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        click.echo("\r\033[K", nl=False, err=True)
    if fmt == "json":
        document = rollup_json.document(list(result.services), result.adoption, result.generated)
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    elif fmt == "html":
        click.echo(render_html(result), nl=False)
    elif fmt == "md":
        click.echo(render_markdown(result), nl=False)
    else:
        click.echo(render_text(result))
    raise click.exceptions.Exit(ExitCode.TOOL if result.all_failed else ExitCode.READY)


def _progress(done: int, total: int) -> None:
    click.echo(f"\r\033[Kscanned {done}/{total}", nl=False, err=True)
