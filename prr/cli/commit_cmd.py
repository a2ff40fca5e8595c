"""`prr commit RECORD`: commit only the record's folder."""

from __future__ import annotations

from pathlib import Path

import click

from prr.workflow.committing import commit_record


@click.command("commit")
@click.argument("record", type=click.Path(exists=True, path_type=Path))
def commit_command(record: Path) -> None:
    """Commit RECORD's folder (record, signatures, .prr/.gitattributes) and nothing else.

    Your staged changes stay staged and out of the commit; no hooks run. Refuses (exit 2)
    a record changed since someone signed it or since it was committed."""
    committed = commit_record(record)
    click.echo(f"Committed {len(committed.paths)} file(s) on {committed.branch} as {committed.commit[:12]}:")
    for path in committed.paths:
        click.echo(f"  {path}")
