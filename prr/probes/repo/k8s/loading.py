"""Every Kubernetes resource of a service's YAML files, Helm templates rendered lightly.

A template outside any chart is rendered with unknown values. Kustomize patch files
(partial resources) and Helm partials are left out."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prr.domain.findings import Outcome
from prr.probes.api import Params, Repo, RepoProbe, Run, finding, in_service, unreadable
from prr.probes.repo.blob_memo import BlobMemo
from prr.probes.repo.k8s.fields import UNKNOWN, get, items
from prr.probes.repo.k8s.helm_charts import Chart, Template, chart_of, chart_own_file, find_charts, is_template
from prr.probes.repo.k8s.resources import Manifests, Resource, resources_in
from prr.probes.repo.k8s.template_render import render_template
from prr.probes.repo.k8s.template_syntax import TemplateError
from prr.probes.repo.k8s.yaml_lines import Parsed, parse_yaml

YAML_EXTENSIONS = (".yaml", ".yml")
_SKIPPED_FOLDERS = ("node_modules", "vendor", ".git")
_KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")

# What selects_yaml can accept at all, for the runner's index (see RepoProbe.candidates).
YAML_CANDIDATES = frozenset({*(e.lower() for e in YAML_EXTENSIONS), "kustomization"})


def yaml_probe(probe_id: str, run: Run) -> RepoProbe:
    """A probe over the YAML files `selects_yaml` takes. Parameters never change which, so
    every such probe shares one selection, one worker and what that worker parses (apart,
    autoscaler-sane parsed a monorepo's 12,000 manifests a second time)."""
    return RepoProbe(probe_id, selects_yaml, run, YAML_CANDIDATES, selects_by_params=False)


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
    out.charts = find_charts(repo, probe, paths, out.errors)
    patches = _kustomize_patches(repo, paths)
    for path in paths:
        if not in_service(repo, path) or path in patches:
            continue
        base = path.rpartition("/")[2]  # the basename, cheaply (every YAML file, every probe)
        if base in _KUSTOMIZATIONS:
            continue
        chart = chart_of(path, out.charts)
        if chart is not None and not is_template(path, chart.root):
            if chart_own_file(path, chart.root):
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
        found = _file_resources(path, repo.blob(path), text)
        if found.bad_yaml is not None:
            line, problem = found.bad_yaml
            out.errors.append(
                finding(
                    probe,
                    Outcome.ERROR,
                    f"{path}:{line}: not valid YAML ({problem}); its resources were not checked",
                    repo,
                    [(path, line)],
                )
            )
        out.resources.extend(found.resources)
    return out


@dataclass(frozen=True)
class _FileResources:
    """What a YAML file outside any chart holds: its resources, and where its YAML stops
    parsing when it looks like a manifest."""

    resources: tuple[Resource, ...]
    bad_yaml: tuple[int, str] | None
    chars: int  # read to find them (a rendered template's too): their weight in the memo


# Per blob and path (a Resource says where it is), so the workload and delivery probes of
# one review parse each file once.
_MEMO: BlobMemo[_FileResources] = BlobMemo(8 * 1024 * 1024)


def _file_resources(path: str, blob: str | None, text: str) -> _FileResources:
    return _MEMO.made(blob, path, lambda: _read_file(path, text), lambda found: found.chars)


def _read_file(path: str, text: str) -> _FileResources:
    if "kind" not in text and "\\" not in text and "{{" not in text:
        # No resource without a `kind` key, which only an escape could spell otherwise; and
        # looks_like_manifest needs `kind:`. Alert rules, CI files, values: no parse needed.
        return _FileResources((), None, len(text))
    parsed = parse_yaml(text)
    if "{{" in text and (parsed.error or not _has_resource(parsed) or _GO_TEMPLATE.search(text)):
        rendered = _rendered(text, UNKNOWN)  # a template outside any chart: values unknown
        if rendered is None or rendered[2].error is not None:
            return _FileResources((), None, len(text))
        resources = resources_in(path, rendered[2].documents, posixpath.dirname(path))
        return _FileResources(tuple(resources), None, len(text) + len(rendered[0]))
    bad_yaml = parsed.error if parsed.error and looks_like_manifest(text) else None
    return _FileResources(tuple(resources_in(path, parsed.documents)), bad_yaml, len(text))


def _has_resource(parsed: Parsed) -> bool:
    return any(True for _ in resources_in("", parsed.documents))


def _kustomize_patches(repo: Repo, paths: Sequence[str]) -> set[str]:
    """Files a kustomization names as patches: partial resources, not resources."""
    patches: set[str] = set()
    for path in paths:
        if path.rpartition("/")[2] not in _KUSTOMIZATIONS:
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


def _load_template(out: Manifests, path: str, text: str, chart: Chart) -> None:
    if chart.values is UNKNOWN:
        return  # values.yaml could not be read (reported): no claim about this chart
    rendered = _rendered(text, chart.values)
    if rendered is None:
        return
    output, line_map, parsed = rendered
    out.templates.append(Template(path, chart.root, output, line_map, parsed.error is None))
    if parsed.error is None:
        out.resources.extend(resources_in(path, parsed.documents, chart.root))


def _rendered(text: str, values: Any) -> tuple[str, list[int], Parsed] | None:
    """The template rendered with VALUES, and parsed; None when prr cannot follow it
    (never evidence)."""
    try:
        rendered, line_map = render_template(text, values)
    except (TemplateError, RecursionError):
        return None
    return rendered, line_map, parse_yaml(rendered, line_map)
