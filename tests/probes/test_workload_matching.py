"""Which autoscaler governs and which disruption budget covers a workload, and which
resources a YAML file holds: the indexes and memos that keep a monorepo fast must match
exactly what comparing every pair and parsing every file each time did."""

from __future__ import annotations

from pathlib import Path

from gitrepos import check, probe_findings, repo_with, summary


def deployment(name: str, replicas: int = 1, namespace: str = "", labels: str = "") -> str:
    """A sound Deployment; its pods carry LABELS (default {app: NAME})."""
    labels = labels or f"{{app: {name}}}"
    metadata = f"{{name: {name}, namespace: {namespace}}}" if namespace else f"{{name: {name}}}"
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {metadata}\nspec:\n  replicas: {replicas}\n"
        f"  selector:\n    matchLabels: {labels}\n  template:\n    metadata:\n      labels: {labels}\n"
        "    spec:\n      containers:\n        - name: app\n          image: web:1\n"
    )


def hpa(name: str, target: str, minimum: int, namespace: str = "", kind: str = "Deployment") -> str:
    metadata = f"{{name: {name}, namespace: {namespace}}}" if namespace else f"{{name: {name}}}"
    return (
        f"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {metadata}\nspec:\n"
        f"  scaleTargetRef: {{apiVersion: apps/v1, kind: {kind}, name: {target}}}\n"
        f"  minReplicas: {minimum}\n  maxReplicas: 10\n"
        "  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]\n"
    )


def pdb(name: str, labels: str, namespace: str = "") -> str:
    metadata = f"{{name: {name}, namespace: {namespace}}}" if namespace else f"{{name: {name}}}"
    return (
        f"apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {metadata}\n"
        f"spec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {labels}\n"
    )


# ---------------------------------------------------------------------------- autoscalers


def test_an_autoscaler_in_another_namespace_with_the_workloads_name_does_not_govern_it(tmp_path: Path) -> None:
    files = {
        "web.yaml": deployment("web", namespace="prod"),
        "hpa.yaml": hpa("web", "web", 3, namespace="staging"),
    }
    repo = repo_with(tmp_path, files)
    assert check(repo, "disruption-budgets") == [("not_applicable", "")]  # one replica: no budget needed
    findings = probe_findings(repo, "autoscaler-sane")
    assert summary(findings) == [("fail", "hpa.yaml:5")]
    assert "Deployment/web, which is not in the repository" in findings[0].message


def test_namesake_workloads_in_two_namespaces_are_each_governed_by_their_own_autoscaler(tmp_path: Path) -> None:
    files = {
        "prod/web.yaml": deployment("web", namespace="prod"),
        "prod/hpa.yaml": hpa("web", "web", 3, namespace="prod"),
        "staging/hpa.yaml": hpa("web", "web", 4, namespace="staging"),
        "staging/web.yaml": deployment("web", namespace="staging"),
    }
    repo = repo_with(tmp_path, files)
    findings = probe_findings(repo, "disruption-budgets")
    assert summary(findings) == [("fail", "prod/web.yaml:1"), ("fail", "staging/web.yaml:1")]
    assert "scales from 3 replicas" in findings[0].message
    assert "scales from 4 replicas" in findings[1].message
    assert check(repo, "autoscaler-sane") == [("pass", "prod/hpa.yaml:1"), ("pass", "staging/hpa.yaml:1")]


def test_an_autoscaler_without_a_namespace_governs_a_workload_in_any(tmp_path: Path) -> None:
    files = {"web.yaml": deployment("web", namespace="prod"), "hpa.yaml": hpa("web", "web", 3)}
    findings = probe_findings(repo_with(tmp_path, files), "disruption-budgets")
    assert summary(findings) == [("fail", "web.yaml:1")]
    assert "scales from 3 replicas (HorizontalPodAutoscaler/web)" in findings[0].message


def test_an_autoscaler_naming_another_kind_does_not_govern_a_workload_of_that_name(tmp_path: Path) -> None:
    files = {"web.yaml": deployment("web"), "hpa.yaml": hpa("web", "web", 3, kind="StatefulSet")}
    repo = repo_with(tmp_path, files)
    assert check(repo, "disruption-budgets") == [("not_applicable", "")]
    assert check(repo, "autoscaler-sane") == [("fail", "hpa.yaml:5")]


def test_the_first_autoscaler_in_manifest_order_governs_a_workload_two_target(tmp_path: Path) -> None:
    files = {"web.yaml": deployment("web"), "a/hpa.yaml": hpa("first", "web", 3), "b/hpa.yaml": hpa("second", "web", 5)}
    findings = probe_findings(repo_with(tmp_path, files), "disruption-budgets")
    assert summary(findings) == [("fail", "web.yaml:1")]
    assert "scales from 3 replicas (HorizontalPodAutoscaler/first)" in findings[0].message


def test_each_autoscaler_governs_only_the_workload_it_names(tmp_path: Path) -> None:
    files = {
        "api.yaml": deployment("api"),
        "web.yaml": deployment("web"),
        "hpa-api.yaml": hpa("api", "api", 1),
        "hpa-web.yaml": hpa("web", "web", 4),
    }
    repo = repo_with(tmp_path, files)
    findings = probe_findings(repo, "disruption-budgets")
    assert summary(findings) == [("fail", "web.yaml:1")]  # api runs one pod; web scales from 4
    assert check(repo, "autoscaler-sane", {"min_replicas": 1}) == [
        ("pass", "hpa-api.yaml:1"),
        ("pass", "hpa-web.yaml:1"),
    ]


CHART = "apiVersion: v2\nname: {name}\nversion: 0.1.0\n"
HELM_HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "app.fullname" . }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "app.fullname" . }}
  minReplicas: 3
  maxReplicas: 10
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
"""


def test_a_helm_autoscaler_named_through_chart_helpers_governs_only_its_own_charts_workload(tmp_path: Path) -> None:
    helm_deployment = deployment("web").replace("name: web}", 'name: {{ include "app.fullname" . }}}')
    files = {
        "charts/web/Chart.yaml": CHART.format(name="web"),
        "charts/web/values.yaml": "{}\n",
        "charts/web/templates/deployment.yaml": helm_deployment,
        "charts/web/templates/hpa.yaml": HELM_HPA,
        "charts/db/Chart.yaml": CHART.format(name="db"),
        "charts/db/values.yaml": "{}\n",
        "charts/db/templates/deployment.yaml": helm_deployment.replace("app: web", "app: db"),
    }
    findings = probe_findings(repo_with(tmp_path, files), "disruption-budgets")
    assert summary(findings) == [("fail", "charts/web/templates/deployment.yaml:1")]  # db runs one pod
    assert "scales from 3 replicas" in findings[0].message


# ---------------------------------------------------------------------------- disruption budgets


def test_a_budget_in_another_namespace_with_the_same_name_and_labels_does_not_cover(tmp_path: Path) -> None:
    files = {
        "web.yaml": deployment("web", replicas=3, namespace="prod"),
        "pdb.yaml": pdb("web", "{app: web}", namespace="staging"),
    }
    assert check(repo_with(tmp_path, files), "disruption-budgets") == [("fail", "web.yaml:1")]


def test_one_budget_selecting_two_workloads_covers_both(tmp_path: Path) -> None:
    files = {
        "a.yaml": deployment("a", replicas=3, labels="{app: a, tier: front}"),
        "b.yaml": deployment("b", replicas=3, labels="{app: b, tier: front}"),
        "c.yaml": deployment("c", replicas=3, labels="{app: c, tier: back}"),
        "pdb.yaml": pdb("front", "{tier: front}"),
    }
    findings = probe_findings(repo_with(tmp_path, files), "disruption-budgets")
    assert summary(findings) == [("pass", "a.yaml:1"), ("pass", "b.yaml:1"), ("fail", "c.yaml:1")]
    assert all("PodDisruptionBudget/front" in f.message for f in findings[:2])


def test_two_budgets_selecting_one_workload_through_different_labels_fail_together(tmp_path: Path) -> None:
    files = {
        "web.yaml": deployment("web", replicas=3, labels="{app: web, tier: front}"),
        "a.yaml": pdb("by-app", "{app: web}"),
        "b.yaml": pdb("by-tier", "{tier: front}"),
    }
    findings = probe_findings(repo_with(tmp_path, files), "disruption-budgets")
    assert summary(findings) == [("fail", "a.yaml:1")]
    assert (
        "several PodDisruptionBudgets (PodDisruptionBudget/by-app, PodDisruptionBudget/by-tier)" in findings[0].message
    )


# ---------------------------------------------------------------------------- reading the files


def test_the_same_manifest_at_two_paths_is_a_workload_at_each(tmp_path: Path) -> None:
    files = {"a/web.yaml": deployment("web"), "b/web.yaml": deployment("web")}
    first = repo_with(tmp_path / "one", files)
    second = repo_with(tmp_path / "two", {"c/web.yaml": deployment("web")})  # the same blob, elsewhere
    assert check(first, "resource-limits") == [("fail", "a/web.yaml:13"), ("fail", "b/web.yaml:13")]
    assert check(second, "resource-limits") == [("fail", "c/web.yaml:13")]
    assert check(first, "resource-limits") == [("fail", "a/web.yaml:13"), ("fail", "b/web.yaml:13")]


def test_a_kind_key_spelled_with_an_escape_is_still_read(tmp_path: Path) -> None:
    escaped = deployment("web").replace("kind: Deployment", '"\\x6bind": Deployment')
    files = {"web.yaml": escaped, "rules.yaml": "groups:\n  - name: none\n    rules: []\n"}
    assert check(repo_with(tmp_path, files), "resource-limits") == [("fail", "web.yaml:13")]
