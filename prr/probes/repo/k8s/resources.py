"""Kubernetes resources found in parsed YAML, and the Manifests of one repository."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prr.domain.findings import Finding
from prr.probes.repo.k8s.fields import get, mapping, shown, templated
from prr.probes.repo.k8s.helm_charts import Chart, Template
from prr.probes.repo.k8s.yaml_lines import YMap, YSeq


@dataclass(frozen=True)
class Resource:
    path: str
    line: int | None  # where the resource's mapping starts
    api_version: str
    kind: str
    name: str
    namespace: str
    body: YMap
    chart: str | None = None  # the Helm chart folder, when rendered from a chart template

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0] if "/" in self.api_version else ""

    @property
    def ref(self) -> str:
        return f"{self.kind}/{shown(self.name) or '?'}"

    def at(self, *keys: Any) -> tuple[str, int | None]:
        """(path, line) of the deepest step of KEYS that exists in the body."""
        node: Any = self.body
        line = self.line
        for key in keys:
            if isinstance(node, YMap) and key in node:
                line = node.key_lines.get(key, line)
            elif isinstance(node, YSeq) and isinstance(key, int) and 0 <= key < len(node):
                line = node.item_lines[key]
            else:
                break
            node = node[key]
        return self.path, line

    def annotations(self) -> dict:
        return mapping(get(self.body, "metadata", "annotations")) or {}


@dataclass
class Manifests:
    resources: list[Resource] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    charts: dict[str, Chart] = field(default_factory=dict)
    templates: list[Template] = field(default_factory=list)

    def of_kind(self, *kinds: str, group: str | None = None) -> list[Resource]:
        return [
            r
            for r in self.resources
            if r.kind in kinds
            and (group is None or r.group == group or r.group.endswith("." + group) or templated(r.api_version))
        ]


def resources_in(path: str, documents: Iterable[Any], chart: str | None = None) -> Iterator[Resource]:
    for doc in documents:
        if not isinstance(doc, YMap):
            continue
        kind = doc.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list):
            for item in doc["items"]:
                found = _resource(path, item, chart)
                if found:
                    yield found
        else:
            found = _resource(path, doc, chart)
            if found:
                yield found


def _resource(path: str, doc: Any, chart: str | None) -> Resource | None:
    if not isinstance(doc, YMap):
        return None
    kind, api = doc.get("kind"), doc.get("apiVersion")
    if not isinstance(kind, str) or not kind or not isinstance(api, str) or not api:
        return None
    name = get(doc, "metadata", "name")
    namespace = get(doc, "metadata", "namespace")
    return Resource(
        path,
        doc.line,
        api,
        kind,
        name if isinstance(name, str) else "" if name is None else str(name),
        namespace if isinstance(namespace, str) else "",
        doc,
        chart,
    )
