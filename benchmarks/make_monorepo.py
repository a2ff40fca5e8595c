"""Generate a synthetic monorepo: many services with a realistic mix of readiness evidence.

Each service gets source files, Kubernetes manifests, a Grafana dashboard, Prometheus
alert rules, an OpenSLO spec, a runbook, a catalog entry, docs and tests; a seeded share
of services lack some of them or carry flawed versions (missing runbook links, a k6
script without thresholds, a placeholder runbook), so probes have both passes and
failures to find. The history is written with `git fast-import` (no working-tree churn),
then checked out.

Run: python benchmarks/make_monorepo.py DEST [--services 2000] [--files-per-service 50]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
from pathlib import Path

ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.test",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.test",
}


def service_files(name: str, rng: random.Random, per_service: int) -> dict[str, str]:
    team = f"team-{rng.randrange(60):02d}"
    files: dict[str, str] = {
        "catalog-info.yaml": (
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
            f"  name: {name}\n  annotations:\n    pagerduty.com/service-id: P{rng.randrange(10**6):06d}\n"
            f"spec:\n  type: service\n  owner: group:{team}\n"
            + ("  lifecycle: production\n" if rng.random() < 0.9 else "")
        ),
        "k8s/deployment.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
            f"  name: {name}\nspec:\n  replicas: 3\n  revisionHistoryLimit: 5\n"
            f"  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n"
            f"      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: app\n"
            f"          image: registry.example.test/{name}:1.{rng.randrange(90)}\n"
            "          ports: [{containerPort: 8080}]\n"
            + ("          readinessProbe: {httpGet: {path: /readyz, port: 8080}}\n" if rng.random() < 0.85 else "")
            + "          livenessProbe: {httpGet: {path: /livez, port: 8080}}\n"
            + "          resources:\n            requests: {cpu: 100m, memory: 128Mi}\n"
            + "            limits: {memory: 256Mi}\n"
        ),
        "k8s/hpa.yaml": (
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n"
            f"  name: {name}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {name}}}\n"
            f"  minReplicas: {rng.choice([1, 2, 3])}\n  maxReplicas: 10\n"
            "  metrics:\n    - type: Resource\n      resource: {name: cpu, target: {type: Utilization, "
            "averageUtilization: 70}}\n"
        ),
        "k8s/pdb.yaml": (
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n"
            f"  name: {name}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {{app: {name}}}\n"
        ),
        "k8s/service.yaml": (
            f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector: {{app: {name}}}\n"
            "  ports: [{port: 80, targetPort: 8080}]\n"
        ),
        "dashboards/overview.json": json.dumps(
            {
                "uid": f"{name}-overview",
                "title": f"{name} overview",
                "panels": [
                    {
                        "title": "Latency p99",
                        "targets": [
                            {
                                "expr": "histogram_quantile(0.99, sum(rate("
                                f'http_request_duration_seconds_bucket{{service="{name}"}}[5m])) by (le))'
                            }
                        ],
                    },
                    {
                        "title": "Requests",
                        "targets": [{"expr": f'sum(rate(http_requests_total{{service="{name}"}}[5m]))'}],
                    },
                    {
                        "title": "Errors",
                        "targets": [{"expr": f'sum(rate(http_requests_total{{service="{name}",code=~"5.."}}[5m]))'}],
                    },
                ]
                + (
                    [{"title": "CPU saturation", "targets": [{"expr": "container_cpu_usage_seconds_total"}]}]
                    if rng.random() < 0.7
                    else []
                ),
            },
            indent=2,
        ),
        "alerts/rules.yaml": (
            "groups:\n  - name: "
            + name
            + "\n    rules:\n"
            + "".join(
                f"      - alert: {name.title().replace('-', '')}{kind}\n"
                f"        expr: {expr}\n        for: 5m\n        labels: {{severity: {sev}}}\n"
                f"        annotations:\n          summary: {kind} for {name}\n"
                + (f"          runbook_url: ../runbooks/runbook.md#{kind.lower()}\n" if rng.random() < 0.9 else "")
                for kind, expr, sev in (
                    (
                        "HighErrorRate",
                        f'sum(rate(http_requests_total{{service="{name}",code=~"5.."}}[5m])) > 1',
                        "critical",
                    ),
                    (
                        "HighLatency",
                        "histogram_quantile(0.99, rate(http_request_duration_seconds_bucket[5m])) > 0.5",
                        "warning",
                    ),
                )
            )
        ),
        "slo/availability.yaml": (
            "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n"
            f"  name: {name}-availability\nspec:\n  service: {name}\n  budgetingMethod: Occurrences\n"
            "  indicator:\n    metadata: {name: good-requests}\n    spec:\n      ratioMetric:\n"
            "        counter: true\n        good: {metricSource: {type: Prometheus, spec: {query: "
            f'\'sum(rate(http_requests_total{{service="{name}",code!~"5.."}}[5m]))\'}}}}}}\n'
            "        total: {metricSource: {type: Prometheus, spec: {query: "
            f"'sum(rate(http_requests_total{{service=\"{name}\"}}[5m]))'}}}}}}\n"
            "  objectives:\n    - displayName: availability\n      target: 0.999\n"
            "  timeWindow:\n    - duration: 28d\n      isRolling: true\n"
        ),
        "runbooks/runbook.md": (
            f"# {name} runbook\n\nThis runbook covers the alerts for {name}, owned by {team}.\n\n"
            "## HighErrorRate\n\n### Diagnosis\n\n"
            + (
                "Check the error dashboard, recent deploys and the dependency status page. " * 6
                if rng.random() < 0.9
                else "TODO\n"
            )
            + "\n\n## HighLatency\n\n### Mitigation\n\nRoll back the last release with `kubectl rollout undo`, "
            "scale out, or shed load at the gateway. "
            * 4
            + "\n\n## Rollback\n\n1. Run `kubectl rollout undo deployment/"
            + name
            + "`.\n2. Watch the error rate.\n"
        ),
        "loadtest/smoke.js": (
            "import http from 'k6/http';\n"
            + (
                "export const options = { thresholds: { http_req_duration: ['p(99)<500'] } };\n"
                if rng.random() < 0.6
                else ""
            )
            + f"export default function () {{ http.get('http://{name}/'); }}\n"
        ),
        "README.md": f"# {name}\n\nOwned by {team}. See runbooks/runbook.md.\n",
    }
    index = 0
    while len(files) < per_service:
        index += 1
        kind = rng.random()
        if kind < 0.6:
            files[f"src/{name.replace('-', '_')}/module_{index}.py"] = (
                f'"""Module {index} of {name}."""\n\n\ndef handler_{index}(request):\n'
                f"    return {{'service': '{name}', 'value': {rng.randrange(10**6)}}}\n"
            )
        elif kind < 0.85:
            files[f"tests/test_module_{index}.py"] = f"def test_{index}():\n    assert {index} == {index}\n"
        else:
            files[f"docs/note-{index}.md"] = f"# Note {index}\n\nDesign note {index} for {name}.\n"
    return files


def fast_import(dest: Path, services: int, per_service: int, seed: int) -> None:
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True)
    process = subprocess.Popen(
        ["git", "fast-import", "--quiet"], cwd=dest, stdin=subprocess.PIPE, env=ENV | {"PATH": "/usr/bin:/bin"}
    )
    assert process.stdin is not None
    write = process.stdin.write
    commands = [b"commit refs/heads/main\n", b"committer bench <bench@example.test> 1767225600 +0000\n",
                b"data 22\nsynthetic monorepo v1\n"]  # fmt: skip
    for line in commands:
        write(line)
    root = {
        "CODEOWNERS": "* @org/platform\n",
        "SECURITY.md": (
            "# Security\n\nReport vulnerabilities to security@example.test with the affected service and the "
            "steps to reproduce. We answer within two working days, agree a fix date with you and credit you "
            "in the advisory unless you prefer otherwise.\n"
        ),
    }
    root["docs/error-budget-policy.md"] = (
        "# Error budget policy\n\nWhen a service spends its monthly error budget, feature releases freeze "
        "and the team works on reliability until the budget recovers. The service owner decides on "
        "exceptions; disagreements escalate to the head of engineering.\n"
    )
    for path, text in root.items():
        _inline(write, path, text)
    for number in range(services):
        name = f"svc-{number:04d}"
        for path, text in service_files(name, rng, per_service).items():
            _inline(write, f"services/{name}/{path}", text)
    process.stdin.close()
    if process.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=dest, check=True)


def _inline(write, path: str, text: str) -> None:  # type: ignore[no-untyped-def]
    data = text.encode()
    write(f"M 100644 inline {path}\n".encode() + b"data %d\n" % len(data) + data + b"\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dest", type=Path)
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--files-per-service", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.dest.exists():
        raise SystemExit(f"{args.dest} exists; choose a new folder")
    fast_import(args.dest, args.services, args.files_per_service, args.seed)


if __name__ == "__main__":
    main()
