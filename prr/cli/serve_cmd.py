"""`prr serve`: the review app in a browser (textual-serve), for a meeting's shared screen."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@click.command("serve")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, type=click.IntRange(1, 65535), show_default=True)
def serve_command(path: Path, host: str, port: int) -> None:
    """Serve the review app of the service at PATH on http://HOST:PORT until Ctrl+C.

    Each browser tab runs its own `prr review PATH` on this machine, as you: whoever can
    reach the port can answer, submit and sign. It listens on localhost unless --host says
    otherwise."""
    from textual_serve.server import Server  # aiohttp loads only for this command

    from prr.adapters.git_snapshot import discover
    from prr.domain.errors import InputError

    discover(path)  # not a repository: say so here, not in every browser tab
    if host not in LOCAL_HOSTS:
        click.echo(f"prr: warning: serving on {host}: anyone who can reach it acts as you", err=True)
    command = shlex.join([sys.executable, "-m", "prr", "review", str(path.resolve())])
    click.echo(f"Serving the review of {path.resolve()} on http://{host}:{port} (Ctrl+C stops)", err=True)
    try:
        Server(command, host=host, port=port, title="prr review").serve()
    except OSError as exc:  # the port is taken, or the host is not an address of this machine
        raise InputError(f"http://{host}:{port}: cannot listen there: {exc.strerror or exc}") from None
