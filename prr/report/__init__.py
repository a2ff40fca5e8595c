"""Renderers for `prr report` (Markdown, HTML, JSON) and `prr diff` (text, JSON).

They lay out what `prr.workflow.reporting` and `prr.workflow.record_diff` gathered and
never read anything themselves. Everything in a record is untrusted input: each format
escapes it its own way (Markdown punctuation, HTML entities), and only http and https
addresses ever become links. The wording shared by the formats lives here, so a meeting
reading the HTML and an auditor reading the JSON see the same facts."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from prr.domain.record import VerdictRef
from prr.domain.redaction import redact_url
from prr.domain.status import State

if TYPE_CHECKING:
    from prr.workflow.reporting import ReportData, WaiverLine

STATE_TITLES = {
    State.PASSED: "Passed",
    State.FAILED: "Failed",
    State.WAIVED: "Waived",
    State.NOT_APPLICABLE: "Not applicable",
    State.UNANSWERED: "Unanswered",
}
STATES = tuple(STATE_TITLES)  # the order counts are shown in


def repository_text(repository: str) -> str:
    """The record's `subject.repository`, a URL without its user info when it is one."""
    return redact_url(repository) if "://" in repository else repository


def when(moment: dt.datetime) -> str:
    """A UTC time to the minute, for people: `2026-11-01 12:00Z`."""
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M}Z"


def iso(moment: dt.datetime) -> str:
    """A UTC time for machines: RFC 3339 with `Z`, as in the record."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def verdict_text(verdict: VerdictRef) -> str:
    """`ready, score 100, level gold`."""
    parts = ["ready" if verdict.ready else "not ready", f"score {verdict.score}"]
    if verdict.level:
        parts.append(f"level {verdict.level}")
    return ", ".join(parts)


def expiry_text(line: WaiverLine) -> str:
    """When a waiver lapses, counted from the report's time."""
    date = line.waiver.expires.isoformat()
    if line.days_left > 1:
        return f"{date} ({line.days_left} days left)"
    if line.days_left == 1:
        return f"{date} (1 day left)"
    if line.days_left == 0:
        return f"{date} (last day)"
    ago = -line.days_left
    return f"{date} (lapsed {ago} day{'s' if ago != 1 else ''} ago)"


def status_text(data: ReportData) -> str:
    """What the verification status rests on, in one line: where, when and whom it trusted."""
    trust = f"trusting {data.trust}" if data.signatures_verified else "signatures not verified: no allowed_signers file"
    where = f"at {data.ref} ({data.commit[:12]})"
    if not data.loaded.committed:
        where = f"not committed at {data.ref} ({data.commit[:12]}): read from the working tree"
    return f"{where}, checked {when(data.checked_at)}, {trust}"


def signer_detail(status: str, reason: str) -> str:
    """What follows a signature's status: ` (why not verified)`, `: why invalid`, or nothing."""
    if not reason:
        return ""
    return f" ({reason})" if status == "not verified" else f": {reason}"


def signer_status(status: str, reason: str) -> str:
    return status + signer_detail(status, reason)
