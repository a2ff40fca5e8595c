"""Terraform dashboards: `grafana_dashboard` (config_json as heredoc, `file()`,
`templatefile()` or `jsonencode()`), `datadog_dashboard` (widgets) and
`datadog_dashboard_json`."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from prr.domain.findings import Outcome
from prr.probes.repo.dashboards.collector import Collector
from prr.probes.repo.dashboards.datadog import datadog_json, datadog_panels
from prr.probes.repo.dashboards.grafana_json import analyse, parse_json
from prr.probes.repo.dashboards.hcl import Hcl, HclError, HclExpr, HclString, hcl_block
from prr.probes.repo.dashboards.model import TOO_BIG, Budget, Dashboard, TooBig
from prr.probes.repo.dashboards.paths import join, selects, wanted
from prr.probes.repo.dashboards.values import as_list, text_of

_TF_RESOURCE = re.compile(
    r'^[ \t]*resource[ \t]+"(grafana_dashboard|datadog_dashboard|datadog_dashboard_json)"[ \t]+"([^"\n]*)"[ \t]*\{',
    re.M,
)


def read_terraform(c: Collector, path: str) -> None:
    text = c.read(path, needed=wanted(path))
    if text is None or ("grafana_dashboard" not in text and "datadog_dashboard" not in text):
        return
    for match in _TF_RESOURCE.finditer(text):
        kind, name = match.group(1), match.group(2)
        line = text.count("\n", 0, match.start()) + 1
        address = f"{kind}.{name}"
        try:
            body = hcl_block(text, match)
        except (HclError, RecursionError) as exc:
            c.note(Outcome.ERROR, f"{address}: could not read the resource: {exc}", path, line)
            continue
        if kind == "datadog_dashboard":
            dash = Dashboard(path, line, f"Terraform {kind}", needs_uid=False)
            dash.uid = address
            dash.title = text_of(body.get("title"))
            try:
                dash.panels = list(datadog_panels(as_list(body.get("widget")), Budget()))
            except TooBig:
                dash.broken = TOO_BIG
            c.add(dash)
            continue
        attribute = "config_json" if kind == "grafana_dashboard" else "dashboard"
        value = body.get(attribute)
        _terraform_json(c, path, line, address, kind, attribute, value)


def _terraform_json(c: Collector, path: str, line: int, address: str, kind: str, attribute: str, value: Any) -> None:
    datadog = kind == "datadog_dashboard_json"
    form = f"Terraform {kind}"
    if value is None:
        c.note(Outcome.FAIL, f"{address} has no {attribute}", path, line)
        return
    obj: Any
    if isinstance(value, HclString):
        obj, error, at = parse_json(value, template=True)
        if error:
            where = value.line + at - 1 if at else line
            c.add(Dashboard(path, where, form, broken=f"{address}: {attribute}: {error}"))
            return
    elif isinstance(value, HclExpr) and value.startswith("jsonencode("):
        try:
            obj, _ = Hcl(value, value.line).value(len("jsonencode("), 1)
        except (HclError, RecursionError) as exc:
            c.note(Outcome.ERROR, f"{address}: could not read {attribute}: {exc}", path, line)
            return
    elif isinstance(value, HclExpr) and (m := re.match(r'(?:file|templatefile)\(\s*"([^"]*)"', value)):
        ref = re.sub(r"\$\{\s*path\.(?:module|root|cwd)\s*\}", ".", m.group(1))
        target = None if "${" in ref else join(posixpath.dirname(path), ref)
        if "${" in ref:
            c.note(Outcome.NOT_APPLICABLE, f"{address}: {attribute} file is computed: not validated", path, line)
        elif target is None or not selects(target, {}):
            c.note(Outcome.NOT_APPLICABLE, f"{address}: {attribute} reads {ref}: not validated", path, line)
        elif not c.repo.exists(target):
            c.note(Outcome.FAIL, f"{address}: {attribute} reads {target}, not in the repository", path, line)
        elif datadog:
            text = c.read(target, needed=True)
            if text is not None:
                obj, error, at = parse_json(text, template=True)
                if error:
                    c.add(Dashboard(target, at, form, broken=error))
                else:
                    c.add(datadog_json(obj, Dashboard(target, 1, form, needs_uid=False), address))
        else:
            c.forced.add(target)
            if value.startswith("templatefile"):
                c.templates.add(target)
        return
    else:
        c.note(Outcome.NOT_APPLICABLE, f"{address}: {attribute} = {value}: computed, not validated", path, line)
        return
    if datadog:
        c.add(datadog_json(obj, Dashboard(path, line, form, needs_uid=False), address))
    else:
        dash = analyse(obj, Dashboard(path, line, form), forced=True)
        if dash is not None:
            c.add(dash)
