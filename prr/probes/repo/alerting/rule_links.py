"""Each alert rule's runbook annotation, derived file by file through `Repo.derived`: after
one file changes, alerts-have-runbooks reads that file alone, not every rule file again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prr.probes.api import Repo, RepoFile
from prr.probes.repo.alerting import rules
from prr.probes.repo.alerting.yaml_nodes import Problem


@dataclass(frozen=True)
class LinkedRule:
    """An alert rule as the runbook check sees it: where, its name, and the annotation
    (key and raw value, None when absent) that should link its runbook."""

    path: str
    line: int | None
    name: str
    key: str
    link: str | None

    @property
    def where(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


def runbook_link(rule: rules.Rule, annotation: str) -> tuple[str, str | None]:
    """The first of ANNOTATION, runbook_url and runbook the rule carries, with its value."""
    for key in dict.fromkeys((annotation, "runbook_url", "runbook")):
        value = rule.annotation(key)
        if value is not None:
            return key, value
    return annotation, None


def scan_links(repo: Repo, annotation: str) -> rules.RuleScan[LinkedRule]:
    """The service's alert rules with their runbook annotation, in the order scan_rules
    gives them, and the same unreadable, malformed and templated files."""
    kind = f"alert-rule-links-v1:{annotation}"

    def read(file: RepoFile) -> rules.FileRules[LinkedRule] | None:
        found = repo.derived(kind, file.path, lambda text: _links_in(file, text, annotation))
        if found is None:
            return None
        problem = None if found["problem"] is None else Problem(*found["problem"])
        linked = [LinkedRule(file.path, line, name, key, link) for line, name, key, link in found["rules"]]
        return rules.FileRules(linked, problem, found["templated"])

    return rules.scan_files(repo, read)


def _links_in(file: RepoFile, text: str, annotation: str) -> dict[str, Any]:
    found = rules.file_rules(file.path, file.blob, text)
    problem = found.problem
    return {
        "templated": found.templated,
        "problem": None if problem is None else [problem.path, problem.line, problem.message],
        "rules": [[rule.line, rule.name, *runbook_link(rule, annotation)] for rule in found.rules],
    }
