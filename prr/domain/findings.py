"""What a probe found: a yes/no answer with its evidence. Findings never score."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from prr.domain.text import printable


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"  # the probe could not run: never read as pass or fail


@dataclass(frozen=True)
class Location:
    path: str
    line: int | None = None


@dataclass(frozen=True)
class Evidence:
    """Where a finding's proof lives: a blob at a commit, or a URL and what it answered."""

    path: str | None = None
    blob: str | None = None
    url: str | None = None
    status: int | None = None
    digest: str | None = None


@dataclass(frozen=True)
class Finding:
    probe: str
    outcome: Outcome
    message: str
    locations: tuple[Location, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    remediation: str = ""


def probe_failed(probe: str, exc: Exception) -> Finding:
    """The error finding for a probe that raised (a bug must cost one finding, not the
    review): one printable line however the exception reads (it may quote a file's
    contents or a name that is not UTF-8)."""
    said = " ".join(f"{type(exc).__name__}: {exc}".split())
    return Finding(probe, Outcome.ERROR, "probe failed: " + printable(said[:1000]))
