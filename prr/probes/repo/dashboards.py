"""Dashboards as code: are they there, do they load, and do they show the golden signals?

Discovery (shared by both probes) finds, in the service folder:

- Grafana dashboard JSON: the classic model (an object with `panels`, or legacy `rows` of
  panels, and a title or uid, plus some Grafana-only marker), also wrapped as the HTTP API
  exports it (`{"dashboard": {...}, "meta": {...}}`), and the resource form
  (`apiVersion: dashboard.grafana.app/...`, `kind: Dashboard`; v2 with `spec.elements`);
- ConfigMaps carrying dashboards (a `grafana_dashboard` label for the sidecar, or `.json`
  data entries holding Grafana JSON) and kustomize `configMapGenerator`s that build them;
- grafana-operator `GrafanaDashboard` resources (`spec.json`, `spec.gzipJson`,
  `spec.configMapRef`; `spec.url`, `grafanaCom` and jsonnet are noted, not fetched);
- Grafana provisioning (`apiVersion: 1`, `providers:`): each provider's `options.path`
  must point at a folder of the repository holding dashboard JSON (a container path such
  as /var/lib/grafana/dashboards/api is matched on its last path segments);
- Terraform `grafana_dashboard` (config_json as heredoc, `file()`, `templatefile()` or
  `jsonencode()`), `datadog_dashboard` (widgets) and `datadog_dashboard_json`.

Anything that is not Grafana-shaped (package.json, JSON schemas, OpenAPI documents,
Kibana saved objects) is never taken for a dashboard, unless something that loads
dashboards (a provider folder, a labelled ConfigMap, an operator reference, Terraform)
points at it: then it must be one."""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, in_service, unreadable
from prr.probes.registry import PROBES as SPECS

VALID = "dashboards-valid"
GOLDEN = "dashboard-golden-signals"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_EXTS = (".json", ".yaml", ".yml", ".tf", ".tpl", ".tmpl")
_YAML = (".yaml", ".yml")
_KUSTOMIZATION = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_BUDGET = 200_000  # values visited per document: alias bombs and huge dashboards stop here
_MAX_DEPTH = 40
_MAX_GUNZIP = 4 * 1024 * 1024

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
_DATADOG_QUERY_KEYS = frozenset(("q", "query"))
# Text that marks a file worth parsing (cheap prefilters) and worth reporting when broken.
_JSON_HINTS = ('"panels"', '"rows"', "dashboard.grafana.app")
_YAML_HINTS = (
    "grafana_dashboard",
    "grafana-dashboard",
    "GrafanaDashboard",
    "dashboard.grafana.app",
    "providers",
    "configMapGenerator",
    "panels",
    "ConfigMap",  # a GrafanaDashboard may reference any ConfigMap
)
_YAML_STRONG = ("grafana_dashboard", "grafana-dashboard", "GrafanaDashboard", "dashboard.grafana.app")
_PROVIDERS = re.compile(r"^providers[ \t]*:", re.M)
_TF_RESOURCE = re.compile(
    r'^[ \t]*resource[ \t]+"(grafana_dashboard|datadog_dashboard|datadog_dashboard_json)"[ \t]+"([^"\n]*)"[ \t]*\{',
    re.M,
)


# ---------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[str, ...]


@dataclass
class Dashboard:
    path: str
    line: int | None
    form: str  # "Grafana dashboard", "ConfigMap dashboard", "Terraform datadog_dashboard", ...
    uid: str | None = None
    title: str | None = None
    panels: list[Panel] = field(default_factory=list)
    broken: str | None = None  # why the definition cannot be read at all
    needs_uid: bool = True
    not_grafana: bool = False  # forced content without Grafana's shape

    @property
    def name(self) -> str:
        return self.title or self.uid or ""

    def problems(self) -> list[str]:
        if self.broken:
            return [self.broken]
        out = []
        if self.not_grafana:
            out.append("not a Grafana dashboard (no panels)")
        if self.needs_uid and not self.uid:
            out.append("no uid")
        if not self.title:
            out.append("no title")
        if not self.not_grafana and not any(p.queries for p in self.panels):
            count = len(self.panels)
            out.append(f"no panel with a query ({count} panel{'s' * (count != 1)}, none with a query)")
        return out


@dataclass(frozen=True)
class Note:
    """A finding about something other than one dashboard: a provider, a reference, a file."""

    outcome: Outcome
    message: str
    path: str
    line: int | None


@dataclass
class _Entry:
    """A ConfigMap data entry (or a GrafanaDashboard's inline JSON) that may hold a dashboard."""

    path: str
    line: int
    text: str
    text_line: int | None  # file line of the text's first line, when it maps line for line
    form: str
    forced: bool
    uid: str | None = None


@dataclass
class Discovery:
    dashboards: list[Dashboard] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


class _TooBig(Exception):
    pass


_TOO_BIG = "too large or too deeply aliased for prr to assess"  # prr's limit: an error, not a verdict


class _Budget:
    def __init__(self) -> None:
        self.left = _BUDGET

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise _TooBig


# ---------------------------------------------------------------------------- YAML helpers


@dataclass(frozen=True)
class _Doc:
    data: Any
    node: yaml.Node


def _yaml_docs(text: str) -> tuple[list[_Doc], tuple[str, int | None] | None]:
    """Every document with its node tree (for line numbers), and the parse error if any."""
    loader = _Loader(text)
    docs: list[_Doc] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            docs.append(_Doc(loader.construct_document(node), node))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return docs, (f"invalid YAML: {problem}", mark.line + 1 if mark is not None else None)
    except RecursionError:
        return docs, ("invalid YAML: nested too deeply", None)
    except Exception as exc:  # a constructor refusing a value (dates out of range, ...)
        return docs, (f"invalid YAML: {type(exc).__name__}", None)
    finally:
        loader.dispose()
    return docs, None


def _child(node: yaml.Node, step: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(key node, value node) under a mapping key, or (item, item) for a sequence index."""
    if isinstance(step, int):
        if isinstance(node, yaml.SequenceNode) and 0 <= step < len(node.value):
            return node.value[step], node.value[step]
        return None
    if isinstance(node, yaml.MappingNode):
        for key, value in reversed(node.value):  # the constructor keeps the last duplicate
            if isinstance(key, yaml.ScalarNode) and key.value == step:
                return key, value
    return None


def _line(node: yaml.Node, *path: str | int) -> int:
    """The line of the deepest key along PATH that exists (the node's own line if none)."""
    line = node.start_mark.line + 1
    for step in path:
        found = _child(node, step)
        if found is None:
            break
        key, node = found
        line = key.start_mark.line + 1
    return line


def _value_node(node: yaml.Node, *path: str | int) -> yaml.Node | None:
    for step in path:
        found = _child(node, step)
        if found is None:
            return None
        node = found[1]
    return node


def _literal_start(node: yaml.Node | None) -> int | None:
    """For a `|` block scalar, the file line of its first content line."""
    if isinstance(node, yaml.ScalarNode) and node.style == "|":
        return node.start_mark.line + 2
    return None


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# ---------------------------------------------------------------------------- Grafana model


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
    items = list(_list(panels))
    for row in _list(rows):
        items.extend(_list(_dict(row).get("panels")))
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


def _query_strings(obj: Any, keys: frozenset[str], budget: _Budget, depth: int = 0) -> Iterator[str]:
    budget.spend()
    if depth > _MAX_DEPTH:
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in keys and isinstance(value, str) and value.strip():
                yield value.strip()
            elif isinstance(value, dict | list):
                yield from _query_strings(value, keys, budget, depth + 1)
    elif isinstance(obj, list):
        for value in obj:
            yield from _query_strings(value, keys, budget, depth + 1)


def _classic_panels(items: Iterable[Any], budget: _Budget, depth: int = 0) -> Iterator[Panel]:
    for panel in items:
        budget.spend()
        if not isinstance(panel, dict) or depth > _MAX_DEPTH:
            continue
        nested = panel.get("panels")
        if panel.get("type") == "row" or isinstance(nested, list):
            yield from _classic_panels(_list(nested), budget, depth + 1)
            if panel.get("type") == "row":
                continue
        queries = tuple(_query_strings(panel.get("targets"), _QUERY_KEYS, budget))
        yield Panel(str(panel.get("title") or ""), queries)


def _classic(model: dict[Any, Any], dash: Dashboard, budget: _Budget) -> None:
    dash.uid = dash.uid or _text(model.get("uid"))
    dash.title = _text(model.get("title"))
    items = list(_list(model.get("panels")))
    for row in _list(model.get("rows")):
        items.extend(_list(_dict(row).get("panels")))
    dash.panels = list(_classic_panels(items, budget))


def _v2(model: dict[Any, Any], dash: Dashboard, budget: _Budget) -> None:
    spec = _dict(model.get("spec"))
    dash.uid = dash.uid or _text(_dict(model.get("metadata")).get("name"))
    dash.title = _text(spec.get("title"))
    for element in _dict(spec.get("elements")).values():
        budget.spend()
        element = _dict(element)
        if element.get("kind") != "Panel":
            continue  # library panels keep their queries elsewhere
        inner = _dict(element.get("spec"))
        queries = tuple(_query_strings(inner.get("data"), _QUERY_KEYS, budget))
        dash.panels.append(Panel(str(inner.get("title") or ""), queries))


def _analyse(obj: Any, dash: Dashboard, forced: bool) -> Dashboard | None:
    """Fill DASH from OBJ; None when OBJ is not a dashboard and nothing says it must be."""
    recognised = _recognise(obj)
    budget = _Budget()
    try:
        if recognised is None:
            if not forced:
                return None
            if isinstance(obj, dict) and (isinstance(obj.get("panels"), list) or isinstance(obj.get("rows"), list)):
                _classic(obj, dash, budget)  # loaded as a dashboard, so read as one
                return dash
            dash.not_grafana = True
            if isinstance(obj, dict):
                dash.uid = dash.uid or _text(obj.get("uid"))
                dash.title = _text(obj.get("title"))
            return dash
        form, model = recognised
        if form != "Grafana dashboard":
            dash.form = form if dash.form == "Grafana dashboard" else f"{dash.form}, {form}"
        if _is_resource(model):
            spec = _dict(model.get("spec"))
            if "elements" in spec or "layout" in spec:
                _v2(model, dash, budget)
            else:  # v0/v1 resources carry the classic model in spec
                dash.uid = dash.uid or _text(_dict(model.get("metadata")).get("name"))
                _classic(spec, dash, budget)
        else:
            _classic(model, dash, budget)
    except _TooBig:
        dash.broken = _TOO_BIG
        dash.panels = []
    return dash


def _parse_json(text: str, template: bool = False) -> tuple[Any, str | None, int | None]:
    """(value, error, error line within TEXT). A Terraform TEMPLATE may hold `${...}`
    interpolations where JSON wants a value: on failure they are read as 0."""
    if template and "${" in text:
        parsed = _parse_json(text)
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


def _looks_like_dashboard_text(text: str) -> bool:
    return "dashboard.grafana.app" in text or ('"panels"' in text and ('"schemaVersion"' in text or '"uid"' in text))


# ---------------------------------------------------------------------------- HCL subset


class _HclError(ValueError):
    pass


class _Str(str):
    """A string value, with the file line its text starts on."""

    line: int


class _Expr(str):
    """An expression kept as source text (function calls, references, operators)."""

    line: int


_HEREDOC = re.compile(r'<<(-?)"?([A-Za-z_][\w-]*)"?[ \t]*\r?\n')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_][\w.-]*")
_VALUE_END = ",\n\r}])"


class _Hcl:
    """Reads the HCL that dashboards are written in: blocks, attributes, literals, lists,
    objects and heredocs. Any other expression is kept as its source text (`_Expr`)."""

    def __init__(self, text: str, first_line: int = 1) -> None:
        self.t = text
        self.n = len(text)
        self.first_line = first_line

    def line(self, pos: int) -> int:
        return self.first_line + self.t.count("\n", 0, pos)

    def ws(self, i: int, newlines: bool) -> int:
        t, n = self.t, self.n
        while i < n:
            c = t[i]
            if c in " \t" or (newlines and c in "\r\n"):
                i += 1
            elif c == "#" or t.startswith("//", i):
                end = t.find("\n", i)
                i = n if end < 0 else end
            elif t.startswith("/*", i):
                end = t.find("*/", i + 2)
                if end < 0:
                    raise _HclError("unterminated comment")
                i = end + 2
            else:
                break
        return i

    def string(self, i: int) -> int:
        """The index after the string literal starting at I (a double quote)."""
        t, n = self.t, self.n
        i += 1
        while i < n:
            c = t[i]
            if c == "\\":
                i += 2
            elif c == '"':
                return i + 1
            elif c == "\n":
                raise _HclError("unterminated string")
            elif c in "$%" and t.startswith("{", i + 1) and not t.startswith(c + c, i - 1):
                i = self.balanced(i + 2, "}")
            else:
                i += 1
        raise _HclError("unterminated string")

    def heredoc(self, i: int) -> tuple[str, int, int]:
        """(content, index of its first character, index after the closing marker)."""
        m = _HEREDOC.match(self.t, i)
        if m is None:
            raise _HclError("bad heredoc")
        end = re.compile(r"^[ \t]*" + re.escape(m.group(2)) + r"[ \t]*$", re.M).search(self.t, m.end())
        if end is None:
            raise _HclError(f"heredoc {m.group(2)} is not closed")
        return self.t[m.end() : end.start()], m.end(), end.end()

    def balanced(self, i: int, close: str) -> int:
        """The index after CLOSE, skipping nested brackets, strings and heredocs."""
        t, n = self.t, self.n
        stack = [close]
        while i < n:
            c = t[i]
            if c == '"':
                i = self.string(i)
                continue
            if t.startswith("<<", i) and _HEREDOC.match(t, i):
                i = self.heredoc(i)[2]
                continue
            if c == "#" or t.startswith("//", i) or t.startswith("/*", i):
                i = self.ws(i, newlines=False)
                continue
            if c in "([{":
                stack.append(")]}"["([{".index(c)])
                if len(stack) > _MAX_DEPTH * 10:
                    raise _HclError("nested too deeply")
            elif c in ")]}":
                if c != stack.pop():
                    raise _HclError(f"unbalanced {c!r}")
                if not stack:
                    return i + 1
            i += 1
        raise _HclError(f"missing {close!r}")

    def expression(self, i: int) -> int:
        """The end of a raw expression: the next top-level delimiter."""
        t, n = self.t, self.n
        while i < n:
            c = t[i]
            if c in _VALUE_END or c == "#" or t.startswith("//", i):
                return i
            if c == '"':
                i = self.string(i)
            elif t.startswith("<<", i) and _HEREDOC.match(t, i):
                i = self.heredoc(i)[2]
            elif c in "([{":
                i = self.balanced(i + 1, ")]}"["([{".index(c)])
            else:
                i += 1
        return i

    def body(self, i: int, close: str | None, depth: int) -> tuple[dict[str, Any], int]:
        """Attributes (key -> value) and blocks (key -> [body, ...], each with __labels__)."""
        if depth > _MAX_DEPTH:
            raise _HclError("nested too deeply")
        t, n = self.t, self.n
        out: dict[str, Any] = {}
        while True:
            i = self.ws(i, newlines=True)
            if i >= n:
                if close is None:
                    return out, i
                raise _HclError(f"missing {close!r}")
            c = t[i]
            if close is not None and c == close:
                return out, i + 1
            if c == ",":
                i += 1
                continue
            start = i
            if c == '"':
                i = self.string(i)
                key = t[start + 1 : i - 1]
            elif c == "(":
                i = self.balanced(i + 1, ")")
                key = t[start:i]
            else:
                m = _IDENT.match(t, i)
                if m is None:
                    raise _HclError(f"unexpected {c!r} at line {self.line(i)}")
                key, i = m.group(), m.end()
            i = self.ws(i, newlines=False)
            if i < n and t[i] in "=:" and not t.startswith("==", i):
                value, i = self.value(i + 1, depth + 1)
                out[key] = value
                continue
            labels = []
            while i < n and t[i] != "{":
                if t[i] == '"':
                    end = self.string(i)
                    labels.append(t[i + 1 : end - 1])
                    i = end
                else:
                    m = _IDENT.match(t, i)
                    if m is None:
                        raise _HclError(f"unexpected {t[i]!r} at line {self.line(i)}")
                    labels.append(m.group())
                    i = m.end()
                i = self.ws(i, newlines=False)
            if i >= n:
                raise _HclError("missing '{'")
            block, i = self.body(i + 1, "}", depth + 1)
            block["__labels__"] = labels
            block["__line__"] = self.line(start)
            out.setdefault(key, []).append(block)

    def value(self, i: int, depth: int) -> tuple[Any, int]:
        if depth > _MAX_DEPTH:
            raise _HclError("nested too deeply")
        t, n = self.t, self.n
        i = self.ws(i, newlines=True)
        if i >= n:
            raise _HclError("missing value")
        start = i
        c = t[i]
        value: Any
        if c == "{":
            value, i = self.body(i + 1, "}", depth + 1)
        elif c == "[":
            items: list[Any] = []
            i += 1
            while True:
                i = self.ws(i, newlines=True)
                if i < n and t[i] == "]":
                    i += 1
                    break
                item, i = self.value(i, depth + 1)
                items.append(item)
                i = self.ws(i, newlines=True)
                if i < n and t[i] == ",":
                    i += 1
                elif i >= n or t[i] != "]":
                    raise _HclError(f"expected ',' or ']' at line {self.line(i)}")
            value = items
        elif c == '"':
            i = self.string(i)
            raw = t[start:i]
            try:
                decoded = json.loads(raw)
            except ValueError:
                decoded = raw[1:-1]
            value = _Str(decoded)
            value.line = self.line(start)
        elif t.startswith("<<", i) and _HEREDOC.match(t, i):
            content, first, i = self.heredoc(i)
            value = _Str(content)
            value.line = self.line(first)
        else:
            number = _NUMBER.match(t, i)
            word = _IDENT.match(t, i)
            if number:
                value, i = float(number.group()), number.end()
            elif word and word.group() in ("true", "false", "null"):
                value, i = {"true": True, "false": False, "null": None}[word.group()], word.end()
            else:
                i = self.expression(i)
                value = _Expr(t[start:i].strip())
                value.line = self.line(start)
                return value, i
        after = self.ws(i, newlines=False)
        if after < n and t[after] not in _VALUE_END:  # an operator follows: keep it all as source
            i = self.expression(after)
            value = _Expr(t[start:i].strip())
            value.line = self.line(start)
        return value, i


def _hcl_block(text: str, match: re.Match[str]) -> dict[str, Any]:
    reader = _Hcl(text)
    body, _ = reader.body(match.end(), "}", 1)
    return body


# ---------------------------------------------------------------------------- discovery


def _selects(path: str, params: Params) -> bool:
    return path.endswith(_EXTS) or path.rpartition("/")[2] in _KUSTOMIZATION


def _wanted(path: str) -> bool:
    """Does the name say dashboards? Such files are needed: unreadable ones are errors."""
    low = path.lower()
    return "dashboard" in low or "grafana" in low


def _join(folder: str, ref: str) -> str | None:
    """A repository path for REF read from FOLDER; None when it leaves the repository."""
    path = posixpath.normpath(posixpath.join(folder, ref) if not ref.startswith("/") else ref.lstrip("/"))
    return None if path == ".." or path.startswith("../") or path == "." else path


class _Discoverer:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.out = Discovery()
        self.files = [f.path for f in repo.files()]
        self.mine = [p for p in self.files if in_service(repo, p)]
        self.entries: list[_Entry] = []
        self.configmaps: dict[str, dict[str, _Entry]] = {}
        self.generated: dict[str, dict[str, str]] = {}  # kustomize: ConfigMap name -> key -> file
        self.forced: set[str] = set()
        self.refs: list[tuple[str, int, str, str]] = []  # (path, line, ConfigMap name, key)
        self.providers: list[tuple[str, int, str, str]] = []  # (path, line, provider name, options.path)
        self.templates: set[str] = set()  # forced files Terraform renders as templates
        self.seen_unreadable: set[str] = set()
        self.scanned_elsewhere = False

    # --- reading

    def read(self, path: str, needed: bool) -> str | None:
        text = self.repo.text(path)
        if text is None and needed and path not in self.seen_unreadable:
            self.seen_unreadable.add(path)
            self.out.unreadable.append(path)
        return text

    def note(self, outcome: Outcome, message: str, path: str, line: int | None) -> None:
        self.out.notes.append(Note(outcome, message, path, line))

    def add(self, dash: Dashboard) -> None:
        self.out.dashboards.append(dash)

    # --- the walk

    def run(self) -> Discovery:
        for path in self.mine:
            if path.endswith(_YAML) or path.rpartition("/")[2] in _KUSTOMIZATION:
                self.yaml_file(path, refs=True)
            elif path.endswith(".tf"):
                self.terraform(path)
        self.resolve_refs()
        self.resolve_providers()
        for entry in self.entries:
            self.entry(entry)
        json_files = {p for p in self.mine if p.endswith(".json")} | self.forced
        for path in sorted(json_files):
            self.json_file(path, forced=path in self.forced)
        return self.out

    def yaml_file(self, path: str, refs: bool) -> None:
        text = self.read(path, needed=refs and _wanted(path))
        if text is None or not any(h in text for h in _YAML_HINTS):
            return
        docs, error = _yaml_docs(text)
        for doc in docs:
            self.yaml_doc(path, doc, refs)
        strong = any(h in text for h in _YAML_STRONG) or _PROVIDERS.search(text) is not None
        if error and refs and "{{" not in text and strong:
            self.note(Outcome.FAIL, error[0], path, error[1])

    def yaml_doc(self, path: str, doc: _Doc, refs: bool) -> None:
        data, node = doc.data, doc.node
        if not isinstance(data, dict):
            return
        kind = data.get("kind")
        if "configMapGenerator" in data and path.rpartition("/")[2] in _KUSTOMIZATION:
            self.kustomization(path, data, node)
        if kind == "ConfigMap":
            self.configmap(path, data, node)
        if not refs:
            return
        if kind == "GrafanaDashboard":
            self.operator(path, data, node)
        elif data.get("apiVersion") in (1, "1") and isinstance(data.get("providers"), list):
            for index, provider in enumerate(data["providers"]):
                provider = _dict(provider)
                name = str(provider.get("name") or f"#{index + 1}")
                where = _line(node, "providers", index, "options", "path")
                target = _text(_dict(provider.get("options")).get("path"))
                if target is None:
                    self.note(Outcome.FAIL, f"dashboard provider {name!r} has no options.path", path, where)
                else:
                    self.providers.append((path, where, name, target))
        elif kind != "ConfigMap":
            dash = _analyse(data, Dashboard(path, node.start_mark.line + 1, "Grafana dashboard"), forced=False)
            if dash is not None:
                self.add(dash)

    def configmap(self, path: str, data: dict[Any, Any], node: yaml.Node) -> None:
        meta = _dict(data.get("metadata"))
        labels = _dict(meta.get("labels"))
        labelled = any("grafana_dashboard" in str(k) or "grafana-dashboard" in str(k) for k in labels)
        name = str(meta.get("name") or "")
        entries = self.configmaps.setdefault(name, {}) if name else {}
        for key, value in _dict(data.get("data")).items():
            if not isinstance(value, str) or not isinstance(key, str):
                continue
            entry = _Entry(
                path,
                _line(node, "data", key),
                value,
                _literal_start(_value_node(node, "data", key)),
                f"ConfigMap {name} key {key}",
                forced=labelled and key.endswith(".json"),
            )
            entries[key] = entry
            if key.endswith(".json") and in_service(self.repo, path):
                self.entries.append(entry)

    def kustomization(self, path: str, data: dict[Any, Any], node: yaml.Node) -> None:
        folder = posixpath.dirname(path)
        common = _dict(_dict(data.get("generatorOptions")).get("labels"))
        for generator in _list(data.get("configMapGenerator")):
            generator = _dict(generator)
            name = str(generator.get("name") or "")
            labels = common | _dict(_dict(generator.get("options")).get("labels"))
            labelled = any("grafana_dashboard" in str(k) or "grafana-dashboard" in str(k) for k in labels)
            for item in _list(generator.get("files")):
                if not isinstance(item, str):
                    continue
                key, _, source = item.rpartition("=") if "=" in item else ("", "", item)
                target = _join(folder, source.strip())
                if target is None:
                    continue
                self.generated.setdefault(name, {})[key.strip() or posixpath.basename(target)] = target
                if labelled and in_service(self.repo, path) and target.endswith(".json"):
                    if self.repo.exists(target):
                        self.forced.add(target)
                    else:
                        where = _line(node, "configMapGenerator")
                        self.note(
                            Outcome.FAIL, f"configMapGenerator {name}: {target} is not in the repository", path, where
                        )

    def operator(self, path: str, data: dict[Any, Any], node: yaml.Node) -> None:
        meta = _dict(data.get("metadata"))
        spec = _dict(data.get("spec"))
        name = str(meta.get("name") or "?")
        form = f"GrafanaDashboard {name}"
        uid = _text(spec.get("uid"))
        if isinstance(spec.get("json"), str) and spec["json"].strip():
            self.entries.append(
                _Entry(
                    path,
                    _line(node, "spec", "json"),
                    spec["json"],
                    _literal_start(_value_node(node, "spec", "json")),
                    form,
                    True,
                    uid,
                )
            )
        elif isinstance(spec.get("gzipJson"), str):
            where = _line(node, "spec", "gzipJson")
            text, problem = _gunzip(spec["gzipJson"])
            if text is None:
                self.add(Dashboard(path, where, form, broken=f"spec.gzipJson: {problem}"))
            else:
                self.entries.append(_Entry(path, where, text, None, form, True, uid))
        elif isinstance(spec.get("configMapRef"), dict):
            ref = spec["configMapRef"]
            self.refs.append(
                (path, _line(node, "spec", "configMapRef"), str(ref.get("name") or ""), str(ref.get("key") or ""))
            )
        elif spec.get("url") or spec.get("grafanaCom"):
            where = _line(node, "spec", "url" if spec.get("url") else "grafanaCom")
            source = f"from {spec['url']}" if spec.get("url") else "from grafana.com"
            self.note(Outcome.NOT_APPLICABLE, f"{form} is fetched {source} when deployed: not validated", path, where)
        elif spec.get("jsonnet") or spec.get("jsonnetLib"):
            where = _line(node, "spec", "jsonnet" if spec.get("jsonnet") else "jsonnetLib")
            self.note(Outcome.NOT_APPLICABLE, f"{form} is built from jsonnet when deployed: not validated", path, where)
        else:
            self.note(Outcome.FAIL, f"{form} has no json, gzipJson, configMapRef or url", path, _line(node, "spec"))

    def terraform(self, path: str) -> None:
        text = self.read(path, needed=_wanted(path))
        if text is None or ("grafana_dashboard" not in text and "datadog_dashboard" not in text):
            return
        for match in _TF_RESOURCE.finditer(text):
            kind, name = match.group(1), match.group(2)
            line = text.count("\n", 0, match.start()) + 1
            address = f"{kind}.{name}"
            try:
                body = _hcl_block(text, match)
            except (_HclError, RecursionError) as exc:
                self.note(Outcome.ERROR, f"{address}: could not read the resource: {exc}", path, line)
                continue
            if kind == "datadog_dashboard":
                dash = Dashboard(path, line, f"Terraform {kind}", needs_uid=False)
                dash.uid = address
                dash.title = _text(body.get("title"))
                try:
                    dash.panels = list(_datadog_panels(_list(body.get("widget")), _Budget()))
                except _TooBig:
                    dash.broken = _TOO_BIG
                self.add(dash)
                continue
            attribute = "config_json" if kind == "grafana_dashboard" else "dashboard"
            value = body.get(attribute)
            self.terraform_json(path, line, address, kind, attribute, value)

    def terraform_json(self, path: str, line: int, address: str, kind: str, attribute: str, value: Any) -> None:
        datadog = kind == "datadog_dashboard_json"
        form = f"Terraform {kind}"
        if value is None:
            self.note(Outcome.FAIL, f"{address} has no {attribute}", path, line)
            return
        obj: Any
        if isinstance(value, _Str):
            obj, error, at = _parse_json(value, template=True)
            if error:
                where = value.line + at - 1 if at else line
                self.add(Dashboard(path, where, form, broken=f"{address}: {attribute}: {error}"))
                return
        elif isinstance(value, _Expr) and value.startswith("jsonencode("):
            try:
                obj, _ = _Hcl(value, value.line).value(len("jsonencode("), 1)
            except (_HclError, RecursionError) as exc:
                self.note(Outcome.ERROR, f"{address}: could not read {attribute}: {exc}", path, line)
                return
        elif isinstance(value, _Expr) and (m := re.match(r'(?:file|templatefile)\(\s*"([^"]*)"', value)):
            ref = re.sub(r"\$\{\s*path\.(?:module|root|cwd)\s*\}", ".", m.group(1))
            target = None if "${" in ref else _join(posixpath.dirname(path), ref)
            if "${" in ref:
                self.note(Outcome.NOT_APPLICABLE, f"{address}: {attribute} file is computed: not validated", path, line)
            elif target is None or not _selects(target, {}):
                self.note(Outcome.NOT_APPLICABLE, f"{address}: {attribute} reads {ref}: not validated", path, line)
            elif not self.repo.exists(target):
                self.note(Outcome.FAIL, f"{address}: {attribute} reads {target}, not in the repository", path, line)
            elif datadog:
                text = self.read(target, needed=True)
                if text is not None:
                    obj, error, at = _parse_json(text, template=True)
                    if error:
                        self.add(Dashboard(target, at, form, broken=error))
                    else:
                        self.add(_datadog_json(obj, Dashboard(target, 1, form, needs_uid=False), address))
            else:
                self.forced.add(target)
                if value.startswith("templatefile"):
                    self.templates.add(target)
            return
        else:
            self.note(Outcome.NOT_APPLICABLE, f"{address}: {attribute} = {value}: computed, not validated", path, line)
            return
        if datadog:
            self.add(_datadog_json(obj, Dashboard(path, line, form, needs_uid=False), address))
        else:
            dash = _analyse(obj, Dashboard(path, line, form), forced=True)
            if dash is not None:
                self.add(dash)

    def resolve_refs(self) -> None:
        for path, line, name, key in self.refs:
            entry, file = self.lookup(name, key)
            if entry is None and file is None and not self.scanned_elsewhere:
                self.scanned_elsewhere = True
                for other in self.files:
                    if not in_service(self.repo, other) and (
                        other.endswith(_YAML) or other.rpartition("/")[2] in _KUSTOMIZATION
                    ):
                        self.yaml_file(other, refs=False)
                entry, file = self.lookup(name, key)
            if entry is not None:
                entry.forced = True
                if entry not in self.entries:
                    self.entries.append(entry)
            elif file is not None:
                if self.repo.exists(file):
                    self.forced.add(file)
                elif _selects(file, {}):
                    self.note(
                        Outcome.FAIL,
                        f"configMapRef {name}/{key}: generated from {file}, not in the repository",
                        path,
                        line,
                    )
                else:
                    self.note(
                        Outcome.NOT_APPLICABLE,
                        f"configMapRef {name}/{key}: generated from {file}: not validated",
                        path,
                        line,
                    )
            else:
                self.note(
                    Outcome.FAIL, f"configMapRef {name}/{key}: no such ConfigMap key in the repository", path, line
                )

    def lookup(self, name: str, key: str) -> tuple[_Entry | None, str | None]:
        entry = self.configmaps.get(name, {}).get(key)
        if entry is not None:
            return entry, None
        for generator, files in self.generated.items():
            if generator and (name == generator or name.endswith("-" + generator)) and key in files:
                return None, files[key]
        return None, None

    def resolve_providers(self) -> None:
        if not self.providers:
            return
        folders: set[str] = set()
        with_json: set[str] = set()
        for path in self.files:
            parts = path.split("/")[:-1]
            ancestors = {"/".join(parts[: i + 1]) for i in range(len(parts))}
            folders.update(ancestors)
            if path.endswith(".json"):
                with_json.update(ancestors)
        for path, line, name, target in self.providers:
            folder = _match_folder(self.repo, target, posixpath.dirname(path), folders, with_json)
            label = f"dashboard provider {name!r} ({target})"
            if folder is _UNRESOLVABLE:
                self.note(
                    Outcome.NOT_APPLICABLE, f"{label}: the path depends on the environment: not checked", path, line
                )
                continue
            if folder is None:
                self.note(Outcome.FAIL, f"{label}: no such folder in the repository", path, line)
                continue
            inside = [p for p in self.files if p.endswith(".json") and p.startswith(folder + "/")]
            if not inside:
                self.note(Outcome.FAIL, f"{label}: {folder}/ holds no dashboard JSON", path, line)
                continue
            self.forced.update(inside)
            count = len(inside)
            self.note(Outcome.PASS, f"{label} loads {folder}/ ({count} JSON file{'s' * (count != 1)})", path, line)

    def entry(self, entry: _Entry) -> None:
        if not entry.forced and not any(h in entry.text for h in _JSON_HINTS):
            return
        obj, error, at = _parse_json(entry.text)
        if error:
            if entry.forced:
                where = entry.text_line + at - 1 if entry.text_line and at else entry.line
                self.add(Dashboard(entry.path, where, entry.form, broken=error))
            return
        dash = _analyse(obj, Dashboard(entry.path, entry.line, entry.form, uid=entry.uid), entry.forced)
        if dash is not None:
            self.add(dash)

    def json_file(self, path: str, forced: bool) -> None:
        text = self.read(path, needed=forced or _wanted(path))
        if text is None or not (forced or any(h in text for h in _JSON_HINTS)):
            return
        obj, error, at = _parse_json(text, template=path in self.templates)
        if error:
            if forced or _looks_like_dashboard_text(text):
                self.add(Dashboard(path, at, "Grafana dashboard", broken=error))
            return
        start = len(text) - len(text.lstrip())
        dash = _analyse(obj, Dashboard(path, text.count("\n", 0, start) + 1, "Grafana dashboard"), forced)
        if dash is not None:
            self.add(dash)


_UNRESOLVABLE = "\0"


def _match_folder(repo: Repo, target: str, here: str, folders: set[str], with_json: set[str]) -> str | None:
    """The repository folder a provider path means: relative paths from the provisioning
    file or the top; absolute (container) paths by their longest matching tail."""
    target = target.rstrip("/")
    parts = [p for p in target.split("/") if p and p != "."]
    if any("$" in p for p in parts):
        parts = parts[max(i for i, p in enumerate(parts) if "$" in p) + 1 :]
        if not parts:
            return _UNRESOLVABLE
    elif not target.startswith("/"):
        for base in (here, ""):
            candidate = _join(base, target)
            if candidate is not None and candidate in folders:
                return candidate
    for size in range(len(parts), 0, -1):
        tail = parts[-size:]
        hits = [f for f in folders if f.split("/")[-size:] == tail]
        if hits:
            hits.sort(key=lambda f: (f not in with_json, not in_service(repo, f), f.count("/"), f))
            return hits[0]
    return None


def _gunzip(encoded: str) -> tuple[str | None, str]:
    try:
        raw = base64.b64decode(encoded, validate=False)
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = inflater.decompress(raw, _MAX_GUNZIP)
        if inflater.unconsumed_tail:
            return None, "over the size cap once decompressed"
        return data.decode("utf-8", "replace"), ""
    except (binascii.Error, zlib.error, ValueError) as exc:
        return None, f"not base64 gzip ({exc})"


def _datadog_panels(widgets: list[Any], budget: _Budget, depth: int = 0) -> Iterator[Panel]:
    """Leaf widgets of a Datadog dashboard, from Terraform blocks or exported JSON."""
    for widget in widgets:
        budget.spend()
        if not isinstance(widget, dict) or depth > _MAX_DEPTH:
            continue
        definition = widget.get("definition")
        if not isinstance(definition, dict):
            blocks = [v[0] for k, v in widget.items() if k.endswith("_definition") and _list(v)]
            definition = blocks[0] if blocks and isinstance(blocks[0], dict) else {}
        nested = definition.get("widgets", definition.get("widget"))
        if isinstance(nested, list):
            yield from _datadog_panels(nested, budget, depth + 1)
            continue
        queries = tuple(_query_strings(definition, _DATADOG_QUERY_KEYS, budget))
        yield Panel(str(definition.get("title") or ""), queries)


def _datadog_json(obj: Any, dash: Dashboard, address: str) -> Dashboard:
    dash.uid = address
    if not isinstance(obj, dict) or not isinstance(obj.get("widgets"), list):
        dash.broken = "not a Datadog dashboard (no widgets)"
        return dash
    dash.title = _text(obj.get("title"))
    try:
        dash.panels = list(_datadog_panels(obj["widgets"], _Budget()))
    except _TooBig:
        dash.broken = _TOO_BIG
    return dash


def discover(repo: Repo) -> Discovery:
    """Every dashboard of the service, and what was found about providers and references."""
    out = _Discoverer(repo).run()
    unique: dict[tuple[str, int | None], Dashboard] = {}
    for dash in out.dashboards:
        unique.setdefault((dash.path, dash.line), dash)
    out.dashboards = sorted(unique.values(), key=lambda d: (d.path, d.line or 0))
    return out


# ---------------------------------------------------------------------------- probes


def _remediation(probe: str) -> str:
    return SPECS[probe].remediation


def _safely(probe: str, run: Any) -> Any:
    def guarded(repo: Repo, params: Params) -> list[Finding]:
        try:
            return run(repo, params)
        except Exception as exc:  # no input may crash a review (RecursionError included)
            return [finding(probe, Outcome.ERROR, f"{probe} could not finish: {type(exc).__name__}: {exc}")]

    return guarded


def _describe(dash: Dashboard) -> str:
    bits = [f"{dash.form} {dash.name!r}" if dash.name else dash.form]
    if dash.uid and dash.uid != dash.name and dash.needs_uid:
        bits.append(f"(uid {dash.uid})")
    return " ".join(bits)


def _run_valid(repo: Repo, params: Params) -> list[Finding]:
    found = discover(repo)
    fix = _remediation(VALID)
    out = [unreadable(VALID, repo, path) for path in found.unreadable]
    for note in found.notes:
        remediation = fix if note.outcome is Outcome.FAIL else ""
        out.append(finding(VALID, note.outcome, note.message, repo, [(note.path, note.line)], remediation))
    for dash in found.dashboards:
        problems = dash.problems()
        at = [(dash.path, dash.line)]
        if dash.broken == _TOO_BIG:
            out.append(finding(VALID, Outcome.ERROR, f"{_describe(dash)}: {_TOO_BIG}", repo, at))
        elif problems:
            message = f"{_describe(dash)}: {'; '.join(problems)}"
            out.append(finding(VALID, Outcome.FAIL, message, repo, at, fix))
        else:
            with_query = sum(1 for p in dash.panels if p.queries)
            message = f"{_describe(dash)}: {_count(len(dash.panels), 'panel')}, {with_query} with a query"
            out.append(finding(VALID, Outcome.PASS, message, repo, at))
    if not out:
        where = f" under {repo.prefix}/" if repo.prefix else ""
        message = f"no dashboard definitions found{where} (Grafana JSON, ConfigMaps, operator, provisioning, Terraform)"
        out.append(finding(VALID, Outcome.FAIL, message, remediation=fix))
    return _ordered(out)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _ordered(findings: list[Finding]) -> list[Finding]:
    def key(f: Finding) -> tuple[str, int]:
        loc = f.locations[0] if f.locations else None
        return (loc.path, loc.line or 0) if loc else ("", 0)

    return sorted(findings, key=key)


# golden signals

_COUNTS = re.compile(r"[\w:.]+_count\b")
_LATENCY = re.compile(
    r"quantile|latenc|duration|response[ _]?time|\bp(?:50|75|90|95|99|999)\b|percentile",
    re.I,
)
_ERRORS = re.compile(
    r"(?:status|code)\w*\s*=~?\s*[\"']5|[\"']5(?:xx|\.\.|\d\d)|5xx|[._]errors?|errors?[._]total|\berror|\bfail(?:ed|ures?)\b",
    re.I,
)
_RATED = re.compile(r"(?:rate|increase)\s*\(\s*([\w:.]+)", re.I)
_TRAFFIC_QUERY = re.compile(r"requests?[._](?:total|count|hits)\b|[._]hits\b", re.I)
_TRAFFIC_STRONG = re.compile(r"\b(?:rps|qps|throughput|traffic|request rate|requests? per|req/s)", re.I)
_TRAFFIC_TITLE = re.compile(r"\b(?:requests|hits)\b", re.I)
_SATURATION = re.compile(
    r"cpu|memory|saturat|queue[ _.-]?(?:depth|length|size)|utili[sz]ation|throttl",
    re.I,
)


def _counts_requests(panel: Panel) -> bool:
    """A query counting requests: a rate of a request counter (or of a histogram's _count)."""
    for query in panel.queries:
        if _TRAFFIC_QUERY.search(query):
            return True
        for metric in _RATED.findall(query):
            name = metric.lower()
            if name.endswith("_count") or (name.endswith("_total") and "request" in name):
                return True
    return False


def _signals(panel: Panel, wanted: list[str]) -> set[str]:
    """The golden signals a panel shows: only panels with a query show anything."""
    if not panel.queries:
        return set()
    title = panel.title
    text = title + "\n" + "\n".join(panel.queries)
    errors = bool(_ERRORS.search(text))
    found = set()
    if _LATENCY.search(_COUNTS.sub(" ", text)):
        found.add("latency")
    if errors:
        found.add("errors")
    if _TRAFFIC_STRONG.search(title) or (not errors and (_TRAFFIC_TITLE.search(title) or _counts_requests(panel))):
        found.add("traffic")
    if _SATURATION.search(text):
        found.add("saturation")
    for signal in wanted:
        if signal not in ("latency", "traffic", "errors", "saturation") and re.search(re.escape(signal), text, re.I):
            found.add(signal)
    return found


def _run_golden(repo: Repo, params: Params) -> list[Finding]:
    wanted = [str(s).strip().lower() for s in params.get("signals") or [] if str(s).strip()]
    wanted = list(dict.fromkeys(wanted))
    found = discover(repo)
    fix = _remediation(GOLDEN)
    out = [unreadable(GOLDEN, repo, path) for path in found.unreadable]
    usable = [d for d in found.dashboards if not d.broken and d.panels]
    # dashboards whose content prr could not see: a missing signal may be in them
    unseen = [n for n in found.notes if n.outcome is not Outcome.PASS and n.outcome is not Outcome.FAIL]
    unseen_dashboards = [d for d in found.dashboards if d.broken == _TOO_BIG]
    if not usable:
        failed_reads = [(n.path, n.line) for n in unseen if n.outcome is Outcome.ERROR]
        failed_reads += [(d.path, d.line) for d in unseen_dashboards]
        if failed_reads and not out:
            message = f"no dashboards to assess: prr could not read {_count(len(failed_reads), 'definition')}"
            out.append(finding(GOLDEN, Outcome.ERROR, message, repo, failed_reads))
        elif unseen and not out:
            at = [(n.path, n.line) for n in unseen]
            message = "no dashboards to assess: their content is fetched or computed when deployed"
            out.append(finding(GOLDEN, Outcome.NOT_APPLICABLE, message, repo, at))
        elif not out:
            broken = len(found.dashboards)
            extra = f" ({_count(broken, 'dashboard definition')} unusable, see dashboards-valid)" if broken else ""
            at = [(d.path, d.line) for d in found.dashboards]
            out.append(finding(GOLDEN, Outcome.FAIL, f"no dashboards to assess{extra}", repo, at, fix))
        return out
    covered: dict[str, tuple[Dashboard, Panel]] = {}
    for dash in usable:
        for panel in dash.panels:
            for signal in _signals(panel, wanted):
                covered.setdefault(signal, (dash, panel))
    shown = [
        f"{s} by {covered[s][0].name or covered[s][0].form!r} ({covered[s][0].path}, "
        f"panel {covered[s][1].title or 'untitled'!r})"
        for s in wanted
        if s in covered
    ]
    missing = [s for s in wanted if s not in covered]
    if not missing:
        at = list(dict.fromkeys((covered[s][0].path, covered[s][0].line) for s in wanted))
        message = "all signals covered: " + "; ".join(shown) if shown else "no signals asked for"
        out.append(finding(GOLDEN, Outcome.PASS, message, repo, at or [(usable[0].path, usable[0].line)]))
        return out
    at = [(d.path, d.line) for d in usable]
    message = f"missing {', '.join(missing)} across {_count(len(usable), 'dashboard')}"
    if shown:
        message += "; covered: " + "; ".join(shown)
    if found.unreadable or unseen or unseen_dashboards:
        count = len(found.unreadable) + len(unseen) + len(unseen_dashboards)
        message += f" (cannot tell: {_count(count, 'dashboard source')} could not be read or validated)"
        out.append(finding(GOLDEN, Outcome.ERROR, message, repo, at))
    else:
        out.append(finding(GOLDEN, Outcome.FAIL, message, repo, at, fix))
    return out


_CANDIDATES = frozenset((*_EXTS, *(name.lower() for name in _KUSTOMIZATION)))

PROBES: tuple[RepoProbe, ...] = (
    RepoProbe(VALID, _selects, _safely(VALID, _run_valid), _CANDIDATES),
    RepoProbe(GOLDEN, _selects, _safely(GOLDEN, _run_golden), _CANDIDATES),
)
