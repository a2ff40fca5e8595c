"""The findings a repository probe returns, built one way for every probe family.

A failure always carries the registry's remediation, so no probe can forget it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, finding
from prr.probes.registry import PROBES as SPECS

Where = Sequence[tuple[str, int | None]]


def fail(probe: str, message: str, repo: Repo, at: Where = ()) -> Finding:
    return finding(probe, Outcome.FAIL, message, repo, at, SPECS[probe].remediation)


def passed(probe: str, message: str, repo: Repo, at: Where = ()) -> Finding:
    return finding(probe, Outcome.PASS, message, repo, at)


def not_applicable(probe: str, message: str) -> list[Finding]:
    return [finding(probe, Outcome.NOT_APPLICABLE, message)]


def settle(probe: str, errors: Sequence[Finding], results: list[Finding], nothing: str) -> list[Finding]:
    """Errors first, then results; not_applicable only when nothing went unread."""
    if results or errors:
        return [*errors, *results]
    return not_applicable(probe, nothing)


def safely(probe: str, run: Callable[[Repo, Params], list[Finding]]) -> Callable[[Repo, Params], list[Finding]]:
    """RUN, with any exception turned into an error finding: no input may crash a review."""

    def guarded(repo: Repo, params: Params) -> list[Finding]:
        try:
            return run(repo, params)
        except Exception as exc:  # no input may crash a review (RecursionError included)
            return [finding(probe, Outcome.ERROR, f"{probe} could not finish: {type(exc).__name__}: {exc}")]

    return guarded
