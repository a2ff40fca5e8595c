"""alerts-have-runbooks, alert-rules-sound and alerts-page-a-human, on real git repositories."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from gitrepos import make_repo, probe_findings, summary

from prr.domain.findings import Finding, Outcome
from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.alerting import PROBES

BY_ID = {probe.id: probe for probe in PROBES}


def rule(name: str, runbook: str | None = None, indent: int = 2, **extra: str) -> str:
    """A sound Prometheus alert rule as YAML list item lines (8 lines, 9 with a runbook)."""
    fields = {
        "expr": 'sum(rate(http_requests_total{code=~"5.."}[5m])) > 1',
        "for": "5m",
        "severity": "critical",
        "summary": "Checkout is failing",
    } | extra
    pad = " " * indent
    lines = [
        f"- alert: {name}",
        f"  expr: '{fields['expr']}'",
        f"  for: {fields['for']}",
        "  labels:",
        f"    severity: {fields['severity']}",
        "  annotations:",
        f"    summary: {fields['summary']}",
    ]
    if runbook is not None:
        lines.append(f"    runbook_url: {runbook}")
    return "".join(pad + line + "\n" for line in lines)


def rule_file(*rules: str) -> str:
    return "groups:\n- name: checkout\n  rules:\n" + "".join(rules)


RUNBOOK = "# Checkout\n\n## High error rate\n\nScale out.\n"


# -- alerts-have-runbooks ---------------------------------------------------------------------


def test_runbook_links_resolved_from_the_rule_files_folder_pass(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "monitoring/rules/checkout.yml": rule_file(
                rule("CheckoutErrors", "../runbooks/checkout.md#high-error-rate")
            ),
            "monitoring/runbooks/checkout.md": RUNBOOK,
        },
    )
    found = probe_findings(tmp_path, "alerts-have-runbooks")
    assert summary(found) == [("pass", "monitoring/rules/checkout.yml:4")]
    assert [e.path for e in found[0].evidence] == ["monitoring/rules/checkout.yml", "monitoring/runbooks/checkout.md"]


def test_runbook_links_may_be_relative_to_the_repository_root(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "monitoring/rules.yml": rule_file(rule("A", "runbooks/checkout.md"), rule("B", "/runbooks/checkout.md")),
            "runbooks/checkout.md": RUNBOOK,
        },
    )
    assert summary(probe_findings(tmp_path, "alerts-have-runbooks")) == [("pass", "monitoring/rules.yml:4")]


def test_a_runbook_link_with_a_missing_anchor_fails_at_the_rule(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "rules.yml": rule_file(
                rule("Good", "runbooks/checkout.md#high-error-rate"), rule("Bad", "runbooks/checkout.md#latency")
            ),
            "runbooks/checkout.md": RUNBOOK,
        },
    )
    found = probe_findings(tmp_path, "alerts-have-runbooks")
    assert summary(found) == [("pass", "rules.yml:4"), ("fail", "rules.yml:12")]
    assert "runbooks/checkout.md has no heading for #latency" in found[1].message
    assert found[1].remediation == SPECS["alerts-have-runbooks"].remediation


def test_a_runbook_link_to_a_file_that_is_not_committed_fails(tmp_path: Path) -> None:
    make_repo(tmp_path, {"alerts/rules.yml": rule_file(rule("Gone", "../runbooks/gone.md"))})
    found = probe_findings(tmp_path, "alerts-have-runbooks")
    assert summary(found) == [("fail", "alerts/rules.yml:4")]
    assert "names no committed document (looked for runbooks/gone.md)" in found[0].message


def test_a_rule_without_a_runbook_annotation_fails(tmp_path: Path) -> None:
    make_repo(tmp_path, {"rules.yml": rule_file(rule("NoRunbook"))})
    found = probe_findings(tmp_path, "alerts-have-runbooks")
    assert summary(found) == [("fail", "rules.yml:4")]
    assert found[0].message == "alert NoRunbook (rules.yml:4) has no runbook_url annotation"


def test_external_runbook_urls_pass_and_are_handed_to_the_endpoint_probes(tmp_path: Path) -> None:
    templated = "https://runbooks.example.com/{{ $labels.alertname }}"
    make_repo(
        tmp_path,
        {"rules.yml": rule_file(rule("A", "https://wiki.example.com/checkout#errors"), rule("B", f"'{templated}'"))},
    )
    found = probe_findings(tmp_path, "alerts-have-runbooks")
    assert summary(found) == [("pass", "rules.yml:4")]
    assert [e.url for e in found[0].evidence if e.url] == [
        "https://wiki.example.com/checkout#errors",
        "https://runbooks.example.com/B",
    ]


def test_links_that_are_neither_urls_nor_paths_fail(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "rules.yml": rule_file(
                rule("Mail", "mailto:oncall@example.com"), rule("Empty", "''"), rule("Host", "https://")
            )
        },
    )
    assert summary(probe_findings(tmp_path, "alerts-have-runbooks")) == [
        ("fail", "rules.yml:4"),
        ("fail", "rules.yml:12"),
        ("fail", "rules.yml:20"),
    ]


def test_the_annotation_name_is_a_param_and_runbook_is_accepted_too(tmp_path: Path) -> None:
    text = rule_file(rule("A")).replace("summary: Checkout is failing", "summary: x\n      playbook: https://x.example")
    make_repo(
        tmp_path,
        {
            "a/rules.yml": text,
            "b/rules.yml": rule_file(rule("B")).replace("summary:", "runbook: https://y.example\n      summary:"),
        },
    )
    assert summary(probe_findings(tmp_path / "a", "alerts-have-runbooks", {"annotation": "playbook"})) == [
        ("pass", "a/rules.yml:4")
    ]
    assert summary(probe_findings(tmp_path / "b", "alerts-have-runbooks")) == [("pass", "b/rules.yml:4")]


def test_no_alert_rules_at_all_fails(tmp_path: Path) -> None:
    recording = "groups:\n- name: r\n  rules:\n  - record: job:up:sum\n    expr: sum(up)\n"
    make_repo(tmp_path, {"recording.yml": recording, "deploy.yaml": "kind: Deployment\n"})
    found = probe_findings(tmp_path, "alerts-have-runbooks")
    assert summary(found) == [("fail", "")]
    assert found[0].message == "no alert rules found"


def test_a_prometheusrule_in_a_multi_document_manifest_is_found_at_its_line(tmp_path: Path) -> None:
    manifest = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: checkout\n---\n"
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: checkout\nspec:\n"
        "  groups:\n  - name: checkout\n    rules:\n" + rule("CheckoutErrors", "https://wiki.example.com/x", indent=4)
    )
    make_repo(tmp_path, {"deploy/k8s.yaml": manifest})
    assert summary(probe_findings(tmp_path, "alerts-have-runbooks")) == [("pass", "deploy/k8s.yaml:14")]
    assert summary(probe_findings(tmp_path, "alert-rules-sound")) == [("pass", "deploy/k8s.yaml:14")]


def test_rules_embedded_in_a_configmap_keep_their_line_numbers(tmp_path: Path) -> None:
    inner = rule_file(rule("Embedded", "https://x.example"))
    embedded = "".join("    " + line + "\n" for line in inner.splitlines())
    configmap = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rules\ndata:\n  checkout.rules: |\n{embedded}"
    make_repo(tmp_path, {"k8s/rules-configmap.yaml": configmap})
    assert summary(probe_findings(tmp_path, "alerts-have-runbooks")) == [("pass", "k8s/rules-configmap.yaml:10")]


def test_helm_templated_rule_files_are_noted_not_failed(tmp_path: Path) -> None:
    template = (
        "{{- if .Values.alerts.enabled }}\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n"
        'metadata:\n  name: {{ include "checkout.fullname" . }}\nspec:\n  groups:\n  - name: x\n    rules:\n'
        "    - alert: X\n      expr: up == 0\n{{- end }}\n"
    )
    make_repo(tmp_path, {"chart/templates/rules.yaml": template})
    found = probe_findings(tmp_path, "alerts-have-runbooks")
    assert summary(found) == [("not_applicable", "chart/templates/rules.yaml")]
    assert "Helm or Jinja template" in found[0].message
    assert summary(probe_findings(tmp_path, "alert-rules-sound")) == [("not_applicable", "chart/templates/rules.yaml")]


def test_helm_templates_are_noted_beside_the_rules_that_were_checked(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "chart/templates/rules.yaml": "groups: {{ toYaml .Values.rules | nindent 2 }}\nalert: x\n",
            "rules.yml": rule_file(rule("A", "https://x.example")),
        },
    )
    assert summary(probe_findings(tmp_path, "alerts-have-runbooks")) == [
        ("pass", "rules.yml:4"),
        ("not_applicable", "chart/templates/rules.yaml"),
    ]


def test_prometheus_template_variables_in_annotations_are_not_helm(tmp_path: Path) -> None:
    text = rule_file(rule("A", "https://x.example", summary="'{{ $labels.instance }} is down ({{ $value }})'"))
    make_repo(tmp_path, {"rules.yml": text})
    assert summary(probe_findings(tmp_path, "alerts-have-runbooks")) == [("pass", "rules.yml:4")]


def test_malformed_yaml_names_its_line(tmp_path: Path) -> None:
    broken = rule_file(rule("A", "https://x.example")) + "  - alert: B\n   expr: [unclosed\n"
    make_repo(tmp_path, {"rules.yml": broken})
    found = probe_findings(tmp_path, "alerts-have-runbooks")
    assert summary(found) == [("error", "rules.yml:13")]
    assert found[0].message.startswith("rules.yml:13: YAML error:")
    sound = probe_findings(tmp_path, "alert-rules-sound")
    assert summary(sound) == [("fail", "rules.yml:13")]


def test_a_malformed_document_keeps_the_rules_before_it(tmp_path: Path) -> None:
    good = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n  - name: x\n    rules:\n"
    text = good + rule("A", "https://x.example", indent=4) + "---\nkind: [\n"
    make_repo(tmp_path, {"all.yaml": text})
    assert summary(probe_findings(tmp_path, "alerts-have-runbooks")) == [
        ("pass", "all.yaml:7"),
        ("error", "all.yaml:17"),
    ]


def test_grafana_provisioned_alert_rules_are_checked(tmp_path: Path) -> None:
    grafana = {
        "apiVersion": 1,
        "groups": [
            {
                "orgId": 1,
                "name": "checkout",
                "folder": "checkout",
                "interval": "1m",
                "rules": [
                    {
                        "uid": "abc",
                        "title": "Checkout errors",
                        "condition": "A",
                        "data": [{"refId": "A", "datasourceUid": "prom", "model": {"expr": "up == 0"}}],
                        "for": "5m",
                        "labels": {"severity": "critical"},
                        "annotations": {"summary": "down", "runbook_url": "../../runbooks/checkout.md#high-error-rate"},
                    },
                    {"uid": "def", "title": "No data", "condition": "B", "data": [], "for": "soon"},
                ],
            }
        ],
    }
    make_repo(
        tmp_path,
        {
            "grafana/provisioning/alerting/rules.json": json.dumps(grafana, indent=2),
            "grafana/runbooks/checkout.md": RUNBOOK,
        },
    )
    assert summary(probe_findings(tmp_path, "alerts-have-runbooks")) == [
        ("pass", "grafana/provisioning/alerting/rules.json:10"),
        ("fail", "grafana/provisioning/alerting/rules.json:32"),
    ]
    sound = probe_findings(tmp_path, "alert-rules-sound")
    assert summary(sound) == [
        ("pass", "grafana/provisioning/alerting/rules.json:10"),
        ("fail", "grafana/provisioning/alerting/rules.json:32"),
    ]
    assert "no queries in data; `for` 'soon' is not a duration" in sound[1].message


def test_rules_are_scoped_to_the_service_folder(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "services/a/rules.yml": rule_file(rule("A", "runbooks/a.md")),
            "services/a/runbooks/a.md": RUNBOOK,
            "services/b/rules.yml": rule_file(rule("B")),
        },
    )
    assert summary(probe_findings(tmp_path / "services" / "a", "alerts-have-runbooks")) == [
        ("pass", "services/a/rules.yml:4")
    ]
    assert summary(probe_findings(tmp_path / "services" / "b", "alerts-have-runbooks")) == [
        ("fail", "services/b/rules.yml:4")
    ]
    assert summary(probe_findings(tmp_path / "services" / "b", "alerts-page-a-human")) == [("fail", "")]


def test_an_unreadable_runbook_target_is_an_error_for_its_rule(tmp_path: Path) -> None:
    make_repo(tmp_path, {"rules.yml": rule_file(rule("A", "runbook.md#x")), "runbook.md": b"\0"})
    assert summary(probe_findings(tmp_path, "alerts-have-runbooks")) == [("error", "rules.yml:4")]


def test_github_line_anchors_and_folder_readmes_resolve(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "rules.yml": rule_file(
                rule("A", "runbooks/#checkout"), rule("B", "notes.txt#L2"), rule("C", "notes.txt#L9")
            ),
            "runbooks/README.md": RUNBOOK.replace("# Checkout", "## Checkout"),
            "notes.txt": "one\ntwo\n",
        },
    )
    assert summary(probe_findings(tmp_path, "alerts-have-runbooks")) == [
        ("pass", "rules.yml:4"),
        ("fail", "rules.yml:20"),
    ]


def test_hostile_yaml_never_raises(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20)
    )
    make_repo(
        tmp_path,
        {
            "bomb.yaml": bomb + "groups: [{rules: [{alert: *u, expr: *u}]}]\n",
            "deep.yaml": "groups:\n" + "[" * 5000 + "]" * 5000 + "\nalert: x\nrules: x\n",
            "tags.yaml": "groups:\n- rules:\n  - alert: !!python/object/apply:os.system [echo]\n    expr: !x y\n",
            "nul.yaml": "groups: rules alert \x01\n",
            "latin1.yaml": "groups:\n- rules:\n  - alert: caf\xe9\n".encode("latin-1"),
        },
    )
    for probe_id in BY_ID:
        found = probe_findings(tmp_path, probe_id)
        assert all(isinstance(f, Finding) for f in found)
    outcomes = {(f.outcome, f.locations[0].path) for f in probe_findings(tmp_path, "alert-rules-sound")}
    assert (Outcome.FAIL, "deep.yaml") in outcomes and (Outcome.FAIL, "nul.yaml") in outcomes


# -- alert-rules-sound ------------------------------------------------------------------------


def test_sound_rules_pass_in_one_summary_finding(tmp_path: Path) -> None:
    make_repo(tmp_path, {"rules.yml": rule_file(rule("A"), rule("B", severity="warning", **{"for": "1h30m"}))})
    found = probe_findings(tmp_path, "alert-rules-sound")
    assert summary(found) == [("pass", "rules.yml:4")]
    assert found[0].message.startswith("2 alert rule(s)")


def test_each_unsound_rule_fails_with_all_its_problems(tmp_path: Path) -> None:
    bad = (
        "  - alert: Bad\n    expr: ''\n    for: 5 minutes\n    labels:\n      severity: page\n"
        "  - alert: Worse\n    expr: sum(rate(x[5m])\n    annotation:\n      summary: typo\n"
    )
    make_repo(tmp_path, {"rules.yml": rule_file(rule("Good"), bad)})
    found = probe_findings(tmp_path, "alert-rules-sound")
    assert summary(found) == [("pass", "rules.yml:4"), ("fail", "rules.yml:11"), ("fail", "rules.yml:16")]
    assert found[1].message == (
        "alert Bad (rules.yml:11): no expr; `for` '5 minutes' is not a duration like 5m or 1h30m; "
        "severity 'page' is not one of critical, warning, info; no summary or description annotation"
    )
    assert found[2].message == (
        "alert Worse (rules.yml:16): unclosed '(' in expr; unknown field(s) 'annotation' "
        "(Prometheus refuses the file); no `for` duration; no labels.severity; no summary or description annotation"
    )


def test_allowed_severities_come_from_params(tmp_path: Path) -> None:
    make_repo(tmp_path, {"rules.yml": rule_file(rule("A", severity="page"))})
    assert summary(probe_findings(tmp_path, "alert-rules-sound", {"severities": ["page", "ticket"]})) == [
        ("pass", "rules.yml:4")
    ]
    assert summary(probe_findings(tmp_path, "alert-rules-sound")) == [("fail", "rules.yml:4")]


def test_brackets_inside_promql_strings_and_comments_do_not_count(tmp_path: Path) -> None:
    expr = 'sum(rate(x{path=~"/a(b"}[5m])) > 0 # trailing ) comment'
    make_repo(tmp_path, {"rules.yml": rule_file(rule("A", expr=expr.replace("'", "''")))})
    assert summary(probe_findings(tmp_path, "alert-rules-sound")) == [("pass", "rules.yml:4")]


def test_no_rules_fails_for_soundness_too(tmp_path: Path) -> None:
    make_repo(tmp_path, {"README.md": "# nothing\n"})
    assert summary(probe_findings(tmp_path, "alert-rules-sound")) == [("fail", "")]


# -- alerts-page-a-human ----------------------------------------------------------------------

ALERTMANAGER = """\
global:
  resolve_timeout: 5m
route:
  receiver: team-slack
  routes:
  - matchers: ['severity="critical"']
    receiver: team-pager
receivers:
- name: team-slack
  slack_configs:
  - channel: '#checkout'
- name: team-pager
  pagerduty_configs:
  - routing_key_file: /etc/alertmanager/secrets/pd
"""


def test_a_routed_pagerduty_receiver_pages_a_human(tmp_path: Path) -> None:
    make_repo(tmp_path, {"monitoring/alertmanager.yml": ALERTMANAGER})
    found = probe_findings(tmp_path, "alerts-page-a-human")
    assert summary(found) == [("pass", "monitoring/alertmanager.yml:12")]
    assert "receiver 'team-pager' (PagerDuty)" in found[0].message


def test_receivers_that_do_not_page_fail(tmp_path: Path) -> None:
    config = "route:\n  receiver: slack\nreceivers:\n- name: slack\n  slack_configs:\n  - channel: x\n"
    make_repo(tmp_path, {"alertmanager.yaml": config})
    found = probe_findings(tmp_path, "alerts-page-a-human")
    assert summary(found) == [("fail", "alertmanager.yaml:1")]
    assert "no receiver pages through PagerDuty or Opsgenie (receivers: 'slack')" in found[0].message


def test_a_pager_receiver_no_route_sends_to_fails(tmp_path: Path) -> None:
    config = ALERTMANAGER.replace("    receiver: team-pager\n", "    receiver: team-slack\n")
    make_repo(tmp_path, {"alertmanager.yml": config})
    found = probe_findings(tmp_path, "alerts-page-a-human")
    assert summary(found) == [("fail", "alertmanager.yml:1")]
    assert "receiver(s) 'team-pager' page but no route sends to them" in found[0].message


def test_a_route_to_an_undefined_receiver_fails_because_alertmanager_rejects_it(tmp_path: Path) -> None:
    config = ALERTMANAGER.replace("  receiver: team-slack\n", "  receiver: nobody\n", 1)
    make_repo(tmp_path, {"alertmanager.yml": config})
    found = probe_findings(tmp_path, "alerts-page-a-human")
    assert summary(found) == [("fail", "alertmanager.yml:1")]
    assert "undefined receiver(s) 'nobody'" in found[0].message


def test_a_pagerduty_receiver_without_a_key_does_not_page(tmp_path: Path) -> None:
    config = ALERTMANAGER.replace("  - routing_key_file: /etc/alertmanager/secrets/pd\n", "  - severity: critical\n")
    make_repo(tmp_path, {"alertmanager.yml": config})
    found = probe_findings(tmp_path, "alerts-page-a-human")
    assert summary(found) == [("fail", "alertmanager.yml:1")]
    assert "receiver 'team-pager': its pagerduty_configs have no routing_key or service_key" in found[0].message


def test_opsgenie_with_a_global_key_and_pager_webhooks_page(tmp_path: Path) -> None:
    opsgenie = (
        "global:\n  opsgenie_api_key_file: /k\nroute:\n  receiver: og\n"
        "receivers:\n- name: og\n  opsgenie_configs:\n  - priority: P1\n"
    )
    webhook = "route:\n  receiver: pd\nreceivers:\n- name: pd\n  webhook_configs:\n  - url: https://events.eu.pagerduty.com/x\n"
    make_repo(tmp_path, {"a/alertmanager.yml": opsgenie, "b/alertmanager.yml": webhook})
    assert summary(probe_findings(tmp_path / "a", "alerts-page-a-human")) == [("pass", "a/alertmanager.yml:6")]
    assert summary(probe_findings(tmp_path / "b", "alerts-page-a-human")) == [("pass", "b/alertmanager.yml:4")]


def test_no_alertmanager_config_fails(tmp_path: Path) -> None:
    make_repo(tmp_path, {"deploy.yaml": "kind: Deployment\n"})
    found = probe_findings(tmp_path, "alerts-page-a-human")
    assert summary(found) == [("fail", "")]
    assert found[0].message.startswith("no Alertmanager config found")


def test_configs_inside_kubernetes_secrets_are_read(tmp_path: Path) -> None:
    string_data = "".join("    " + line + "\n" for line in ALERTMANAGER.splitlines())
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: alertmanager-main\n"
        f"stringData:\n  alertmanager.yaml: |\n{string_data}"
    )
    encoded = base64.b64encode(ALERTMANAGER.encode()).decode()
    data_secret = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: am\ndata:\n  alertmanager.yaml: {encoded}\n"
    make_repo(tmp_path, {"a/secret.yaml": secret, "b/secret.yaml": data_secret})
    assert summary(probe_findings(tmp_path / "a", "alerts-page-a-human")) == [("pass", "a/secret.yaml:18")]
    assert summary(probe_findings(tmp_path / "b", "alerts-page-a-human")) == [("pass", "b/secret.yaml:6")]


def test_an_alertmanagerconfig_resource_pages_through_pagerduty(tmp_path: Path) -> None:
    crd = (
        "apiVersion: monitoring.coreos.com/v1alpha1\nkind: AlertmanagerConfig\nmetadata:\n  name: checkout\nspec:\n"
        "  route:\n    receiver: pager\n  receivers:\n  - name: pager\n    pagerdutyConfigs:\n"
        "    - routingKey:\n        name: pd\n        key: routing-key\n"
    )
    make_repo(tmp_path, {"k8s/amconfig.yaml": crd})
    assert summary(probe_findings(tmp_path, "alerts-page-a-human")) == [("pass", "k8s/amconfig.yaml:9")]


def test_helm_values_nesting_an_alertmanager_config_are_read(tmp_path: Path) -> None:
    nested = "".join("    " + line + "\n" for line in ALERTMANAGER.splitlines())
    make_repo(tmp_path, {"values.yaml": f"alertmanager:\n  config:\n{nested}"})
    assert summary(probe_findings(tmp_path, "alerts-page-a-human")) == [("pass", "values.yaml:14")]


def test_one_paging_config_passes_and_a_staging_config_is_listed_as_not_counted(tmp_path: Path) -> None:
    staging = "route:\n  receiver: slack\nreceivers:\n- name: slack\n  slack_configs:\n  - channel: x\n"
    make_repo(tmp_path, {"prod/alertmanager.yml": ALERTMANAGER, "staging/alertmanager.yml": staging})
    assert summary(probe_findings(tmp_path, "alerts-page-a-human")) == [
        ("pass", "prod/alertmanager.yml:12"),
        ("not_applicable", "staging/alertmanager.yml:1"),
    ]


def test_a_malformed_alertmanager_yml_fails_at_its_line(tmp_path: Path) -> None:
    make_repo(tmp_path, {"alertmanager.yml": "route:\n  receiver: x\nreceivers: [\n"})
    found = probe_findings(tmp_path, "alerts-page-a-human")
    assert summary(found) == [("fail", "alertmanager.yml:4")]
    assert "Alertmanager cannot load it" in found[0].message


def test_a_templated_alertmanager_config_is_noted(tmp_path: Path) -> None:
    make_repo(tmp_path, {"chart/templates/am.yaml": "route:\n  receiver: {{ .Values.receiver }}\nreceivers: []\n"})
    assert summary(probe_findings(tmp_path, "alerts-page-a-human")) == [("not_applicable", "chart/templates/am.yaml")]


def test_selects_rule_files_configs_and_link_targets_only() -> None:
    have, sound = BY_ID["alerts-have-runbooks"], BY_ID["alert-rules-sound"]
    assert have.selects("rules/a.yml", {}) and have.selects("runbooks/a.md", {}) and have.selects("x/notes.txt", {})
    assert sound.selects("rules/a.yaml", {}) and not sound.selects("runbooks/a.md", {})
    assert sound.selects("grafana/alerting/rules.json", {}) and not sound.selects("package.json", {})
    assert not BY_ID["alerts-page-a-human"].selects("src/app.py", {})
