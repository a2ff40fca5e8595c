"""References by kind and name (an autoscaler's scaleTargetRef), and an index of them so a
monorepo's thousands of resources are not compared all-pairs."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from prr.probes.repo.k8s.fields import templated
from prr.probes.repo.k8s.resources import Resource
from prr.probes.repo.k8s.selectors import same_namespace

T = TypeVar("T")


def names_match(owner: Resource, name: Any, target: Resource) -> bool:
    """Whether OWNER's reference by NAME can mean TARGET (its kind compared apart)."""
    if not same_namespace(owner, target):
        return False
    if isinstance(name, str) and not templated(name) and target.name and not templated(target.name):
        return name == target.name
    return owner.chart is not None and owner.chart == target.chart  # Helm helpers: same chart


class ByKindAndName(Generic[T]):
    """Items under the kind and name they stand for (or refer to) and the namespace and
    Helm chart of the resource they come from (`source`). For a kind, a name and a source,
    `candidates` holds every item that names_match with an equal kind can accept on either
    side: a resource's kind is text, so an item whose kind is not text is never one."""

    def __init__(self) -> None:
        self._items: list[T] = []
        self._by_name: dict[tuple[str, str], dict[str, list[int]]] = {}  # (kind, name) -> namespace -> items
        self._by_chart: dict[tuple[str, str], list[int]] = {}

    def add(self, item: T, kind: Any, name: Any, source: Resource) -> None:
        if not isinstance(kind, str):
            return
        index = len(self._items)
        self._items.append(item)
        if isinstance(name, str):
            self._by_name.setdefault((kind, name), {}).setdefault(source.namespace, []).append(index)
        if source.chart is not None:
            self._by_chart.setdefault((kind, source.chart), []).append(index)

    def candidates(self, kind: Any, name: Any, source: Resource) -> list[T]:
        """In the order they were added (the first match wins for some callers). No
        namespace on either side matches any (see same_namespace)."""
        if not isinstance(kind, str):
            return []
        found: set[int] = set()
        if isinstance(name, str):
            spaces = self._by_name.get((kind, name), {})
            namespace = source.namespace
            for space in (spaces.get(namespace, ()), spaces.get("", ())) if namespace else spaces.values():
                found.update(space)
        if source.chart is not None:
            found.update(self._by_chart.get((kind, source.chart), ()))
        return [self._items[i] for i in sorted(found)]
