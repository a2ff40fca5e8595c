"""What the repository says that the live service must match: the metric names its SLO
and alert expressions query, and the external runbook and dashboard links it names."""

from __future__ import annotations

from collections.abc import Iterable

import yaml

from prr.adapters.git_snapshot import GitSnapshot
from prr.domain.findings import Finding
from prr.probes.endpoint_api import RepoFacts
from prr.probes.promql_names import metric_names

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Keys holding PromQL in Prometheus rules, OpenSLO, Sloth, Pyrra and slo-generator specs.
_QUERY_KEYS = frozenset({"expr", "query", "error_query", "total_query", "errorQuery", "totalQuery", "metric"})
_MAX_NODES = 100_000


def gather(snapshot: GitSnapshot, findings: Iterable[Finding]) -> RepoFacts:
    names: set[str] = set()
    entries = [e for e in snapshot.candidates(frozenset({".yaml", ".yml", ".json"})) if _in_scope(snapshot, e.path)]
    snapshot.prefetch(entries)
    for entry in entries:
        data = snapshot.read(entry.path).data
        if data is None or not any(key.encode() in data for key in ("expr", "query", "metric")):
            continue
        for query in _queries(data.decode("utf-8", "replace")):
            names |= metric_names(query)
    links = tuple(dict.fromkeys(ev.url for f in findings for ev in f.evidence if ev.url))
    return RepoFacts(frozenset(names), links)


def _in_scope(snapshot: GitSnapshot, path: str) -> bool:
    return not snapshot.prefix or path.startswith(snapshot.prefix + "/")


def _queries(text: str) -> list[str]:
    """PromQL strings under the query keys of every document; malformed files give none."""
    try:
        documents = list(yaml.load_all(text, Loader=_LOADER))
    except (yaml.YAMLError, RecursionError, ValueError):
        return []
    found: list[str] = []
    stack: list[object] = list(documents)
    seen: set[int] = set()
    while stack and len(seen) < _MAX_NODES:
        node = stack.pop()
        if id(node) in seen:  # aliases share objects: visit each once, never expand
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _QUERY_KEYS and isinstance(value, str):
                    found.append(value)
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found
