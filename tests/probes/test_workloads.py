"""Workload probes on real git repositories: readiness and liveness probes, resources,
disruption budgets, autoscalers, rollout history and service-mesh timeouts."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitrepos import check, probe_findings, repo_with, summary

from prr.domain.findings import Outcome
from prr.probes.registry import PROBES as SPECS
from prr.probes.repo import FAMILIES
from prr.probes.repo.k8s import selects_yaml
from prr.probes.repo.workloads import PROBES

BY_ID = {probe.id: probe for probe in PROBES}


def deployment(name: str, containers: str, replicas: int = 2, labels: str = "", tail: str = "") -> str:
    """A Deployment whose first container starts on line 14; TAIL adds keys under spec."""
    labels = labels or f"{{app: {name}}}"
    return (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        f"  name: {name}\n"
        "spec:\n"
        f"  replicas: {replicas}\n"
        "  selector:\n"
        f"    matchLabels: {labels}\n"
        "  template:\n"
        "    metadata:\n"
        f"      labels: {labels}\n"
        "    spec:\n"
        "      containers:\n"
        f"{containers}{tail}"
    )


# A sound container: readinessProbe on line +4, livenessProbe +6, resources +8; 11 lines.
GOOD = """\
        - name: app
          image: web:1
          ports:
            - containerPort: 8080
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
          livenessProbe:
            httpGet: {path: /live, port: 8080}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
"""

# A container with no port, no probes and no resources; 2 lines.
BARE = """\
        - name: worker
          image: worker:1
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"""


def test_every_probe_of_the_family_is_declared_in_the_registry() -> None:
    assert tuple(BY_ID) == FAMILIES["workloads"]  # the family table lists them all, in order
    assert set(BY_ID) <= set(SPECS)


@pytest.mark.parametrize(
    ("path", "selected"),
    [
        ("deploy/web.yaml", True),
        ("charts/web/templates/deployment.yml", True),
        ("base/Kustomization", True),
        ("deploy/web.json", False),
        ("node_modules/chart/deploy.yaml", False),
        ("vendor/k8s.io/api/testdata/pod.yaml", False),
    ],
)
def test_selection_is_by_extension_and_folder_only(path: str, selected: bool) -> None:
    assert all(probe.selects(path, {}) is selected for probe in PROBES)
    assert selects_yaml(path) is selected


# ---------------------------------------------------------------------------- readiness-probes


def test_a_served_deployment_with_a_readiness_probe_passes_at_the_workload(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"deploy/web.yaml": deployment("web", GOOD)})
    assert check(repo, "readiness-probes") == [("pass", "deploy/web.yaml:1")]


def test_a_container_with_a_port_but_no_readiness_probe_fails_at_the_container(tmp_path: Path) -> None:
    container = "        - name: app\n          image: web:1\n          ports: [{containerPort: 8080}]\n"
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", container)})
    findings = probe_findings(repo, "readiness-probes")
    assert summary(findings) == [("fail", "web.yaml:14")]
    assert "Deployment/web container app has no readinessProbe" in findings[0].message
    assert "containerPort 8080" in findings[0].message


def test_a_workload_selected_by_a_service_is_served_even_without_ports(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"k8s/svc.yaml": SERVICE, "k8s/web.yaml": deployment("web", BARE)})
    findings = probe_findings(repo, "readiness-probes")
    assert summary(findings) == [("fail", "k8s/web.yaml:14")]
    assert "selected by Service/web" in findings[0].message


def test_every_container_of_a_served_pod_needs_a_readiness_probe(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD + BARE)})
    assert check(repo, "readiness-probes") == [("fail", "web.yaml:25")]


def test_a_worker_nothing_sends_traffic_to_is_not_applicable(tmp_path: Path) -> None:
    service = SERVICE.replace("{app: web}", "{app: other}")
    repo = repo_with(tmp_path, {"svc.yaml": service, "worker.yaml": deployment("worker", BARE)})
    assert check(repo, "readiness-probes") == [("not_applicable", "")]


def test_no_workloads_at_all_is_not_applicable(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"README.md": "# hi\n", "ci.yml": "on: push\n"})
    assert check(repo, "readiness-probes") == [("not_applicable", "")]


def test_a_readiness_probe_on_a_port_name_the_container_lacks_fails(tmp_path: Path) -> None:
    container = GOOD.replace("{path: /ready, port: 8080}", "{path: /ready, port: http}")
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", container)})
    findings = probe_findings(repo, "readiness-probes")
    assert summary(findings) == [("fail", "web.yaml:18")]
    assert "'http'" in findings[0].message


def test_multi_document_files_and_lists_report_each_resource_at_its_own_line(tmp_path: Path) -> None:
    web = deployment("web", GOOD)  # 24 lines
    listed = (
        "apiVersion: v1\nkind: List\nitems:\n"  # the Rollout's mapping starts on line 4
        "  - apiVersion: argoproj.io/v1alpha1\n"
        "    kind: Rollout\n"
        "    metadata: {name: api}\n"
        "    spec:\n"
        "      template:\n"
        "        spec:\n"
        "          containers:\n"
        "            - name: api\n"  # line 11
        "              ports: [{containerPort: 9090}]\n"
    )
    files = {"all.yaml": SERVICE + "---\n" + web + "---\n# nothing here\n---\n", "list.yaml": listed}
    repo = repo_with(tmp_path, files)
    assert check(repo, "readiness-probes") == [("pass", "all.yaml:9"), ("fail", "list.yaml:11")]


def test_malformed_yaml_is_an_error_naming_its_line_and_the_rest_is_still_checked(tmp_path: Path) -> None:
    broken = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: [unclosed\nspec: {}\n"
    repo = repo_with(tmp_path, {"a/broken.yaml": broken, "b/web.yaml": deployment("web", GOOD)})
    findings = probe_findings(repo, "readiness-probes")
    assert summary(findings) == [("error", "a/broken.yaml:6"), ("pass", "b/web.yaml:1")]
    assert findings[0].message.startswith("a/broken.yaml:6: not valid YAML")


def test_malformed_yaml_that_is_not_a_manifest_is_ignored(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {".github/workflows/ci.yml": "on: [push\n", "web.yaml": deployment("web", GOOD)})
    assert check(repo, "readiness-probes") == [("pass", "web.yaml:1")]


def test_an_unreadable_manifest_is_an_error_never_a_pass(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"blob.yaml": b"kind: Deployment\x00\x01"})
    findings = probe_findings(repo, "readiness-probes")
    assert summary(findings) == [("error", "blob.yaml")]
    assert "binary" in findings[0].message


def test_a_service_folder_review_only_reads_that_folder(tmp_path: Path) -> None:
    files = {
        "services/api/web.yaml": deployment("api", GOOD),
        "services/other/web.yaml": deployment("other", GOOD.replace("readinessProbe", "startupProbe")),
    }
    repo = repo_with(tmp_path, files)
    assert check(repo / "services" / "api", "readiness-probes") == [("pass", "services/api/web.yaml:1")]


def test_kustomize_patch_files_are_not_workloads(tmp_path: Path) -> None:
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 5\n"
    files = {
        "base/web.yaml": deployment("web", GOOD),
        "overlays/prod/kustomization.yaml": "resources: [../../base]\npatches:\n  - path: replicas.yaml\n",
        "overlays/prod/replicas.yaml": patch,
    }
    repo = repo_with(tmp_path, files)
    assert check(repo, "readiness-probes") == [("pass", "base/web.yaml:1")]


# Helm ----------------------------------------------------------------------------------------

CHART = "apiVersion: v2\nname: web\nversion: 0.1.0\n"
HELM_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "web.fullname" . }}
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "web.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "web.selectorLabels" . | nindent 8 }}
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          ports:
            - name: http
              containerPort: {{ .Values.service.port }}
          livenessProbe:
            {{- toYaml .Values.livenessProbe | nindent 12 }}
          readinessProbe:
            {{- toYaml .Values.readinessProbe | nindent 12 }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
"""
HELM_VALUES = """\
replicaCount: 1
image: {repository: nginx}
service: {port: 80}
autoscaling: {enabled: false}
livenessProbe:
  httpGet: {path: /, port: http}
readinessProbe:
  httpGet: {path: /, port: http}
resources: {}
worker:
  enabled: false
"""
HELM_WORKER = """\
{{- if .Values.worker.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  template:
    spec:
      containers:
        - name: worker
          ports: [{containerPort: 9000}]
{{- end }}
"""


def helm_chart(values: str = HELM_VALUES) -> dict[str, str]:
    return {
        "charts/web/Chart.yaml": CHART,
        "charts/web/values.yaml": values,
        "charts/web/templates/_helpers.tpl": '{{- define "web.fullname" -}}web{{- end }}\n',
        "charts/web/templates/deployment.yaml": HELM_DEPLOYMENT,
        "charts/web/templates/worker.yaml": HELM_WORKER,
    }


def test_a_helm_template_that_is_off_by_default_is_not_claimed_as_evidence(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, helm_chart())
    assert check(repo, "readiness-probes") == [("pass", "charts/web/templates/deployment.yaml:1")]


def test_a_helm_template_switched_on_in_values_is_checked_at_its_template_line(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, helm_chart(HELM_VALUES.replace("enabled: false\n", "enabled: true\n")))
    assert check(repo, "readiness-probes") == [
        ("pass", "charts/web/templates/deployment.yaml:1"),
        ("fail", "charts/web/templates/worker.yaml:10"),
    ]


def test_a_helm_guard_on_a_value_the_chart_does_not_set_is_off(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, helm_chart(HELM_VALUES.replace("worker:\n  enabled: false\n", "")))
    assert check(repo, "readiness-probes") == [("pass", "charts/web/templates/deployment.yaml:1")]


def test_a_helm_readiness_probe_left_empty_in_values_fails_at_the_template(tmp_path: Path) -> None:
    values = HELM_VALUES.replace("readinessProbe:\n  httpGet: {path: /, port: http}\n", "readinessProbe: {}\n")
    repo = repo_with(tmp_path, helm_chart(values))
    assert check(repo, "readiness-probes") == [("fail", "charts/web/templates/deployment.yaml:27")]


def test_malformed_helm_values_are_an_error_and_the_chart_is_not_judged(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, helm_chart("replicaCount: 1\nimage: [nginx\n"))
    findings = probe_findings(repo, "readiness-probes")
    assert summary(findings) == [("error", "charts/web/values.yaml:3")]
    assert "templates were not checked" in findings[0].message


# ---------------------------------------------------------------------------- liveness-distinct


def test_liveness_on_another_endpoint_than_readiness_passes(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD)})
    assert check(repo, "liveness-distinct") == [("pass", "web.yaml:1")]


def test_identical_liveness_and_readiness_probes_fail_at_the_liveness_probe(tmp_path: Path) -> None:
    container = GOOD.replace("/live", "/ready")
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", container)})
    findings = probe_findings(repo, "liveness-distinct")
    assert summary(findings) == [("fail", "web.yaml:20")]
    assert "httpGet /ready on port 8080" in findings[0].message


def test_a_named_port_and_its_number_are_the_same_check(tmp_path: Path) -> None:
    container = GOOD.replace("- containerPort: 8080", "- {name: http, containerPort: 8080}")
    container = container.replace("{path: /live, port: 8080}", "{path: /ready, port: http, scheme: HTTP}")
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", container)})
    assert check(repo, "liveness-distinct") == [("fail", "web.yaml:20")]


def test_different_timings_on_the_same_endpoint_are_still_the_same_check(tmp_path: Path) -> None:
    container = GOOD.replace("{path: /live, port: 8080}", "{path: /ready, port: 8080}\n            periodSeconds: 30")
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", container)})
    assert check(repo, "liveness-distinct") == [("fail", "web.yaml:20")]


def test_liveness_without_readiness_and_different_probe_types_pass(tmp_path: Path) -> None:
    only_live = GOOD.replace("readinessProbe:\n            httpGet: {path: /ready, port: 8080}", "startupProbe: {}")
    tcp = GOOD.replace("httpGet: {path: /live, port: 8080}", "tcpSocket: {port: 8080}")
    repo = repo_with(tmp_path, {"a.yaml": deployment("a", only_live), "b.yaml": deployment("b", tcp)})
    assert check(repo, "liveness-distinct") == [("pass", "a.yaml:1"), ("pass", "b.yaml:1")]


def test_no_liveness_probes_is_not_applicable(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"w.yaml": deployment("w", BARE)})
    assert check(repo, "liveness-distinct") == [("not_applicable", "")]


def test_helm_values_giving_both_probes_the_same_check_fail_at_the_template(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, helm_chart())
    assert check(repo, "liveness-distinct") == [("fail", "charts/web/templates/deployment.yaml:25")]


# ---------------------------------------------------------------------------- resource-limits


def test_containers_with_requests_and_a_memory_limit_pass(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD)})
    assert check(repo, "resource-limits") == [("pass", "web.yaml:1")]


def test_an_init_container_without_resources_fails_listing_what_is_missing(tmp_path: Path) -> None:
    init = "      initContainers:\n        - name: migrate\n          resources:\n            limits: {memory: 1Gi}\n"
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD + init)})
    findings = probe_findings(repo, "resource-limits")
    assert summary(findings) == [("fail", "web.yaml:26")]
    assert findings[0].message == (
        "Deployment/web init container migrate: missing resources.requests.cpu, resources.requests.memory"
    )


def test_a_memory_limit_below_the_request_and_bad_quantities_fail(tmp_path: Path) -> None:
    container = GOOD.replace("{cpu: 100m, memory: 128Mi}", "{cpu: lots, memory: 1Gi}")
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", container)})
    findings = probe_findings(repo, "resource-limits")
    assert summary(findings) == [("fail", "web.yaml:14")]
    assert "requests.cpu 'lots' is not a positive quantity" in findings[0].message
    assert "limits.memory is below requests.memory" in findings[0].message


def test_cronjob_containers_are_checked_through_the_job_template(tmp_path: Path) -> None:
    cron = (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  schedule: '0 3 * * *'\n"
        "  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n"
        "            - name: report\n              image: report:1\n"
    )
    repo = repo_with(tmp_path, {"cron.yaml": cron})
    assert check(repo, "resource-limits") == [("fail", "cron.yaml:11")]


def test_helm_test_hooks_are_not_held_to_resource_limits(tmp_path: Path) -> None:
    hook = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: smoke\n  annotations: {helm.sh/hook: test}\n"
        "spec:\n  containers: [{name: curl, image: curl}]\n"
    )
    files = helm_chart(
        HELM_VALUES.replace("resources: {}", "resources: {requests: {cpu: 1, memory: 1Gi}, limits: {memory: 1Gi}}")
    )
    repo = repo_with(tmp_path, {**files, "charts/web/templates/tests/smoke.yaml": hook})
    assert check(repo, "resource-limits") == [("pass", "charts/web/templates/deployment.yaml:1")]


def test_helm_resources_left_empty_fail_at_the_container_template_line(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, helm_chart())
    assert check(repo, "resource-limits") == [("fail", "charts/web/templates/deployment.yaml:20")]


def test_no_containers_anywhere_is_not_applicable_for_resources(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"svc.yaml": SERVICE})
    assert check(repo, "resource-limits") == [("not_applicable", "")]


# ---------------------------------------------------------------------------- disruption-budgets

PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: web}
"""


def test_a_replicated_workload_covered_by_a_budget_passes(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD, replicas=3), "pdb.yaml": PDB})
    findings = probe_findings(repo, "disruption-budgets")
    assert summary(findings) == [("pass", "web.yaml:1")]
    assert [(loc.path, loc.line) for loc in findings[0].locations] == [("web.yaml", 1), ("pdb.yaml", 1)]


def test_a_replicated_workload_without_a_budget_fails_at_the_workload(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD, replicas=3)})
    assert check(repo, "disruption-budgets") == [("fail", "web.yaml:1")]


def test_a_budget_whose_labels_are_not_on_the_pods_does_not_count(tmp_path: Path) -> None:
    pdb = PDB.replace("{app: web}", "{app: web, tier: front}")
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD, replicas=3), "pdb.yaml": pdb})
    assert check(repo, "disruption-budgets") == [("fail", "web.yaml:1")]


def test_max_unavailable_zero_blocks_node_drains_and_fails_at_the_budget(tmp_path: Path) -> None:
    pdb = PDB.replace("maxUnavailable: 1", "maxUnavailable: 0")
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD, replicas=3), "pdb.yaml": pdb})
    assert check(repo, "disruption-budgets") == [("fail", "pdb.yaml:6")]


def test_min_available_equal_to_the_replicas_blocks_node_drains(tmp_path: Path) -> None:
    pdb = PDB.replace("maxUnavailable: 1", "minAvailable: 3")
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD, replicas=3), "pdb.yaml": pdb})
    findings = probe_findings(repo, "disruption-budgets")
    assert summary(findings) == [("fail", "pdb.yaml:6")]
    assert "node drains block" in findings[0].message


def test_an_autoscaler_minimum_above_one_makes_a_workload_replicated(tmp_path: Path) -> None:
    hpa = HPA.replace("minReplicas: 2", "minReplicas: 3")
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD, replicas=1), "hpa.yaml": hpa})
    findings = probe_findings(repo, "disruption-budgets")
    assert summary(findings) == [("fail", "web.yaml:1")]
    assert "scales from 3 replicas (HorizontalPodAutoscaler/web)" in findings[0].message


def test_min_available_is_judged_against_the_autoscaler_minimum(tmp_path: Path) -> None:
    pdb = PDB.replace("maxUnavailable: 1", "minAvailable: 2")
    files = {"web.yaml": deployment("web", GOOD, replicas=5), "hpa.yaml": HPA, "pdb.yaml": pdb}
    assert check(repo_with(tmp_path, files), "disruption-budgets") == [("fail", "pdb.yaml:6")]


def test_single_replica_workloads_need_no_budget(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD, replicas=1)})
    assert check(repo, "disruption-budgets") == [("not_applicable", "")]


HELM_PDB = """\
{{- if .Values.pdb.enabled }}
apiVersion: {{ if .Capabilities.APIVersions.Has "policy/v1" }}policy/v1{{ else }}policy/v1beta1{{ end }}
kind: PodDisruptionBudget
metadata:
  name: {{ include "web.fullname" . }}
spec:
  maxUnavailable: {{ .Values.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "web.selectorLabels" . | nindent 6 }}
{{- end }}
"""


@pytest.mark.parametrize(
    ("pdb_values", "expected"),
    [
        ("pdb: {enabled: true, maxUnavailable: 1}\n", [("pass", "charts/web/templates/deployment.yaml:1")]),
        ("pdb: {enabled: false, maxUnavailable: 1}\n", [("fail", "charts/web/templates/deployment.yaml:1")]),
        ("pdb: {enabled: true, maxUnavailable: 0}\n", [("fail", "charts/web/templates/pdb.yaml:7")]),
    ],
)
def test_a_helm_budget_selecting_through_chart_helpers_covers_the_charts_workload(
    tmp_path: Path, pdb_values: str, expected: list[tuple[str, str]]
) -> None:
    files = helm_chart(HELM_VALUES.replace("replicaCount: 1", "replicaCount: 3") + pdb_values)
    repo = repo_with(tmp_path, {**files, "charts/web/templates/pdb.yaml": HELM_PDB})
    assert check(repo, "disruption-budgets") == expected


def test_a_budget_from_another_chart_does_not_cover_a_workload(tmp_path: Path) -> None:
    files = helm_chart(HELM_VALUES.replace("replicaCount: 1", "replicaCount: 3"))
    other = {"charts/db/Chart.yaml": CHART, "charts/db/values.yaml": "pdb: {enabled: true, maxUnavailable: 1}\n"}
    repo = repo_with(tmp_path, {**files, **other, "charts/db/templates/pdb.yaml": HELM_PDB})
    assert check(repo, "disruption-budgets") == [("fail", "charts/web/templates/deployment.yaml:1")]


# ---------------------------------------------------------------------------- autoscaler-sane

HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 70}
"""


def test_a_sound_autoscaler_passes(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD), "hpa.yaml": HPA})
    assert check(repo, "autoscaler-sane") == [("pass", "hpa.yaml:1")]


def test_an_autoscaler_with_min_replicas_one_fails_at_that_line(tmp_path: Path) -> None:
    repo = repo_with(
        tmp_path, {"web.yaml": deployment("web", GOOD), "hpa.yaml": HPA.replace("Replicas: 2", "Replicas: 1")}
    )
    findings = probe_findings(repo, "autoscaler-sane")
    assert summary(findings) == [("fail", "hpa.yaml:10")]
    assert "minReplicas 1 is below 2" in findings[0].message


def test_the_minimum_is_a_parameter(tmp_path: Path) -> None:
    repo = repo_with(
        tmp_path, {"web.yaml": deployment("web", GOOD), "hpa.yaml": HPA.replace("Replicas: 2", "Replicas: 1")}
    )
    assert check(repo, "autoscaler-sane", {"min_replicas": 1}) == [("pass", "hpa.yaml:1")]


def test_an_autoscaler_for_a_workload_not_in_the_repository_fails(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"web.yaml": deployment("api", GOOD), "hpa.yaml": HPA})
    findings = probe_findings(repo, "autoscaler-sane")
    assert summary(findings) == [("fail", "hpa.yaml:9")]
    assert "Deployment/web, which is not in the repository" in findings[0].message


def test_max_not_above_min_and_no_metrics_fail_together(tmp_path: Path) -> None:
    hpa = HPA.replace("maxReplicas: 10", "maxReplicas: 2").split("  metrics:")[0]
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD), "hpa.yaml": hpa})
    findings = probe_findings(repo, "autoscaler-sane")
    assert summary(findings) == [("fail", "hpa.yaml:11")]
    assert "maxReplicas 2 is not above minReplicas 2" in findings[0].message
    assert "no metrics" in findings[0].message


def test_a_v1_autoscaler_needs_a_cpu_target(tmp_path: Path) -> None:
    v1 = (
        "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n"
        "  scaleTargetRef: {kind: Deployment, name: web}\n  minReplicas: 2\n  maxReplicas: 4\n"
    )
    good = v1 + "  targetCPUUtilizationPercentage: 75\n"
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD), "a/hpa.yaml": v1, "b/hpa.yaml": good})
    assert check(repo, "autoscaler-sane") == [("fail", "a/hpa.yaml:4"), ("pass", "b/hpa.yaml:1")]


def test_keda_scaled_objects_are_autoscalers_too(tmp_path: Path) -> None:
    scaled = (
        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: web}\nspec:\n"
        "  scaleTargetRef: {name: web}\n  maxReplicaCount: 20\n"
        "  triggers:\n    - type: prometheus\n      metadata: {query: 'sum(rate(x[1m]))', threshold: '10'}\n"
    )
    good = scaled.replace("  maxReplicaCount", "  minReplicaCount: 2\n  maxReplicaCount")
    files = {"web.yaml": deployment("web", GOOD), "a/keda.yaml": scaled, "b/keda.yaml": good}
    findings = probe_findings(repo_with(tmp_path, files), "autoscaler-sane")
    assert summary(findings) == [("fail", "a/keda.yaml:4"), ("pass", "b/keda.yaml:1")]
    assert "minReplicaCount 0 (the default) is below 2" in findings[0].message


def test_no_autoscalers_is_not_applicable(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD)})
    assert check(repo, "autoscaler-sane") == [("not_applicable", "")]


# ---------------------------------------------------------------------------- deployment-revision-history


def test_a_deployment_with_default_history_and_rolling_updates_passes(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD)})
    assert check(repo, "deployment-revision-history") == [("pass", "web.yaml:1")]


def test_revision_history_limit_zero_fails_at_that_line(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD, tail="  revisionHistoryLimit: 0\n")})
    findings = probe_findings(repo, "deployment-revision-history")
    assert summary(findings) == [("fail", "web.yaml:25")]
    assert "nothing to roll back to" in findings[0].message


def test_recreate_on_a_replicated_deployment_fails_at_the_strategy(tmp_path: Path) -> None:
    tail = "  strategy:\n    type: Recreate\n"
    files = {"a.yaml": deployment("a", GOOD, tail=tail), "b.yaml": deployment("b", GOOD, replicas=1, tail=tail)}
    assert check(repo_with(tmp_path, files), "deployment-revision-history") == [
        ("fail", "a.yaml:26"),
        ("pass", "b.yaml:1"),
    ]


def test_a_rolling_update_that_can_never_progress_fails(tmp_path: Path) -> None:
    tail = "  strategy:\n    rollingUpdate: {maxSurge: 0, maxUnavailable: '0%'}\n"
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD, tail=tail)})
    assert check(repo, "deployment-revision-history") == [("fail", "web.yaml:26")]


def test_no_deployments_is_not_applicable_for_revision_history(tmp_path: Path) -> None:
    stateful = deployment("db", GOOD).replace("kind: Deployment", "kind: StatefulSet")
    repo = repo_with(tmp_path, {"db.yaml": stateful})
    assert check(repo, "deployment-revision-history") == [("not_applicable", "")]


# ---------------------------------------------------------------------------- mesh-resilience

VIRTUAL_SERVICE = """\
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: web
spec:
  hosts: [web]
  http:
    - name: api
      route: [{destination: {host: web}}]
      timeout: 3s
      retries: {attempts: 3, perTryTimeout: 1s}
    - name: static
      route: [{destination: {host: web}}]
      timeout: 1500ms
"""


def test_routes_with_timeouts_that_contain_their_retries_pass(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"vs.yaml": VIRTUAL_SERVICE})
    assert check(repo, "mesh-resilience") == [("pass", "vs.yaml:1")]


def test_retries_exceeding_the_timeout_fail_at_the_route(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"vs.yaml": VIRTUAL_SERVICE.replace("perTryTimeout: 1s", "perTryTimeout: 2s")})
    findings = probe_findings(repo, "mesh-resilience")
    assert summary(findings) == [("fail", "vs.yaml:8")]
    assert "3 attempts x 2s = 6s > timeout 3s" in findings[0].message


def test_a_route_without_a_timeout_or_a_per_try_timeout_fails(tmp_path: Path) -> None:
    vs = VIRTUAL_SERVICE.replace("      timeout: 1500ms\n", "").replace(", perTryTimeout: 1s", "")
    findings = probe_findings(repo_with(tmp_path, {"vs.yaml": vs}), "mesh-resilience")
    assert summary(findings) == [("fail", "vs.yaml:8"), ("fail", "vs.yaml:12")]
    assert "without perTryTimeout" in findings[0].message
    assert findings[1].message == "VirtualService/web route 'static': no timeout"


def test_linkerd_routes_need_timeouts_and_retryable_routes_a_budget(tmp_path: Path) -> None:
    profile = (
        "apiVersion: linkerd.io/v1alpha2\nkind: ServiceProfile\nmetadata: {name: web.default.svc.cluster.local}\n"
        "spec:\n  routes:\n"
        "    - name: GET /users\n      condition: {method: GET, pathRegex: /users}\n      timeout: 300ms\n"
        "      isRetryable: true\n"
        "    - name: POST /users\n      condition: {method: POST, pathRegex: /users}\n"
    )
    budgeted = profile.replace("POST", "PUT") + "      timeout: 1s\n  retryBudget: {retryRatio: 0.2, ttl: 10s}\n"
    files = {"a/profile.yaml": profile, "b/profile.yaml": budgeted}
    assert check(repo_with(tmp_path, files), "mesh-resilience") == [
        ("fail", "a/profile.yaml:10"),
        ("fail", "a/profile.yaml:4"),
        ("pass", "b/profile.yaml:1"),
    ]


def test_no_mesh_resources_is_not_applicable(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"web.yaml": deployment("web", GOOD)})
    assert check(repo, "mesh-resilience") == [("not_applicable", "")]


# ---------------------------------------------------------------------------- hostile input

HOSTILE = {
    "bomb.yaml": "apiVersion: v1\nkind: ConfigMap\na: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20)
    ),
    "loop.yaml": "apiVersion: v1\nkind: Pod\nspec: &s\n  containers: [*s]\n",
    "deep.yaml": "apiVersion: v1\nkind: Pod\nspec: " + "[" * 5000 + "]" * 5000 + "\n",
    "tags.yaml": "apiVersion: !!python/object:os.system v1\nkind: !custom Deployment\nspec: !!binary aGk=\n",
    "weird.yaml": "apiVersion: 3\nkind: [Deployment]\n---\n- just a list\n---\n42\n---\nkind: List\nitems: 7\n",
    "charts/x/Chart.yaml": "name: x\n",
    "charts/x/templates/bad.yaml": "{{- if .Values.a }}\n{{- else if }}\n{{ end }}{{ end }}\n{{ (((\n",
    "charts/x/templates/odd.yaml": '{{ range $i := until 1000000 }}{{ "}}" }}\n{{ toYaml . | nindent "x" }}\n',
}


@pytest.mark.parametrize("probe_id", sorted(BY_ID))
def test_hostile_yaml_never_raises_and_never_passes(tmp_path: Path, probe_id: str) -> None:
    findings = probe_findings(repo_with(tmp_path, HOSTILE), probe_id)
    assert findings
    assert all(f.outcome in (Outcome.ERROR, Outcome.NOT_APPLICABLE) for f in findings)
