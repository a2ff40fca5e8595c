"""`prr log`: every review in the history; who signed, the verdict, whether it still holds."""

from __future__ import annotations

import json
from pathlib import Path

import click

from prr.cli.render_verify import as_json
from prr.cli.trust_options import trust_options
from prr.workflow.history import LogEntry, history
from prr.workflow.verifying import VerifyOptions

HEADERS = ("DATE", "SERVICE", "TIER", "VERDICT", "STATUS", "SIGNED BY", "RECORD")


@click.command("log")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@trust_options
@click.option("--ref", default="HEAD", show_default=True, help="Judge records against this commit.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def log_command(
    path: Path, allowed_signers: Path | None, revoked: Path | None, repository_signers: str | None, ref: str, fmt: str
) -> None:
    """List every review record in the history of the service at PATH, newest first,
    and the waivers that lapse within 30 days."""
    entries = history(path, VerifyOptions(ref, allowed_signers, revoked, repository_signers))
    if fmt == "json":
        click.echo(json.dumps({"format": "prr.log/1", "records": [_json(e) for e in entries]}, indent=2))
        return
    click.echo(_table(entries))
    expiring = [(e, w) for e in entries if e.current for w in e.expiring]
    if expiring:
        click.echo("\nWaivers lapsing within 30 days (from the newest review of each service and checklist):")
        for entry, waiver in sorted(expiring, key=lambda pair: pair[1].expires):
            record = entry.verification.record
            assert record is not None
            click.echo(
                f"  {waiver.expires}  {record.service.name}  {waiver.item}  approved by {waiver.approver}"
                f"  (record {record.id})"
            )


def _row(entry: LogEntry) -> tuple[str, ...]:
    result, record = entry.verification, entry.verification.record
    status = result.status.value + (" (removed)" if entry.removed else "")
    signers = ", ".join(s.principal for s in result.signatures if s.valid) or "-"
    if record is None:
        return ("?", "?", "?", "?", status, signers, result.path)
    verdict = "ready" if record.verdict.ready else "not ready"
    return (f"{record.created:%Y-%m-%d}", record.service.name, str(record.service.tier), verdict, status, signers,
            record.id)  # fmt: skip


def _table(entries: list[LogEntry]) -> str:
    if not entries:
        return "no review records in the history"
    rows = [HEADERS, *(_row(e) for e in entries)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS) - 1)]
    return "\n".join("  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]]) for row in rows)


def _json(entry: LogEntry) -> dict[str, object]:
    return {
        **as_json(entry.verification),
        "added_in": entry.added_in,
        "removed": entry.removed,
        "superseded_by": entry.superseded_by,
        "expiring_waivers": [
            {"item": w.item, "approver": w.approver, "expires": w.expires.isoformat()} for w in entry.expiring
        ],
    }
