"""alert-rules-sound: every alert rule has an expression that parses, a `for` duration,
a known severity and a summary, so Prometheus or Grafana loads it and it says what fired."""

from __future__ import annotations

import re
from collections.abc import Sequence

from yaml.nodes import MappingNode, SequenceNode

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, unreadable
from prr.probes.repo.alerting import rules
from prr.probes.repo.alerting.yaml_nodes import YAML_SUFFIXES, get, keys, scalar

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


def _rule_problems(rule: rules.Rule, severities: Sequence[str]) -> list[str]:
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
    scan = rules.scan_rules(repo)
    empty = rules.no_rules(probe, repo, scan, Outcome.FAIL)
    if empty is not None:
        return empty
    out: list[Finding] = []
    sound: list[rules.Rule] = []
    for rule in scan.rules:
        problems = _rule_problems(rule, severities)
        if problems:
            message = f"alert {rule.name} ({rule.where}): " + "; ".join(problems)
            out.append(finding(probe, Outcome.FAIL, message, repo, [(rule.path, rule.line)], rules.remediation(probe)))
        else:
            sound.append(rule)
    if sound:
        message = (
            f"{len(sound)} alert rule(s) have an expression, a `for` duration, a known severity "
            f"and a summary, in {', '.join(dict.fromkeys(r.path for r in sound))}"
        )
        out.insert(0, finding(probe, Outcome.PASS, message, repo, [(r.path, r.line) for r in sound]))
    out += [rules.malformed_finding(probe, repo, problem, Outcome.FAIL) for problem in scan.malformed]
    out += [unreadable(probe, repo, path) for path in scan.unreadable]
    return out + rules.template_notes(probe, repo, scan)


def _rules_selects(path: str, params: Params) -> bool:
    return rules.rule_candidate(path)


PROBE = RepoProbe("alert-rules-sound", _rules_selects, _run_alert_rules_sound, frozenset((*YAML_SUFFIXES, ".json")))
