"""migrations-reversible: each database migration (Alembic, Django, Flyway,
golang-migrate, Rails) can be rolled back, or says on purpose that it cannot, so a bad
release can be undone. Migrations are parsed (Python with `ast.parse`, Ruby and SQL by
their text), never imported or executed."""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, in_service, unreadable
from prr.probes.repo.delivery.paths import vendored
from prr.probes.repo.outcomes import fail, not_applicable, passed

MIGRATIONS = "migrations-reversible"

_FLYWAY = re.compile(r"([VU])(\d+(?:[._]\d+)*)__.+\.sql")
_GO_MIGRATE = re.compile(r"(\d+)_(.+)\.(up|down)\.sql")


def selects_migration(path: str, params: Params | None = None) -> bool:
    parts = path.split("/")
    base = parts[-1]
    if base.endswith(".py"):
        found = len(parts) >= 2 and parts[-2] in ("versions", "migrations") and base != "__init__.py"
    elif base.endswith(".sql"):
        found = bool(_FLYWAY.fullmatch(base) or _GO_MIGRATE.fullmatch(base))
    elif base.endswith(".rb"):
        found = parts[-3:-1] == ["db", "migrate"]
    else:
        return False
    return found and not vendored(path)  # the cheap name test first: most files are no migration


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


PROBE = RepoProbe(MIGRATIONS, selects_migration, run_migrations, frozenset({".py", ".sql", ".rb"}))
