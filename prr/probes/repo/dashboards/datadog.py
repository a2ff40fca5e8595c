"""Reading Datadog dashboards (Terraform `widget` blocks or exported JSON) into panels."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prr.probes.repo.dashboards.grafana_json import query_strings
from prr.probes.repo.dashboards.model import MAX_DEPTH, TOO_BIG, Budget, Dashboard, Panel, TooBig
from prr.probes.repo.dashboards.values import as_list, text_of

_DATADOG_QUERY_KEYS = frozenset(("q", "query"))


def datadog_panels(widgets: list[Any], budget: Budget, depth: int = 0) -> Iterator[Panel]:
    """Leaf widgets of a Datadog dashboard, from Terraform blocks or exported JSON."""
    for widget in widgets:
        budget.spend()
        if not isinstance(widget, dict) or depth > MAX_DEPTH:
            continue
        definition = widget.get("definition")
        if not isinstance(definition, dict):
            blocks = [v[0] for k, v in widget.items() if k.endswith("_definition") and as_list(v)]
            definition = blocks[0] if blocks and isinstance(blocks[0], dict) else {}
        nested = definition.get("widgets", definition.get("widget"))
        if isinstance(nested, list):
            yield from datadog_panels(nested, budget, depth + 1)
            continue
        queries = tuple(query_strings(definition, _DATADOG_QUERY_KEYS, budget))
        yield Panel(str(definition.get("title") or ""), queries)


def datadog_json(obj: Any, dash: Dashboard, address: str) -> Dashboard:
    dash.uid = address
    if not isinstance(obj, dict) or not isinstance(obj.get("widgets"), list):
        dash.broken = "not a Datadog dashboard (no widgets)"
        return dash
    dash.title = text_of(obj.get("title"))
    try:
        dash.panels = list(datadog_panels(obj["widgets"], Budget()))
    except TooBig:
        dash.broken = TOO_BIG
    return dash
