"""`prr probe`: run the pack's probes over a commit and report the evidence per item."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from prr.adapters.probe_cache import ProbeCache, default_dir
from prr.cli.render_probe import exit_code, render_json, render_text
from prr.workflow.probing import probe_repository


@click.command("probe")
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--ref", default="HEAD", show_default=True, help="The commit to probe (evidence comes from it).")
@click.option("--checklist", "pack", metavar="NAME|FILE", help="Pack to probe for (default: config, else launch).")
@click.option("--tier", type=click.IntRange(0, 3), help="Tier (default: .prr/config.toml, else 1).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-cache", is_flag=True, help="Re-run every probe instead of reusing unchanged results.")
def probe(path: Path, ref: str, pack: str | None, tier: int | None, fmt: str, no_cache: bool) -> None:
    """Probe the repository (or service folder) at PATH.

    Exit 0 when every probe passed, 1 when one failed, 3 when one could not run."""
    cache = None if no_cache else ProbeCache(default_dir())
    report = probe_repository(path, ref, pack, tier, cache, _progress if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        click.echo("\r\033[K", nl=False, err=True)
    if fmt == "json":
        click.echo(json.dumps(render_json(report), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(report))
    raise click.exceptions.Exit(exit_code(report))


def _progress(done: int, total: int, probe_id: str) -> None:
    click.echo(f"\r\033[Kprobing {done}/{total}: {probe_id}", nl=False, err=True)
