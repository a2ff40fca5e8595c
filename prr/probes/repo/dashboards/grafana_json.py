"""Reading Grafana dashboard JSON in its forms: the classic model (with legacy rows), the
HTTP API export and the `dashboard.grafana.app` resource (v0/v1 and v2 elements)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from prr.probes.repo.dashboards.model import MAX_DEPTH, TOO_BIG, Budget, Dashboard, Panel, TooBig
from prr.probes.repo.dashboards.values import as_dict, as_list, text_of

# What makes JSON Grafana's, beyond panels and a title: keys only Grafana writes.
_DASHBOARD_MARKERS = (
    "schemaVersion",
    "templating",
    "annotations",
    "timepicker",
    "graphTooltip",
    "fiscalYearStartMonth",
)
_PANEL_MARKERS = ("gridPos", "targets", "fieldConfig", "datasource")
_QUERY_KEYS = frozenset(("expr", "query", "rawSql", "target", "expression", "metricName", "queryText", "measurement"))
# Text that marks JSON worth parsing (a cheap prefilter) and worth reporting when broken.
JSON_HINTS = ('"panels"', '"rows"', "dashboard.grafana.app")


def _grafana_shaped(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    panels = obj.get("panels")
    rows = obj.get("rows")
    if not isinstance(panels, list) and not (isinstance(rows, list) and rows):
        return False
    if "title" not in obj and "uid" not in obj:
        return False
    if any(k in obj for k in _DASHBOARD_MARKERS):
        return True
    time = obj.get("time")
    if isinstance(time, dict) and "from" in time:
        return True
    items = list(as_list(panels))
    for row in as_list(rows):
        items.extend(as_list(as_dict(row).get("panels")))
    return any(isinstance(p, dict) and any(k in p for k in _PANEL_MARKERS) for p in items[:200])


def _is_resource(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and str(obj.get("apiVersion", "")).startswith("dashboard.grafana.app/")
        and obj.get("kind") == "Dashboard"
    )


def _recognise(obj: Any) -> tuple[str, Any] | None:
    """(form, model) when OBJ is a Grafana dashboard in any of its JSON forms."""
    if _is_resource(obj):
        return "Grafana dashboard resource", obj
    if _grafana_shaped(obj):
        return "Grafana dashboard", obj
    if isinstance(obj, dict):
        inner = obj.get("dashboard")
        if _grafana_shaped(inner):
            return "Grafana dashboard (API export)", inner
        if _is_resource(inner):
            return "Grafana dashboard resource", inner
    return None


def query_strings(obj: Any, keys: frozenset[str], budget: Budget, depth: int = 0) -> Iterator[str]:
    budget.spend()
    if depth > MAX_DEPTH:
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in keys and isinstance(value, str) and value.strip():
                yield value.strip()
            elif isinstance(value, dict | list):
                yield from query_strings(value, keys, budget, depth + 1)
    elif isinstance(obj, list):
        for value in obj:
            yield from query_strings(value, keys, budget, depth + 1)


def _classic_panels(items: Iterable[Any], budget: Budget, depth: int = 0) -> Iterator[Panel]:
    for panel in items:
        budget.spend()
        if not isinstance(panel, dict) or depth > MAX_DEPTH:
            continue
        nested = panel.get("panels")
        if panel.get("type") == "row" or isinstance(nested, list):
            yield from _classic_panels(as_list(nested), budget, depth + 1)
            if panel.get("type") == "row":
                continue
        queries = tuple(query_strings(panel.get("targets"), _QUERY_KEYS, budget))
        yield Panel(str(panel.get("title") or ""), queries)


def _classic(model: dict[Any, Any], dash: Dashboard, budget: Budget) -> None:
    dash.uid = dash.uid or text_of(model.get("uid"))
    dash.title = text_of(model.get("title"))
    items = list(as_list(model.get("panels")))
    for row in as_list(model.get("rows")):
        items.extend(as_list(as_dict(row).get("panels")))
    dash.panels = list(_classic_panels(items, budget))


def _v2(model: dict[Any, Any], dash: Dashboard, budget: Budget) -> None:
    spec = as_dict(model.get("spec"))
    dash.uid = dash.uid or text_of(as_dict(model.get("metadata")).get("name"))
    dash.title = text_of(spec.get("title"))
    for element in as_dict(spec.get("elements")).values():
        budget.spend()
        element = as_dict(element)
        if element.get("kind") != "Panel":
            continue  # library panels keep their queries elsewhere
        inner = as_dict(element.get("spec"))
        queries = tuple(query_strings(inner.get("data"), _QUERY_KEYS, budget))
        dash.panels.append(Panel(str(inner.get("title") or ""), queries))


def analyse(obj: Any, dash: Dashboard, forced: bool) -> Dashboard | None:
    """Fill DASH from OBJ; None when OBJ is not a dashboard and nothing says it must be."""
    recognised = _recognise(obj)
    budget = Budget()
    try:
        if recognised is None:
            if not forced:
                return None
            if isinstance(obj, dict) and (isinstance(obj.get("panels"), list) or isinstance(obj.get("rows"), list)):
                _classic(obj, dash, budget)  # loaded as a dashboard, so read as one
                return dash
            dash.not_grafana = True
            if isinstance(obj, dict):
                dash.uid = dash.uid or text_of(obj.get("uid"))
                dash.title = text_of(obj.get("title"))
            return dash
        form, model = recognised
        if form != "Grafana dashboard":
            dash.form = form if dash.form == "Grafana dashboard" else f"{dash.form}, {form}"
        if _is_resource(model):
            spec = as_dict(model.get("spec"))
            if "elements" in spec or "layout" in spec:
                _v2(model, dash, budget)
            else:  # v0/v1 resources carry the classic model in spec
                dash.uid = dash.uid or text_of(as_dict(model.get("metadata")).get("name"))
                _classic(spec, dash, budget)
        else:
            _classic(model, dash, budget)
    except TooBig:
        dash.broken = TOO_BIG
        dash.panels = []
    return dash


def parse_json(text: str, template: bool = False) -> tuple[Any, str | None, int | None]:
    """(value, error, error line within TEXT). A Terraform TEMPLATE may hold `${...}`
    interpolations where JSON wants a value: on failure they are read as 0."""
    if template and "${" in text:
        parsed = parse_json(text)
        if parsed[1] is None:
            return parsed
        text = _INTERPOLATION.sub("0", text)
    try:
        return json.loads(text), None, None
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg}", exc.lineno
    except RecursionError:
        return None, "invalid JSON: nested too deeply", None
    except ValueError as exc:
        return None, f"invalid JSON: {exc}", None


_INTERPOLATION = re.compile(r"(?<!\$)\$\{[^{}\n]*\}")


def looks_like_dashboard_text(text: str) -> bool:
    return "dashboard.grafana.app" in text or ('"panels"' in text and ('"schemaVersion"' in text or '"uid"' in text))
