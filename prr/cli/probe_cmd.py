"""`prr probe`: run the pack's probes over a commit and report the evidence per item."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from prr.adapters.cores import usable_cores
from prr.adapters.probe_cache import ProbeCache, default_dir
from prr.cli.render_probe import exit_code, render_json, render_text
from prr.workflow.endpoint_settings import EndpointSettings
from prr.workflow.probing import probe_repository

FORMATS = ["text", "json", "sarif", "junit"]


@click.command("probe")
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--ref", default="HEAD", show_default=True, help="The commit to probe (evidence comes from it).")
@click.option("--checklist", "pack", metavar="NAME|FILE", help="Pack to probe for (default: config, else launch).")
@click.option("--tier", type=click.IntRange(0, 3), help="Tier (default: .prr/config.toml, else 1).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--no-cache", is_flag=True, help="Re-run every probe instead of reusing unchanged results.")
@click.option("--endpoint", "urls", multiple=True, metavar="URL", help="A live endpoint to probe (repeatable).")
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="Send this header to endpoints.")
@click.option("--allow-private", is_flag=True, help="Allow loopback and private addresses for this run.")
@click.option("--concurrency", type=click.IntRange(1, 1000), default=32, show_default=True)
def probe(
    path: Path,
    ref: str,
    pack: str | None,
    tier: int | None,
    fmt: str,
    no_cache: bool,
    urls: tuple[str, ...],
    headers: tuple[str, ...],
    allow_private: bool,
    concurrency: int,
) -> None:
    """Probe the repository (or service folder) at PATH, and its live endpoints.

    Exit 0 when every probe passed, 1 when one failed, 3 when one could not run."""
    cache = None if no_cache else ProbeCache(default_dir())
    live = EndpointSettings(
        urls=tuple((url, "--endpoint") for url in urls),
        headers=_headers(headers),
        allow_private=allow_private,
        concurrency=concurrency,
    )
    progress = _progress if sys.stderr.isatty() else None
    report = probe_repository(path, ref, pack, tier, cache, progress, live, workers=usable_cores())
    if sys.stderr.isatty():
        click.echo("\r\033[K", nl=False, err=True)
    if fmt == "json":
        click.echo(render_json(report))
    elif fmt == "sarif":
        from prr.cli.render_sarif import probe_sarif  # imported for the formats asked for only

        click.echo(json.dumps(probe_sarif(report), indent=2, ensure_ascii=False))
    elif fmt == "junit":
        from prr.cli.render_junit import probe_junit  # xml.etree: only for JUnit

        click.echo(probe_junit(report))
    else:
        click.echo(render_text(report))
    raise click.exceptions.Exit(exit_code(report))


def _headers(given: tuple[str, ...]) -> dict[str, str]:
    headers = {}
    for index, header in enumerate(given, start=1):
        name, colon, value = header.partition(":")
        if not colon or not name.strip() or any(c in name for c in " \t\r\n"):
            # the value may be a secret: name the position, never echo it
            raise click.BadParameter(f"header {index} must look like 'Name: value'", param_hint="--header")
        headers[name.strip()] = value.strip()
    return headers


def _progress(done: int, total: int, probe_id: str) -> None:
    click.echo(f"\r\033[Kprobing {done}/{total}: {probe_id}", nl=False, err=True)
