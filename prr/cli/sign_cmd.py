"""`prr sign RECORD`: add the caller's SSH signature to a review record."""

from __future__ import annotations

from pathlib import Path

import click

from prr.workflow.signing import sign


@click.command("sign")
@click.argument("record", type=click.Path(exists=True, path_type=Path))
@click.option("--key", help="Private key, .pub in ssh-agent, or key::... (default: git's user.signingkey).")
@click.option("--principal", help="Who signs, as in allowed_signers (default: git's user.email).")
@click.option("--commit", "commit", is_flag=True, help="Then commit the record folder (only it).")
def sign_command(record: Path, key: str | None, principal: str | None, commit: bool) -> None:
    """Sign RECORD (a record folder or its record.toml) with your SSH key.

    Writes signatures/<principal>.sig beside the record; the record itself never changes.
    Refuses (exit 2) a record changed since someone signed it or since it was committed."""
    signed = sign(record, key, principal, commit, notify=lambda line: click.echo(line, err=True))
    click.echo(f"Signed {signed.record.id} as {signed.principal} with {signed.fingerprint}")
    if signed.committed is not None:
        click.echo(f"Committed {len(signed.committed.paths)} file(s) on {signed.committed.branch} as "
                   f"{signed.committed.commit[:12]}")  # fmt: skip
    click.echo(str(signed.path))
