"""Delivery probes: progressive rollouts, Helm test hooks, reversible database migrations
and feature flag definitions.

Everything is read as text or as YAML/JSON through the safe reader in k8s.yaml_lines;
migrations are parsed (Python with `ast.parse`, Ruby and SQL by their text), never
imported or executed."""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, in_service, unreadable
from prr.probes.repo.k8s import (
    UNKNOWN,
    YAML_CANDIDATES,
    YMap,
    as_int,
    get,
    items,
    line_of,
    load,
    mapping,
    parse_json_or_yaml,
    parse_yaml,
    selects_yaml,
    shown,
    templated,
)
from prr.probes.repo.k8s.units import duration
from prr.probes.repo.outcomes import fail, not_applicable, passed, settle

PROGRESSIVE = "progressive-delivery"
HELM_TESTS = "helm-tests"
MIGRATIONS = "migrations-reversible"
FLAGS = "feature-flags-defined"

_SKIPPED_FOLDERS = ("node_modules", "vendor", ".git", "site-packages", ".venv", "venv")


def _vendored(path: str) -> bool:
    return any(part in _SKIPPED_FOLDERS for part in path.split("/")[:-1])


# --- progressive-delivery ---------------------------------------------------------------------


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


# --- helm-tests -------------------------------------------------------------------------------

_HOOK_TEXT = re.compile(r"""["']?helm\.sh/hook["']?\s*:\s*["']?([\w\-, ]+)""")


def _is_test_hook(value: Any) -> bool:
    return isinstance(value, str) and any(h.strip() in ("test", "test-success") for h in value.split(","))


def _chart_file(repo: Repo, probe: str, path: str) -> tuple[Any, Finding | None]:
    text = repo.text(path)
    if text is None:
        return None, unreadable(probe, repo, path)
    parsed = parse_yaml(text)
    if parsed.error:
        line, problem = parsed.error
        message = f"{path}:{line}: not valid YAML ({problem}); the chart was not checked"
        return None, finding(probe, Outcome.ERROR, message, repo, [(path, line)])
    first = parsed.documents[0] if parsed.documents else None
    return (first if isinstance(first, dict) else YMap(1)), None


def run_helm_tests(repo: Repo, params: Params) -> list[Finding]:
    manifests = load(repo, HELM_TESTS)
    errors = list(manifests.errors)
    results: list[Finding] = []
    charts = [c for c in manifests.charts.values() if in_service(repo, c.chart_file)]
    tops = [c for c in charts if c.parent is None or c.parent not in manifests.charts]
    for chart in tops:
        meta, error = _chart_file(repo, HELM_TESTS, chart.chart_file)
        if error is not None:
            errors.append(error)
            continue
        if meta.get("type") == "library":
            continue  # a library chart renders nothing of its own
        family = {c.root for c in manifests.charts.values() if c.root == chart.root or _descends(c, chart, manifests)}
        hooks = [
            r.at("metadata", "annotations", "helm.sh/hook")
            for r in manifests.resources
            if r.chart in family and _is_test_hook(r.annotations().get("helm.sh/hook")) and _runs_something(r.body)
        ]
        for template in manifests.templates:
            if template.chart in family and not template.parsed:
                for match in _HOOK_TEXT.finditer(template.text):
                    if _is_test_hook(match.group(1)):
                        line = template.text.count("\n", 0, match.start())
                        hooks.append((template.path, template.line_map[min(line, len(template.line_map) - 1)]))
        name = shown(meta.get("name")) or chart.root or "."
        if hooks:
            message = f"chart {name} ships {len(hooks)} test hook{'s' if len(hooks) > 1 else ''}"
            results.append(passed(HELM_TESTS, message, repo, hooks))
        elif any(c.values is UNKNOWN for c in manifests.charts.values() if c.root in family):
            continue  # its values could not be read (reported): no claim
        else:
            message = (
                f"chart {name} has no template annotated helm.sh/hook: test that is on by default, "
                "so `helm test` checks nothing"
            )
            results.append(fail(HELM_TESTS, message, repo, [(chart.chart_file, line_of(meta, "name", 1))]))
    return settle(HELM_TESTS, errors, results, "no Helm chart")


def _descends(chart: Any, top: Any, manifests: Any) -> bool:
    parent = chart.parent
    seen = 0
    while parent is not None and seen < 50:
        if parent == top.root:
            return True
        parent = manifests.charts[parent].parent if parent in manifests.charts else None
        seen += 1
    return False


def _runs_something(body: Any) -> bool:
    """A test hook pod (or job) with at least one container."""
    kind = body.get("kind")
    if kind == "Pod":
        return bool(items(get(body, "spec", "containers")))
    if kind == "Job":
        return bool(items(get(body, "spec", "template", "spec", "containers")))
    return True


# --- migrations-reversible --------------------------------------------------------------------

_FLYWAY = re.compile(r"([VU])(\d+(?:[._]\d+)*)__.+\.sql")
_GO_MIGRATE = re.compile(r"(\d+)_(.+)\.(up|down)\.sql")


def selects_migration(path: str, params: Params | None = None) -> bool:
    if _vendored(path):
        return False
    parts = path.split("/")
    base = parts[-1]
    if base.endswith(".py"):
        return len(parts) >= 2 and parts[-2] in ("versions", "migrations") and base != "__init__.py"
    if base.endswith(".sql"):
        return bool(_FLYWAY.fullmatch(base) or _GO_MIGRATE.fullmatch(base))
    if base.endswith(".rb"):
        return parts[-3:-1] == ["db", "migrate"]
    return False


@dataclass
class Verdict:
    framework: str
    path: str
    line: int | None
    outcome: str  # reversible | explicit | irreversible | error
    note: str = ""


def _python_tree(text: str) -> ast.Module | tuple[int, str]:
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        return (exc.lineno or 1, exc.msg or "invalid syntax")
    except (ValueError, RecursionError, MemoryError) as exc:
        return (1, type(exc).__name__)


def _body(function: ast.FunctionDef) -> list[ast.stmt]:
    """The statements that do something: not a docstring, `pass` or `...`."""
    return [
        s
        for s in function.body
        if not isinstance(s, ast.Pass) and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]


def _alembic(path: str, tree: ast.Module) -> Verdict | None:
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assigned = {t.id for n in tree.body if isinstance(n, ast.Assign | ast.AnnAssign) for t in _targets(n)}
    if "upgrade" not in functions or not {"revision", "down_revision"} & assigned:
        return None
    down = functions.get("downgrade")
    if down is None:
        return Verdict("Alembic", path, functions["upgrade"].lineno, "irreversible", "has no downgrade()")
    body = _body(down)
    if not body:
        return Verdict("Alembic", path, down.lineno, "irreversible", "downgrade() does nothing")
    if all(isinstance(s, ast.Raise) for s in body):
        return Verdict("Alembic", path, down.lineno, "explicit", "downgrade() raises: marked irreversible on purpose")
    return Verdict("Alembic", path, down.lineno, "reversible")


def _targets(node: ast.Assign | ast.AnnAssign) -> Iterator[ast.Name]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    for target in targets:
        if isinstance(target, ast.Name):
            yield target


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _django(path: str, tree: ast.Module) -> Verdict | None:
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Migration"]
    if not classes:
        return None
    irreversible = []
    for node in ast.walk(classes[0]):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        keyword = {"RunPython": "reverse_code", "RunSQL": "reverse_sql"}.get(name or "")
        if keyword is None:
            continue
        reverse = (
            node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == keyword), None)
        )
        if reverse is None or (isinstance(reverse, ast.Constant) and reverse.value is None):
            irreversible.append((node.lineno, f"{name} without {keyword}"))
    if irreversible:
        line, _ = irreversible[0]
        note = "; ".join(f"{what} (line {at})" for at, what in irreversible)
        return Verdict("Django", path, line, "irreversible", note)
    return Verdict("Django", path, classes[0].lineno, "reversible")


_RUBY_DEF = re.compile(r"^(\s*)def\s+(?:self\.)?(change|up|down)\b")
_RUBY_IRREVERSIBLE_RAISE = re.compile(r"raise\s+(?:::)?ActiveRecord::IrreversibleMigration")
_RUBY_BLOCK = re.compile(r"^\s*(reversible|up_only)\b.*\b(do|\{)\s*(\|[^|]*\|)?\s*$")


def _ruby_methods(lines: list[str]) -> dict[str, tuple[int, list[tuple[int, str]]]]:
    """change/up/down -> (line of def, [(line, text) of its body])."""
    methods: dict[str, tuple[int, list[tuple[int, str]]]] = {}
    i = 0
    while i < len(lines):
        match = _RUBY_DEF.match(lines[i])
        if not match:
            i += 1
            continue
        indent, name = match.group(1), match.group(2)
        body = []
        j = i + 1
        while j < len(lines) and not re.match(rf"^{re.escape(indent)}end\b", lines[j]):
            body.append((j + 1, lines[j]))
            j += 1
        methods.setdefault(name, (i + 1, body))
        i = j + 1
    return methods


def _code(text: str) -> str:
    return text.split("#", 1)[0].strip()


def _ruby_args(call: str) -> tuple[int, set[str]]:
    """(positional argument count, keyword names) of a one-line Ruby call."""
    args = call.strip().lstrip("(").rstrip(")")
    parts = [p.strip() for p in re.split(r",(?![^\[\]{}()]*[\]})])", args) if p.strip()]
    keywords = {m.group(1) for p in parts if (m := re.match(r"(\w+):\s", p + " ")) and not p.startswith(":")}
    keywords |= {m.group(1) for p in parts if (m := re.match(r":(\w+)\s*=>", p))}
    positional = [p for p in parts if not re.match(r"(\w+):\s", p + " ") and "=>" not in p]
    return len(positional), keywords


def _irreversible_in_change(body: list[tuple[int, str]]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    skip_until: str | None = None
    for line, text in body:
        if skip_until is not None:
            if re.match(rf"^{re.escape(skip_until)}(end|\}})\b", text):
                skip_until = None
            continue
        if _RUBY_BLOCK.match(text):
            skip_until = re.match(r"^(\s*)", text).group(1)  # reversible/up_only blocks say both ways
            continue
        code = _code(text)
        match = re.match(r"(\w+)\b(.*)$", code)
        if not match:
            continue
        call, rest = match.groups()
        positional, keywords = _ruby_args(rest) if rest.strip() and not rest.strip().startswith("do") else (0, set())
        block = rest.rstrip().endswith(" do") or re.search(r"\bdo\s*(\|[^|]*\|)?$", rest) is not None
        if call == "execute":
            found.append((line, "execute (raw SQL cannot be reversed)"))
        elif call == "change_column":
            found.append((line, "change_column"))
        elif call == "change_column_default" and not {"from", "to"} <= keywords:
            found.append((line, "change_column_default without from:/to:"))
        elif call == "remove_column" and positional < 3 and "type" not in keywords:
            found.append((line, "remove_column without a column type"))
        elif call == "remove_columns" and "type" not in keywords:
            found.append((line, "remove_columns without type:"))
        elif call == "drop_table" and not block:
            found.append((line, "drop_table without a block of columns"))
        elif call == "remove_index" and positional < 2 and "column" not in keywords:
            found.append((line, "remove_index without its column"))
    return found


def _rails(path: str, text: str) -> Verdict | None:
    lines = text.splitlines()
    methods = _ruby_methods(lines)
    if not methods:
        return None
    explicit = next((n + 1 for n, t in enumerate(lines) if _RUBY_IRREVERSIBLE_RAISE.search(_code(t))), None)
    if "up" in methods and "down" not in methods and "change" not in methods:
        return Verdict("Rails", path, methods["up"][0], "irreversible", "def up without def down")
    if "down" in methods:
        code = [(n, _code(t)) for n, t in methods["down"][1] if _code(t)]
        if explicit is not None and explicit in {n for n, _ in code}:
            note = "def down raises ActiveRecord::IrreversibleMigration: marked irreversible on purpose"
            return Verdict("Rails", path, explicit, "explicit", note)
        if not code:
            return Verdict("Rails", path, methods["down"][0], "irreversible", "def down is empty")
        return Verdict("Rails", path, methods["down"][0], "reversible")
    if "change" in methods:
        found = _irreversible_in_change(methods["change"][1])
        if found and explicit is not None:
            note = "raises ActiveRecord::IrreversibleMigration: marked irreversible on purpose"
            return Verdict("Rails", path, explicit, "explicit", note)
        if found:
            note = "; ".join(f"{what} (line {at})" for at, what in found) + " in def change"
            return Verdict("Rails", path, found[0][0], "irreversible", note)
        return Verdict("Rails", path, methods["change"][0], "reversible")
    return None


def _sql_is_empty(text: str) -> bool:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return not any(line.split("--", 1)[0].strip() for line in text.splitlines())


def _version(raw: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.split(r"[._]", raw))


def _sql_verdicts(repo: Repo, paths: list[str], errors: list[Finding]) -> list[Verdict]:
    verdicts = []
    undo: dict[tuple[int, ...], str] = {}
    downs: set[str] = set()
    for path in paths:
        base = posixpath.basename(path)
        flyway = _FLYWAY.fullmatch(base)
        if flyway and flyway.group(1) == "U":
            undo.setdefault(_version(flyway.group(2)), path)
        go = _GO_MIGRATE.fullmatch(base)
        if go and go.group(3) == "down":
            downs.add(path)
    for path in paths:
        base = posixpath.basename(path)
        flyway, go = _FLYWAY.fullmatch(base), _GO_MIGRATE.fullmatch(base)
        if flyway and flyway.group(1) == "V":
            version = flyway.group(2).replace("_", ".")
            pair = undo.get(_version(flyway.group(2)))
            if pair is None:
                note = f"V{version} has no U{version}__ undo script"
                verdicts.append(Verdict("Flyway", path, 1, "irreversible", note))
            else:
                verdicts.append(_undo_verdict(repo, "Flyway", path, pair, errors))
        elif go and go.group(3) == "up":
            pair = posixpath.join(posixpath.dirname(path), f"{go.group(1)}_{go.group(2)}.down.sql")
            if pair not in downs:
                note = f"no {posixpath.basename(pair)}"
                verdicts.append(Verdict("golang-migrate", path, 1, "irreversible", note))
            else:
                verdicts.append(_undo_verdict(repo, "golang-migrate", path, pair, errors))
    return verdicts


def _undo_verdict(repo: Repo, framework: str, path: str, pair: str, errors: list[Finding]) -> Verdict:
    text = repo.text(pair)
    if text is None:
        errors.append(unreadable(MIGRATIONS, repo, pair))
        return Verdict(framework, path, 1, "error")
    if _sql_is_empty(text):
        return Verdict(framework, pair, 1, "irreversible", f"{posixpath.basename(pair)} is empty")
    return Verdict(framework, pair, 1, "reversible")


_FRAMEWORKS = ("Alembic", "Django", "Flyway", "golang-migrate", "Rails")


def run_migrations(repo: Repo, params: Params) -> list[Finding]:
    errors: list[Finding] = []
    verdicts: list[Verdict] = []
    paths = [f.path for f in repo.files() if selects_migration(f.path) and in_service(repo, f.path)]
    for path in paths:
        if path.endswith(".sql"):
            continue
        text = repo.text(path)
        if text is None:
            errors.append(unreadable(MIGRATIONS, repo, path))
            continue
        if path.endswith(".rb"):
            verdict = _rails(path, text)
        else:
            tree = _python_tree(text)
            if isinstance(tree, tuple):
                if re.search(r"^def (upgrade|downgrade)\b|class Migration\b", text, re.M):
                    line, problem = tree
                    message = f"{path}:{line}: Python does not parse ({problem}); the migration was not checked"
                    errors.append(finding(MIGRATIONS, Outcome.ERROR, message, repo, [(path, line)]))
                continue
            verdict = _alembic(path, tree) or _django(path, tree)
        if verdict is not None:
            verdicts.append(verdict)
    sql = [p for p in paths if p.endswith(".sql")]
    verdicts += _sql_verdicts(repo, sql, errors)
    results: list[Finding] = []
    for framework in _FRAMEWORKS:
        mine = [v for v in verdicts if v.framework == framework]
        for v in mine:
            if v.outcome == "irreversible":
                results.append(fail(MIGRATIONS, f"{v.path}: {v.note}", repo, [(v.path, v.line)]))
            elif v.outcome == "explicit":
                note = f"{v.path}: {v.note}; document the fall-back in the runbook"
                results.append(passed(MIGRATIONS, note, repo, [(v.path, v.line)]))
        reversible = [v for v in mine if v.outcome == "reversible"]
        if reversible:
            count = len(reversible)
            message = f"{count} {framework} migration{'s' if count > 1 else ''} can be reversed"
            results.append(passed(MIGRATIONS, message, repo, [(v.path, v.line) for v in reversible]))
    if results or errors:
        return [*errors, *results]
    return not_applicable(MIGRATIONS, "no database migrations (Alembic, Django, Flyway, golang-migrate, Rails)")


# --- feature-flags-defined --------------------------------------------------------------------

_FLAG_WORDS = ("flag", "feature", "unleash", "launchdarkly", "openfeature", "flagd")
_LOOKS_FLAGGY = re.compile(r"""["']?(flags|features|defaultVariant|variations|flagValues)["']?\s*:""")


def selects_flags(path: str, params: Params | None = None) -> bool:
    if not path.endswith((".json", ".yaml", ".yml")) or _vendored(path):
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


PROBES: tuple[RepoProbe, ...] = (
    RepoProbe(PROGRESSIVE, selects_yaml, run_progressive, YAML_CANDIDATES),
    RepoProbe(HELM_TESTS, selects_yaml, run_helm_tests, YAML_CANDIDATES),
    RepoProbe(MIGRATIONS, selects_migration, run_migrations, frozenset({".py", ".sql", ".rb"})),
    RepoProbe(FLAGS, selects_flags, run_flags, frozenset({".json", ".yaml", ".yml"})),
)
