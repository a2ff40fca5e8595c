"""The options that say whom to trust, shared by `prr verify`, `prr check` and `prr log`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])


def trust_options(command: F) -> F:
    options = [
        click.option(
            "--allowed-signers",
            type=click.Path(dir_okay=False, path_type=Path),
            help="OpenSSH allowed_signers file, outside the repository (default: git's gpg.ssh.allowedSignersFile).",
        ),
        click.option(
            "--revoked",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Revoked keys: a KRL or a list of public keys (as ssh-keygen -Y verify -r).",
        ),
        click.option(
            "--repository-signers",
            metavar="PATH",
            help="Trust an allowed_signers file committed in the repository (weaker: pushers can change it).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command
