"""`prr rollup` as text (a terminal table) and Markdown (a wiki page or a CI job summary).

Names and paths come from thousands of repositories, any of which may hold a hostile
`.prr/config.toml`: control characters are shown escaped, never sent to the terminal,
and Markdown punctuation is escaped so a name cannot reshape the table."""

from __future__ import annotations

import html
import re

from prr.domain.text import printable
from prr.workflow.rollup import Rollup
from prr.workflow.service_summary import ServiceSummary, Verdict

TITLES = ("Service", "Tier", "Verdict", "Last review", "Record", "SLO", "Dashboard", "Runbook", "Where")
HEADERS = tuple(title.upper() for title in TITLES)
VERDICTS = {Verdict.READY: "ready", Verdict.NOT_READY: "not ready", Verdict.NO_REVIEW: "no review",
            Verdict.UNKNOWN: "unknown"}  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MARKDOWN = re.compile(r"([\\`*_\[\]|#])")


def adoption_line(result: Rollup) -> str:
    figure = result.adoption
    if figure.share is None:
        return "Adoption: n/a (no tier 0-1 services)"
    return (
        f"Adoption: {figure.complete} of {figure.services} tier 0-1 services ({figure.share:.0%}) "
        "have an SLO, a dashboard and a runbook"
    )


def summary_line(result: Rollup) -> str:
    failed = sum(bool(s.error) for s in result.services)
    scanned = f", {failed} could not be scanned" if failed else ""
    return f"prr rollup: {len(result.services)} services{scanned}, {result.generated:%Y-%m-%d %H:%M} UTC"


def cells(s: ServiceSummary) -> tuple[str, ...]:
    """One row's cells, unescaped; a failed scan shows only its name and where it is."""
    where = f"{s.repository}/{s.service_folder}" if s.service_folder else s.repository
    if s.error:
        return (s.name, "-", "-", "-", "-", "-", "-", "-", where)
    return (
        s.name,
        str(s.tier),
        VERDICTS[s.verdict],
        s.last_review.isoformat() if s.last_review else "-",
        s.record_status.value,
        _flag(s.has_slo),
        _flag(s.has_dashboard),
        _flag(s.has_runbook),
        where,
    )


def render_text(result: Rollup) -> str:
    lines = [summary_line(result), adoption_line(result), ""]
    if not result.services:
        return "\n".join([*lines, "no services"])
    rows = [HEADERS, *(tuple(safe(c) for c in cells(s)) for s in result.services)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS) - 1)]
    lines += ["  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]]) for row in rows]
    waivers = waiver_rows(result)
    if waivers:
        lines += ["", "Waivers lapsing within 30 days:"]
        lines += [
            f"  {expires}  {safe(name)}  {safe(item)}  approved by {safe(by)}" for expires, name, item, by in waivers
        ]
    failed = [s for s in result.services if s.error]
    if failed:
        lines += ["", "Could not scan:"] + [f"  {safe(s.repository)}: {safe(s.error)}" for s in failed]
    return "\n".join(lines)


def render_markdown(result: Rollup) -> str:
    lines = ["# Production readiness rollup", "", summary_line(result), "", f"**{adoption_line(result)}**", ""]
    lines += ["| " + " | ".join(TITLES) + " |", "|" + "---|" * len(TITLES)]
    lines += ["| " + " | ".join(_md(c) for c in cells(s)) + " |" for s in result.services]
    waivers = waiver_rows(result)
    if waivers:
        lines += [
            "",
            "## Waivers lapsing within 30 days",
            "",
            "| Expires | Service | Item | Approver |",
            "|---|---|---|---|",
        ]
        lines += [f"| {expires} | {_md(name)} | {_md(item)} | {_md(by)} |" for expires, name, item, by in waivers]
    failed = [s for s in result.services if s.error]
    if failed:
        lines += ["", "## Could not scan", ""] + [f"- `{_code(s.repository)}`: {_md(s.error)}" for s in failed]
    return "\n".join(lines) + "\n"


def waiver_rows(result: Rollup) -> list[tuple[str, str, str, str]]:
    """(expires, service, item, approver), soonest first."""
    rows = [(w.expires.isoformat(), s.name, w.item, w.approver) for s in result.services for w in s.expiring_waivers]
    return sorted(rows)


def _flag(value: bool | None) -> str:
    return "?" if value is None else "yes" if value else "no"


def safe(text: str) -> str:
    """Printable on a terminal: undecodable bytes and control characters as escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", printable(text))


def _md(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", html.escape(safe(text), quote=False))


def _code(text: str) -> str:
    return safe(text).replace("`", "'")
