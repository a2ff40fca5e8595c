"""Helm charts in a repository: where they are, their values, and which files are templates.

A subchart's values get its parent's section and globals, as Helm merges them."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Repo, finding, in_service, unreadable
from prr.probes.repo.k8s.fields import UNKNOWN
from prr.probes.repo.k8s.yaml_lines import parse_yaml, plain


@dataclass
class Chart:
    root: str  # the chart folder ("" for the repository top)
    chart_file: str
    values: Any  # a dict, or UNKNOWN when values.yaml could not be read
    parent: str | None = None


@dataclass
class Template:
    """A chart template as prr rendered it."""

    path: str
    chart: str
    text: str
    line_map: list[int]
    parsed: bool


def _under(path: str, root: str, folder: str) -> bool:
    return path.startswith(posixpath.join(root, folder) + "/")


def is_template(path: str, root: str) -> bool:
    return _under(path, root, "templates")


def chart_own_file(path: str, root: str) -> bool:
    """Chart.yaml, values files and the chart's ci/ and charts/ folders: never resources."""
    rest = path[len(root) + 1 :] if root else path
    return "/" not in rest or rest.split("/", 1)[0] in ("ci", "charts")


def chart_of(path: str, charts: dict[str, Chart]) -> Chart | None:
    """The innermost chart whose folder holds PATH."""
    best = None
    for root, chart in charts.items():
        if (not root or path.startswith(root + "/")) and (best is None or len(root) > len(best.root)):
            best = chart
    return best


def find_charts(repo: Repo, probe: str, paths: Sequence[str], errors: list[Finding]) -> dict[str, Chart]:
    roots = sorted(
        (posixpath.dirname(p) for p in paths if p.rpartition("/")[2] == "Chart.yaml"), key=lambda r: r.count("/")
    )
    charts: dict[str, Chart] = {}
    for root in roots:
        needed = any(is_template(p, root) and in_service(repo, p) for p in paths)
        values = _values(repo, probe, posixpath.join(root, "values.yaml"), errors if needed else [])
        holder = posixpath.dirname(root)
        parent = posixpath.dirname(holder) if posixpath.basename(holder) == "charts" else None
        if parent is not None and parent in charts:
            values = _subchart_values(values, charts[parent].values, posixpath.basename(root))
        else:
            parent = None
        charts[root] = Chart(root, posixpath.join(root, "Chart.yaml"), values, parent)
    return charts


def _values(repo: Repo, probe: str, path: str, errors: list[Finding]) -> Any:
    if not repo.exists(path):
        return {}
    text = repo.text(path)
    if text is None:
        errors.append(unreadable(probe, repo, path))
        return UNKNOWN
    parsed = parse_yaml(text)
    if parsed.error:
        line, problem = parsed.error
        message = f"{path}:{line}: not valid YAML ({problem}); the chart's templates were not checked"
        errors.append(finding(probe, Outcome.ERROR, message, repo, [(path, line)]))
        return UNKNOWN
    first = parsed.documents[0] if parsed.documents else None
    return plain(first) if isinstance(first, dict) else {}


def _subchart_values(own: Any, parent: Any, name: str) -> Any:
    if own is UNKNOWN or parent is UNKNOWN:
        return UNKNOWN
    merged = _deep_merge(own, parent.get(name) if isinstance(parent.get(name), dict) else {})
    if isinstance(parent.get("global"), dict):
        merged["global"] = _deep_merge(merged.get("global") or {}, parent["global"])
    return merged


def _deep_merge(base: Any, override: dict) -> dict:
    out = dict(base) if isinstance(base, dict) else {}
    for key, value in override.items():
        out[key] = _deep_merge(out.get(key), value) if isinstance(value, dict) else value
    return out
