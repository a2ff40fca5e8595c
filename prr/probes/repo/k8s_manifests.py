"""Kubernetes resources in a repository's YAML, with the line each part sits on.

Shared by the workload and delivery probes. Files are read with PyYAML's safe composer
(never a constructor, so no tag can build anything); a small walker turns the node graph
into dicts and lists that remember their lines (`YMap`, `YSeq`), sharing aliased nodes so
an alias bomb costs nothing and refusing self-referencing aliases and runaway nesting.
Plain scalars become bool, int, float or None the YAML 1.1 way; every other tag is text.

Helm chart templates are Go templates, not YAML. They are rendered lightly here: `if`,
`with` and `range` over `.Values` are decided from the chart's values.yaml (a subchart
also gets its parent's section), `toYaml .Values.x | nindent N` is expanded, and anything
else (`include`, `.Release`, `.Capabilities`) is unknown. A block whose condition is
false or unknown is dropped, so a template that is off by default is never claimed as
evidence. Unknown inline values become PLACEHOLDER; `templated(value)` tells probes not to
judge them. Kustomize patch files (partial resources) are left out.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, finding, in_service, unreadable

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 100
MAX_EXPANDED = 2_000_000  # values a document may hold once its aliases are expanded
MAX_WORK = 5_000_000  # entries the walker may copy for one document (merge keys included)
PLACEHOLDER = "PRR-HELM-VALUE"  # stands for a Helm value prr could not work out
YAML_EXTENSIONS = (".yaml", ".yml")
_SKIPPED_FOLDERS = ("node_modules", "vendor", ".git")
_KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")


# --- YAML with lines -------------------------------------------------------------------


class YMap(dict):
    """A YAML mapping as a dict, remembering its own line and the line of each key."""

    __slots__ = ("key_lines", "line")

    def __init__(self, line: int | None) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int | None] = {}


class YSeq(list):
    """A YAML sequence as a list, remembering its own line and the line of each item."""

    __slots__ = ("item_lines", "line")

    def __init__(self, line: int | None) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int | None] = []


@dataclass(frozen=True)
class Parsed:
    documents: tuple[Any, ...]
    error: tuple[int, str] | None = None  # (line, problem) when the stream stopped parsing


class _Malformed(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_SCALAR_TAGS: dict[str, Callable[[yaml.ScalarNode], Any]] = {
    "tag:yaml.org,2002:null": lambda node: None,
    "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
    "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
}
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _scalar(node: yaml.ScalarNode) -> Any:
    convert = _SCALAR_TAGS.get(node.tag)
    if convert is None:
        return str(node.value)
    try:
        return convert(node)
    except Exception:  # a resolver/constructor disagreement: keep the text
        return str(node.value)


class _Walker:
    def __init__(self, line_map: Sequence[int] | None) -> None:
        self.line_map = line_map
        self.memo: dict[int, Any] = {}
        self.sizes: dict[int, int] = {}  # expanded size of each composite node
        self.active: set[int] = set()
        self.work = 0

    def line(self, node: yaml.Node) -> int:
        line = node.start_mark.line + 1
        if self.line_map:
            return self.line_map[min(line, len(self.line_map)) - 1]
        return line

    def value(self, node: yaml.Node, depth: int = 0) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if depth > MAX_DEPTH:
            raise _Malformed(self.line(node), f"nesting deeper than {MAX_DEPTH} levels")
        key = id(node)
        if key in self.memo:
            return self.memo[key]
        if key in self.active:
            raise _Malformed(self.line(node), "an alias refers to the node that contains it")
        self.active.add(key)
        try:
            out = self._sequence(node, depth) if isinstance(node, yaml.SequenceNode) else self._mapping(node, depth)
        finally:
            self.active.discard(key)
        children = (
            [child for pair in node.value for child in pair] if isinstance(node, yaml.MappingNode) else node.value
        )
        size = 1 + sum(self.sizes.get(id(child), 1) for child in children)
        if size > MAX_EXPANDED:  # an alias bomb: refuse before anything walks it
            raise _Malformed(self.line(node), f"YAML aliases expand to more than {MAX_EXPANDED:,} values")
        self.sizes[key] = size
        self.memo[key] = out
        return out

    def _count(self, node: yaml.Node, entries: int) -> None:
        self.work += entries
        if self.work > MAX_WORK:
            raise _Malformed(self.line(node), "YAML aliases and merge keys expand too far")

    def _sequence(self, node: yaml.SequenceNode, depth: int) -> YSeq:
        out = YSeq(self.line(node))
        self._count(node, len(node.value))
        for item in node.value:
            out.append(self.value(item, depth + 1))
            out.item_lines.append(self.line(item))
        return out

    def _mapping(self, node: yaml.MappingNode, depth: int) -> YMap:
        out = YMap(self.line(node))
        self._count(node, len(node.value))
        merges = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
            elif isinstance(key_node, yaml.ScalarNode):
                key = _scalar(key_node)
                out[key] = self.value(value_node, depth + 1)
                out.key_lines[key] = self.line(key_node)
        for merge in merges:  # `<<: *base`: explicit keys win, then earlier merges
            merged = self.value(merge, depth + 1)
            for source in merged if isinstance(merged, YSeq) else [merged]:
                if isinstance(source, YMap):
                    self._count(node, len(source))
                    for key, value in source.items():
                        if key not in out:
                            out[key] = value
                            out.key_lines[key] = source.key_lines.get(key)
        return out


def parse_yaml(text: str, line_map: Sequence[int] | None = None) -> Parsed:
    """Every document of TEXT as YMap/YSeq/scalars; documents before an error are kept.
    LINE_MAP maps lines of TEXT to lines of the file it was rendered from."""
    documents: list[Any] = []

    def source_line(line: int) -> int:
        return line_map[min(max(line, 1), len(line_map)) - 1] if line_map else line

    try:
        for node in yaml.compose_all(text, Loader=_LOADER):
            documents.append(None if node is None else _Walker(line_map).value(node))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part) or "invalid YAML"
        return Parsed(tuple(documents), (source_line(mark.line + 1 if mark else 1), problem))
    except _Malformed as exc:
        return Parsed(tuple(documents), (exc.line, exc.message))
    except yaml.reader.ReaderError as exc:
        return Parsed(tuple(documents), (source_line(text.count("\n", 0, exc.position) + 1), str(exc.reason)))
    except Exception as exc:  # whatever the input, never an exception out of a probe
        return Parsed(tuple(documents), (1, f"unreadable YAML ({type(exc).__name__})"))
    return Parsed(tuple(documents))


_CACHE: OrderedDict[str, tuple[int, Parsed]] = OrderedDict()
_CACHE_CHARS = 8 * 1024 * 1024  # YAML kept parsed between probes, in characters of text
_cached_chars = [0]  # running total of _CACHE's sizes (summing it on every insert was quadratic)


def _parse_blob(blob: str | None, text: str) -> Parsed:
    """parse_yaml, remembered by blob id so the probes of one review parse a file once."""
    if blob is None:
        return parse_yaml(text)
    hit = _CACHE.get(blob)
    if hit is not None:
        _CACHE.move_to_end(blob)
        return hit[1]
    parsed = parse_yaml(text)
    if len(text) <= _CACHE_CHARS // 4:
        _CACHE[blob] = (len(text), parsed)
        _cached_chars[0] += len(text)
        while _cached_chars[0] > _CACHE_CHARS:
            _, (size, _) = _CACHE.popitem(last=False)
            _cached_chars[0] -= size
    return parsed


def parse_json_or_yaml(text: str) -> Parsed:
    """JSON through the YAML reader (for lines); plain JSON when YAML refuses it."""
    parsed = parse_yaml(text)
    if parsed.error is None:
        return parsed
    try:
        return Parsed((_lined(json.loads(text)),))
    except (ValueError, RecursionError):
        return parsed


def _lined(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError("too deep")
    if isinstance(value, dict):
        out = YMap(None)
        for key, item in value.items():
            out[key] = _lined(item, depth + 1)
            out.key_lines[key] = None
        return out
    if isinstance(value, list):
        seq = YSeq(None)
        for item in value:
            seq.append(_lined(item, depth + 1))
            seq.item_lines.append(None)
        return seq
    return value


def plain(value: Any, depth: int = 0, memo: dict[int, Any] | None = None) -> Any:
    """YMap/YSeq as plain dicts and lists (for dumping); shared parts stay shared."""
    if depth > MAX_DEPTH or not isinstance(value, dict | list):
        return None if depth > MAX_DEPTH else value
    memo = {} if memo is None else memo
    if id(value) not in memo:
        if isinstance(value, dict):
            memo[id(value)] = {k: plain(v, depth + 1, memo) for k, v in value.items()}
        else:
            memo[id(value)] = [plain(v, depth + 1, memo) for v in value]
    return memo[id(value)]


# --- reading parsed values ----------------------------------------------------------------


def get(node: Any, *keys: Any) -> Any:
    """node[k1][k2]..., or None as soon as a step is missing or not a mapping/list."""
    for key in keys:
        if isinstance(key, int) and isinstance(node, list):
            node = node[key] if -len(node) <= key < len(node) else None
        elif isinstance(node, dict):
            node = node.get(key)
        else:
            return None
    return node


def line_of(node: Any, key: Any = None, default: int | None = None) -> int | None:
    """The line of KEY in a mapping (or item KEY of a list), else of the node itself."""
    if isinstance(node, YMap):
        found = node.key_lines.get(key) if key is not None else None
        return found if found is not None else (node.line if node.line is not None else default)
    if isinstance(node, YSeq):
        if isinstance(key, int) and 0 <= key < len(node.item_lines) and node.item_lines[key] is not None:
            return node.item_lines[key]
        return node.line if node.line is not None else default
    return default


def mapping(value: Any) -> YMap | dict | None:
    return value if isinstance(value, dict) else None


def items(value: Any) -> list[tuple[int, Any]]:
    """(index, item) for a list; nothing for anything else."""
    return list(enumerate(value)) if isinstance(value, list) else []


def templated(value: Any) -> bool:
    """True when VALUE holds something prr could not render from a Helm template."""
    if isinstance(value, str):
        return PLACEHOLDER in value
    if isinstance(value, dict):
        return any(templated(k) or templated(v) for k, v in value.items())
    if isinstance(value, list):
        return any(templated(v) for v in value)
    return False


def shown(value: Any) -> str:
    """VALUE for a message, with what Helm would fill in shown as <templated>."""
    return str(value).replace(PLACEHOLDER, "<templated>") if value is not None else ""


def as_int(value: Any) -> int | None:
    """An integer field, or None when it is missing, templated or not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


# --- resources --------------------------------------------------------------------------


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


# What selects_yaml can accept at all, for the runner's index (see RepoProbe.candidates).
YAML_CANDIDATES = frozenset({*(e.lower() for e in YAML_EXTENSIONS), "kustomization"})


def selects_yaml(path: str, params: Params | None = None) -> bool:
    """YAML files outside vendored folders (cheap: extension and folder names only)."""
    if not path.endswith(YAML_EXTENSIONS) and posixpath.basename(path) != "Kustomization":
        return False
    return not any(part in _SKIPPED_FOLDERS for part in path.split("/")[:-1])


_GO_TEMPLATE = re.compile(r"\{\{-\s|\{\{\s*(?:\.Values|\.Release|\.Chart|include|toYaml)\b")
_LOOKS_K8S = re.compile(r"^\s*kind:\s*\S", re.M)
_LOOKS_K8S_API = re.compile(r"^\s*apiVersion:\s*\S", re.M)


def looks_like_manifest(text: str) -> bool:
    return bool(_LOOKS_K8S.search(text) and _LOOKS_K8S_API.search(text))


def load(repo: Repo, probe: str) -> Manifests:
    """Every Kubernetes resource in the service's YAML files (rendered Helm templates
    included), with error findings for files that were needed but could not be read."""
    out = Manifests()
    paths = [f.path for f in repo.files() if selects_yaml(f.path)]
    out.charts = _charts(repo, probe, paths, out.errors)
    patches = _kustomize_patches(repo, paths)
    for path in paths:
        if not in_service(repo, path) or path in patches:
            continue
        base = posixpath.basename(path)
        if base in _KUSTOMIZATIONS:
            continue
        chart = _chart_of(path, out.charts)
        if chart is not None and not _is_template(path, chart.root):
            if _chart_own_file(path, chart.root):
                continue  # Chart.yaml, values files, ci/ values: not resources
            chart = None
        text = repo.text(path)
        if text is None:
            out.errors.append(unreadable(probe, repo, path))
            continue
        if chart is not None:
            if base.startswith("_"):
                continue  # Helm renders no partials
            _load_template(out, path, text, chart)
            continue
        parsed = _parse_blob(repo.blob(path), text)
        if "{{" in text and (parsed.error or not _has_resource(parsed) or _GO_TEMPLATE.search(text)):
            _load_template(out, path, text, None)  # a template outside any chart: values unknown
            continue
        if parsed.error and looks_like_manifest(text):
            line, problem = parsed.error
            out.errors.append(
                finding(
                    probe,
                    Outcome.ERROR,
                    f"{path}:{line}: not valid YAML ({problem}); its resources were not checked",
                    repo,
                    [(path, line)],
                )
            )
        out.resources.extend(resources_in(path, parsed.documents))
    return out


def _has_resource(parsed: Parsed) -> bool:
    return any(True for _ in resources_in("", parsed.documents))


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


def _kustomize_patches(repo: Repo, paths: Sequence[str]) -> set[str]:
    """Files a kustomization names as patches: partial resources, not resources."""
    patches: set[str] = set()
    for path in paths:
        if posixpath.basename(path) not in _KUSTOMIZATIONS:
            continue
        text = repo.text(path)
        if text is None:
            continue
        folder = posixpath.dirname(path)
        for doc in parse_yaml(text).documents:
            if not isinstance(doc, dict):
                continue
            names = [p for p in doc.get("patchesStrategicMerge") or [] if isinstance(p, str) and "\n" not in p]
            for key in ("patches", "patchesJson6902"):
                names += [get(p, "path") for _, p in items(doc.get(key)) if isinstance(get(p, "path"), str)]
            patches.update(posixpath.normpath(posixpath.join(folder, name)) for name in names)
    return patches


# --- Helm --------------------------------------------------------------------------------


class _UnknownType:
    _instance: _UnknownType | None = None

    def __new__(cls) -> _UnknownType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _UnknownType()


def _under(path: str, root: str, folder: str) -> bool:
    return path.startswith(posixpath.join(root, folder) + "/")


def _is_template(path: str, root: str) -> bool:
    return _under(path, root, "templates")


def _chart_own_file(path: str, root: str) -> bool:
    """Chart.yaml, values files and the chart's ci/ and charts/ folders: never resources."""
    rest = path[len(root) + 1 :] if root else path
    return "/" not in rest or rest.split("/", 1)[0] in ("ci", "charts")


def _chart_of(path: str, charts: dict[str, Chart]) -> Chart | None:
    """The innermost chart whose folder holds PATH."""
    best = None
    for root, chart in charts.items():
        if (not root or path.startswith(root + "/")) and (best is None or len(root) > len(best.root)):
            best = chart
    return best


def _charts(repo: Repo, probe: str, paths: Sequence[str], errors: list[Finding]) -> dict[str, Chart]:
    roots = sorted(
        (posixpath.dirname(p) for p in paths if posixpath.basename(p) == "Chart.yaml"), key=lambda r: r.count("/")
    )
    charts: dict[str, Chart] = {}
    for root in roots:
        needed = any(_is_template(p, root) and in_service(repo, p) for p in paths)
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


def _load_template(out: Manifests, path: str, text: str, chart: Chart | None) -> None:
    if chart is not None and chart.values is UNKNOWN:
        return  # values.yaml could not be read (reported): no claim about this chart
    values = chart.values if chart is not None else UNKNOWN
    root = chart.root if chart is not None else None
    try:
        rendered, line_map = render_template(text, values)
    except (_TemplateError, RecursionError):
        return  # not a template prr can follow: never evidence
    parsed = parse_yaml(rendered, line_map)
    if root is not None:
        out.templates.append(Template(path, root, rendered, line_map, parsed.error is None))
    if parsed.error is None:
        out.resources.extend(
            resources_in(path, parsed.documents, root if root is not None else posixpath.dirname(path))
        )


# A light Go-template renderer -------------------------------------------------------------


class _TemplateError(Exception):
    pass


@dataclass
class _Text:
    text: str
    line: int


@dataclass
class _Action:
    body: str
    line: int
    alone: bool  # the only thing on its line


@dataclass
class _Block:
    kind: str  # if | with | range | define
    branches: list[tuple[str, str, list[Any]]]  # (keyword, expression, children)
    line: int
    alone: bool  # the opening action is the only thing on its line
    inline: bool = False  # opens and ends inside one line of text


_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
_MAX_RENDER = 2 * 1024 * 1024


def _scan(text: str) -> list[_Text | _Action]:
    nodes: list[_Text | _Action] = []
    pos = 0
    line = 1
    trim_next = False
    for match in _ACTION.finditer(text):
        before = text[pos : match.start()]
        start_line = line
        if trim_next:
            stripped = before.lstrip()
            start_line += before.count("\n") - stripped.count("\n")
            before = stripped
        line_before = text.rfind("\n", 0, match.start())
        line_after = text.find("\n", match.end())
        alone = (
            not text[line_before + 1 : match.start()].strip()
            and not text[match.end() : len(text) if line_after < 0 else line_after].strip()
        )
        action_line = line + text.count("\n", pos, match.start())
        if match.group(1):
            before = before.rstrip()
        if before:
            nodes.append(_Text(before, start_line))
        nodes.append(_Action(match.group(2).strip(), action_line, alone))
        line = action_line + text.count("\n", match.start(), match.end())
        pos = match.end()
        trim_next = bool(match.group(3))
    rest = text[pos:]
    if trim_next:
        stripped = rest.lstrip()
        line += rest.count("\n") - stripped.count("\n")
        rest = stripped
    if rest:
        nodes.append(_Text(rest, line))
    return nodes


def _tree(nodes: list[_Text | _Action]) -> list[Any]:
    root: list[Any] = []
    stack: list[_Block] = []
    current = root
    for node in nodes:
        if isinstance(node, _Action):
            word = node.body.split(None, 1)[0] if node.body else ""
            if word in ("if", "with", "range", "define", "block"):
                block = _Block(word, [(word, node.body[len(word) :].strip(), [])], node.line, node.alone)
                current.append(block)
                stack.append(block)
                if len(stack) > 50:
                    raise _TemplateError("blocks nested too deep")
                current = block.branches[-1][2]
                continue
            if word == "else":
                if not stack:
                    raise _TemplateError("else outside a block")
                rest = node.body[4:].strip()
                keyword, _, expression = rest.partition(" ")
                branch = (keyword, expression.strip(), []) if keyword in ("if", "with") else ("else", "", [])
                stack[-1].branches.append(branch)
                current = branch[2]
                continue
            if word == "end":
                if not stack:
                    raise _TemplateError("end outside a block")
                closed = stack.pop()
                closed.inline = closed.line == node.line and not closed.alone
                current = stack[-1].branches[-1][2] if stack else root
                continue
        current.append(node)
    if stack:
        raise _TemplateError("unclosed block")
    return root


def render_template(text: str, values: Any) -> tuple[str, list[int]]:
    """Render TEXT with VALUES as far as prr can tell; returns the text and, for each of
    its lines, the template line it came from."""
    chunks: list[tuple[str, int, bool]] = []  # (text, line, literal)
    renderer = _Renderer(values, chunks)
    renderer.render(_tree(_scan(text)), _ROOT)
    out = []
    line_map = [chunks[0][1] if chunks else 1]
    size = 0
    for piece, line, literal in chunks:
        size += len(piece)
        if size > _MAX_RENDER:
            raise _TemplateError("renders too large")
        out.append(piece)
        newlines = piece.count("\n")
        if literal:
            line_map.extend(range(line + 1, line + newlines + 1))
        else:
            line_map.extend([line] * newlines)
    return "".join(out), line_map


class _RootType:
    pass


_ROOT: Any = _RootType()


@dataclass
class _YamlText:
    text: str


@dataclass
class _Indented:
    text: str


_TOKEN = re.compile(r"""\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|('(?:[^'\\]|\\.)*')|([()|])|([^\s()|"`']+))""")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*([eE][+-]?\d+)?|0[xX][0-9a-fA-F]+)")


def _tokens(expression: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(expression):
        match = _TOKEN.match(expression, pos)
        if match is None or match.end() == pos:
            if expression[pos:].strip():
                raise _TemplateError(f"cannot read {expression!r}")
            break
        tokens.append(next(group for group in match.groups() if group is not None))
        pos = match.end()
    return tokens


def _truth(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, _YamlText | _Indented):
        return bool(value.text)
    return bool(value)


class _Renderer:
    def __init__(self, values: Any, chunks: list[tuple[str, int, bool]]) -> None:
        self.values = values
        self.chunks = chunks
        self.vars: dict[str, Any] = {}
        self.steps = 0
        self.size = 0

    def _emit(self, chunk: tuple[str, int, bool]) -> None:
        self.size += len(chunk[0])
        if self.size > _MAX_RENDER:
            raise _TemplateError("renders too large")
        self.chunks.append(chunk)

    def render(self, nodes: list[Any], ctx: Any) -> None:
        for node in nodes:
            self.steps += 1
            if self.steps > 100_000:
                raise _TemplateError("too many steps")
            if isinstance(node, _Text):
                self._emit((node.text, node.line, True))
            elif isinstance(node, _Action):
                self._action(node, ctx)
            else:
                self._block(node, ctx)

    def _block(self, block: _Block, ctx: Any) -> None:
        if block.kind in ("define", "block"):
            return
        for keyword, expression, children in block.branches:
            if keyword == "else":
                self.render(children, ctx)
                return
            if keyword == "range" and block.kind == "range":
                value = self._range(expression, children, ctx)
                if value is UNKNOWN:
                    if block.inline:
                        self._emit((PLACEHOLDER, block.line, False))
                    return
                if value:
                    return
                continue  # an empty range renders its else branch
            value = self.eval(expression, ctx)
            truth = _truth(value)
            if truth is UNKNOWN:  # neither branch is evidence
                if block.inline:
                    self._emit((PLACEHOLDER, block.line, False))  # `key: {{ if }}a{{ else }}b{{ end }}`
                return
            if truth:
                self.render(children, value if keyword == "with" else ctx)
                return

    def _range(self, expression: str, children: list[Any], ctx: Any) -> Any:
        names: list[str] = []
        if ":=" in expression:
            left, _, expression = expression.partition(":=")
            names = [n.strip() for n in left.split(",") if n.strip()]
        value = self.eval(expression.strip(), ctx)
        if isinstance(value, dict):
            pairs = list(value.items())
        elif isinstance(value, list):
            pairs = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            pairs = [(i, i) for i in range(min(value, 100))]
        elif value is None:
            pairs = []
        else:
            return UNKNOWN
        for key, item in pairs:
            if len(names) == 1:
                self.vars[names[0]] = item
            elif len(names) == 2:
                self.vars[names[0]], self.vars[names[1]] = key, item
            self.render(children, item)
        return bool(pairs)

    def _action(self, action: _Action, ctx: Any) -> None:
        body = action.body
        if not body or body.startswith("/*"):
            return
        tokens = _tokens(body)
        if len(tokens) >= 2 and tokens[0].startswith("$") and tokens[1] in (":=", "="):
            self.vars[tokens[0]] = self._pipeline(tokens[2:], ctx)
            return
        value = self._pipeline(tokens, ctx)
        if isinstance(value, _Indented | _YamlText):
            text = value.text
        else:
            text = _go_text(value)
            if text is None:
                text = "" if action.alone else PLACEHOLDER
        self._emit((text, action.line, False))

    def eval(self, expression: str, ctx: Any) -> Any:
        try:
            return self._pipeline(_tokens(expression), ctx)
        except _TemplateError:
            return UNKNOWN

    def _pipeline(self, tokens: list[str], ctx: Any) -> Any:
        commands: list[list[Any]] = [[]]
        depth = 0
        stack: list[list[Any]] = []
        for token in tokens:
            if token == "(":
                stack.append(commands)
                commands = [[]]
                depth += 1
                if depth > 50:
                    raise _TemplateError("parentheses nested too deep")
            elif token == ")":
                if not stack:
                    raise _TemplateError("unbalanced parentheses")
                inner = commands
                commands = stack.pop()
                commands[-1].append(("(", inner))
                depth -= 1
            elif token == "|":
                commands.append([])
            else:
                commands[-1].append(token)
        if stack:
            raise _TemplateError("unbalanced parentheses")
        return self._run(commands, ctx)

    def _run(self, commands: list[list[Any]], ctx: Any) -> Any:
        value: Any = None
        piped = False
        for command in commands:
            if not command:
                raise _TemplateError("empty command")
            head = command[0]
            if isinstance(head, str) and _is_function(head):
                args = [self._operand(arg, ctx) for arg in command[1:]]
                if piped:
                    args.append(value)
                value = _call(head, args)
            else:
                if piped or len(command) > 1:
                    return UNKNOWN
                value = self._operand(head, ctx)
            piped = True
        return value

    def _operand(self, token: Any, ctx: Any) -> Any:
        if isinstance(token, tuple):
            return self._run(token[1], ctx)
        if token.startswith('"'):
            try:
                return json.loads(token)
            except ValueError:
                return token[1:-1]
        if token.startswith("`"):
            return token[1:-1]
        if token.startswith("'"):
            return token[1:-1]
        if token in ("true", "false"):
            return token == "true"
        if token == "nil":
            return None
        if _NUMBER.fullmatch(token):
            try:
                return int(token, 0)
            except ValueError:
                try:
                    return float(token)
                except ValueError:
                    return UNKNOWN
        if token == ".":
            return ctx
        if token.startswith("$"):
            name, _, rest = token.partition(".")
            base = _ROOT if name == "$" else self.vars.get(name, UNKNOWN)
            return self._fields(base, rest.split(".") if rest else [])
        if token.startswith("."):
            return self._fields(ctx, token[1:].split("."))
        if _is_function(token):
            return _call(token, [])
        return UNKNOWN

    def _fields(self, base: Any, names: list[str]) -> Any:
        value = base
        for name in names:
            if value is _ROOT:
                value = self.values if name == "Values" else UNKNOWN
            elif value is UNKNOWN:
                return UNKNOWN
            elif isinstance(value, dict):
                value = value.get(name)
            elif value is None:
                return None
            else:
                return UNKNOWN
        return value


def _is_function(token: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token)) and token not in ("true", "false", "nil")


def _go_text(value: Any) -> str | None:
    """How a Go template prints VALUE, or None when prr cannot tell."""
    if value is UNKNOWN or value is _ROOT or isinstance(value, dict | list):
        return None
    if value is None:
        return ""  # Helm prints missing values as nothing
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _compare(args: list[Any], op: Callable[[Any, Any], bool]) -> Any:
    if len(args) != 2 or UNKNOWN in args:
        return UNKNOWN
    a, b = args
    try:
        return op(a, b)
    except TypeError:
        return UNKNOWN


def _indent(args: list[Any], newline: bool) -> Any:
    if len(args) != 2 or not isinstance(args[0], int) or not 0 <= args[0] <= 200:
        return UNKNOWN
    pad = " " * args[0]
    text = args[1].text if isinstance(args[1], _YamlText | _Indented) else _go_text(args[1])
    if text is None:
        return _Indented("\n" if newline else "")
    text = pad + text.replace("\n", "\n" + pad)
    return _Indented("\n" + text if newline else text)


def _to_yaml(value: Any) -> Any:
    if value is UNKNOWN or value is _ROOT:
        return UNKNOWN
    if isinstance(value, _YamlText | _Indented):
        return UNKNOWN
    try:
        text = yaml.safe_dump(plain(value), default_flow_style=False, sort_keys=True, width=10_000)
    except yaml.YAMLError:
        return UNKNOWN
    text = text.removesuffix("\n").removesuffix("\n...")
    return _YamlText(text)


def _call(name: str, args: list[Any]) -> Any:
    if name == "not":
        return UNKNOWN if len(args) != 1 else (UNKNOWN if _truth(args[0]) is UNKNOWN else not _truth(args[0]))
    if name in ("and", "or"):
        if not args:
            return UNKNOWN
        decisive = name == "or"
        if any(_truth(a) is decisive for a in args):
            return next(a for a in args if _truth(a) is decisive)
        return UNKNOWN if any(_truth(a) is UNKNOWN for a in args) else args[-1]
    if name == "eq":
        if len(args) < 2 or UNKNOWN in args:
            return UNKNOWN
        return any(args[0] == other for other in args[1:])
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "ne": lambda a, b: a != b,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
    }
    if name in comparisons:
        return _compare(args, comparisons[name])
    if name == "empty":
        return UNKNOWN if len(args) != 1 or _truth(args[0]) is UNKNOWN else not _truth(args[0])
    if name == "default":
        if len(args) == 1:
            return args[0]
        if len(args) != 2 or args[1] is UNKNOWN:
            return UNKNOWN
        return args[1] if _truth(args[1]) else args[0]
    if name in ("required", "toString") and args:
        value = args[-1]
        return value if name == "required" else _go_text(value) if _go_text(value) is not None else UNKNOWN
    if name in ("quote", "squote"):
        texts = [_go_text(a) for a in args]
        if not args or None in texts:
            return UNKNOWN
        q = '"' if name == "quote" else "'"
        return " ".join(json.dumps(t) if q == '"' else f"'{t}'" for t in texts if t is not None)
    if name == "toYaml" and len(args) == 1:
        return _to_yaml(args[0])
    if name in ("indent", "nindent"):
        return _indent(args, name == "nindent")
    if name in ("int", "int64") and len(args) == 1:
        try:
            return int(args[0]) if args[0] is not UNKNOWN and not isinstance(args[0], dict | list) else UNKNOWN
        except (TypeError, ValueError):
            return UNKNOWN
    if name == "hasKey" and len(args) == 2:
        return args[1] in args[0] if isinstance(args[0], dict) else UNKNOWN
    if name == "ternary" and len(args) == 3:
        truth = _truth(args[2])
        return UNKNOWN if truth is UNKNOWN else args[0] if truth else args[1]
    if name == "coalesce":
        for arg in args:
            if _truth(arg) is UNKNOWN:
                return UNKNOWN
            if _truth(arg):
                return arg
        return None
    if name in ("lower", "upper") and len(args) == 1 and isinstance(args[0], str):
        return args[0].lower() if name == "lower" else args[0].upper()
    return UNKNOWN  # include, tpl, printf, lookup, ...: prr cannot tell
