"""`prr rollup`: the organisation's scorecard over many service repositories, and over
the JSON results CI jobs collected.

The organisation here is five real repositories: payments (tier 0, an SLO, a dashboard
and a runbook, a signed ready review), orders (tier 1, no runbook, a signed review the
code has moved on from), search (tier 1, all three, never reviewed), reports (tier 2, all
three) and legacy (tier 1, nothing). Two of the four tier 0-1 services have all three."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from gitrepos import make_repo
from records import NOW, allowed, commit_all, keys, sign_all
from signing.sshkeys import Key

from prr.workflow.checklists import open_pack
from prr.workflow.review import review
from prr.workflow.rollup import Rollup, rollup
from prr.workflow.service_summary import ExpiringWaiver, SummaryOptions

Prr = Callable[..., Run]
SIGNERS = ("alice@example.com", "bob@example.com")
SOON, LATER = dt.date(2026, 11, 20), dt.date(2027, 3, 31)

SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: availability}
spec:
  service: svc
  budgetingMethod: Occurrences
  indicator:
    metadata: {name: good-requests}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(http_requests_total{code!~"5.."}[5m]))'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(http_requests_total[5m]))'}}}
  objectives:
    - displayName: availability
      target: 0.999
  timeWindow:
    - duration: 28d
      isRolling: true
"""
DASHBOARD = json.dumps(
    {"uid": "svc", "title": "Service", "panels": [{"title": "Requests", "targets": [{"expr": "rate(x_total[5m])"}]}]}
)
RUNBOOK = (
    "# Runbook\n\n## Diagnosis\n\n"
    + "Check the error dashboard, the recent deploys and the status page of every dependency. " * 5
    + "\n\n## Mitigation\n\n"
    + "Roll back the last release, scale out, or shed load at the gateway until errors recover. " * 5
)


def service_repo(root: Path, name: str, tier: int, slo: bool = True, dashboard: bool = True, runbook: bool = True,
                 monorepo: str = "") -> Path:  # fmt: skip
    """A committed service with the evidence asked for; in MONOREPO, it is services/NAME there."""
    folder = f"services/{name}" if monorepo else ""
    at = f"{folder}/" if folder else ""
    files = {
        f"{at}.prr/config.toml": f'[service]\nname = "{name}"\ntier = {tier}\nowner = "team-{name}"\n',
        f"{at}src/app.py": f"print({name!r})\n",
    }
    if slo:
        files[f"{at}slo/availability.yaml"] = SLO
    if dashboard:
        files[f"{at}dashboards/service.json"] = DASHBOARD
    if runbook:
        files[f"{at}runbooks/{name}.md"] = RUNBOOK
    repo = make_repo(root / (monorepo or name), files)
    return repo / folder if folder else repo


def signed_review(repo: Path, tier: int, keyring: dict[str, Key], waivers: dict[str, dt.date] | None = None) -> None:
    """Every asked item answered pass (or waived until the given day), reviewed at NOW,
    signed by two people and committed."""
    lines = ["checklist: launch", f"tier: {tier}", "answers:"]
    for item in open_pack("launch").asked_items(tier):
        expires = (waivers or {}).get(item.id)
        if expires:
            lines.append(
                f"  {item.id}: {{answer: waived, reason: later, approver: jane@example.com, expires: {expires}}}"
            )
        else:
            lines.append(f"  {item.id}: {{answer: pass, note: checked in the readiness meeting}}")
    answers = repo.parent / f"{repo.name}-answers.yaml"
    answers.write_text("\n".join(lines) + "\n")
    sign_all(review(repo, answers, now=NOW).path, keyring)
    commit_all(repo, "review record")


@pytest.fixture(scope="module")
def organisation(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    """The five services (in no particular order) and an allowed_signers file for the reviewers."""
    root = tmp_path_factory.mktemp("org")
    keyring = keys(root, *SIGNERS)
    payments = service_repo(root, "payments", 0)
    signed_review(payments, 0, keyring, {"dr.restore-tested": SOON, "dr.failover-rehearsed": LATER})
    orders = service_repo(root, "orders", 1, runbook=False)
    signed_review(orders, 1, keyring)
    (orders / "src" / "app.py").write_text("print('orders v2')\n")
    commit_all(orders, "code after the review")
    services = [
        orders,
        service_repo(root, "legacy", 1, slo=False, dashboard=False, runbook=False),
        payments,
        service_repo(root, "reports", 2),
        service_repo(root, "search", 1),
    ]
    return services, allowed(root, keyring)


def rows(result: Rollup) -> list[tuple[object, ...]]:
    return [
        (s.name, s.tier, s.verdict.value, s.last_review, s.record_status.value, s.has_slo, s.has_dashboard,
         s.has_runbook)
        for s in result.services
    ]  # fmt: skip


def at(day: dt.datetime, allowed_signers: Path | None = None) -> SummaryOptions:
    return SummaryOptions(allowed_signers=allowed_signers, now=day)


NEXT_DAY = NOW + dt.timedelta(days=1)


def test_each_service_shows_its_tier_newest_review_record_status_and_evidence(
    organisation: tuple[list[Path], Path],
) -> None:
    services, allowed_signers = organisation
    result = rollup(services, options=at(NEXT_DAY, allowed_signers), jobs=1)
    reviewed = NOW.date()
    assert rows(result) == [
        ("payments", 0, "ready", reviewed, "valid", True, True, True),
        ("legacy", 1, "no_review", None, "none", False, False, False),
        ("orders", 1, "ready", reviewed, "stale", True, True, False),
        ("search", 1, "no_review", None, "none", True, True, True),
        ("reports", 2, "no_review", None, "none", True, True, True),
    ]
    assert (result.adoption.complete, result.adoption.services, result.adoption.share) == (2, 4, 0.5)


def test_without_an_allowed_signers_file_records_are_read_but_unverified(
    organisation: tuple[list[Path], Path],
) -> None:
    services, _ = organisation
    result = rollup(services, options=at(NEXT_DAY), jobs=1)
    assert {s.name: (s.verdict.value, s.record_status.value) for s in result.services if s.record} == {
        "payments": ("ready", "unverified"),
        "orders": ("ready", "unverified"),
    }


def test_waivers_lapsing_within_30_days_are_listed_and_later_ones_are_not(
    organisation: tuple[list[Path], Path],
) -> None:
    services, _ = organisation
    result = rollup(services, options=at(NEXT_DAY), jobs=1)
    assert {s.name: s.expiring_waivers for s in result.services if s.expiring_waivers} == {
        "payments": (ExpiringWaiver("dr.restore-tested", "jane@example.com", SOON),)
    }


def test_scanning_in_parallel_gives_the_same_scorecard_as_one_by_one(organisation: tuple[list[Path], Path]) -> None:
    services, allowed_signers = organisation
    one = rollup(services, options=at(NEXT_DAY, allowed_signers), jobs=1)
    parallel = rollup(services, options=at(NEXT_DAY, allowed_signers), jobs=2)
    assert parallel.services == one.services


def test_the_command_prints_the_adoption_figure_and_the_scorecard(
    organisation: tuple[list[Path], Path], prr: Prr
) -> None:
    services, _ = organisation
    result = prr("rollup", *map(str, services))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[1] == "Adoption: 2 of 4 tier 0-1 services (50%) have an SLO, a dashboard and a runbook"
    assert lines[3].split()[:8] == ["SERVICE", "TIER", "VERDICT", "LAST", "REVIEW", "RECORD", "SLO", "DASHBOARD"]
    assert lines[4].split()[:8] == ["payments", "0", "ready", "2026-11-01", "unverified", "yes", "yes", "yes"]


def test_results_from_ci_jobs_merge_into_the_same_scorecard(
    organisation: tuple[list[Path], Path], prr: Prr, tmp_path: Path
) -> None:
    services, _ = organisation
    first, second, rest = services[:2], services[2:3], services[3:]
    for name, paths in (("first.json", first), ("second.json", second)):
        job = prr("rollup", *map(str, paths), "--format", "json")
        assert job.code == 0, job.err
        (tmp_path / name).write_text(job.out)
    merged = prr(
        "rollup", "--from-json", "first.json", "--from-json", "second.json", *map(str, rest), "--format", "json"
    )
    direct = prr("rollup", *map(str, services), "--format", "json")
    assert merged.code == 0, merged.err
    merged_data, direct_data = json.loads(merged.out), json.loads(direct.out)
    assert merged_data["format"] == "prr.rollup/1"
    assert merged_data["adoption"] == {"tiers": [0, 1], "services": 4, "with_slo_dashboard_runbook": 2, "share": 0.5}
    assert merged_data["services"] == direct_data["services"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "prr.rollup/1", "services": [}', "bad.json:1:41: invalid JSON: Expecting value"),
        ('{"schema": "prr.probe/1"}', 'prr: bad.json: not a prr rollup result: it has no "format" field'),
        ('{"format": "prr.rollup/1", "services": [{"name": "x"}]}', "prr: bad.json: services[0].repository: missing"),
    ],
)
def test_a_bad_results_file_is_refused_naming_the_file_and_the_problem(
    prr: Prr, write: Callable[[str, str], Path], content: str, message: str
) -> None:
    write("bad.json", content)
    result = prr("rollup", "--from-json", "bad.json")
    assert result.code == 2
    assert result.err.splitlines()[0].startswith(message)


def test_a_field_of_the_wrong_type_is_named_with_its_place(
    organisation: tuple[list[Path], Path], prr: Prr, tmp_path: Path
) -> None:
    services, _ = organisation
    data = json.loads(prr("rollup", str(services[0]), "--format", "json").out)
    data["services"][0]["tier"] = "one"
    (tmp_path / "edited.json").write_text(json.dumps(data))
    result = prr("rollup", "--from-json", "edited.json")
    assert result.code == 2
    assert result.err.strip() == 'prr: edited.json: services[0].tier: must be 0, 1, 2, 3 or null, got "one"'


def test_a_repository_that_cannot_be_scanned_becomes_a_row_not_a_failure(
    organisation: tuple[list[Path], Path], prr: Prr, tmp_path: Path
) -> None:
    services, _ = organisation
    (tmp_path / "not-a-repo").mkdir()
    broken = make_repo(tmp_path / "broken", {".prr/config.toml": "[service]\ntier = 7\n"})
    result = prr("rollup", str(services[2]), "not-a-repo", str(broken), "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [(s["name"], s["error"]) for s in data["services"]] == [
        ("payments", None),
        ("broken", ".prr/config.toml:2:1: service.tier must be 0, 1, 2 or 3, got 7"),
        ("not-a-repo", "not inside a git repository"),
    ]
    assert data["adoption"]["services"] == 1
    text = prr("rollup", str(services[2]), "not-a-repo").out
    assert "Could not scan:\n  not-a-repo: not inside a git repository" in text


def test_when_no_repository_can_be_scanned_the_exit_code_is_3(prr: Prr, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    result = prr("rollup", "a", "b")
    assert result.code == 3
    assert "prr rollup: 2 services, 2 could not be scanned" in result.out


def test_a_missing_trust_file_is_one_usage_error_not_an_error_on_every_row(
    organisation: tuple[list[Path], Path], prr: Prr
) -> None:
    services, _ = organisation
    result = prr("rollup", *map(str, services), "--allowed-signers", "missing")
    assert (result.code, result.out, result.err) == (2, "", "prr: missing: no such allowed_signers file\n")


def test_without_tier_0_1_services_the_adoption_figure_is_not_applicable(prr: Prr, tmp_path: Path) -> None:
    repo = service_repo(tmp_path, "batch", 3)
    text = prr("rollup", str(repo)).out
    assert text.splitlines()[1] == "Adoption: n/a (no tier 0-1 services)"
    data = json.loads(prr("rollup", str(repo), "--format", "json").out)
    assert data["adoption"] == {"tiers": [0, 1], "services": 0, "with_slo_dashboard_runbook": 0, "share": None}


def test_service_folders_of_a_monorepo_are_services_of_their_own(prr: Prr, tmp_path: Path) -> None:
    api = service_repo(tmp_path, "api", 0, monorepo="mono")
    worker = service_repo(tmp_path, "worker", 1, runbook=False, monorepo="mono")
    data = json.loads(prr("rollup", str(api), str(worker), "--format", "json").out)
    assert [(s["name"], s["service_folder"], s["evidence"]) for s in data["services"]] == [
        ("api", "services/api", {"slo": True, "dashboard": True, "runbook": True}),
        ("worker", "services/worker", {"slo": True, "dashboard": True, "runbook": False}),
    ]


def test_html_and_markdown_escape_what_repositories_name_themselves(prr: Prr, tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script> | *x*"
    repo = make_repo(tmp_path / "svc", {".prr/config.toml": f'[service]\nname = "{hostile}"\ntier = 1\n'})
    html = prr("rollup", str(repo), "--format", "html").out
    assert html.startswith("<!DOCTYPE html>") and "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | *x*" in html
    markdown = prr("rollup", str(repo), "--format", "md").out
    row = next(line for line in markdown.splitlines() if "alert" in line)
    assert row.startswith(r"| &lt;script&gt;alert(1)&lt;/script&gt; \| \*x\* | 1 | no review |")
