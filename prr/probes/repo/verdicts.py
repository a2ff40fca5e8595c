"""How probes that ask "is there at least one ...?" weigh passes, failures and unreadable files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from prr.domain.findings import Finding, Outcome


def _not_counted(f: Finding, why: str) -> Finding:
    return replace(f, outcome=Outcome.NOT_APPLICABLE, message=f"{why}: {f.message}", remediation="")


def exists_verdict(passes: Sequence[Finding], fails: Sequence[Finding], unknown: Sequence[Finding]) -> list[Finding]:
    """For "is there at least one ...?" questions: passes win and the rest are listed as not
    counted; without a pass, an unreadable candidate means the answer is unknown (errors),
    and only when every candidate was read do the failures stand."""
    if passes:
        return [*passes, *(_not_counted(f, "not counted") for f in (*fails, *unknown))]
    if unknown:
        return [*unknown, *(_not_counted(f, "not counted while other files could not be read") for f in fails)]
    return list(fails)
