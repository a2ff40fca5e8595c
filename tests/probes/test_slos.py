"""SLO probes on real git repositories: slo-defined and error-budget-policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitrepos import check, make_repo, messages

from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.slos import PROBES

BY_ID = {probe.id: probe for probe in PROBES}
SLO = "slo-defined"
POLICY = "error-budget-policy"


def test_family_declares_exactly_the_two_slo_probes_of_the_registry() -> None:
    assert set(BY_ID) == {SLO, POLICY}
    assert set(BY_ID) <= set(SPECS)


# ---------------------------------------------------------------------------- OpenSLO

OPENSLO = """\
apiVersion: openslo/v1
kind: Service
metadata:
  name: checkout
spec:
  description: Checkout
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: checkout
  indicatorRef: checkout-success
  timeWindow:
    - duration: {duration}
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: good
      target: {target}
"""


def openslo(target: str = "0.995", duration: str = "28d") -> str:
    return OPENSLO.format(target=target, duration=duration)


def test_openslo_with_a_ratio_target_and_a_rolling_window_passes_at_the_slo_document(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"slo/checkout.yaml": openslo()})
    assert check(repo, SLO) == [("pass", "slo/checkout.yaml:8")]
    assert messages(repo, SLO) == ["OpenSLO SLO 'checkout-availability': target 99.5% over 28d"]


def test_openslo_target_of_1_leaves_no_error_budget_and_fails_at_the_target(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"slo/checkout.yaml": openslo(target="1.0")})
    assert check(repo, SLO) == [("fail", "slo/checkout.yaml:21")]
    assert messages(repo, SLO) == [
        "OpenSLO SLO 'checkout-availability': objectives[0].target 1 is 100% or more: no error budget"
    ]


def test_openslo_target_written_as_a_percent_fails_with_a_hint(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"slo/checkout.yaml": openslo(target="99.9")})
    assert check(repo, SLO) == [("fail", "slo/checkout.yaml:21")]
    assert "(a ratio: 0.999 means 99.9%)" in messages(repo, SLO)[0]


@pytest.mark.parametrize("duration", ["30 days", "0d", "1fortnight", "'28'"])
def test_openslo_window_that_is_not_a_duration_fails_at_the_duration(tmp_path: Path, duration: str) -> None:
    repo = make_repo(tmp_path / "r", {"slo/checkout.yaml": openslo(duration=duration)})
    assert check(repo, SLO) == [("fail", "slo/checkout.yaml:16")]
    assert "is not a duration like 28d or 4w" in messages(repo, SLO)[0]


@pytest.mark.parametrize("duration", ["30d", "4w", "1M", "1Q"])
def test_openslo_window_units_of_the_spec_pass(tmp_path: Path, duration: str) -> None:
    repo = make_repo(tmp_path / "r", {"slo/checkout.yaml": openslo(duration=duration)})
    assert check(repo, SLO) == [("pass", "slo/checkout.yaml:8")]


def test_openslo_without_a_window_or_indicator_fails_listing_both(tmp_path: Path) -> None:
    text = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: bare}
spec:
  service: checkout
  objectives:
    - targetPercent: 99.9
"""
    repo = make_repo(tmp_path / "r", {"slo.yaml": text})
    assert check(repo, SLO) == [("fail", "slo.yaml:4")]
    assert messages(repo, SLO) == ["OpenSLO SLO 'bare': no timeWindow; no indicator or indicatorRef"]


def test_openslo_v1alpha_reads_time_windows_with_count_and_unit(tmp_path: Path) -> None:
    text = """\
apiVersion: openslo/v1alpha
kind: SLO
metadata:
  name: latency
spec:
  service: checkout
  timeWindows:
    - unit: Day
      count: 28
      isRolling: true
  objectives:
    - target: 0.99
      op: lte
      value: 300
    - target: 1
"""
    repo = make_repo(tmp_path / "r", {"openslo/latency.yaml": text})
    assert check(repo, SLO) == [("fail", "openslo/latency.yaml:15")]
    fixed = make_repo(tmp_path / "r", {"openslo/latency.yaml": text.replace("    - target: 1\n", "")})
    assert check(fixed, SLO) == [("pass", "openslo/latency.yaml:1")]
    assert messages(fixed, SLO) == ["OpenSLO SLO 'latency': target 99% over 28 Day"]


def test_other_openslo_kinds_are_not_slos(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"slo/service.yaml": OPENSLO.split("---")[0]})
    assert check(repo, SLO) == [("fail", "")]
    assert messages(repo, SLO) == ["no SLO specs found (OpenSLO, Sloth, Pyrra, slo-generator)"]


# ---------------------------------------------------------------------------- Sloth

SLOTH = """\
version: "prometheus/v1"
service: "myservice"
labels:
  owner: "myteam"
slos:
  - name: "requests-availability"
    objective: 99.9
    description: "Common SLO based on availability for HTTP request responses."
    sli:
      events:
        error_query: sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))
    alerting:
      page_alert: {disable: true}
  - name: "latency"
    objective: 100
    sli:
      raw:
        error_ratio_query: ""
"""


def test_sloth_spec_gives_one_finding_per_slo_and_objective_100_fails(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"slos/myservice.yml": SLOTH})
    assert check(repo, SLO) == [("pass", "slos/myservice.yml:6"), ("fail", "slos/myservice.yml:16")]
    assert messages(repo, SLO) == [
        "Sloth SLO myservice/requests-availability: objective 99.9%",
        "Sloth SLO myservice/latency: objective 100 is 100% or more: no error budget; sli.raw needs error_ratio_query",
    ]


def test_sloth_kubernetes_resource_is_read_under_spec(tmp_path: Path) -> None:
    text = """\
apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata:
  name: sloth-slo-home-wifi
spec:
  service: "home-wifi"
  slos:
    - name: "good-wifi-client-satisfaction"
      objective: 95
      sli:
        plugin:
          id: "sloth-common/kubernetes/apiserver/availability"
    - name: "no-sli"
      objective: "99"
"""
    repo = make_repo(tmp_path / "r", {"k8s/slos.yaml": text})
    assert check(repo, SLO) == [("pass", "k8s/slos.yaml:8"), ("fail", "k8s/slos.yaml:14")]
    assert messages(repo, SLO)[1] == "Sloth SLO home-wifi/no-sli: objective '99' is not a number; no sli"


def test_sloth_spec_without_slos_fails(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"sloth.yaml": 'version: "prometheus/v1"\nservice: x\nslos: []\n'})
    assert check(repo, SLO) == [("fail", "sloth.yaml:3")]


# ---------------------------------------------------------------------------- Pyrra and slo-generator

PYRRA = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: prometheus-http-errors
  namespace: monitoring
spec:
  target: "{target}"
  window: {window}
  indicator:
    ratio:
      errors:
        metric: prometheus_http_requests_total{{code=~"5.."}}
      total:
        metric: prometheus_http_requests_total
"""


def test_pyrra_target_is_a_percent_string_and_window_a_prometheus_duration(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"slo/pyrra.yaml": PYRRA.format(target="99.5", window="2w")})
    assert check(repo, SLO) == [("pass", "slo/pyrra.yaml:1")]
    assert messages(repo, SLO) == ["Pyrra SLO 'prometheus-http-errors': target 99.5% over 2w"]


@pytest.mark.parametrize(
    ("target", "window", "where", "why"),
    [
        ("100", "4w", "slo/pyrra.yaml:7", "target 100 is 100% or more: no error budget"),
        ("ninety-nine", "4w", "slo/pyrra.yaml:7", "target 'ninety-nine' is not a number"),
        ("99", "a month", "slo/pyrra.yaml:8", "window 'a month' is not a duration like 28d or 4w"),
        ("99", "0d", "slo/pyrra.yaml:8", "window '0d' is zero"),
    ],
)
def test_pyrra_bad_target_or_window_fails_at_that_line(
    tmp_path: Path, target: str, window: str, where: str, why: str
) -> None:
    repo = make_repo(tmp_path / "r", {"slo/pyrra.yaml": PYRRA.format(target=target, window=window)})
    assert check(repo, SLO) == [("fail", where)]
    assert messages(repo, SLO) == [f"Pyrra SLO 'prometheus-http-errors': {why}"]


SLO_GENERATOR = """\
apiVersion: sre.google.com/v2
kind: ServiceLevelObjective
metadata:
  name: gae-app-availability
  labels:
    service_name: gae
    feature_name: app
    slo_name: availability
spec:
  description: Availability of App Engine app
  backend: cloud_monitoring
  method: good_bad_ratio
  exporters: [cloud_monitoring]
  service_level_indicator:
    filter_good: metric.type="appengine.googleapis.com/http/server/response_count" metric.label.response_code < 500
  goal: {goal}
"""


def test_slo_generator_goal_must_be_a_ratio_below_one(tmp_path: Path) -> None:
    good = make_repo(tmp_path / "good", {"slos/gae.yaml": SLO_GENERATOR.format(goal="0.999")})
    assert check(good, SLO) == [("pass", "slos/gae.yaml:1")]
    assert messages(good, SLO) == [
        "slo-generator SLO 'gae-app-availability': goal 99.9% (good_bad_ratio on cloud_monitoring)"
    ]
    bad = make_repo(tmp_path / "bad", {"slos/gae.yaml": SLO_GENERATOR.format(goal="1")})
    assert check(bad, SLO) == [("fail", "slos/gae.yaml:16")]


def test_legacy_slo_generator_config_needs_a_target_and_a_backend_method(tmp_path: Path) -> None:
    text = "service_name: gae\nfeature_name: app\nslo_name: latency\nslo_target: 0.99\nbackend:\n  class: Stackdriver\n"
    repo = make_repo(tmp_path / "r", {"slo_gae_latency.yaml": text})
    assert check(repo, SLO) == [("fail", "slo_gae_latency.yaml:5")]
    assert messages(repo, SLO) == ["slo-generator SLO 'gae/app/latency': no backend.method"]


def test_openslo_as_json_is_read_too(tmp_path: Path) -> None:
    import yaml

    doc = yaml.safe_load(openslo().split("---")[1])
    repo = make_repo(tmp_path / "r", {"slo/checkout.json": json.dumps(doc, indent=2)})
    assert check(repo, SLO) == [("pass", "slo/checkout.json:1")]


# ---------------------------------------------------------------------------- malformed, hostile, scoping


def test_malformed_slo_yaml_fails_at_the_line_of_the_error(tmp_path: Path) -> None:
    text = "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: x\nspec:\n  objectives: [\n    target: 0.9\n"
    repo = make_repo(tmp_path / "r", {"slo/broken.yaml": text, "config/other.yaml": "a: [\n"})
    assert check(repo, SLO) == [("fail", "slo/broken.yaml:8")]
    assert messages(repo, SLO)[0].startswith("invalid YAML")


def test_documents_before_a_syntax_error_are_still_judged(tmp_path: Path) -> None:
    text = openslo() + "---\nkind: SLO\napiVersion: openslo/v1\nspec: [\n"
    repo = make_repo(tmp_path / "r", {"slo/all.yaml": text})
    assert check(repo, SLO) == [("pass", "slo/all.yaml:8"), ("fail", "slo/all.yaml:26")]


def test_helm_templated_slo_files_are_not_called_malformed(tmp_path: Path) -> None:
    text = (
        "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nspec:\n  {{- toYaml .Values.slo | nindent 2 }}\n"
    )
    repo = make_repo(tmp_path / "r", {"chart/templates/slo.yaml": text})
    assert check(repo, SLO) == [("fail", "")]


def test_hostile_slo_files_give_findings_never_exceptions(tmp_path: Path) -> None:
    deep = "apiVersion: openslo/v1\nkind: SLO\nspec: " + "[" * 20_000 + "]" * 20_000 + "\n"
    repo = make_repo(
        tmp_path / "r",
        {
            "slo/deep.yaml": deep,
            "slo/deep.json": '{"apiVersion": "openslo/v1", "spec": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "slo/binary.yaml": b"\x00openslo\x00",
            "slo/latin1.yaml": "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: caf\xe9}\n".encode("latin-1"),
            "slo/python.yaml": "apiVersion: openslo/v1\nkind: !!python/object/apply:os.system ['true']\n",
        },
    )
    outcomes = check(repo, SLO)
    assert ("error", "slo/binary.yaml") in outcomes
    assert ("fail", "slo/deep.json") in outcomes
    assert ("fail", "slo/latin1.yaml:1") in outcomes
    assert ("fail", "slo/python.yaml:2") in outcomes
    assert [o for o, where in outcomes if where.startswith("slo/deep.yaml")] == ["fail"]


def test_a_service_review_sees_only_its_own_slos(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "mono",
        {
            "services/checkout/slo/checkout.yaml": openslo(),
            "services/search/slo/search.yaml": openslo(target="1"),
            "services/cart/src/app.py": "pass\n",
        },
    )
    assert check(repo / "services/checkout", SLO) == [("pass", "services/checkout/slo/checkout.yaml:8")]
    assert check(repo / "services/search", SLO) == [("fail", "services/search/slo/search.yaml:21")]
    assert check(repo / "services/cart", SLO) == [("fail", "")]
    assert messages(repo / "services/cart", SLO) == [
        "no SLO specs found under services/cart/ (OpenSLO, Sloth, Pyrra, slo-generator)"
    ]


# ---------------------------------------------------------------------------- error-budget-policy

POLICY_DOC = """\
# Checkout error budget policy

Applies to the checkout service SLOs defined in slo/checkout.yaml.

## When the budget is exhausted

If the service has spent its error budget over the trailing 28 days, we freeze all
feature releases until the service is back within its SLO. Only P0 fixes and security
patches ship while the freeze lasts.

## Who decides

The service owner (the checkout team lead) decides when the freeze ends. Disagreements
escalate to the VP of Engineering.
"""


def test_a_policy_document_saying_what_stops_and_who_decides_passes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"docs/error-budget-policy.md": POLICY_DOC})
    assert check(repo, POLICY) == [("pass", "docs/error-budget-policy.md:1")]


def test_a_policy_section_in_another_document_is_found_by_its_heading(tmp_path: Path) -> None:
    doc = (
        "# Reliability\n\nIntro.\n\n## Error Budget Policy\n\nWhen the budget is spent, deploys are halted and the "
        "team prioritises reliability work. The on-call engineer escalates to the service owner.\n\n"
        "## Something else\n\nNothing about budgets.\n"
    )
    repo = make_repo(tmp_path / "r", {"docs/reliability.md": doc})
    assert check(repo, POLICY) == [("pass", "docs/reliability.md:5")]


def test_the_policy_section_ends_at_the_next_heading_of_its_level(tmp_path: Path) -> None:
    doc = "# Ops\n\n## Error budget policy\n\nWe track the budget.\n\n"
    doc += "## Releases\n\nWe freeze deploys. The owner decides.\n"
    repo = make_repo(tmp_path / "r", {"docs/ops.md": doc})
    assert check(repo, POLICY) == [("fail", "docs/ops.md:3")]


def test_a_policy_that_says_nothing_about_consequences_or_deciders_fails_listing_both(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"ERROR_BUDGET_POLICY.md": "# Error budget\n\nWe have an error budget.\n"})
    assert check(repo, POLICY) == [("fail", "ERROR_BUDGET_POLICY.md:1")]
    [message] = messages(repo, POLICY)
    assert "what happens when the budget is spent" in message
    assert "who decides or how it escalates" in message


def test_a_placeholder_owner_decides_nothing(tmp_path: Path) -> None:
    doc = "# Error budget policy\n\nWhen exhausted we freeze releases.\n\nOwner: TBD\n"
    repo = make_repo(tmp_path / "r", {"docs/error_budget.md": doc})
    assert check(repo, POLICY) == [("fail", "docs/error_budget.md:1")]
    assert "who decides" in messages(repo, POLICY)[0]


def test_no_policy_document_fails_naming_where_it_looked(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"README.md": "# Service\n\nWe mention an error budget here.\n"})
    assert check(repo, POLICY) == [("fail", "")]
    assert messages(repo, POLICY) == ["no error budget policy document found in docs, ERROR_BUDGET_POLICY.md, slo"]


def test_one_good_policy_is_enough_beside_a_stub(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"docs/error-budget-policy.md": POLICY_DOC, "slo/errorbudget.md": "# Error budget\n\nTODO\n"},
    )
    assert check(repo, POLICY) == [("pass", "docs/error-budget-policy.md:1")]


def test_an_unreadable_policy_document_is_an_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"docs/error-budget-policy.md": b"\x00\x01binary"})
    assert check(repo, POLICY) == [("error", "docs/error-budget-policy.md")]


def test_monorepo_policy_may_live_in_the_service_or_in_the_shared_paths(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "mono",
        {
            "services/checkout/docs/error-budget-policy.md": POLICY_DOC,
            "services/search/README.md": "search\n",
            "services/cart/README.md": "cart\n",
            "docs/error-budget-policy.md": POLICY_DOC.replace("checkout", "company"),
            "services/other/docs/error-budget-policy.md": "# Error budget policy\n\nnothing\n",
        },
    )
    assert check(repo / "services/checkout", POLICY) == [
        ("pass", "docs/error-budget-policy.md:1"),
        ("pass", "services/checkout/docs/error-budget-policy.md:1"),
    ]
    assert check(repo / "services/search", POLICY) == [("pass", "docs/error-budget-policy.md:1")]
    assert check(repo / "services/cart", POLICY, {"paths": ["runbooks"]}) == [("fail", "")]
    assert messages(repo / "services/cart", POLICY, {"paths": ["runbooks"]}) == [
        "no error budget policy document found in services/cart/ or runbooks"
    ]


@pytest.mark.parametrize("target", [".nan", "true", "-0.5", "0"])
def test_openslo_targets_that_are_not_a_ratio_above_zero_fail(tmp_path: Path, target: str) -> None:
    repo = make_repo(tmp_path / "r", {"slo/checkout.yaml": openslo(target=target)})
    assert check(repo, SLO) == [("fail", "slo/checkout.yaml:21")]


def test_candidates_cover_every_path_selects_can_accept() -> None:
    for probe, paths in zip(PROBES, (["s.yaml", "s.yml", "s.json"], ["d.md", "d.markdown", "d.mdx"]), strict=True):
        assert probe.candidates is not None
        for path in paths:
            assert probe.selects(path, {})
            assert path[path.rfind(".") :] in probe.candidates
        assert not probe.selects("main.py", {})
