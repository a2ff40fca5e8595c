"""Dashboard probes on real git repositories: dashboards-valid and dashboard-golden-signals."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from gitrepos import check, make_repo, messages, probe_findings

from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.dashboards import PROBES

BY_ID = {probe.id: probe for probe in PROBES}
VALID = "dashboards-valid"
GOLDEN = "dashboard-golden-signals"


# ---------------------------------------------------------------------------- fixtures

LATENCY = 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))'
TRAFFIC = 'sum(rate(http_requests_total{job="api"}[5m]))'
ERRORS = 'sum(rate(http_requests_total{job="api",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="api"}[5m]))'
SATURATION = 'sum(container_memory_working_set_bytes{container="api"})'


def panel(title: str, expr: str | None = None, panel_id: int = 1) -> dict[str, Any]:
    out: dict[str, Any] = {"id": panel_id, "type": "timeseries", "title": title, "gridPos": {"x": 0, "y": 0}}
    if expr is not None:
        out["targets"] = [{"refId": "A", "datasource": {"type": "prometheus"}, "expr": expr}]
    return out


def grafana(uid: str | None = "api", title: str | None = "API", panels: list[Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"schemaVersion": 39, "time": {"from": "now-6h", "to": "now"}}
    if uid is not None:
        out["uid"] = uid
    if title is not None:
        out["title"] = title
    out["panels"] = panels if panels is not None else [panel("Requests", TRAFFIC)]
    return out


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2) + "\n"


FOUR_SIGNALS = [
    panel("p99 latency", LATENCY, 1),
    panel("Requests per second", TRAFFIC, 2),
    panel("Error ratio", ERRORS, 3),
    panel("Memory", SATURATION, 4),
]

OPENAPI = dumps({"openapi": "3.1.0", "info": {"title": "API", "version": "1"}, "paths": {"/panels": {}}})
PACKAGE = dumps({"name": "web", "version": "1.0.0", "scripts": {"build": "vite build"}, "dependencies": {}})
SCHEMA = dumps(
    {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Panels",
        "type": "object",
        "properties": {"panels": {"type": "array"}, "rows": {"type": "array"}},
    }
)
KIBANA = dumps(
    {
        "type": "dashboard",
        "id": "abc",
        "attributes": {"title": "Logs", "panelsJSON": '[{"panelIndex":"1","gridData":{"x":0}}]'},
        "references": [],
    }
)
KIBANA_API = dumps(
    {
        "title": "Logs",
        "panels": [{"type": "lens", "gridData": {"x": 0, "y": 0}, "panelIndex": "1"}],
        "timeRestore": False,
    }
)

V2_RESOURCE = """\
apiVersion: dashboard.grafana.app/v2beta1
kind: Dashboard
metadata:
  name: checkout-v2
spec:
  title: Checkout
  elements:
    panel-1:
      kind: Panel
      spec:
        id: 1
        title: p95 latency
        data:
          kind: QueryGroup
          spec:
            queries:
              - kind: PanelQuery
                spec:
                  refId: A
                  query:
                    kind: DataQuery
                    group: prometheus
                    spec:
                      expr: histogram_quantile(0.95, sum by (le) (rate(checkout_duration_seconds_bucket[5m])))
  layout:
    kind: GridLayout
    spec:
      items:
        - kind: GridLayoutItem
          spec: {element: {kind: ElementReference, name: panel-1}}
"""


# ---------------------------------------------------------------------------- discovery: what is a dashboard


def test_family_declares_exactly_the_two_dashboard_probes_of_the_registry() -> None:
    assert set(BY_ID) == {VALID, GOLDEN}
    assert set(BY_ID) <= set(SPECS)


def test_selects_is_a_cheap_filename_filter() -> None:
    selects = BY_ID[VALID].selects
    assert selects("dashboards/api.json", {})
    assert selects("deploy/cm.yaml", {})
    assert selects("infra/main.tf", {})
    assert selects("deploy/Kustomization", {})
    assert not selects("src/main.py", {})
    assert not selects("README.md", {})


def test_a_classic_grafana_dashboard_with_uid_title_and_a_query_passes_at_its_first_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"dashboards/api.json": dumps(grafana())})
    assert check(repo, VALID) == [("pass", "dashboards/api.json:1")]
    assert messages(repo, VALID) == ["Grafana dashboard 'API' (uid api): 1 panel, 1 with a query"]


def test_package_json_openapi_json_schema_and_kibana_objects_are_not_dashboards(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            "package.json": PACKAGE,
            "api/openapi.json": OPENAPI,
            "schemas/panels.schema.json": SCHEMA,
            "kibana/logs.json": KIBANA,
            "kibana/logs-api.json": KIBANA_API,
            "tsconfig.json": '{\n  // comments make this invalid JSON\n  "panels": true\n}\n',
        },
    )
    assert check(repo, VALID) == [("fail", "")]
    assert messages(repo, VALID)[0].startswith("no dashboard definitions found")
    assert check(repo, GOLDEN) == [("fail", "")]


def test_a_dashboard_exported_from_the_http_api_is_unwrapped(tmp_path: Path) -> None:
    export = {"meta": {"type": "db", "slug": "api", "folderUid": "ops"}, "dashboard": grafana(uid="api-export")}
    repo = make_repo(tmp_path / "r", {"dashboards/export.json": dumps(export)})
    assert check(repo, VALID) == [("pass", "dashboards/export.json:1")]
    assert "uid api-export" in messages(repo, VALID)[0]


def test_legacy_rows_with_panels_count_as_panels(tmp_path: Path) -> None:
    legacy = {
        "title": "Legacy",
        "uid": "legacy",
        "schemaVersion": 14,
        "rows": [{"title": "HTTP", "panels": [{"type": "graph", "title": "RPS", "targets": [{"expr": TRAFFIC}]}]}],
    }
    repo = make_repo(tmp_path / "r", {"grafana/legacy.json": dumps(legacy)})
    assert check(repo, VALID) == [("pass", "grafana/legacy.json:1")]


def test_queries_inside_collapsed_row_panels_count(tmp_path: Path) -> None:
    row = {"type": "row", "title": "HTTP", "collapsed": True, "panels": [panel("Requests", TRAFFIC)]}
    repo = make_repo(tmp_path / "r", {"dashboards/rows.json": dumps(grafana(panels=[panel("Notes"), row]))})
    assert check(repo, VALID) == [("pass", "dashboards/rows.json:1")]
    assert messages(repo, VALID) == ["Grafana dashboard 'API' (uid api): 2 panels, 1 with a query"]


def test_a_dashboard_without_uid_or_queries_fails_naming_what_is_missing(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"dashboards/bare.json": dumps(grafana(uid=None, panels=[panel("Latency"), {"type": "text", "title": "x"}]))},
    )
    assert check(repo, VALID) == [("fail", "dashboards/bare.json:1")]
    assert messages(repo, VALID) == [
        "Grafana dashboard 'API': no uid; no panel with a query (2 panels, none with a query)"
    ]


def test_one_finding_per_dashboard_so_one_bad_dashboard_fails_beside_a_good_one(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            "dashboards/good.json": dumps(grafana()),
            "dashboards/untitled.json": dumps(grafana(uid="u", title=None)),
        },
    )
    assert check(repo, VALID) == [("pass", "dashboards/good.json:1"), ("fail", "dashboards/untitled.json:1")]
    assert messages(repo, VALID)[1] == "Grafana dashboard 'u': no title"


def test_malformed_dashboard_json_fails_at_the_line_of_the_syntax_error(tmp_path: Path) -> None:
    broken = (
        '{\n  "uid": "api",\n  "title": "API",\n  "schemaVersion": 39,\n  "panels": [\n    {"title": "x",}\n  ]\n}\n'
    )
    repo = make_repo(tmp_path / "r", {"dashboards/broken.json": broken, "data/fixture.json": '{"a": [1, 2'})
    assert check(repo, VALID) == [("fail", "dashboards/broken.json:6")]
    assert messages(repo, VALID)[0].startswith("Grafana dashboard: invalid JSON")


def test_v2_dashboard_resource_reads_uid_from_metadata_and_queries_from_elements(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"grafana/checkout.yaml": V2_RESOURCE})
    assert check(repo, VALID) == [("pass", "grafana/checkout.yaml:1")]
    assert messages(repo, VALID) == ["Grafana dashboard resource 'Checkout' (uid checkout-v2): 1 panel, 1 with a query"]


def test_v2_dashboard_made_only_of_library_panels_has_no_query_of_its_own(tmp_path: Path) -> None:
    text = """\
apiVersion: dashboard.grafana.app/v2alpha1
kind: Dashboard
metadata: {name: lib}
spec:
  title: Library
  elements:
    one: {kind: LibraryPanel, spec: {libraryPanel: {uid: abc, name: shared}}}
"""
    repo = make_repo(tmp_path / "r", {"grafana/lib.json": json.dumps(yaml_load(text))})
    assert check(repo, VALID) == [("fail", "grafana/lib.json:1")]


def yaml_load(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


# ---------------------------------------------------------------------------- ConfigMaps, operator, kustomize


def configmap(name: str, key: str, body: str, labelled: bool = True) -> str:
    labels = "  labels:\n    grafana_dashboard: '1'\n" if labelled else ""
    indented = "".join("    " + line + "\n" for line in body.splitlines())
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{labels}data:\n  {key}: |\n{indented}"


def test_sidecar_configmap_dashboard_passes_at_its_data_key(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"deploy/dash-cm.yaml": configmap("api-dash", "api.json", dumps(grafana()))})
    assert check(repo, VALID) == [("pass", "deploy/dash-cm.yaml:8")]
    assert messages(repo, VALID)[0].startswith("ConfigMap api-dash key api.json 'API'")


def test_broken_json_in_a_labelled_configmap_fails_at_the_file_line_of_the_error(tmp_path: Path) -> None:
    body = '{\n  "uid": "api",\n  "title": "API",\n  "panels": [}\n'
    repo = make_repo(tmp_path / "r", {"deploy/dash-cm.yaml": configmap("api-dash", "api.json", body)})
    # data key on line 8, the JSON starts on line 9, its 4th line is the broken one
    assert check(repo, VALID) == [("fail", "deploy/dash-cm.yaml:12")]


def test_unlabelled_configmaps_count_only_when_their_json_is_grafana_shaped(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            "deploy/app-config.yaml": configmap("app", "settings.json", '{"panels": "none", "x": 1}', labelled=False),
            "deploy/dash.yaml": configmap("dash", "api.json", dumps(grafana()), labelled=False),
        },
    )
    assert check(repo, VALID) == [("pass", "deploy/dash.yaml:6")]


def test_grafana_operator_inline_json_and_gzip_json_are_validated(tmp_path: Path) -> None:
    inline = json.dumps(grafana(uid=None, title="Inline"))
    packed = base64.b64encode(gzip.compress(json.dumps(grafana(uid="zipped")).encode())).decode()
    text = f"""\
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaDashboard
metadata:
  name: inline
spec:
  instanceSelector: {{matchLabels: {{dashboards: grafana}}}}
  json: '{inline}'
---
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaDashboard
metadata:
  name: zipped
spec:
  gzipJson: {packed}
"""
    repo = make_repo(tmp_path / "r", {"deploy/grafana.yaml": text})
    assert check(repo, VALID) == [("fail", "deploy/grafana.yaml:7"), ("pass", "deploy/grafana.yaml:14")]
    assert messages(repo, VALID)[0] == "GrafanaDashboard inline 'Inline': no uid"


def test_grafana_operator_configmap_ref_must_resolve_to_a_configmap_key_in_the_repository(tmp_path: Path) -> None:
    refs = """\
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaDashboard
metadata: {name: from-cm}
spec:
  configMapRef:
    name: api-dash
    key: api.json
---
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaDashboard
metadata: {name: dangling}
spec:
  configMapRef: {name: nowhere, key: x.json}
---
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaDashboard
metadata: {name: remote}
spec:
  url: https://grafana.com/api/dashboards/1860/revisions/37/download
"""
    repo = make_repo(
        tmp_path / "r",
        {
            "deploy/dashboards.yaml": refs,
            # not labelled and not Grafana-shaped: only the reference makes it a dashboard
            "deploy/cm.yaml": configmap("api-dash", "api.json", '{"title": "half"}', labelled=False),
        },
    )
    assert check(repo, VALID) == [
        ("fail", "deploy/cm.yaml:6"),
        ("fail", "deploy/dashboards.yaml:13"),
        ("not_applicable", "deploy/dashboards.yaml:19"),
    ]
    got = messages(repo, VALID)
    assert got[0] == "ConfigMap api-dash key api.json 'half': not a Grafana dashboard (no panels); no uid"
    assert got[1] == "configMapRef nowhere/x.json: no such ConfigMap key in the repository"


def test_kustomize_generated_dashboard_configmaps_are_followed_to_their_files(tmp_path: Path) -> None:
    kustomization = """\
configMapGenerator:
  - name: dashboards
    files:
      - api.json=dashboards/api.json
      - dashboards/gone.json
    options:
      labels:
        grafana_dashboard: "1"
"""
    repo = make_repo(
        tmp_path / "r",
        {"deploy/kustomization.yaml": kustomization, "deploy/dashboards/api.json": dumps(grafana(title="Generated"))},
    )
    assert check(repo, VALID) == [("pass", "deploy/dashboards/api.json:1"), ("fail", "deploy/kustomization.yaml:1")]


# ---------------------------------------------------------------------------- provisioning


PROVISIONING = """\
apiVersion: 1
providers:
  - name: service
    type: file
    options:
      path: /var/lib/grafana/dashboards/api
  - name: stale
    type: file
    options:
      path: /var/lib/grafana/dashboards/retired-service
"""


def test_provisioning_pointing_at_a_folder_of_dashboards_passes_and_a_missing_folder_fails(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            "grafana/provisioning/dashboards/providers.yaml": PROVISIONING,
            "grafana/dashboards/api/overview.json": dumps(grafana()),
        },
    )
    assert check(repo, VALID) == [
        ("pass", "grafana/dashboards/api/overview.json:1"),
        ("pass", "grafana/provisioning/dashboards/providers.yaml:6"),
        ("fail", "grafana/provisioning/dashboards/providers.yaml:10"),
    ]
    got = messages(repo, VALID)
    assert "loads grafana/dashboards/api/" in got[1]
    assert got[2].endswith("no such folder in the repository")


def test_a_provisioned_folder_holding_a_non_dashboard_json_fails_for_that_file(tmp_path: Path) -> None:
    provider = "apiVersion: 1\nproviders:\n  - name: a\n    options:\n      path: ./dashboards\n"
    repo = make_repo(
        tmp_path / "r",
        {"grafana/provider.yaml": provider, "grafana/dashboards/notes.json": '{"note": "not a dashboard"}\n'},
    )
    assert check(repo, VALID) == [("fail", "grafana/dashboards/notes.json:1"), ("pass", "grafana/provider.yaml:5")]


def test_a_provider_without_options_path_fails_at_the_provider(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r", {"provisioning/dash.yaml": "apiVersion: 1\nproviders:\n  - name: a\n    type: file\n"}
    )
    assert check(repo, VALID) == [("fail", "provisioning/dash.yaml:3")]


def test_a_provider_path_made_of_environment_variables_is_not_judged(tmp_path: Path) -> None:
    provider = "apiVersion: 1\nproviders:\n  - name: a\n    options:\n      path: $DASHBOARDS_DIR\n"
    repo = make_repo(tmp_path / "r", {"provisioning/dash.yaml": provider})
    assert check(repo, VALID) == [("not_applicable", "provisioning/dash.yaml:5")]


# ---------------------------------------------------------------------------- Terraform


TERRAFORM = """\
resource "grafana_folder" "ops" {
  title = "Ops"
}

resource "grafana_dashboard" "heredoc" {
  folder      = grafana_folder.ops.id
  config_json = <<-EOT
    {
      "uid": "${var.env}-api",
      "title": "API (${var.env})",
      "panels": [{"title": "Latency", "targets": [{"expr": "histogram_quantile(0.9, rate(x_bucket[5m]))"}]}]
    }
  EOT
}

resource "grafana_dashboard" "encoded" {
  config_json = jsonencode({
    title = "Encoded"
    uid   = "encoded"
    panels = [
      { title = "CPU", targets = [{ expr = "rate(container_cpu_usage_seconds_total[5m])" }] },
    ]
  })
}

resource "grafana_dashboard" "from_file" {
  config_json = file("${path.module}/dashboards/api.json")
}

resource "grafana_dashboard" "missing_file" {
  config_json = file("${path.module}/dashboards/missing.json")
}

resource "grafana_dashboard" "computed" {
  config_json = var.dashboard_json
}

resource "datadog_dashboard" "api" {
  title       = "API on Datadog"
  layout_type = "ordered"
  widget {
    group_definition {
      title = "HTTP"
      widget {
        timeseries_definition {
          title = "Errors"
          request {
            q = "sum:trace.http.request.errors{service:api}.as_count()"
          }
        }
      }
    }
  }
}

resource "datadog_dashboard" "empty" {
  title       = "Nothing"
  layout_type = "ordered"
  widget {
    note_definition {
      content = "hello"
    }
  }
}
"""


def test_terraform_grafana_and_datadog_dashboards_are_validated(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"infra/main.tf": TERRAFORM, "infra/dashboards/api.json": dumps(grafana(uid="tf-file", title="From file"))},
    )
    assert check(repo, VALID) == [
        ("pass", "infra/dashboards/api.json:1"),
        ("pass", "infra/main.tf:5"),
        ("pass", "infra/main.tf:16"),
        ("fail", "infra/main.tf:30"),
        ("not_applicable", "infra/main.tf:34"),
        ("pass", "infra/main.tf:38"),
        ("fail", "infra/main.tf:56"),
    ]
    got = messages(repo, VALID)
    assert (
        got[3]
        == "grafana_dashboard.missing_file: config_json reads infra/dashboards/missing.json, not in the repository"
    )
    assert got[6] == "Terraform datadog_dashboard 'Nothing': no panel with a query (1 panel, none with a query)"


def test_terraform_heredoc_with_invalid_json_fails_at_the_file_line(tmp_path: Path) -> None:
    tf = 'resource "grafana_dashboard" "x" {\n  config_json = <<EOF\n{\n  "title": "x",\n  "panels": [,]\n}\nEOF\n}\n'
    repo = make_repo(tmp_path / "r", {"main.tf": tf})
    assert check(repo, VALID) == [("fail", "main.tf:5")]


def test_terraform_that_prr_cannot_read_is_an_error_not_a_verdict(tmp_path: Path) -> None:
    tf = 'resource "grafana_dashboard" "x" {\n  config_json = "unterminated\n}\n'
    repo = make_repo(tmp_path / "r", {"main.tf": tf})
    assert check(repo, VALID) == [("error", "main.tf:1")]


# ---------------------------------------------------------------------------- scoping and hostile input


def test_a_service_review_sees_only_its_own_dashboards(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "mono",
        {
            "services/api/dashboards/api.json": dumps(grafana()),
            "services/web/dashboards/web.json": dumps(grafana(uid=None, title="Web")),
            "services/billing/README.md": "billing\n",
        },
    )
    assert check(repo / "services/api", VALID) == [("pass", "services/api/dashboards/api.json:1")]
    assert check(repo / "services/web", VALID) == [("fail", "services/web/dashboards/web.json:1")]
    assert check(repo / "services/billing", VALID) == [("fail", "")]
    assert "under services/billing/" in messages(repo / "services/billing", VALID)[0]


def test_provider_folder_matching_prefers_the_services_own_folder(tmp_path: Path) -> None:
    provider = "apiVersion: 1\nproviders:\n  - name: a\n    options:\n      path: /var/lib/grafana/dashboards\n"
    repo = make_repo(
        tmp_path / "mono",
        {
            "services/api/grafana/provider.yaml": provider,
            "services/api/grafana/dashboards/api.json": dumps(grafana()),
            "services/web/grafana/dashboards/web.json": dumps(grafana(uid=None)),
        },
    )
    assert check(repo / "services/api", VALID) == [
        ("pass", "services/api/grafana/dashboards/api.json:1"),
        ("pass", "services/api/grafana/provider.yaml:5"),
    ]


def test_hostile_inputs_give_findings_never_exceptions(tmp_path: Path) -> None:
    deep = '{"uid": "d", "panels": [' + '{"panels": [' * 50_000 + "]}" * 50_000 + "]}"
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    bomb += "kind: Dashboard\napiVersion: dashboard.grafana.app/v2beta1\n"
    bomb += "spec:\n  title: t\n  elements: {e: {kind: Panel, spec: {data: *i}}}\n"
    repo = make_repo(
        tmp_path / "r",
        {
            "dashboards/deep.json": deep,
            "dashboards/latin1.json": '{"title": "caf\xe9", "uid": "c", "schemaVersion": 1, "panels": []}'.encode(
                "latin-1"
            ),
            "dashboards/binary.json": b"\x00\x01\x02grafana",
            "grafana/bomb.yaml": bomb,
            "main.tf": 'resource "grafana_dashboard" "x" {\n  config_json = jsonencode('
            + "[" * 5000
            + "]" * 5000
            + ")\n}\n",
        },
    )
    outcomes = check(repo, VALID)
    assert ("error", "dashboards/binary.json") in outcomes
    assert ("fail", "dashboards/deep.json") in outcomes
    assert ("fail", "dashboards/latin1.json:1") in outcomes
    assert ("error", "grafana/bomb.yaml:1") in outcomes
    assert ("error", "main.tf:1") in outcomes
    assert check(repo, GOLDEN) == [("error", "dashboards/binary.json")]


def test_helm_templates_are_not_reported_as_malformed_yaml(tmp_path: Path) -> None:
    template = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-dash\n  labels:\n"
        "    grafana_dashboard: '1'\ndata:\n{{ (.Files.Glob \"dashboards/*.json\").AsConfig | indent 2 }}\n"
    )
    repo = make_repo(
        tmp_path / "r",
        {"chart/templates/dash.yaml": template, "chart/dashboards/api.json": dumps(grafana())},
    )
    assert check(repo, VALID) == [("pass", "chart/dashboards/api.json:1")]


# ---------------------------------------------------------------------------- golden signals


def test_all_four_golden_signals_covered_passes_naming_the_covering_dashboard(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"dashboards/api.json": dumps(grafana(panels=FOUR_SIGNALS))})
    assert check(repo, GOLDEN) == [("pass", "dashboards/api.json:1")]
    message = messages(repo, GOLDEN)[0]
    assert message.startswith("all signals covered: latency by 'API' (dashboards/api.json, panel 'p99 latency')")
    assert "saturation by 'API' (dashboards/api.json, panel 'Memory')" in message


def test_signals_may_be_spread_across_the_services_dashboards(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            "dashboards/http.json": dumps(grafana(uid="http", title="HTTP", panels=FOUR_SIGNALS[:3])),
            "deploy/infra-cm.yaml": configmap("infra", "infra.json", dumps(grafana(uid="i", panels=FOUR_SIGNALS[3:]))),
        },
    )
    assert check(repo, GOLDEN) == [("pass", "dashboards/http.json:1")]
    [found] = probe_findings(repo, GOLDEN)
    assert [(loc.path, loc.line) for loc in found.locations] == [
        ("dashboards/http.json", 1),
        ("deploy/infra-cm.yaml", 8),
    ]
    assert "saturation by 'API' (deploy/infra-cm.yaml, panel 'Memory')" in found.message


def test_partial_coverage_fails_listing_the_missing_signals(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"dashboards/api.json": dumps(grafana(panels=FOUR_SIGNALS[:2]))})
    assert check(repo, GOLDEN) == [("fail", "dashboards/api.json:1")]
    message = messages(repo, GOLDEN)[0]
    assert message.startswith("missing errors, saturation across 1 dashboard; covered: latency by 'API'")


def test_an_error_ratio_panel_is_not_traffic_and_a_latency_histogram_is_not_traffic(tmp_path: Path) -> None:
    panels = [panel("Error ratio", ERRORS, 1), panel("Latency", LATENCY, 2)]
    repo = make_repo(tmp_path / "r", {"dashboards/api.json": dumps(grafana(panels=panels))})
    assert check(repo, GOLDEN) == [("fail", "dashboards/api.json:1")]
    assert messages(repo, GOLDEN)[0].startswith("missing traffic, saturation")


def test_a_histogram_count_rate_is_traffic_and_not_latency(tmp_path: Path) -> None:
    panels = [panel("HTTP", "sum(rate(http_server_duration_seconds_count[1m]))")]
    repo = make_repo(tmp_path / "r", {"dashboards/api.json": dumps(grafana(panels=panels))})
    assert check(repo, GOLDEN, {"signals": ["traffic"]}) == [("pass", "dashboards/api.json:1")]
    assert check(repo, GOLDEN, {"signals": ["latency"]}) == [("fail", "dashboards/api.json:1")]


def test_panels_titled_after_a_signal_but_without_a_query_show_nothing(tmp_path: Path) -> None:
    panels = [panel("Latency"), panel("Traffic"), panel("Errors"), panel("Saturation"), panel("RPS", TRAFFIC)]
    repo = make_repo(tmp_path / "r", {"dashboards/api.json": dumps(grafana(panels=panels))})
    assert check(repo, GOLDEN) == [("fail", "dashboards/api.json:1")]
    assert messages(repo, GOLDEN)[0].startswith("missing latency, errors, saturation")


def test_the_signals_parameter_narrows_what_must_be_covered(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"dashboards/api.json": dumps(grafana(panels=FOUR_SIGNALS[:1]))})
    assert check(repo, GOLDEN, {"signals": ["latency"]}) == [("pass", "dashboards/api.json:1")]


def test_datadog_widgets_are_classified_too(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"infra/main.tf": TERRAFORM})
    assert check(repo, GOLDEN, {"signals": ["latency", "errors", "saturation"]}) == [
        ("pass", "infra/main.tf:5"),
    ]
    assert "errors by 'API on Datadog'" in messages(repo, GOLDEN, {"signals": ["errors"]})[0]


def test_no_dashboards_fails_with_nothing_to_assess(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"package.json": PACKAGE})
    assert check(repo, GOLDEN) == [("fail", "")]
    assert messages(repo, GOLDEN) == ["no dashboards to assess"]


def test_only_broken_dashboards_leave_nothing_to_assess(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"dashboards/api.json": '{"uid": "x", "schemaVersion": 1, "panels": [\n'})
    assert check(repo, GOLDEN) == [("fail", "dashboards/api.json:2")]
    assert messages(repo, GOLDEN) == ["no dashboards to assess (1 dashboard definition unusable, see dashboards-valid)"]


@pytest.mark.parametrize("probe_id", [VALID, GOLDEN])
def test_golden_signals_and_validity_scope_to_the_service(tmp_path: Path, probe_id: str) -> None:
    repo = make_repo(
        tmp_path / "mono",
        {
            "services/a/dash.json": dumps(grafana(panels=FOUR_SIGNALS)),
            "services/b/dash.json": dumps(grafana(panels=FOUR_SIGNALS[:1])),
        },
    )
    assert check(repo / "services/b", probe_id) == [("pass" if probe_id == VALID else "fail", "services/b/dash.json:1")]


REMOTE = """\
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaDashboard
metadata: {name: node-exporter}
spec:
  grafanaCom: {id: 1860, revision: 37}
"""


def test_dashboards_fetched_when_deployed_cannot_be_assessed_here(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"deploy/remote.yaml": REMOTE})
    assert check(repo, VALID) == [("not_applicable", "deploy/remote.yaml:5")]
    assert check(repo, GOLDEN) == [("not_applicable", "deploy/remote.yaml:5")]


def test_a_missing_signal_is_not_a_verdict_while_a_dashboard_could_not_be_seen(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"deploy/remote.yaml": REMOTE, "dashboards/api.json": dumps(grafana(panels=FOUR_SIGNALS[:3]))},
    )
    assert check(repo, GOLDEN) == [("error", "dashboards/api.json:1")]
    assert messages(repo, GOLDEN)[0].endswith("(cannot tell: 1 dashboard source could not be read or validated)")


def test_malformed_provisioning_yaml_fails_at_the_line_of_the_error(tmp_path: Path) -> None:
    text = "apiVersion: 1\nproviders:\n  - name: a\n    options: {path: /dashboards\n"
    repo = make_repo(tmp_path / "r", {"provisioning/dashboards.yaml": text, "ci/broken.yaml": "jobs: [\n"})
    assert check(repo, VALID) == [("fail", "provisioning/dashboards.yaml:5")]
    assert messages(repo, VALID)[0].startswith("invalid YAML")


def test_candidates_cover_every_path_selects_can_accept() -> None:
    for probe in PROBES:
        assert probe.candidates is not None
        for path in (
            "a/b.json",
            "x.yaml",
            "x.yml",
            "main.tf",
            "dash.json.tpl",
            "k/Kustomization",
            "k/kustomization.yml",
        ):
            assert probe.selects(path, {})
            name = path.rpartition("/")[2].lower()
            assert name in probe.candidates or name[name.rfind(".") :] in probe.candidates
