"""Every Kubernetes resource of a service's YAML files, Helm templates rendered lightly.

A template outside any chart is rendered with unknown values. Kustomize patch files
(partial resources) and Helm partials are left out."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from prr.domain.findings import Outcome
from prr.probes.api import Params, Repo, finding, in_service, unreadable
from prr.probes.repo.k8s.fields import UNKNOWN, get, items
from prr.probes.repo.k8s.helm_charts import Chart, Template, chart_of, chart_own_file, find_charts, is_template
from prr.probes.repo.k8s.resources import Manifests, resources_in
from prr.probes.repo.k8s.template_render import render_template
from prr.probes.repo.k8s.template_syntax import TemplateError
from prr.probes.repo.k8s.yaml_lines import Parsed, parse_blob, parse_yaml

YAML_EXTENSIONS = (".yaml", ".yml")
_SKIPPED_FOLDERS = ("node_modules", "vendor", ".git")
_KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")

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
    out.charts = find_charts(repo, probe, paths, out.errors)
    patches = _kustomize_patches(repo, paths)
    for path in paths:
        if not in_service(repo, path) or path in patches:
            continue
        base = posixpath.basename(path)
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
        parsed = parse_blob(repo.blob(path), text)
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


def _load_template(out: Manifests, path: str, text: str, chart: Chart | None) -> None:
    if chart is not None and chart.values is UNKNOWN:
        return  # values.yaml could not be read (reported): no claim about this chart
    values = chart.values if chart is not None else UNKNOWN
    root = chart.root if chart is not None else None
    try:
        rendered, line_map = render_template(text, values)
    except (TemplateError, RecursionError):
        return  # not a template prr can follow: never evidence
    parsed = parse_yaml(rendered, line_map)
    if root is not None:
        out.templates.append(Template(path, root, rendered, line_map, parsed.error is None))
    if parsed.error is None:
        out.resources.extend(
            resources_in(path, parsed.documents, root if root is not None else posixpath.dirname(path))
        )
