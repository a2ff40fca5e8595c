"""What both dashboard probes share when they report."""

from __future__ import annotations

from collections.abc import Callable

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, finding
from prr.probes.registry import PROBES as SPECS


def remediation_for(probe: str) -> str:
    return SPECS[probe].remediation


def safely(probe: str, run: Callable[[Repo, Params], list[Finding]]) -> Callable[[Repo, Params], list[Finding]]:
    """RUN, with any exception turned into an error finding: no input may crash a review."""

    def guarded(repo: Repo, params: Params) -> list[Finding]:
        try:
            return run(repo, params)
        except Exception as exc:  # no input may crash a review (RecursionError included)
            return [finding(probe, Outcome.ERROR, f"{probe} could not finish: {type(exc).__name__}: {exc}")]

    return guarded


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"
