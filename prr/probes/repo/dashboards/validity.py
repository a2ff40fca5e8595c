"""dashboards-valid: every dashboard definition loads, with a uid, a title and a panel
with a query; providers and references point at dashboards that exist."""

from __future__ import annotations

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, unreadable
from prr.probes.repo.dashboards.discovery import discover
from prr.probes.repo.dashboards.model import TOO_BIG, Dashboard
from prr.probes.repo.dashboards.paths import CANDIDATES, selects
from prr.probes.repo.dashboards.reporting import plural, remediation_for
from prr.probes.repo.outcomes import safely

VALID = "dashboards-valid"


def _describe(dash: Dashboard) -> str:
    bits = [f"{dash.form} {dash.name!r}" if dash.name else dash.form]
    if dash.uid and dash.uid != dash.name and dash.needs_uid:
        bits.append(f"(uid {dash.uid})")
    return " ".join(bits)


def _run_valid(repo: Repo, params: Params) -> list[Finding]:
    found = discover(repo)
    fix = remediation_for(VALID)
    out = [unreadable(VALID, repo, path) for path in found.unreadable]
    for note in found.notes:
        remediation = fix if note.outcome is Outcome.FAIL else ""
        out.append(finding(VALID, note.outcome, note.message, repo, [(note.path, note.line)], remediation))
    for dash in found.dashboards:
        problems = dash.problems()
        at = [(dash.path, dash.line)]
        if dash.broken == TOO_BIG:
            out.append(finding(VALID, Outcome.ERROR, f"{_describe(dash)}: {TOO_BIG}", repo, at))
        elif problems:
            message = f"{_describe(dash)}: {'; '.join(problems)}"
            out.append(finding(VALID, Outcome.FAIL, message, repo, at, fix))
        else:
            with_query = sum(1 for p in dash.panels if p.queries)
            message = f"{_describe(dash)}: {plural(len(dash.panels), 'panel')}, {with_query} with a query"
            out.append(finding(VALID, Outcome.PASS, message, repo, at))
    if not out:
        where = f" under {repo.prefix}/" if repo.prefix else ""
        message = f"no dashboard definitions found{where} (Grafana JSON, ConfigMaps, operator, provisioning, Terraform)"
        out.append(finding(VALID, Outcome.FAIL, message, remediation=fix))
    return _ordered(out)


def _ordered(findings: list[Finding]) -> list[Finding]:
    def key(f: Finding) -> tuple[str, int]:
        loc = f.locations[0] if f.locations else None
        return (loc.path, loc.line or 0) if loc else ("", 0)

    return sorted(findings, key=key)


PROBE = RepoProbe(VALID, selects, safely(VALID, _run_valid), CANDIDATES, selects_by_params=False)
