"""Reading YAML into composed nodes, with line numbers.

Files are composed, never constructed, so no tag instantiates anything, aliases are never
expanded, and every node keeps its line. Helm and Jinja templates are flagged, not read."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from prr.probes.repo.yaml_loader import Loader

_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
MAX_NODES = 500_000  # per document walk; a 1 MB file has fewer
YAML_SUFFIXES = (".yaml", ".yml")

# Helm (and Jinja) markers that never appear in a Prometheus or Alertmanager template.
_HELM = re.compile(
    r"\{\{-?\s*(?:\.Values|\$\.Values|\.Release|\.Chart|\.Capabilities|\.Files|include\s|toYaml|tpl\s)"
    r"|nindent\s|\{%|^\{\{",
    re.MULTILINE,
)
# Variables of Prometheus and Alertmanager notification templates.
_ALERT_TEMPLATE_VARS = re.compile(r"\$labels|\$value|\$externalLabels|\$externalURL|\.Labels|\.Value|\.Alerts|\.Common")


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
        for document in yaml.compose_all(text, Loader=Loader):
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
    while stack and len(seen) < MAX_NODES:
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


def load_with_embedded(path: str, text: str, needles: Sequence[str]) -> Loaded:
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
