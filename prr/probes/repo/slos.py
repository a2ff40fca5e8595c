"""Service level objectives as code, and the error budget policy that gives them teeth.

`slo-defined` reads, in the service folder:

- OpenSLO (`apiVersion: openslo/v1` or `openslo/v1alpha`, `kind: SLO`): every objective's
  `target` a ratio in (0, 1) or `targetPercent` in (0, 100); a time window
  (`timeWindow[].duration` like 28d, or v1alpha `timeWindows[]` with count and unit);
  v1 also needs an indicator (`indicator` or `indicatorRef`);
- Sloth (`apiVersion: sloth.slok.dev/v1`, `kind: PrometheusServiceLevel`, or the plain
  `version: prometheus/v1` spec): each of `slos[]` an `objective` percent in (0, 100) and
  an `sli` (events with error and total queries, raw error ratio query, or a plugin);
- Pyrra (`apiVersion: pyrra.dev/v1alpha1`, `kind: ServiceLevelObjective`): `spec.target`
  a percent in (0, 100), `spec.window` a Prometheus duration, an indicator;
- slo-generator (`apiVersion: sre.google.com/v2`: `spec.goal` in (0, 1), `spec.method`,
  `spec.backend`; or the legacy layout with `slo_target` and `backend.method`).

A target of 100% leaves no error budget: it fails. Malformed files that look like SLO specs
fail with their line.

`error-budget-policy` looks for a markdown document about the error budget policy (by name,
or by an "Error budget policy" heading) that says what happens when the budget is spent
(releases frozen, deploys halted, reliability work prioritised) and who decides or how it
escalates."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, in_service, unreadable
from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.outcomes import safely
from prr.probes.repo.yaml_docs import Doc, yaml_docs
from prr.probes.repo.yaml_nodes import entry

SLO = "slo-defined"
POLICY = "error-budget-policy"

_SPEC_EXTS = (".yaml", ".yml", ".json")
_DOC_EXTS = (".md", ".markdown", ".mdx")
_HINTS = ("openslo", "sloth.slok.dev", "prometheus/v1", "pyrra.dev", "sre.google.com", "slo_target")
_SLO_NAME = re.compile(r"(?:^|[/._-])(?:slos?|sloth|openslo|pyrra|service[-_]?levels?)(?:[/._-]|$)", re.I)
_OPENSLO_DURATION = re.compile(r"[1-9]\d*[mhdwMQY]")
_PROM_DURATION = re.compile(r"(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?")
_V1ALPHA_UNITS = ("second", "minute", "hour", "day", "week", "month", "quarter", "year")


# ---------------------------------------------------------------------------- YAML with lines


def _json_docs(text: str) -> tuple[list[Doc], tuple[str, int | None] | None]:
    try:
        return [Doc(json.loads(text), None)], None
    except json.JSONDecodeError as exc:
        return [], (f"invalid JSON: {exc.msg}", exc.lineno)
    except RecursionError:
        return [], ("invalid JSON: nested too deeply", None)
    except ValueError as exc:
        return [], (f"invalid JSON: {exc}", None)


class _At:
    """Line numbers inside one document: `at("spec", "objectives", 0, "target")` is the
    line of the deepest of those keys present (the document's first line if none)."""

    def __init__(self, node: yaml.Node | None) -> None:
        self.node = node

    def __call__(self, *path: str | int) -> int:
        node = self.node
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for step in path:
            if isinstance(step, int) and isinstance(node, yaml.SequenceNode) and 0 <= step < len(node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
                continue
            value, key_line = entry(node, step) if isinstance(step, str) else (None, None)
            if value is None or key_line is None:
                break
            node, line = value, key_line
        return line


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:  # NaN
        return None
    return float(value)


def _pct(value: float) -> str:
    return f"{value:g}%"


# ---------------------------------------------------------------------------- SLO specs


@dataclass
class _Check:
    """One SLO as written: what it is, and what is wrong with it (with lines)."""

    path: str
    line: int
    label: str
    summary: str = ""
    problems: list[tuple[str, int]] | None = None

    def problem(self, message: str, line: int) -> None:
        if self.problems is None:
            self.problems = []
        self.problems.append((message, line))


def _ratio(check: _Check, value: Any, what: str, line: int) -> float | None:
    """A target written as a ratio in (0, 1)."""
    number = _number(value)
    if number is None:
        check.problem(f"{what} {value!r} is not a number", line)
    elif number >= 1:
        hint = " (a ratio: 0.999 means 99.9%)" if number > 1 else ""
        check.problem(f"{what} {number:g} is 100% or more: no error budget{hint}", line)
    elif number <= 0:
        check.problem(f"{what} {number:g} must be above 0", line)
    else:
        return number * 100
    return None


def _percent(check: _Check, value: Any, what: str, line: int, text_ok: bool = False) -> float | None:
    """A target written as a percent in (0, 100)."""
    number = _number(value)
    if number is None and text_ok and isinstance(value, str):
        try:
            number = float(value.strip().rstrip("%"))
        except ValueError:
            number = None
        if number is not None and number != number:  # NaN
            number = None
    if number is None:
        check.problem(f"{what} {value!r} is not a number", line)
    elif number >= 100:
        check.problem(f"{what} {number:g} is 100% or more: no error budget", line)
    elif number <= 0:
        check.problem(f"{what} {number:g} must be above 0", line)
    else:
        return number
    return None


def _name(data: dict[Any, Any]) -> str:
    meta = _dict(data.get("metadata"))
    return str(meta.get("name") or data.get("slo_name") or "unnamed")


def _openslo(path: str, data: dict[Any, Any], at: _At) -> list[_Check]:
    version = str(data.get("apiVersion"))
    spec = _dict(data.get("spec"))
    check = _Check(path, at(), f"OpenSLO SLO {_name(data)!r}")
    objectives = _list(spec.get("objectives"))
    targets = []
    if not objectives:
        check.problem("no objectives", at("spec", "objectives"))
    for index, objective in enumerate(objectives):
        objective = _dict(objective)
        where = f"objectives[{index}]"
        if "target" in objective:
            value = _ratio(check, objective["target"], f"{where}.target", at("spec", "objectives", index, "target"))
        elif "targetPercent" in objective:
            line = at("spec", "objectives", index, "targetPercent")
            value = _percent(check, objective["targetPercent"], f"{where}.targetPercent", line)
        else:
            check.problem(f"{where} has no target or targetPercent", at("spec", "objectives", index))
            value = None
        if value is not None:
            targets.append(_pct(value))
    window = ""
    if version == "openslo/v1alpha" and "timeWindow" not in spec:
        windows = _list(spec.get("timeWindows"))
        if not windows:
            check.problem("no timeWindows", at("spec"))
        for index, item in enumerate(windows):
            item = _dict(item)
            count, unit = item.get("count"), str(item.get("unit", ""))
            if _number(count) is None or count <= 0 or unit.lower() not in _V1ALPHA_UNITS:
                check.problem(
                    f"timeWindows[{index}] needs a count above 0 and a unit", at("spec", "timeWindows", index)
                )
            elif not window:
                window = f"{count:g} {unit}"
    else:
        windows = _list(spec.get("timeWindow"))
        if not windows:
            check.problem("no timeWindow", at("spec"))
        for index, item in enumerate(windows):
            duration = _dict(item).get("duration")
            if not isinstance(duration, str) or not _OPENSLO_DURATION.fullmatch(duration.strip()):
                line = at("spec", "timeWindow", index, "duration")
                check.problem(f"timeWindow[{index}].duration {duration!r} is not a duration like 28d or 4w", line)
            elif not window:
                window = duration.strip()
        has_indicator = any(k in spec for k in ("indicator", "indicatorRef")) or any(
            k in _dict(o) for o in objectives for k in ("indicator", "indicatorRef")
        )
        if version != "openslo/v1alpha" and not has_indicator:
            check.problem("no indicator or indicatorRef", at("spec"))
    check.summary = f"target {', '.join(targets)} over {window}"
    return [check]


def _sloth(path: str, data: dict[Any, Any], at: _At, prefix: tuple[str, ...]) -> list[_Check]:
    service = str(data.get("service") or _name(data))
    slos = _list(data.get("slos"))
    if not slos:
        check = _Check(path, at(*prefix), f"Sloth spec {service!r}")
        check.problem("no slos", at(*prefix, "slos"))
        return [check]
    checks = []
    for index, slo in enumerate(slos):
        slo = _dict(slo)
        base = (*prefix, "slos", index)
        check = _Check(path, at(*base), f"Sloth SLO {service}/{slo.get('name') or index}")
        value = None
        if "objective" not in slo:
            check.problem("no objective", at(*base))
        else:
            value = _percent(check, slo["objective"], "objective", at(*base, "objective"))
        sli = _dict(slo.get("sli"))
        events, raw, plugin = _dict(sli.get("events")), _dict(sli.get("raw")), _dict(sli.get("plugin"))
        if not sli:
            check.problem("no sli", at(*base))
        elif events:
            if not all(isinstance(events.get(k), str) and events[k].strip() for k in ("error_query", "total_query")):
                check.problem("sli.events needs error_query and total_query", at(*base, "sli", "events"))
        elif raw:
            if not (isinstance(raw.get("error_ratio_query"), str) and raw["error_ratio_query"].strip()):
                check.problem("sli.raw needs error_ratio_query", at(*base, "sli", "raw"))
        elif not plugin.get("id"):
            check.problem("sli has no events, raw query or plugin", at(*base, "sli"))
        if value is not None:
            check.summary = f"objective {_pct(value)}"
        checks.append(check)
    return checks


def _pyrra(path: str, data: dict[Any, Any], at: _At) -> list[_Check]:
    spec = _dict(data.get("spec"))
    check = _Check(path, at(), f"Pyrra SLO {_name(data)!r}")
    value = None
    if "target" not in spec:
        check.problem("no target", at("spec"))
    else:
        value = _percent(check, spec["target"], "target", at("spec", "target"), text_ok=True)
    window = spec.get("window")
    if window is None:
        check.problem("no window", at("spec"))
    elif not isinstance(window, str) or not window.strip() or not _PROM_DURATION.fullmatch(window.strip()):
        check.problem(f"window {window!r} is not a duration like 28d or 4w", at("spec", "window"))
    elif not any(ch in "123456789" for ch in window):
        check.problem(f"window {window!r} is zero", at("spec", "window"))
    indicator = _dict(spec.get("indicator"))
    if not any(indicator.get(k) for k in ("ratio", "latency", "latencyNative", "boolGauge", "bool_gauge")):
        check.problem("no indicator (ratio, latency, latencyNative or boolGauge)", at("spec", "indicator"))
    if value is not None:
        check.summary = f"target {_pct(value)} over {window}"
    return [check]


def _slo_generator(path: str, data: dict[Any, Any], at: _At) -> list[_Check]:
    spec = _dict(data.get("spec"))
    check = _Check(path, at(), f"slo-generator SLO {_name(data)!r}")
    value = None
    if "goal" not in spec:
        check.problem("no goal", at("spec"))
    else:
        value = _ratio(check, spec["goal"], "goal", at("spec", "goal"))
    for key in ("method", "backend"):
        if not (isinstance(spec.get(key), str) and spec[key].strip()):
            check.problem(f"no {key}", at("spec", key))
    if value is not None:
        check.summary = f"goal {_pct(value)} ({spec.get('method')} on {spec.get('backend')})"
    return [check]


def _slo_generator_legacy(path: str, data: dict[Any, Any], at: _At) -> list[_Check]:
    name = "/".join(str(data[k]) for k in ("service_name", "feature_name", "slo_name") if data.get(k)) or "unnamed"
    check = _Check(path, at(), f"slo-generator SLO {name!r}")
    value = _ratio(check, data.get("slo_target"), "slo_target", at("slo_target"))
    backend = _dict(data.get("backend"))
    if not (isinstance(backend.get("method"), str) and backend["method"].strip()):
        check.problem("no backend.method", at("backend", "method"))
    if value is not None:
        check.summary = f"goal {_pct(value)}"
    return [check]


def _checks(path: str, doc: Doc) -> list[_Check]:
    data = doc.data
    if not isinstance(data, dict):
        return []
    at = _At(doc.node)
    api, kind = str(data.get("apiVersion", "")), data.get("kind")
    if api.startswith("openslo/") and kind == "SLO":
        return _openslo(path, data, at)
    if api.startswith("sloth.slok.dev/") and kind == "PrometheusServiceLevel":
        return _sloth(path, _dict(data.get("spec")) | {"metadata": data.get("metadata")}, at, ("spec",))
    if data.get("version") == "prometheus/v1" and "slos" in data:
        return _sloth(path, data, at, ())
    if api.startswith("pyrra.dev/") and kind == "ServiceLevelObjective":
        return _pyrra(path, data, at)
    if api.startswith("sre.google.com/") and kind == "ServiceLevelObjective":
        return _slo_generator(path, data, at)
    if "slo_target" in data and any(k in data for k in ("backend", "slo_name", "service_name")):
        return _slo_generator_legacy(path, data, at)
    return []


def _run_slo(repo: Repo, params: Params) -> list[Finding]:
    fix = SPECS[SLO].remediation
    out: list[Finding] = []
    for file in repo.files():
        path = file.path
        if not in_service(repo, path) or not path.endswith(_SPEC_EXTS):
            continue
        text = repo.text(path)
        if text is None:
            if _SLO_NAME.search(path):
                out.append(unreadable(SLO, repo, path))
            continue
        if not any(hint in text for hint in _HINTS):
            continue
        docs, error = _json_docs(text) if path.endswith(".json") else yaml_docs(text)
        for doc in docs:
            for check in _checks(path, doc):
                if check.problems:
                    message = f"{check.label}: {'; '.join(m for m, _ in check.problems)}"
                    at = [(path, check.problems[0][1])]
                    out.append(finding(SLO, Outcome.FAIL, message, repo, at, fix))
                else:
                    out.append(
                        finding(SLO, Outcome.PASS, f"{check.label}: {check.summary}", repo, [(path, check.line)])
                    )
        if error and "{{" not in text:
            out.append(finding(SLO, Outcome.FAIL, error[0], repo, [(path, error[1])], fix))
    if not out:
        where = f" under {repo.prefix}/" if repo.prefix else ""
        message = f"no SLO specs found{where} (OpenSLO, Sloth, Pyrra, slo-generator)"
        out.append(finding(SLO, Outcome.FAIL, message, remediation=fix))
    return out


# ---------------------------------------------------------------------------- error budget policy

_POLICY_NAME = re.compile(r"error[-_ ]?budget", re.I)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_POLICY_HEADING = re.compile(r"error[-_ ]?budget\s+polic", re.I)
_CONSEQUENCE = re.compile(
    r"\b(?:freez|halt|stop|paus|suspend|block)\w*\W+(?:\w+\W+){0,6}?(?:release|deploy|launch|rollout|feature|change|push)"
    r"|\b(?:release|deploy|launch|rollout|feature|change)\w*\W+(?:\w+\W+){0,6}?(?:freez|halt|stop|paus|suspend|block)"
    r"|\b(?:code|change|feature|release|deploy\w*) freeze"
    r"|\bpriorit\w*\W+(?:\w+\W+){0,8}?(?:reliab|stabil|postmortem|incident|bug)"
    r"|\b(?:reliab|stabil)\w*\W+(?:\w+\W+){0,8}?priorit",
    re.I,
)
_AUTHORITY = re.compile(r"\b(?:owner|approv|escalat|decid|decision|sign[- ]?off)", re.I)
_PLACEHOLDER = re.compile(r"\b(?:TODO|TBD|FIXME)\b")


def _policy_selects(path: str, params: Params) -> bool:
    return path.endswith(_DOC_EXTS)


def _under(path: str, places: list[str]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in places)


def _section(text: str) -> tuple[str, int] | None:
    """The "Error budget policy" section (heading to the next heading of its level or
    above) and the heading's line, if the document has one."""
    lines = text.splitlines()
    fence = False
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
            continue
        heading = None if fence else _HEADING.match(line)
        if heading and _POLICY_HEADING.search(heading.group(2)):
            level = len(heading.group(1))
            end = len(lines)
            inner = False
            for later in range(index + 1, len(lines)):
                if lines[later].lstrip().startswith(("```", "~~~")):
                    inner = not inner
                    continue
                other = None if inner else _HEADING.match(lines[later])
                if other and len(other.group(1)) <= level:
                    end = later
                    break
            return "\n".join(lines[index:end]), index + 1
    return None


def _named_policy(path: str) -> bool:
    return bool(_POLICY_NAME.search(path.rpartition("/")[2]))


def _policy_in(path: str, text: str) -> list[Any]:
    """[] when the document holds no error budget policy; else [the line it starts on,
    what it does not say]. Derived per file (Repo.derived): most documents are no policy."""
    section = _section(text)
    if section is None and not _named_policy(path):
        return []
    body, line = section if section is not None else (text, 1)
    # "Owner: TBD" names nobody: lines with placeholders say nothing
    flat = " ".join(" ".join(x for x in body.splitlines() if not _PLACEHOLDER.search(x)).split())
    missing = []
    if not _CONSEQUENCE.search(flat):
        missing.append("what happens when the budget is spent (freeze or halt releases, prioritise reliability)")
    if not _AUTHORITY.search(flat):
        missing.append("who decides or how it escalates (owner, approver, escalation)")
    return [line, missing]


def _run_policy(repo: Repo, params: Params) -> list[Finding]:
    fix = SPECS[POLICY].remediation
    raw = [str(p).strip().strip("/") for p in params.get("paths") or [] if str(p).strip().strip("/")]
    places = raw + ([f"{repo.prefix}/{p}" for p in raw] if repo.prefix else [])
    passed: list[Finding] = []
    failed: list[Finding] = []
    errors: list[Finding] = []
    for file in repo.files():
        path = file.path
        if not (in_service(repo, path) or _under(path, places)):
            continue
        found = repo.derived("error-budget-policy-v1", path, lambda text, path=path: _policy_in(path, text))
        if found is None:
            if _named_policy(path):
                errors.append(unreadable(POLICY, repo, path))
            continue
        if not found:
            continue
        line, missing = found
        if missing:
            message = f"error budget policy {path}: does not say {'; nor '.join(missing)}"
            failed.append(finding(POLICY, Outcome.FAIL, message, repo, [(path, line)], fix))
        else:
            message = f"error budget policy {path}: says what stops when the budget is spent and who decides"
            passed.append(finding(POLICY, Outcome.PASS, message, repo, [(path, line)]))
    if passed:
        return passed + errors
    if failed or errors:
        return failed + errors
    where = f"{repo.prefix}/ or " if repo.prefix else ""
    message = f"no error budget policy document found in {where}{', '.join(raw) or 'the repository'}"
    return [finding(POLICY, Outcome.FAIL, message, remediation=fix)]


def _slo_selects(path: str, params: Params) -> bool:
    return path.endswith(_SPEC_EXTS)


PROBES: tuple[RepoProbe, ...] = (
    RepoProbe(SLO, _slo_selects, safely(SLO, _run_slo), frozenset(_SPEC_EXTS)),
    RepoProbe(POLICY, _policy_selects, safely(POLICY, _run_policy), frozenset(_DOC_EXTS)),
)
