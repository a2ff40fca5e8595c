"""feature-flags-defined: feature flag definitions (flagd/OpenFeature, Unleash,
LaunchDarkly exports) are well formed and each flag has a valid default, so turning a
feature off is a rollback that works."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, in_service, unreadable
from prr.probes.repo.delivery.paths import vendored
from prr.probes.repo.k8s import get, items, line_of, parse_json_or_yaml
from prr.probes.repo.outcomes import fail, not_applicable, passed

FLAGS = "feature-flags-defined"

_FLAG_WORDS = ("flag", "feature", "unleash", "launchdarkly", "openfeature", "flagd")
_LOOKS_FLAGGY = re.compile(r"""["']?(flags|features|defaultVariant|variations|flagValues)["']?\s*:""")


def selects_flags(path: str, params: Params | None = None) -> bool:
    if not path.endswith((".json", ".yaml", ".yml")) or vendored(path):
        return False
    lowered = path.lower()
    return any(word in lowered for word in _FLAG_WORDS)


def _flagd_problems(name: str, flag: Any) -> str | None:
    if not isinstance(flag, dict):
        return f"flag {name!r} is not a mapping"
    problems = []
    state = flag.get("state")
    if state not in ("ENABLED", "DISABLED"):
        problems.append(f"state {state!r} is not ENABLED or DISABLED")
    variants = flag.get("variants")
    default = flag.get("defaultVariant")
    if not isinstance(variants, dict) or not variants:
        problems.append("no variants")
    else:
        kinds = {_variant_kind(v) for v in variants.values()}
        if len(kinds) > 1:
            problems.append(f"variants mix types ({', '.join(sorted(kinds))})")
        if default is None:
            problems.append("no defaultVariant")
        elif default not in variants:
            problems.append(f"defaultVariant {default!r} is not one of its variants ({', '.join(map(str, variants))})")
    if problems:
        return f"flag {name!r}: " + "; ".join(problems)
    return None


def _variant_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"


def _index_ok(value: Any, count: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < count


def _launchdarkly_problems(name: str, flag: Any) -> str | None:
    if not isinstance(flag, dict):
        return f"flag {name!r} is not a mapping"
    variations = flag.get("variations")
    if not isinstance(variations, list) or not variations:
        return f"flag {name!r}: no variations"
    problems = []
    off, fallthrough = flag.get("offVariation"), flag.get("fallthrough")
    if off is None and fallthrough is None:
        problems.append("neither fallthrough nor offVariation: no default")
    if off is not None and not _index_ok(off, len(variations)):
        problems.append(f"offVariation {off!r} is not one of its {len(variations)} variations")
    if isinstance(fallthrough, dict):
        if "variation" in fallthrough:
            if not _index_ok(fallthrough["variation"], len(variations)):
                problems.append(f"fallthrough variation {fallthrough['variation']!r} is not one of its variations")
        else:
            rollout = [get(v, "variation") for _, v in items(get(fallthrough, "rollout", "variations"))]
            if not rollout or not all(_index_ok(v, len(variations)) for v in rollout):
                problems.append("fallthrough rollout does not name its variations")
    if problems:
        return f"flag {name!r}: " + "; ".join(problems)
    return None


def _unleash_problems(index: int, feature: Any, strategies_elsewhere: set[str]) -> str | None:
    if not isinstance(feature, dict):
        return f"features[{index}] is not a mapping"
    name = feature.get("name")
    if not isinstance(name, str) or not name:
        return f"features[{index}] has no name"
    if not isinstance(feature.get("strategies"), list) and name not in strategies_elsewhere:
        return f"feature {name!r} has no strategies"
    return None


@dataclass
class FlagFile:
    kind: str  # flagd | LaunchDarkly | Unleash
    count: int
    line: int | None
    failures: list[tuple[str, int | None]]


def _flag_file(doc: Any) -> FlagFile | None:
    if not isinstance(doc, dict):
        return None
    flags = doc.get("flags")
    if isinstance(flags, dict) and flags:
        values = [v for v in flags.values() if isinstance(v, dict)]
        if any("variations" in v for v in values):
            failures = [
                (p, line_of(flags, k)) for k, v in flags.items() if (p := _launchdarkly_problems(str(k), v)) is not None
            ]
            return FlagFile("LaunchDarkly", len(flags), line_of(doc, "flags"), failures)
        if any(k in v for v in values for k in ("variants", "state", "defaultVariant")):
            failures = [
                (p, line_of(flags, k)) for k, v in flags.items() if (p := _flagd_problems(str(k), v)) is not None
            ]
            return FlagFile("flagd", len(flags), line_of(doc, "flags"), failures)
    flag_values = doc.get("flagValues")
    if isinstance(flag_values, dict) and flag_values:
        failures = [(f"flag {k!r} has no value", line_of(flag_values, k)) for k, v in flag_values.items() if v is None]
        return FlagFile("LaunchDarkly", len(flag_values), line_of(doc, "flagValues"), failures)
    features = doc.get("features")
    if isinstance(features, list) and features and any(isinstance(f, dict) and "name" in f for f in features):
        elsewhere = {get(s, "featureName") for _, s in items(doc.get("featureStrategies"))}
        failures = [
            (p, line_of(features, i))
            for i, f in enumerate(features)
            if (p := _unleash_problems(i, f, {s for s in elsewhere if isinstance(s, str)})) is not None
        ]
        return FlagFile("Unleash", len(features), line_of(doc, "features"), failures)
    return None


def run_flags(repo: Repo, params: Params) -> list[Finding]:
    errors: list[Finding] = []
    results: list[Finding] = []
    for file in repo.files():
        path = file.path
        if not selects_flags(path) or not in_service(repo, path):
            continue
        text = repo.text(path)
        if text is None:
            errors.append(unreadable(FLAGS, repo, path))
            continue
        parsed = parse_json_or_yaml(text)
        if parsed.error and _LOOKS_FLAGGY.search(text):
            line, problem = parsed.error
            kind = "JSON" if path.endswith(".json") else "YAML"
            message = f"{path}:{line}: not valid {kind} ({problem}); its flags were not checked"
            errors.append(finding(FLAGS, Outcome.ERROR, message, repo, [(path, line)]))
        for doc in parsed.documents:
            found = _flag_file(doc)
            if found is None:
                continue
            for problem, line in found.failures:
                results.append(fail(FLAGS, f"{path}: {problem}", repo, [(path, line)]))
            if not found.failures:
                plural = "s" if found.count > 1 else ""
                message = f"{path}: {found.count} {found.kind} flag{plural}, each with a valid default"
                results.append(passed(FLAGS, message, repo, [(path, found.line)]))
    if results or errors:
        return [*errors, *results]
    return not_applicable(FLAGS, "no feature flag definitions (flagd/OpenFeature, Unleash or LaunchDarkly export)")


PROBE = RepoProbe(FLAGS, selects_flags, run_flags, frozenset({".json", ".yaml", ".yml"}))
