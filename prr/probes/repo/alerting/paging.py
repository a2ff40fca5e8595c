"""alerts-page-a-human: some Alertmanager config routes alerts to a receiver that pages
through PagerDuty or Opsgenie. Configs are found in files, Secrets (base64-decoded),
ConfigMaps and Helm values."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from yaml.nodes import MappingNode, Node, SequenceNode

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, in_service, unreadable
from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.alerting.yaml_nodes import (
    MAX_NODES,
    YAML_SUFFIXES,
    Source,
    get,
    load,
    load_with_embedded,
    scalar,
    walk,
)
from prr.probes.repo.verdicts import exists_verdict

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
    return lower.endswith(YAML_SUFFIXES) or (lower.endswith(".json") and "alertmanager" in lower.rsplit("/", 1)[-1])


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
    while stack and len(seen) < MAX_NODES:
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
        loaded = load_with_embedded(path, text, ("receivers:", "route:"))
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


def _remediation(probe: str) -> str:
    return SPECS[probe].remediation


PROBE = RepoProbe(
    "alerts-page-a-human", _alertmanager_selects, _run_alerts_page_a_human, frozenset((*YAML_SUFFIXES, ".json"))
)
