"""Which pods a label selector picks, indexed so a monorepo is not compared all-pairs."""

from __future__ import annotations

from typing import Any

from prr.probes.repo.k8s.fields import get, items, templated
from prr.probes.repo.k8s.pods import Workload
from prr.probes.repo.k8s.resources import Manifests, Resource


def label_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def same_namespace(a: Resource, b: Resource) -> bool:
    return not a.namespace or not b.namespace or a.namespace == b.namespace


def concrete(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and not templated(value)


def selector_matches(selector: Any, expressions: Any, owner: Resource, workload: Workload) -> bool:
    """Whether a label selector (matchLabels and matchExpressions) picks the workload's pods.
    Where Helm helpers prr cannot render made the labels or the selector unknown, a
    selector from the same chart is taken to match: that is how chart helpers are used."""
    if not same_namespace(owner, workload.res):
        return False
    labels = workload.labels
    known = concrete(labels) and (selector is None or concrete(selector) or selector == {})
    if not known or templated(expressions):
        return owner.chart is not None and owner.chart == workload.res.chart
    selector = selector or {}
    if not all(k in labels and label_text(labels[k]) == label_text(v) for k, v in selector.items()):
        return False
    for _, expression in items(expressions):
        if not _expression_matches(expression, labels):
            return False
    return bool(selector) or bool(items(expressions))


class SelectorIndex:
    """Owners (Services, PodDisruptionBudgets) indexed by one label of their selector, so
    finding those that select a workload tests a few candidates, not every owner: across a
    monorepo of thousands of services, the all-pairs test was quadratic."""

    def __init__(self, owners: list[tuple[Resource, Any, Any]]) -> None:
        self.owners = owners
        self.by_label: dict[tuple[str, str], list[int]] = {}
        self.always: list[int] = []  # templated or expression-only selectors: always tested
        for index, (_, selector, expressions) in enumerate(owners):
            if concrete(selector) and expressions is None:
                key, value = next(iter(selector.items()))
                self.by_label.setdefault((key, label_text(value)), []).append(index)
            else:
                self.always.append(index)

    def selecting(self, workload: Workload) -> list[Resource]:
        labels = workload.labels
        candidates = set(self.always)
        if concrete(labels):
            for key, value in labels.items():
                candidates.update(self.by_label.get((key, label_text(value)), ()))
        else:
            candidates.update(range(len(self.owners)))
        found = []
        for index in sorted(candidates):
            owner, selector, expressions = self.owners[index]
            if selector_matches(selector, expressions, owner, workload):
                found.append(owner)
        return found


def _expression_matches(expression: Any, labels: dict) -> bool:
    if not isinstance(expression, dict):
        return False
    key, operator = expression.get("key"), expression.get("operator")
    values = [label_text(v) for _, v in items(expression.get("values"))]
    present = key in labels
    if operator == "In":
        return present and label_text(labels[key]) in values
    if operator == "NotIn":
        return not present or label_text(labels[key]) not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    return False


def service_index(manifests: Manifests) -> SelectorIndex:
    """The Services whose selector picks pods (not ExternalName, not selector-less)."""
    owners = []
    for service in manifests.of_kind("Service"):
        if service.group or service.kind != "Service":
            continue
        selector = get(service.body, "spec", "selector")
        if get(service.body, "spec", "type") == "ExternalName":
            continue
        if selector is None and service.chart is None:
            continue  # a Service without a selector has its endpoints managed elsewhere
        owners.append((service, selector, None))
    return SelectorIndex(owners)
