"""What both dashboard probes share when they report."""

from __future__ import annotations

from prr.probes.registry import PROBES as SPECS


def remediation_for(probe: str) -> str:
    return SPECS[probe].remediation


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"
