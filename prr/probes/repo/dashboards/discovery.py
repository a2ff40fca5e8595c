"""Finding the service's dashboards (for both probes), in the service folder:

- Grafana dashboard JSON: the classic model (an object with `panels`, or legacy `rows` of
  panels, and a title or uid, plus some Grafana-only marker), also wrapped as the HTTP API
  exports it (`{"dashboard": {...}, "meta": {...}}`), and the resource form
  (`apiVersion: dashboard.grafana.app/...`, `kind: Dashboard`; v2 with `spec.elements`);
- ConfigMaps carrying dashboards (a `grafana_dashboard` label for the sidecar, or `.json`
  data entries holding Grafana JSON) and kustomize `configMapGenerator`s that build them;
- grafana-operator `GrafanaDashboard` resources (`spec.json`, `spec.gzipJson`,
  `spec.configMapRef`; `spec.url`, `grafanaCom` and jsonnet are noted, not fetched);
- Grafana provisioning (`apiVersion: 1`, `providers:`), see `provisioning`;
- Terraform dashboards, see `terraform`.

Anything that is not Grafana-shaped (package.json, JSON schemas, OpenAPI documents,
Kibana saved objects) is never taken for a dashboard, unless something that loads
dashboards (a provider folder, a labelled ConfigMap, an operator reference, Terraform)
points at it: then it must be one."""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
import zlib
from typing import Any

import yaml

from prr.domain.findings import Outcome
from prr.probes.api import Repo, in_service
from prr.probes.repo.dashboards.collector import Collector
from prr.probes.repo.dashboards.grafana_json import JSON_HINTS, analyse, looks_like_dashboard_text, parse_json
from prr.probes.repo.dashboards.model import Dashboard, Discovery, Entry
from prr.probes.repo.dashboards.paths import KUSTOMIZATION, YAML_SUFFIXES, join, selects, wanted
from prr.probes.repo.dashboards.provisioning import resolve_providers
from prr.probes.repo.dashboards.terraform import read_terraform
from prr.probes.repo.dashboards.values import as_dict, as_list, text_of
from prr.probes.repo.yaml_docs import Doc, line_at, literal_start, value_node, yaml_docs

_MAX_GUNZIP = 4 * 1024 * 1024
# Text that marks YAML worth parsing (cheap prefilters) and worth reporting when broken.
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


class _Discoverer(Collector):
    """One walk over the service's files; references are resolved once every file is seen."""

    def __init__(self, repo: Repo) -> None:
        super().__init__(repo)
        self.files = [f.path for f in repo.files()]
        self.mine = [p for p in self.files if in_service(repo, p)]
        self.entries: list[Entry] = []
        self.configmaps: dict[str, dict[str, Entry]] = {}
        self.generated: dict[str, dict[str, str]] = {}  # kustomize: ConfigMap name -> key -> file
        self.refs: list[tuple[str, int, str, str]] = []  # (path, line, ConfigMap name, key)
        self.providers: list[tuple[str, int, str, str]] = []  # (path, line, provider name, options.path)
        self.scanned_elsewhere = False

    def run(self) -> Discovery:
        for path in self.mine:
            if path.endswith(YAML_SUFFIXES) or path.rpartition("/")[2] in KUSTOMIZATION:
                self.yaml_file(path, refs=True)
            elif path.endswith(".tf"):
                read_terraform(self, path)
        self.resolve_refs()
        resolve_providers(self, self.files, self.providers)
        for entry in self.entries:
            self.entry(entry)
        json_files = {p for p in self.mine if p.endswith(".json")} | self.forced
        for path in sorted(json_files):
            self.json_file(path, forced=path in self.forced)
        return self.out

    def yaml_file(self, path: str, refs: bool) -> None:
        text = self.read(path, needed=refs and wanted(path))
        if text is None or not any(h in text for h in _YAML_HINTS):
            return
        docs, error = yaml_docs(text)
        for doc in docs:
            self.yaml_doc(path, doc, refs)
        strong = any(h in text for h in _YAML_STRONG) or _PROVIDERS.search(text) is not None
        if error and refs and "{{" not in text and strong:
            self.note(Outcome.FAIL, error[0], path, error[1])

    def yaml_doc(self, path: str, doc: Doc, refs: bool) -> None:
        data, node = doc.data, doc.node
        if not isinstance(data, dict):
            return
        kind = data.get("kind")
        if "configMapGenerator" in data and path.rpartition("/")[2] in KUSTOMIZATION:
            self.kustomization(path, data, node)
        if kind == "ConfigMap":
            self.configmap(path, data, node)
        if not refs:
            return
        if kind == "GrafanaDashboard":
            self.operator(path, data, node)
        elif data.get("apiVersion") in (1, "1") and isinstance(data.get("providers"), list):
            for index, provider in enumerate(data["providers"]):
                provider = as_dict(provider)
                name = str(provider.get("name") or f"#{index + 1}")
                where = line_at(node, "providers", index, "options", "path")
                target = text_of(as_dict(provider.get("options")).get("path"))
                if target is None:
                    self.note(Outcome.FAIL, f"dashboard provider {name!r} has no options.path", path, where)
                else:
                    self.providers.append((path, where, name, target))
        elif kind != "ConfigMap":
            dash = analyse(data, Dashboard(path, node.start_mark.line + 1, "Grafana dashboard"), forced=False)
            if dash is not None:
                self.add(dash)

    def configmap(self, path: str, data: dict[Any, Any], node: yaml.Node) -> None:
        meta = as_dict(data.get("metadata"))
        labels = as_dict(meta.get("labels"))
        labelled = any("grafana_dashboard" in str(k) or "grafana-dashboard" in str(k) for k in labels)
        name = str(meta.get("name") or "")
        entries = self.configmaps.setdefault(name, {}) if name else {}
        for key, value in as_dict(data.get("data")).items():
            if not isinstance(value, str) or not isinstance(key, str):
                continue
            entry = Entry(
                path,
                line_at(node, "data", key),
                value,
                literal_start(value_node(node, "data", key)),
                f"ConfigMap {name} key {key}",
                forced=labelled and key.endswith(".json"),
            )
            entries[key] = entry
            if key.endswith(".json") and in_service(self.repo, path):
                self.entries.append(entry)

    def kustomization(self, path: str, data: dict[Any, Any], node: yaml.Node) -> None:
        folder = posixpath.dirname(path)
        common = as_dict(as_dict(data.get("generatorOptions")).get("labels"))
        for generator in as_list(data.get("configMapGenerator")):
            generator = as_dict(generator)
            name = str(generator.get("name") or "")
            labels = common | as_dict(as_dict(generator.get("options")).get("labels"))
            labelled = any("grafana_dashboard" in str(k) or "grafana-dashboard" in str(k) for k in labels)
            for item in as_list(generator.get("files")):
                if not isinstance(item, str):
                    continue
                key, _, source = item.rpartition("=") if "=" in item else ("", "", item)
                target = join(folder, source.strip())
                if target is None:
                    continue
                self.generated.setdefault(name, {})[key.strip() or posixpath.basename(target)] = target
                if labelled and in_service(self.repo, path) and target.endswith(".json"):
                    if self.repo.exists(target):
                        self.forced.add(target)
                    else:
                        where = line_at(node, "configMapGenerator")
                        self.note(
                            Outcome.FAIL, f"configMapGenerator {name}: {target} is not in the repository", path, where
                        )

    def operator(self, path: str, data: dict[Any, Any], node: yaml.Node) -> None:
        meta = as_dict(data.get("metadata"))
        spec = as_dict(data.get("spec"))
        name = str(meta.get("name") or "?")
        form = f"GrafanaDashboard {name}"
        uid = text_of(spec.get("uid"))
        if isinstance(spec.get("json"), str) and spec["json"].strip():
            self.entries.append(
                Entry(
                    path,
                    line_at(node, "spec", "json"),
                    spec["json"],
                    literal_start(value_node(node, "spec", "json")),
                    form,
                    True,
                    uid,
                )
            )
        elif isinstance(spec.get("gzipJson"), str):
            where = line_at(node, "spec", "gzipJson")
            text, problem = _gunzip(spec["gzipJson"])
            if text is None:
                self.add(Dashboard(path, where, form, broken=f"spec.gzipJson: {problem}"))
            else:
                self.entries.append(Entry(path, where, text, None, form, True, uid))
        elif isinstance(spec.get("configMapRef"), dict):
            ref = spec["configMapRef"]
            self.refs.append(
                (path, line_at(node, "spec", "configMapRef"), str(ref.get("name") or ""), str(ref.get("key") or ""))
            )
        elif spec.get("url") or spec.get("grafanaCom"):
            where = line_at(node, "spec", "url" if spec.get("url") else "grafanaCom")
            source = f"from {spec['url']}" if spec.get("url") else "from grafana.com"
            self.note(Outcome.NOT_APPLICABLE, f"{form} is fetched {source} when deployed: not validated", path, where)
        elif spec.get("jsonnet") or spec.get("jsonnetLib"):
            where = line_at(node, "spec", "jsonnet" if spec.get("jsonnet") else "jsonnetLib")
            self.note(Outcome.NOT_APPLICABLE, f"{form} is built from jsonnet when deployed: not validated", path, where)
        else:
            self.note(Outcome.FAIL, f"{form} has no json, gzipJson, configMapRef or url", path, line_at(node, "spec"))

    def resolve_refs(self) -> None:
        for path, line, name, key in self.refs:
            entry, file = self.lookup(name, key)
            if entry is None and file is None and not self.scanned_elsewhere:
                self.scanned_elsewhere = True
                for other in self.files:
                    if not in_service(self.repo, other) and (
                        other.endswith(YAML_SUFFIXES) or other.rpartition("/")[2] in KUSTOMIZATION
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
                elif selects(file, {}):
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

    def lookup(self, name: str, key: str) -> tuple[Entry | None, str | None]:
        entry = self.configmaps.get(name, {}).get(key)
        if entry is not None:
            return entry, None
        for generator, files in self.generated.items():
            if generator and (name == generator or name.endswith("-" + generator)) and key in files:
                return None, files[key]
        return None, None

    def entry(self, entry: Entry) -> None:
        if not entry.forced and not any(h in entry.text for h in JSON_HINTS):
            return
        obj, error, at = parse_json(entry.text)
        if error:
            if entry.forced:
                where = entry.text_line + at - 1 if entry.text_line and at else entry.line
                self.add(Dashboard(entry.path, where, entry.form, broken=error))
            return
        dash = analyse(obj, Dashboard(entry.path, entry.line, entry.form, uid=entry.uid), entry.forced)
        if dash is not None:
            self.add(dash)

    def json_file(self, path: str, forced: bool) -> None:
        text = self.read(path, needed=forced or wanted(path))
        if text is None or not (forced or any(h in text for h in JSON_HINTS)):
            return
        obj, error, at = parse_json(text, template=path in self.templates)
        if error:
            if forced or looks_like_dashboard_text(text):
                self.add(Dashboard(path, at, "Grafana dashboard", broken=error))
            return
        start = len(text) - len(text.lstrip())
        dash = analyse(obj, Dashboard(path, text.count("\n", 0, start) + 1, "Grafana dashboard"), forced)
        if dash is not None:
            self.add(dash)


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


def discover(repo: Repo) -> Discovery:
    """Every dashboard of the service, and what was found about providers and references."""
    out = _Discoverer(repo).run()
    unique: dict[tuple[str, int | None], Dashboard] = {}
    for dash in out.dashboards:
        unique.setdefault((dash.path, dash.line), dash)
    out.dashboards = sorted(unique.values(), key=lambda d: (d.path, d.line or 0))
    return out
