"""helm-tests: every application chart ships a `helm.sh/hook: test` template, so
`helm test` after a release checks something."""

from __future__ import annotations

import re
from typing import Any

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, finding, in_service, unreadable
from prr.probes.repo.k8s import UNKNOWN, YMap, get, items, line_of, load, parse_yaml, shown, yaml_probe
from prr.probes.repo.outcomes import fail, passed, settle

HELM_TESTS = "helm-tests"

_HOOK_TEXT = re.compile(r"""["']?helm\.sh/hook["']?\s*:\s*["']?([\w\-, ]+)""")


def _is_test_hook(value: Any) -> bool:
    return isinstance(value, str) and any(h.strip() in ("test", "test-success") for h in value.split(","))


def _chart_file(repo: Repo, probe: str, path: str) -> tuple[Any, Finding | None]:
    text = repo.text(path)
    if text is None:
        return None, unreadable(probe, repo, path)
    parsed = parse_yaml(text)
    if parsed.error:
        line, problem = parsed.error
        message = f"{path}:{line}: not valid YAML ({problem}); the chart was not checked"
        return None, finding(probe, Outcome.ERROR, message, repo, [(path, line)])
    first = parsed.documents[0] if parsed.documents else None
    return (first if isinstance(first, dict) else YMap(1)), None


def run_helm_tests(repo: Repo, params: Params) -> list[Finding]:
    manifests = load(repo, HELM_TESTS)
    errors = list(manifests.errors)
    results: list[Finding] = []
    charts = [c for c in manifests.charts.values() if in_service(repo, c.chart_file)]
    tops = [c for c in charts if c.parent is None or c.parent not in manifests.charts]
    for chart in tops:
        meta, error = _chart_file(repo, HELM_TESTS, chart.chart_file)
        if error is not None:
            errors.append(error)
            continue
        if meta.get("type") == "library":
            continue  # a library chart renders nothing of its own
        family = {c.root for c in manifests.charts.values() if c.root == chart.root or _descends(c, chart, manifests)}
        hooks = [
            r.at("metadata", "annotations", "helm.sh/hook")
            for r in manifests.resources
            if r.chart in family and _is_test_hook(r.annotations().get("helm.sh/hook")) and _runs_something(r.body)
        ]
        for template in manifests.templates:
            if template.chart in family and not template.parsed:
                for match in _HOOK_TEXT.finditer(template.text):
                    if _is_test_hook(match.group(1)):
                        line = template.text.count("\n", 0, match.start())
                        hooks.append((template.path, template.line_map[min(line, len(template.line_map) - 1)]))
        name = shown(meta.get("name")) or chart.root or "."
        if hooks:
            message = f"chart {name} ships {len(hooks)} test hook{'s' if len(hooks) > 1 else ''}"
            results.append(passed(HELM_TESTS, message, repo, hooks))
        elif any(c.values is UNKNOWN for c in manifests.charts.values() if c.root in family):
            continue  # its values could not be read (reported): no claim
        else:
            message = (
                f"chart {name} has no template annotated helm.sh/hook: test that is on by default, "
                "so `helm test` checks nothing"
            )
            results.append(fail(HELM_TESTS, message, repo, [(chart.chart_file, line_of(meta, "name", 1))]))
    return settle(HELM_TESTS, errors, results, "no Helm chart")


def _descends(chart: Any, top: Any, manifests: Any) -> bool:
    parent = chart.parent
    seen = 0
    while parent is not None and seen < 50:
        if parent == top.root:
            return True
        parent = manifests.charts[parent].parent if parent in manifests.charts else None
        seen += 1
    return False


def _runs_something(body: Any) -> bool:
    """A test hook pod (or job) with at least one container."""
    kind = body.get("kind")
    if kind == "Pod":
        return bool(items(get(body, "spec", "containers")))
    if kind == "Job":
        return bool(items(get(body, "spec", "template", "spec", "containers")))
    return True


PROBE = yaml_probe(HELM_TESTS, run_helm_tests)
