"""Alerting probes: do alert rules exist, parse, carry runbooks that resolve, and does some
alert reach a pager?

Alert rules are read from Prometheus rule files, PrometheusRule resources and Grafana
alert provisioning files, wherever a `groups:` list of `rules:` appears (so Helm values
and ConfigMaps that embed a rule file are found too). Files are read with YAML's safe
composer into nodes, never constructed, so no tag instantiates anything, aliases are never
expanded, and every rule keeps its line number."""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urlsplit

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from prr.domain.findings import Evidence, Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, in_service, unreadable
from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.runbooks import anchors, exists_verdict, parse_document

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_MAX_NODES = 500_000  # per document walk; a 1 MB file has fewer
_YAML = (".yaml", ".yml")
_LINKED = (".md", ".markdown", ".mdx", ".rst", ".adoc", ".asciidoc", ".txt", ".html", ".htm", ".org", ".pdf")
_RULE_HINTS = ("alert", "rule", "prometheus", "grafana", "provisioning")

# Helm (and Jinja) markers that never appear in a Prometheus or Alertmanager template.
_HELM = re.compile(
    r"\{\{-?\s*(?:\.Values|\$\.Values|\.Release|\.Chart|\.Capabilities|\.Files|include\s|toYaml|tpl\s)"
    r"|nindent\s|\{%|^\{\{",
    re.MULTILINE,
)
# Variables of Prometheus and Alertmanager notification templates.
_ALERT_TEMPLATE_VARS = re.compile(r"\$labels|\$value|\$externalLabels|\$externalURL|\.Labels|\.Value|\.Alerts|\.Common")


# ---------------------------------------------------------------------------------------
# Reading YAML into nodes, with line numbers.


@dataclass(frozen=True)
class Source:
    """Where a document's nodes came from: a file, or a rule file embedded in one."""

    path: str
    offset: int | None = 0  # added to node lines; None: lines unknown, use `fixed`
    fixed: int | None = None

    def line(self, node: Node | None) -> int | None:
        if node is None or self.offset is None or node.start_mark is None:
            return self.fixed
        return self.offset + node.start_mark.line + 1


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str


@dataclass
class Loaded:
    documents: list[tuple[Node, Source]] = field(default_factory=list)
    problem: Problem | None = None
    templated: bool = False


def _error_line(exc: Exception, text: str) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return mark.line + 1
    position = getattr(exc, "position", None)
    if isinstance(position, int):
        return text.count("\n", 0, position) + 1
    return None


def _error_text(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    problem = getattr(exc, "problem", None)
    if problem:
        context = getattr(exc, "context", None)
        return f"{context}: {problem}" if context else str(problem)
    return str(exc).split("\n", 1)[0][:200]


def _line_text(text: str, line: int | None) -> str:
    if line is None:
        return ""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)]


def _json_node(value: object) -> Node:
    """Nodes, without marks, for a JSON document YAML could not read (built iteratively)."""

    def make(item: object) -> Node:
        if isinstance(item, dict):
            return MappingNode("tag:yaml.org,2002:map", [])
        if isinstance(item, list):
            return SequenceNode("tag:yaml.org,2002:seq", [])
        if item is None:
            return ScalarNode(_NULL, "")
        shown = "true" if item is True else "false" if item is False else str(item)
        return ScalarNode("tag:yaml.org,2002:str", shown)

    root = make(value)
    stack: list[tuple[object, Node]] = [(value, root)]
    while stack:
        item, node = stack.pop()
        children = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for key, sub in children:
            child = make(sub)
            if isinstance(node, MappingNode):
                node.value.append((ScalarNode("tag:yaml.org,2002:str", str(key)), child))
            else:
                node.value.append(child)
            stack.append((sub, child))
    return root


def load(text: str, source: Source) -> Loaded:
    """Every YAML document in TEXT as nodes; a syntax error names its line. Documents
    before the error are kept. Helm and Jinja templates are flagged, not read."""
    loaded = Loaded()
    if _HELM.search(text):
        loaded.templated = True
        return loaded
    try:
        for document in yaml.compose_all(text, Loader=_LOADER):
            if document is not None:
                loaded.documents.append((document, source))
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        line = _error_line(exc, text)
        if source.path.lower().endswith(".json") and not loaded.documents:
            try:
                loaded.documents.append((_json_node(json.loads(text)), Source(source.path, None, None)))
                return loaded
            except (ValueError, RecursionError):
                pass
        shown = source.offset + line if line is not None and source.offset is not None else source.fixed
        bad = _line_text(text, line)
        if "{{" in bad and not _ALERT_TEMPLATE_VARS.search(bad):
            loaded.templated = True  # a template's `{{ ... }}` where YAML expected a value
        else:
            loaded.problem = Problem(source.path, shown, f"YAML error: {_error_text(exc)}")
    return loaded


def get(node: Node | None, key: str, _depth: int = 0) -> Node | None:
    """The value of KEY in a mapping node (the last one wins, as in safe_load), following
    merge keys a few levels deep."""
    if not isinstance(node, MappingNode):
        return None
    found = None
    merged: list[Node] = []
    for k, v in node.value:
        if isinstance(k, ScalarNode):
            if k.value == key and k.tag != _MERGE:
                found = v
            elif k.tag == _MERGE:
                merged.extend(v.value if isinstance(v, SequenceNode) else [v])
    if found is None and _depth < 4:
        for source in merged:
            found = get(source, key, _depth + 1)
            if found is not None:
                break
    return found


def scalar(node: Node | None) -> str | None:
    """A scalar's text; None for a missing, null or non-scalar node."""
    if isinstance(node, ScalarNode) and node.tag != _NULL:
        return node.value
    return None


def keys(node: Node | None) -> list[str]:
    if not isinstance(node, MappingNode):
        return []
    return [k.value for k, _ in node.value if isinstance(k, ScalarNode)]


def walk(root: Node) -> Iterator[Node]:
    """Every node once, in document order; aliases are shared nodes, so visited once."""
    stack = [root]
    seen: set[int] = set()
    while stack and len(seen) < _MAX_NODES:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, MappingNode):
            stack.extend(v for _, v in reversed(node.value))
        elif isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))


def embedded(node: ScalarNode, source: Source) -> Source:
    """The source of a YAML file embedded in a string: a literal block keeps its lines."""
    if node.style == "|" and source.offset is not None and node.start_mark is not None:
        return Source(source.path, source.offset + node.start_mark.line + 1)
    return Source(source.path, None, source.line(node))


def _documents(path: str, text: str, needles: Sequence[str]) -> Loaded:
    """The file's documents, plus the YAML documents embedded in its strings (ConfigMaps,
    Secrets' stringData, Helm values) when a string mentions every needle."""
    loaded = load(text, Source(path))
    extra: list[tuple[Node, Source]] = []
    for root, source in loaded.documents:
        for node in walk(root):
            if (
                isinstance(node, ScalarNode)
                and node.tag == "tag:yaml.org,2002:str"
                and "\n" in node.value
                and all(n in node.value for n in needles)
            ):
                inner = load(node.value, embedded(node, source))
                extra.extend(inner.documents)
                if inner.problem and loaded.problem is None:
                    loaded.problem = inner.problem
    loaded.documents.extend(extra)
    return loaded


# ---------------------------------------------------------------------------------------
# Alert rules.


@dataclass(frozen=True)
class Rule:
    path: str
    line: int | None
    name: str
    flavour: str  # "prometheus" or "grafana"
    node: MappingNode

    @property
    def where(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"

    def annotation(self, key: str) -> str | None:
        return scalar(get(get(self.node, "annotations"), key))

    def label(self, key: str) -> str | None:
        return scalar(get(get(self.node, "labels"), key))


@dataclass
class RuleScan:
    rules: list[Rule] = field(default_factory=list)
    malformed: list[Problem] = field(default_factory=list)
    templated: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # files holding rules


def _rule_candidate(path: str) -> bool:
    lower = path.lower()
    if lower.endswith(_YAML):
        return True
    return lower.endswith(".json") and any(hint in lower for hint in _RULE_HINTS)


def _mentions_rules(text: str) -> bool:
    if "PrometheusRule" in text:
        return True
    return "groups" in text and "rules" in text and ("alert" in text or "title" in text)


def _rules_in(root: Node, source: Source, seen: set[int]) -> Iterator[Rule]:
    for node in walk(root):
        groups = get(node, "groups") if isinstance(node, MappingNode) else None
        if not isinstance(groups, SequenceNode):
            continue
        for group in groups.value:
            rules = get(group, "rules")
            if not isinstance(rules, SequenceNode):
                continue
            for rule in rules.value:
                if not isinstance(rule, MappingNode) or id(rule) in seen:
                    continue
                names = keys(rule)
                if "alert" in names:
                    flavour, name = "prometheus", scalar(get(rule, "alert"))
                elif "title" in names and ({"uid", "data", "condition"} & set(names)):
                    flavour, name = "grafana", scalar(get(rule, "title"))
                else:
                    continue  # a recording rule, or not a rule
                seen.add(id(rule))
                yield Rule(source.path, source.line(rule), (name or "").strip()[:200] or "(unnamed)", flavour, rule)


_last_scan: list[tuple[tuple[str, ...], RuleScan]] = []


def scan_rules(repo: Repo) -> RuleScan:
    """The alert rules in the service's rule files. Two probes ask within one run, so the
    last scan is reused while the same blobs are in view (composing YAML dominates)."""
    key = (repo.prefix, *(f"{f.blob} {f.path}" for f in repo.files() if _rule_candidate(f.path)))
    if _last_scan and _last_scan[0][0] == key:
        return _last_scan[0][1]
    scan = _scan_rules(repo)
    _last_scan[:] = [(key, scan)]
    return scan


def _scan_rules(repo: Repo) -> RuleScan:
    scan = RuleScan()
    seen: set[int] = set()
    for file in repo.files():
        path = file.path
        if not in_service(repo, path) or not _rule_candidate(path):
            continue
        text = repo.text(path)
        if text is None:
            if any(hint in path.lower() for hint in _RULE_HINTS[:3]):
                scan.unreadable.append(path)
            continue
        if not _mentions_rules(text):
            continue
        loaded = _documents(path, text, ("groups:", "rules:"))
        if loaded.templated:
            scan.templated.append(path)
            continue
        if loaded.problem:
            scan.malformed.append(loaded.problem)
        before = len(scan.rules)
        for root, source in loaded.documents:
            scan.rules.extend(_rules_in(root, source, seen))
        if len(scan.rules) > before:
            scan.files.append(path)
    return scan


def _template_notes(probe: str, repo: Repo, scan: RuleScan) -> list[Finding]:
    return [
        finding(
            probe,
            Outcome.NOT_APPLICABLE,
            f"{path} is a Helm or Jinja template, not YAML; the alert rules in it are not checked "
            "(render the chart and review the output to check them)",
            repo,
            [(path, None)],
        )
        for path in scan.templated
    ]


def _no_rules(probe: str, repo: Repo, scan: RuleScan, malformed: Outcome) -> list[Finding] | None:
    """Findings when no rule was read: unreadable and malformed candidates, or templates
    alone, or a plain fail. None when there are rules."""
    if scan.rules:
        return None
    out = [unreadable(probe, repo, path) for path in scan.unreadable]
    out += [_malformed(probe, repo, problem, malformed) for problem in scan.malformed]
    out += _template_notes(probe, repo, scan)
    if out:
        return out
    return [finding(probe, Outcome.FAIL, "no alert rules found", remediation=_remediation(probe))]


def _malformed(probe: str, repo: Repo, problem: Problem, outcome: Outcome) -> Finding:
    where = problem.path if problem.line is None else f"{problem.path}:{problem.line}"
    tail = "" if outcome is Outcome.FAIL else "; its alert rules cannot be checked"
    return finding(
        probe,
        outcome,
        f"{where}: {problem.message}{tail}",
        repo,
        [(problem.path, problem.line)],
        _remediation(probe) if outcome is Outcome.FAIL else "",
    )


def _remediation(probe: str) -> str:
    return SPECS[probe].remediation


def _rules_selects(path: str, params: Params) -> bool:
    return _rule_candidate(path)


# ---------------------------------------------------------------------------------------
# alerts-have-runbooks

_ALERTNAME = re.compile(r"\{\{\s*(?:\$labels|\.Labels)\.alertname\s*\}\}")
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_LINE_ANCHOR = re.compile(r"L(\d{1,9})(?:C\d+)?(?:-L\d{1,9}(?:C\d+)?)?")
_HTML_ID = re.compile(r"""\b(?:id|name)\s*=\s*["']?([^"'<>\s]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class LinkCheck:
    ok: bool
    message: str = ""
    url: str | None = None  # an external link, for the endpoint probes
    target: str | None = None  # the committed file it resolves to
    error: bool = False  # the target could not be read


def _runbook_link(rule: Rule, annotation: str) -> tuple[str, str | None]:
    for key in dict.fromkeys((annotation, "runbook_url", "runbook")):
        value = rule.annotation(key)
        if value is not None:
            return key, value
    return annotation, None


def _resolve_path(repo: Repo, rule: Rule, link: str) -> tuple[str | None, list[str]]:
    """The committed file (or folder's README) LINK names, and the places tried."""
    if link.startswith("/"):
        bases = ["", repo.prefix]
        link = link.lstrip("/")
    else:
        bases = [posixpath.dirname(rule.path), repo.prefix, ""]
    tried: list[str] = []
    for base in dict.fromkeys(bases):
        candidate = posixpath.normpath(posixpath.join(base, link)) if link else base
        if candidate in (".", "") or candidate == ".." or candidate.startswith("../"):
            continue
        if candidate in tried:
            continue
        tried.append(candidate)
        if repo.exists(candidate):
            return candidate, tried
        folder = candidate.rstrip("/") + "/"
        for index in ("README.md", "readme.md", "README.rst", "README.adoc", "index.md"):
            if repo.exists(folder + index):
                return folder + index, tried
    return None, tried


def _anchors_of(repo: Repo, target: str) -> set[str] | None:
    """The fragments a committed file offers: headings, explicit anchors and GitHub's line
    anchors (as "L<count>"); None when it cannot be read."""
    text = repo.text(target)
    if text is None:
        return None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    found = {f"L{lines}"}
    lower = target.lower()
    if lower.endswith((".html", ".htm")):
        found |= {m.group(1).lower() for m in _HTML_ID.finditer(text)}
    elif lower.endswith((".md", ".markdown", ".mdx", ".rst", ".adoc", ".asciidoc")):
        found |= anchors(parse_document(text, target))
    return found


def _check_anchor(repo: Repo, target: str, fragment: str, cache: dict[str, set[str] | None]) -> LinkCheck:
    if target not in cache:
        cache[target] = _anchors_of(repo, target)
    found = cache[target]
    if found is None:
        return LinkCheck(False, f"{target}: {repo.skipped(target) or 'not readable'}", target=target, error=True)
    wanted = unquote(fragment).strip()
    line_anchor = _LINE_ANCHOR.fullmatch(wanted)
    if line_anchor:
        lines = max(int(a[1:]) for a in found if a.startswith("L") and a[1:].isdigit())
        if int(line_anchor.group(1)) <= lines:
            return LinkCheck(True, target=target)
        return LinkCheck(False, f"{target} has no line {line_anchor.group(1)}", target=target)
    if wanted.lower().removeprefix("user-content-") in found:
        return LinkCheck(True, target=target)
    return LinkCheck(False, f"{target} has no heading for #{fragment[:80]}", target=target)


def _check_link(repo: Repo, rule: Rule, key: str, raw: str, cache: dict[str, set[str] | None]) -> LinkCheck:
    link = _ALERTNAME.sub(rule.name, raw.strip())
    shown = link if len(link) <= 200 else link[:200] + "..."
    if not link:
        return LinkCheck(False, f"annotation {key} is empty")
    scheme = _SCHEME.match(link)
    if scheme and scheme.group(0).lower() in ("http:", "https:"):
        try:
            host = urlsplit(link).hostname
        except ValueError:
            host = None
        if not host or any(ch.isspace() for ch in link):
            return LinkCheck(False, f"{key} {shown!r} is not a valid URL")
        return LinkCheck(True, url=None if "{{" in link else link)
    if scheme and len(scheme.group(0)) > 2:  # a one-letter "scheme" is a Windows drive
        return LinkCheck(False, f"{key} {shown!r} is neither an http(s) URL nor a path in this repository")
    if link.startswith("//"):
        return LinkCheck(False, f"{key} {shown!r} has no scheme; use https://")
    if "{{" in link:
        return LinkCheck(False, f"{key} {shown!r} is templated, so which file it names cannot be checked")
    path, _, fragment = link.partition("#")
    path = unquote(path.partition("?")[0])
    target, tried = _resolve_path(repo, rule, path)
    if target is None:
        looked = ", ".join(tried) or "nowhere inside the repository"
        return LinkCheck(False, f"{key} {shown!r} names no committed document (looked for {looked})")
    if fragment:
        check = _check_anchor(repo, target, fragment, cache)
        if not check.ok:
            return replace(check, message=f"{key} {shown!r}: {check.message}")
        return check
    return LinkCheck(True, target=target)


def _run_alerts_have_runbooks(repo: Repo, params: Params) -> list[Finding]:
    probe = "alerts-have-runbooks"
    annotation = params.get("annotation") or "runbook_url"
    annotation = annotation if isinstance(annotation, str) else "runbook_url"
    scan = scan_rules(repo)
    empty = _no_rules(probe, repo, scan, Outcome.ERROR)
    if empty is not None:
        return empty
    out: list[Finding] = []
    passed: list[Rule] = []
    targets: list[str] = []
    urls: list[str] = []
    templated_urls = 0
    cache: dict[str, set[str] | None] = {}
    for rule in scan.rules:
        key, raw = _runbook_link(rule, annotation)
        if raw is None:
            message = f"alert {rule.name} ({rule.where}) has no {annotation} annotation"
            out.append(finding(probe, Outcome.FAIL, message, repo, [(rule.path, rule.line)], _remediation(probe)))
            continue
        check = _check_link(repo, rule, key, raw, cache)
        if check.ok:
            passed.append(rule)
            if check.target:
                targets.append(check.target)
            if check.url:
                urls.append(check.url)
            elif not check.target:
                templated_urls += 1
            continue
        message = f"alert {rule.name} ({rule.where}): {check.message}"
        if check.error:
            at = [(rule.path, rule.line), (check.target or rule.path, None)]
            out.append(finding(probe, Outcome.ERROR, message, repo, at))
        else:
            out.append(finding(probe, Outcome.FAIL, message, repo, [(rule.path, rule.line)], _remediation(probe)))
    if passed:
        out.insert(0, _runbooks_pass(probe, repo, passed, targets, list(dict.fromkeys(urls)), templated_urls))
    out += [unreadable(probe, repo, path) for path in scan.unreadable]
    out += [_malformed(probe, repo, problem, Outcome.ERROR) for problem in scan.malformed]
    return out + _template_notes(probe, repo, scan)


def _runbooks_pass(
    probe: str, repo: Repo, passed: list[Rule], targets: list[str], urls: list[str], templated: int
) -> Finding:
    parts = []
    files = list(dict.fromkeys(targets))
    if files:
        listed = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        parts.append(f"{len(targets)} to committed documents ({listed})")
    if urls:
        listed = ", ".join(urls[:5]) + (f" and {len(urls) - 5} more" if len(urls) > 5 else "")
        parts.append(f"external runbook URLs, for the endpoint probes to check: {listed}")
    if templated:
        parts.append(f"{templated} templated URL(s) that cannot be checked")
    message = f"{len(passed)} alert rule(s) carry a runbook link that resolves: " + "; ".join(parts)
    at = [(rule.path, rule.line) for rule in passed] + [(path, None) for path in files]
    found = finding(probe, Outcome.PASS, message, repo, at)
    return replace(found, evidence=found.evidence + tuple(Evidence(url=url) for url in urls))


def _runbooks_selects(path: str, params: Params) -> bool:
    return _rule_candidate(path) or path.lower().endswith(_LINKED)


# ---------------------------------------------------------------------------------------
# alert-rules-sound

_PROM_DURATION = re.compile(r"(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?")
_GO_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:ns|us|\u00b5s|ms|s|m|h))+")
_PROM_FIELDS = {"alert", "expr", "for", "keep_firing_for", "labels", "annotations", "record"}


def _duration(value: str | None, grafana: bool) -> bool:
    if value is None or not value.strip() or len(value) > 64:
        return False
    value = value.strip()
    if value == "0" or _PROM_DURATION.fullmatch(value):
        return True
    return grafana and bool(_GO_DURATION.fullmatch(value))


def _bracket_problem(expr: str) -> str | None:
    """A quick PromQL sanity check: brackets balance outside strings and comments."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    quote = ""
    escaped = comment = False
    for ch in expr:
        if comment:
            comment = ch != "\n"
        elif quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote != "`":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch == "#":
            comment = True
        elif ch in "([{":
            stack.append(ch)
        elif ch in pairs and (not stack or stack.pop() != pairs[ch]):
            return f"unbalanced {ch!r} in expr"
    if quote:
        return "unterminated string in expr"
    if stack:
        return f"unclosed {stack[-1]!r} in expr"
    return None


def _rule_problems(rule: Rule, severities: Sequence[str]) -> list[str]:
    node = rule.node
    problems: list[str] = []
    grafana = rule.flavour == "grafana"
    if grafana:
        data = get(node, "data")
        if not isinstance(data, SequenceNode) or not data.value:
            problems.append("no queries in data")
        else:
            refs = {scalar(get(item, "refId")) for item in data.value}
            condition = scalar(get(node, "condition"))
            if condition and condition not in refs:
                problems.append(f"condition {condition[:40]!r} names no query in data")
    else:
        if rule.name == "(unnamed)":
            problems.append("alert has no name")
        expr = scalar(get(node, "expr"))
        if expr is None or not expr.strip():
            problems.append("no expr")
        else:
            bad = _bracket_problem(expr)
            if bad:
                problems.append(bad)
        unknown = [k for k in keys(node) if k not in _PROM_FIELDS]
        if unknown:
            shown = ", ".join(repr(k[:40]) for k in unknown[:5])
            problems.append(f"unknown field(s) {shown} (Prometheus refuses the file)")
        if "record" in keys(node):
            problems.append("has both alert and record")
        keep = get(node, "keep_firing_for")
        if keep is not None and not _duration(scalar(keep), False):
            problems.append(f"keep_firing_for {(scalar(keep) or '')[:40]!r} is not a duration")
    duration = get(node, "for")
    if duration is None:
        problems.append("no `for` duration")
    elif not _duration(scalar(duration), grafana):
        problems.append(f"`for` {(scalar(duration) or '')[:40]!r} is not a duration like 5m or 1h30m")
    for name in ("labels", "annotations"):
        value = get(node, name)
        if value is not None and not isinstance(value, MappingNode) and scalar(value) is not None:
            problems.append(f"{name} is not a mapping")
    severity = rule.label("severity")
    if severity is None:
        problems.append("no labels.severity")
    elif severity not in severities:
        problems.append(f"severity {severity[:40]!r} is not one of {', '.join(severities)}")
    if not any((rule.annotation(k) or "").strip() for k in ("summary", "description")):
        problems.append("no summary or description annotation")
    return problems


def _run_alert_rules_sound(repo: Repo, params: Params) -> list[Finding]:
    probe = "alert-rules-sound"
    raw = params.get("severities") or []
    severities = [s for s in ([raw] if isinstance(raw, str) else raw) if isinstance(s, str)]
    scan = scan_rules(repo)
    empty = _no_rules(probe, repo, scan, Outcome.FAIL)
    if empty is not None:
        return empty
    out: list[Finding] = []
    sound: list[Rule] = []
    for rule in scan.rules:
        problems = _rule_problems(rule, severities)
        if problems:
            message = f"alert {rule.name} ({rule.where}): " + "; ".join(problems)
            out.append(finding(probe, Outcome.FAIL, message, repo, [(rule.path, rule.line)], _remediation(probe)))
        else:
            sound.append(rule)
    if sound:
        message = (
            f"{len(sound)} alert rule(s) have an expression, a `for` duration, a known severity "
            f"and a summary, in {', '.join(dict.fromkeys(r.path for r in sound))}"
        )
        out.insert(0, finding(probe, Outcome.PASS, message, repo, [(r.path, r.line) for r in sound]))
    out += [_malformed(probe, repo, problem, Outcome.FAIL) for problem in scan.malformed]
    out += [unreadable(probe, repo, path) for path in scan.unreadable]
    return out + _template_notes(probe, repo, scan)


# ---------------------------------------------------------------------------------------
# alerts-page-a-human

_PAGER_HOSTS = ("pagerduty.com", "opsgenie.com")
_PAGERDUTY = ("pagerduty_configs", "pagerdutyConfigs")
_OPSGENIE = ("opsgenie_configs", "opsgenieConfigs")
_WEBHOOK = ("webhook_configs", "webhookConfigs")
_PD_KEYS = ("routing_key", "service_key", "routing_key_file", "service_key_file", "routingKey", "serviceKey")
_OG_KEYS = ("api_key", "api_key_file", "apiKey")


@dataclass(frozen=True)
class AlertmanagerConfig:
    node: MappingNode
    source: Source

    @property
    def path(self) -> str:
        return self.source.path

    def line(self, node: Node | None = None) -> int | None:
        return self.source.line(node if node is not None else self.node)


def _alertmanager_candidate(path: str) -> bool:
    lower = path.lower()
    return lower.endswith(_YAML) or (lower.endswith(".json") and "alertmanager" in lower.rsplit("/", 1)[-1])


def _decoded_secrets(root: Node, source: Source) -> Iterator[tuple[str, Source]]:
    """Base64 values of a Secret's data that look like an Alertmanager config."""
    if scalar(get(root, "kind")) != "Secret":
        return
    data = get(root, "data")
    if not isinstance(data, MappingNode):
        return
    for _, value in data.value:
        encoded = scalar(value)
        if not encoded or len(encoded) > 2_000_000:
            continue
        try:
            text = base64.b64decode("".join(encoded.split()), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        if "receivers" in text and "route" in text:
            yield text, Source(source.path, None, source.line(value))


def _configs_in(root: Node, source: Source) -> Iterator[AlertmanagerConfig]:
    for node in walk(root):
        if (
            isinstance(node, MappingNode)
            and isinstance(get(node, "route"), MappingNode)
            and isinstance(get(node, "receivers"), SequenceNode)
        ):
            yield AlertmanagerConfig(node, source)


def _route_receivers(route: MappingNode, source: Source) -> list[tuple[str, int | None]]:
    """(receiver, line) of the route and every sub-route, in order."""
    out = []
    stack: list[Node] = [route]
    seen: set[int] = set()
    while stack and len(seen) < _MAX_NODES:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, MappingNode):
            continue
        seen.add(id(node))
        name = scalar(get(node, "receiver"))
        if name:
            out.append((name, source.line(get(node, "receiver"))))
        routes = get(node, "routes")
        if isinstance(routes, SequenceNode):
            stack.extend(reversed(routes.value))
    return out


def _pager(config: AlertmanagerConfig, receiver: MappingNode) -> tuple[str | None, str | None]:
    """(what it pages through, or None; why not, when it has pager settings that don't work)."""
    why = None
    global_og = get(config.node, "global")
    og_default = any(scalar(get(global_og, k)) for k in ("opsgenie_api_key", "opsgenie_api_key_file"))
    for kinds, needed, label in ((_PAGERDUTY, _PD_KEYS, "PagerDuty"), (_OPSGENIE, _OG_KEYS, "Opsgenie")):
        for kind in kinds:
            entries = get(receiver, kind)
            if not isinstance(entries, SequenceNode) or not entries.value:
                continue
            for entry in entries.value:
                if any(get(entry, k) is not None for k in needed) or (label == "Opsgenie" and og_default):
                    return label, None
            why = f"its {kind} have no {' or '.join(needed[:2])}"
    for kind in _WEBHOOK:
        entries = get(receiver, kind)
        if not isinstance(entries, SequenceNode):
            continue
        for entry in entries.value:
            url = scalar(get(entry, "url")) or ""
            try:
                host = (urlsplit(url.strip()).hostname or "").lower()
            except ValueError:
                host = ""
            if any(host == h or host.endswith("." + h) for h in _PAGER_HOSTS):
                return f"a {host} webhook", None
    return None, why


def _assess_config(config: AlertmanagerConfig) -> tuple[bool, str, list[tuple[str, int | None]]]:
    """(pages?, message, locations)."""
    route = get(config.node, "route")
    receivers = get(config.node, "receivers")
    defined: dict[str, MappingNode] = {}
    for receiver in receivers.value if isinstance(receivers, SequenceNode) else ():
        name = scalar(get(receiver, "name"))
        if name and isinstance(receiver, MappingNode):
            defined.setdefault(name, receiver)
    where = config.path if config.line() is None else f"{config.path}:{config.line()}"
    routed = _route_receivers(route, config.source) if isinstance(route, MappingNode) else []
    problems = []
    if not scalar(get(route, "receiver")):
        problems.append("the top-level route has no default receiver")
    undefined = sorted({name for name, _ in routed if name not in defined})
    if undefined:
        problems.append(f"routes name undefined receiver(s) {', '.join(map(repr, undefined))}")
    pagers: list[tuple[str, str, int | None]] = []
    unrouted: list[str] = []
    broken: list[str] = []
    reachable = {name for name, _ in routed}
    for name, receiver in defined.items():
        label, why = _pager(config, receiver)
        if label is None:
            if why:
                broken.append(f"receiver {name!r}: {why}")
            continue
        if name in reachable:
            pagers.append((name, label, config.line(receiver)))
        else:
            unrouted.append(name)
    if pagers and not problems:
        name, label, line = pagers[0]
        message = f"alerts reach a pager: route sends to receiver {name!r} ({label}) in {where}"
        return True, message, [(config.path, line), (config.path, config.line())]
    if not pagers:
        if unrouted:
            problems.append(f"receiver(s) {', '.join(map(repr, unrouted))} page but no route sends to them")
        problems.extend(broken)
        if not unrouted and not broken:
            names = ", ".join(repr(n) for n in list(defined)[:10]) or "none"
            problems.append(f"no receiver pages through PagerDuty or Opsgenie (receivers: {names})")
    return False, f"Alertmanager config {where}: " + "; ".join(problems), [(config.path, config.line())]


def _run_alerts_page_a_human(repo: Repo, params: Params) -> list[Finding]:
    probe = "alerts-page-a-human"
    passes: list[Finding] = []
    fails: list[Finding] = []
    unknown: list[Finding] = []
    notes: list[Finding] = []
    for file in repo.files():
        path = file.path
        if not in_service(repo, path) or not _alertmanager_candidate(path):
            continue
        named = "alertmanager" in path.lower().rsplit("/", 1)[-1]
        text = repo.text(path)
        if text is None:
            if named:
                unknown.append(unreadable(probe, repo, path))
            continue
        if "receivers" not in text and not ("Secret" in text and "alertmanager" in text.lower()):
            continue
        loaded = _documents(path, text, ("receivers:", "route:"))
        if loaded.templated:
            notes.append(
                finding(
                    probe,
                    Outcome.NOT_APPLICABLE,
                    f"{path} is a Helm or Jinja template, not YAML; an Alertmanager config in it is not checked",
                    repo,
                    [(path, None)],
                )
            )
            continue
        documents = list(loaded.documents)
        for root, source in loaded.documents:
            for decoded, inner in _decoded_secrets(root, source):
                documents.extend(load(decoded, inner).documents)
        configs = [config for root, source in documents for config in _configs_in(root, source)]
        if loaded.problem and (named or not configs):
            problem = loaded.problem
            where = path if problem.line is None else f"{path}:{problem.line}"
            if named:
                message = f"{where}: {problem.message}; Alertmanager cannot load it"
                fails.append(finding(probe, Outcome.FAIL, message, repo, [(path, problem.line)], _remediation(probe)))
            elif "route" in text:
                message = f"{where}: {problem.message}; an Alertmanager config in it cannot be checked"
                unknown.append(finding(probe, Outcome.ERROR, message, repo, [(path, problem.line)]))
        for config in configs:
            pages, message, at = _assess_config(config)
            if pages:
                passes.append(finding(probe, Outcome.PASS, message, repo, at))
            else:
                fails.append(finding(probe, Outcome.FAIL, message, repo, at, _remediation(probe)))
    if not (passes or fails or unknown or notes):
        message = "no Alertmanager config found (a route and receivers, in a file, Secret, ConfigMap or values)"
        return [finding(probe, Outcome.FAIL, message, remediation=_remediation(probe))]
    return exists_verdict(passes, fails, unknown) + notes


def _alertmanager_selects(path: str, params: Params) -> bool:
    return _alertmanager_candidate(path)


PROBES: tuple[RepoProbe, ...] = (
    RepoProbe(
        "alerts-have-runbooks", _runbooks_selects, _run_alerts_have_runbooks, frozenset((*_YAML, ".json", *_LINKED))
    ),
    RepoProbe("alert-rules-sound", _rules_selects, _run_alert_rules_sound, frozenset((*_YAML, ".json"))),
    RepoProbe("alerts-page-a-human", _alertmanager_selects, _run_alerts_page_a_human, frozenset((*_YAML, ".json"))),
)
