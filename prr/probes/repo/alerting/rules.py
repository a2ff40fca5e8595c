"""Finding alert rules: Prometheus rule files, PrometheusRule resources and Grafana alert
provisioning, wherever a `groups:` list of `rules:` appears (so Helm values and ConfigMaps
that embed a rule file are found too); and what to report when none could be read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from yaml.nodes import MappingNode, Node, SequenceNode

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Repo, RepoFile, finding, in_service, unreadable
from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.alerting.yaml_nodes import (
    YAML_SUFFIXES,
    Problem,
    Source,
    get,
    keys,
    load_with_embedded,
    scalar,
    walk,
)
from prr.probes.repo.blob_memo import BlobMemo

_RULE_HINTS = ("alert", "rule", "prometheus", "grafana", "provisioning")


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


R = TypeVar("R")


@dataclass
class RuleScan(Generic[R]):
    rules: list[R] = field(default_factory=list)
    malformed: list[Problem] = field(default_factory=list)
    templated: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # files holding rules


def rule_candidate(path: str) -> bool:
    lower = path.lower()
    if lower.endswith(YAML_SUFFIXES):
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


@dataclass(frozen=True)
class FileRules(Generic[R]):
    rules: list[R]
    problem: Problem | None
    templated: bool  # a Helm or Jinja template: its rules are not read


# Per blob and path (a Rule says where it is): alert-rules-sound and alerts-have-runbooks
# compose each rule file once between them (composing YAML dominates both).
_MEMO: BlobMemo[FileRules[Rule]] = BlobMemo(8 * 1024 * 1024)


def file_rules(path: str, blob: str | None, text: str) -> FileRules[Rule]:
    """The alert rules in one file's text (none when it does not look like a rule file)."""
    return _MEMO.made(blob, path, lambda: _file_rules(path, text), lambda _: len(text))


def _file_rules(path: str, text: str) -> FileRules[Rule]:
    if not _mentions_rules(text):
        return FileRules([], None, False)
    loaded = load_with_embedded(path, text, ("groups:", "rules:"))
    if loaded.templated:
        return FileRules([], None, True)
    seen: set[int] = set()
    found = [rule for root, source in loaded.documents for rule in _rules_in(root, source, seen)]
    return FileRules(found, loaded.problem, False)


def unreadable_rule_file(path: str) -> bool:
    """Whether an unreadable candidate is worth an error: its name says it holds rules."""
    return any(hint in path.lower() for hint in _RULE_HINTS[:3])


def scan_rules(repo: Repo) -> RuleScan[Rule]:
    """The alert rules in the service's rule files."""

    def read(file: RepoFile) -> FileRules[Rule] | None:
        text = repo.text(file.path)
        return None if text is None else file_rules(file.path, file.blob, text)

    return scan_files(repo, read)


def scan_files(repo: Repo, read: Callable[[RepoFile], FileRules[R] | None]) -> RuleScan[R]:
    """What READ finds in each of the service's rule candidates (None: the file could not
    be read), gathered as one scan: rules, malformed and templated files, unreadable ones."""
    scan: RuleScan[R] = RuleScan()
    for file in repo.files():
        path = file.path
        if not in_service(repo, path) or not rule_candidate(path):
            continue
        found = read(file)
        if found is None:
            if unreadable_rule_file(path):
                scan.unreadable.append(path)
            continue
        if found.templated:
            scan.templated.append(path)
            continue
        if found.problem:
            scan.malformed.append(found.problem)
        scan.rules.extend(found.rules)
        if found.rules:
            scan.files.append(path)
    return scan


def template_notes(probe: str, repo: Repo, scan: RuleScan) -> list[Finding]:
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


def no_rules(probe: str, repo: Repo, scan: RuleScan, malformed: Outcome) -> list[Finding] | None:
    """Findings when no rule was read: unreadable and malformed candidates, or templates
    alone, or a plain fail. None when there are rules."""
    if scan.rules:
        return None
    out = [unreadable(probe, repo, path) for path in scan.unreadable]
    out += [malformed_finding(probe, repo, problem, malformed) for problem in scan.malformed]
    out += template_notes(probe, repo, scan)
    if out:
        return out
    return [finding(probe, Outcome.FAIL, "no alert rules found", remediation=remediation(probe))]


def malformed_finding(probe: str, repo: Repo, problem: Problem, outcome: Outcome) -> Finding:
    where = problem.path if problem.line is None else f"{problem.path}:{problem.line}"
    tail = "" if outcome is Outcome.FAIL else "; its alert rules cannot be checked"
    return finding(
        probe,
        outcome,
        f"{where}: {problem.message}{tail}",
        repo,
        [(problem.path, problem.line)],
        remediation(probe) if outcome is Outcome.FAIL else "",
    )


def remediation(probe: str) -> str:
    return SPECS[probe].remediation
