"""progressive-delivery: a release reaches users in steps that something checks (Argo
Rollouts with analysis or pauses, Flagger with metrics and a threshold), so a bad one can
be stopped before it reaches everyone."""

from __future__ import annotations

from typing import Any

from prr.domain.findings import Finding
from prr.probes.api import Params, Repo
from prr.probes.repo.k8s import as_int, get, items, load, mapping, shown, templated, yaml_probe
from prr.probes.repo.k8s.units import duration
from prr.probes.repo.outcomes import fail, passed

PROGRESSIVE = "progressive-delivery"


def _analysis_problems(res: Any, analysis: Any, keys: tuple, known: set[str]) -> list[tuple[str, tuple]]:
    """Problems with an Argo analysis block (templates that exist, by name)."""
    templates = get(analysis, "templates")
    if templated(analysis):
        return []
    if not isinstance(templates, list) or not templates:
        return [("analysis lists no templates", res.at(*keys))]
    problems = []
    for i, template in enumerate(templates):
        name = get(template, "templateName")
        if not isinstance(name, str) or not name:
            problems.append(("an analysis template has no templateName", res.at(*keys, "templates", i)))
        elif get(template, "clusterScope") is not True and name not in known:
            problems.append((f"AnalysisTemplate {name!r} is not in the repository", res.at(*keys, "templates", i)))
    return problems


def _pause_gates(step: Any) -> bool:
    """A pause step that actually holds the rollout (indefinitely, or for some time)."""
    pause = step.get("pause")
    if pause is None or pause == {}:
        return "pause" in step
    if not isinstance(pause, dict):
        return False
    length = pause.get("duration")
    if length is None:
        return True
    if isinstance(length, int) and not isinstance(length, bool):
        return length > 0
    seconds = duration(length)
    return seconds is None or seconds > 0


def _rollout_verdict(res: Any, known: set[str]) -> tuple[list[str], list[tuple[str, tuple]]]:
    """(gates, problems) of an Argo Rollout."""
    strategy = mapping(get(res.body, "spec", "strategy")) or {}
    gates: list[str] = []
    problems: list[tuple[str, tuple]] = []
    canary, blue_green = strategy.get("canary"), strategy.get("blueGreen")
    if isinstance(canary, dict):
        if canary.get("analysis") is not None:
            found = _analysis_problems(res, canary["analysis"], ("spec", "strategy", "canary", "analysis"), known)
            problems += found
            if not found:
                gates.append("background analysis")
        for i, step in items(canary.get("steps")):
            if not isinstance(step, dict):
                continue
            if "analysis" in step:
                keys = ("spec", "strategy", "canary", "steps", i, "analysis")
                found = _analysis_problems(res, step["analysis"], keys, known)
                problems += found
                if not found:
                    gates.append(f"analysis step {i + 1}")
            if "pause" in step and _pause_gates(step):
                gates.append(f"pause step {i + 1}")
        if not gates and not problems:
            where = res.at("spec", "strategy", "canary")
            problems.append(("canary has no analysis and no pause step: it promotes without a check", where))
    elif isinstance(blue_green, dict):
        if blue_green.get("prePromotionAnalysis") is not None:
            keys = ("spec", "strategy", "blueGreen", "prePromotionAnalysis")
            found = _analysis_problems(res, blue_green["prePromotionAnalysis"], keys, known)
            problems += found
            if not found:
                gates.append("pre-promotion analysis")
        if blue_green.get("autoPromotionEnabled") is False:
            gates.append("manual promotion")
        if not gates and not problems:
            where = res.at("spec", "strategy", "blueGreen")
            problems.append(("blueGreen promotes automatically without prePromotionAnalysis", where))
    elif not templated(strategy):
        problems.append(("no canary or blueGreen strategy", res.at("spec", "strategy")))
    return gates, problems


def _flagger_problems(res: Any) -> list[tuple[str, tuple]]:
    spec = mapping(get(res.body, "spec")) or {}
    key = "analysis" if "analysis" in spec else "canaryAnalysis"
    analysis = spec.get(key)
    if not isinstance(analysis, dict):
        return [("no analysis: Flagger has nothing to judge the canary by", res.at("spec"))]
    problems = []
    threshold = analysis.get("threshold")
    if threshold is None:
        problems.append(("analysis has no threshold (failed checks before rollback)", res.at("spec", key)))
    elif not templated(threshold) and (as_int(threshold) is None or as_int(threshold) <= 0):
        problems.append((f"analysis.threshold {threshold!r} is not a positive count", res.at("spec", key, "threshold")))
    metrics = analysis.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        problems.append(("analysis has no metrics", res.at("spec", key)))
        return problems
    for i, metric in enumerate(metrics):
        if templated(metric):
            continue
        bounds = get(metric, "thresholdRange")
        name = shown(get(metric, "name")) or f"#{i + 1}"
        if not isinstance(bounds, dict) or not any(
            isinstance(bounds.get(k), int | float) and not isinstance(bounds.get(k), bool) for k in ("min", "max")
        ):
            problems.append((f"metric {name} has no thresholdRange min or max", res.at("spec", key, "metrics", i)))
    return problems


def run_progressive(repo: Repo, params: Params) -> list[Finding]:
    manifests = load(repo, PROGRESSIVE)
    known = {
        r.name for r in manifests.of_kind("AnalysisTemplate", "ClusterAnalysisTemplate", group="argoproj.io") if r.name
    }
    results: list[Finding] = []
    for res in manifests.of_kind("Rollout", group="argoproj.io"):
        gates, problems = _rollout_verdict(res, known)
        if problems:
            message = f"{res.ref}: " + "; ".join(p for p, _ in problems)
            results.append(fail(PROGRESSIVE, message, repo, [problems[0][1]]))
        elif gates:
            message = f"{res.ref} promotes progressively ({', '.join(gates)})"
            results.append(passed(PROGRESSIVE, message, repo, [res.at("spec", "strategy")]))
    for res in manifests.of_kind("Canary", group="flagger.app"):
        problems = _flagger_problems(res)
        if problems:
            message = f"{res.ref}: " + "; ".join(p for p, _ in problems)
            results.append(fail(PROGRESSIVE, message, repo, [problems[0][1]]))
        else:
            message = f"{res.ref} is analysed by Flagger against metric thresholds"
            results.append(passed(PROGRESSIVE, message, repo, [res.at("spec", "analysis")]))
    if results or manifests.errors:
        return [*manifests.errors, *results]
    message = "no Argo Rollout or Flagger Canary: every release reaches all users at once"
    return [fail(PROGRESSIVE, message, repo, [])]


PROBE = yaml_probe(PROGRESSIVE, run_progressive)
