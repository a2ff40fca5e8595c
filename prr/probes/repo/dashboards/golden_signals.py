"""dashboard-golden-signals: together, the service's dashboards show latency, traffic,
errors and saturation (those the pack asks for), each by a panel with a query."""

from __future__ import annotations

import re

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, unreadable
from prr.probes.repo.dashboards.discovery import discover
from prr.probes.repo.dashboards.model import TOO_BIG, Dashboard, Panel
from prr.probes.repo.dashboards.paths import CANDIDATES, selects
from prr.probes.repo.dashboards.reporting import plural, remediation_for
from prr.probes.repo.outcomes import safely

GOLDEN = "dashboard-golden-signals"

_COUNTS = re.compile(r"[\w:.]+_count\b")
_LATENCY = re.compile(
    r"quantile|latenc|duration|response[ _]?time|\bp(?:50|75|90|95|99|999)\b|percentile",
    re.I,
)
_ERRORS = re.compile(
    r"(?:status|code)\w*\s*=~?\s*[\"']5|[\"']5(?:xx|\.\.|\d\d)|5xx|[._]errors?|errors?[._]total|\berror|\bfail(?:ed|ures?)\b",
    re.I,
)
_RATED = re.compile(r"(?:rate|increase)\s*\(\s*([\w:.]+)", re.I)
_TRAFFIC_QUERY = re.compile(r"requests?[._](?:total|count|hits)\b|[._]hits\b", re.I)
_TRAFFIC_STRONG = re.compile(r"\b(?:rps|qps|throughput|traffic|request rate|requests? per|req/s)", re.I)
_TRAFFIC_TITLE = re.compile(r"\b(?:requests|hits)\b", re.I)
_SATURATION = re.compile(
    r"cpu|memory|saturat|queue[ _.-]?(?:depth|length|size)|utili[sz]ation|throttl",
    re.I,
)


def _counts_requests(panel: Panel) -> bool:
    """A query counting requests: a rate of a request counter (or of a histogram's _count)."""
    for query in panel.queries:
        if _TRAFFIC_QUERY.search(query):
            return True
        for metric in _RATED.findall(query):
            name = metric.lower()
            if name.endswith("_count") or (name.endswith("_total") and "request" in name):
                return True
    return False


def _signals(panel: Panel) -> set[str]:
    """The golden signals a panel shows: only panels with a query show anything."""
    if not panel.queries:
        return set()
    title = panel.title
    text = title + "\n" + "\n".join(panel.queries)
    errors = bool(_ERRORS.search(text))
    found = set()
    if _LATENCY.search(_COUNTS.sub(" ", text)):
        found.add("latency")
    if errors:
        found.add("errors")
    if _TRAFFIC_STRONG.search(title) or (not errors and (_TRAFFIC_TITLE.search(title) or _counts_requests(panel))):
        found.add("traffic")
    if _SATURATION.search(text):
        found.add("saturation")
    return found


def _run_golden(repo: Repo, params: Params) -> list[Finding]:
    wanted = [str(s).strip().lower() for s in params.get("signals") or [] if str(s).strip()]
    wanted = list(dict.fromkeys(wanted))
    found = discover(repo)
    fix = remediation_for(GOLDEN)
    out = [unreadable(GOLDEN, repo, path) for path in found.unreadable]
    usable = [d for d in found.dashboards if not d.broken and d.panels]
    # dashboards whose content prr could not see: a missing signal may be in them
    unseen = [n for n in found.notes if n.outcome is not Outcome.PASS and n.outcome is not Outcome.FAIL]
    unseen_dashboards = [d for d in found.dashboards if d.broken == TOO_BIG]
    if not usable:
        failed_reads = [(n.path, n.line) for n in unseen if n.outcome is Outcome.ERROR]
        failed_reads += [(d.path, d.line) for d in unseen_dashboards]
        if failed_reads and not out:
            message = f"no dashboards to assess: prr could not read {plural(len(failed_reads), 'definition')}"
            out.append(finding(GOLDEN, Outcome.ERROR, message, repo, failed_reads))
        elif unseen and not out:
            at = [(n.path, n.line) for n in unseen]
            message = "no dashboards to assess: their content is fetched or computed when deployed"
            out.append(finding(GOLDEN, Outcome.NOT_APPLICABLE, message, repo, at))
        elif not out:
            broken = len(found.dashboards)
            extra = f" ({plural(broken, 'dashboard definition')} unusable, see dashboards-valid)" if broken else ""
            at = [(d.path, d.line) for d in found.dashboards]
            out.append(finding(GOLDEN, Outcome.FAIL, f"no dashboards to assess{extra}", repo, at, fix))
        return out
    covered: dict[str, tuple[Dashboard, Panel]] = {}
    for dash in usable:
        for panel in dash.panels:
            for signal in _signals(panel):
                covered.setdefault(signal, (dash, panel))
    shown = [
        f"{s} by {covered[s][0].name or covered[s][0].form!r} ({covered[s][0].path}, "
        f"panel {covered[s][1].title or 'untitled'!r})"
        for s in wanted
        if s in covered
    ]
    missing = [s for s in wanted if s not in covered]
    if not missing:
        at = list(dict.fromkeys((covered[s][0].path, covered[s][0].line) for s in wanted))
        message = "all signals covered: " + "; ".join(shown) if shown else "no signals asked for"
        out.append(finding(GOLDEN, Outcome.PASS, message, repo, at or [(usable[0].path, usable[0].line)]))
        return out
    at = [(d.path, d.line) for d in usable]
    message = f"missing {', '.join(missing)} across {plural(len(usable), 'dashboard')}"
    if shown:
        message += "; covered: " + "; ".join(shown)
    if found.unreadable or unseen or unseen_dashboards:
        count = len(found.unreadable) + len(unseen) + len(unseen_dashboards)
        message += f" (cannot tell: {plural(count, 'dashboard source')} could not be read or validated)"
        out.append(finding(GOLDEN, Outcome.ERROR, message, repo, at))
    else:
        out.append(finding(GOLDEN, Outcome.FAIL, message, repo, at, fix))
    return out


PROBE = RepoProbe(GOLDEN, selects, safely(GOLDEN, _run_golden), CANDIDATES, selects_by_params=False)
