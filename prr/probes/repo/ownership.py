"""Ownership probes: CODEOWNERS coverage, the service catalog entry and its on-call rotation.

Only committed text is read. YAML goes through the safe loader's composer (nodes with
line marks; no constructor ever runs, so no tag can instantiate anything and unknown tags
such as CloudFormation's `!Ref` are harmless). CODEOWNERS patterns are matched segment by
segment with a small wildcard matcher, never with regular expressions built from
repository content."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import yaml

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, unreadable
from prr.probes.repo.outcomes import fail
from prr.probes.repo.printable import show, show_path
from prr.probes.repo.yaml_nodes import YamlProblem, child, compose_documents, entry, node_line, scalar

# ---------------------------------------------------------------------------- helpers

_PLACEHOLDERS = frozenset(
    {"", "todo", "tbd", "tba", "fixme", "unknown", "none", "null", "n/a", "na", "changeme", "owner", "team", "?", "-"}
)


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def is_placeholder(value: str) -> bool:
    low = value.strip().lower()
    return low in _PLACEHOLDERS or "xxxx" in low or (low.startswith("<") and low.endswith(">"))


# ---------------------------------------------------------------------------- CODEOWNERS

# GitHub reads .github/, the root, then docs/; GitLab the root, docs/, then .gitlab/.
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
_CODEOWNERS_SET = frozenset(CODEOWNERS_PATHS)
_SENTINEL = "\x00prr-any-file"  # a name no literal pattern segment can match
_MAX_PATTERN = 1000
_OWNER_HANDLE = re.compile(r"@@?[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}(?:/[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}){0,20}")
_OWNER_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})+")
_SECTION = re.compile(r"\^?\[([^\]\n]{1,200})\](?:\[\d{1,4}\])?(?P<rest>(?:\s.*)?)")


@dataclass
class _Rule:
    line: int
    pattern: str
    owners: tuple[str, ...]
    section: str | None
    segments: tuple[str, ...] = ()
    dir_only: bool = False
    star_tail: bool = False


@dataclass
class _Codeowners:
    rules: list[_Rule] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why) for lines the platforms ignore


def _tokens(line: str) -> list[str]:
    """Split on whitespace not escaped with a backslash; `\\ ` and `\\#` become literal."""
    out: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            current.append(line[i + 1])
            i += 2
            continue
        if ch.isspace():
            if current:
                out.append("".join(current))
                current = []
        else:
            current.append(ch)
        i += 1
    if current:
        out.append("".join(current))
    return out


def _valid_owner(token: str) -> bool:
    return len(token) <= 300 and bool(_OWNER_HANDLE.fullmatch(token) or _OWNER_EMAIL.fullmatch(token))


def _compile(rule: _Rule) -> str | None:
    """Fill in the rule's matcher; return why the pattern is unusable, or None."""
    pattern = rule.pattern
    if len(pattern) > _MAX_PATTERN:
        return "pattern too long"
    if pattern.startswith("!"):
        return "negated patterns are not supported in CODEOWNERS"
    rule.dir_only = pattern.endswith("/")
    body = pattern.strip("/")
    if not body:
        return "empty pattern"
    anchored = pattern.startswith("/") or "/" in body
    segments = [s for s in body.split("/") if s]
    if not anchored:
        segments.insert(0, "**")
    rule.segments = tuple(segments)
    rule.star_tail = segments[-1] == "*" and not rule.dir_only  # GitHub: `docs/*` owns docs' files only
    return None


def parse_codeowners(text: str) -> _Codeowners:
    parsed = _Codeowners()
    section: str | None = None
    section_owners: tuple[str, ...] = ()
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = _SECTION.fullmatch(line) if line[0] in "[^" else None
        if header:
            section = header.group(1).strip().lower()
            rest = _tokens(header.group("rest"))
            rest = rest[: next((i for i, t in enumerate(rest) if t.startswith("#")), len(rest))]
            section_owners = tuple(t for t in rest if _valid_owner(t))
            continue
        tokens = _tokens(line)
        end = next((i for i, t in enumerate(tokens) if i > 0 and t.startswith("#")), len(tokens))
        pattern, owners = tokens[0], tokens[1:end]
        bad = [t for t in owners if not _valid_owner(t)]
        if bad:
            parsed.skipped.append((number, f"{show(bad[0], 40)!r} is not an @user, @org/team or email"))
            continue
        rule = _Rule(number, pattern, tuple(owners) or section_owners, section)
        why = _compile(rule)
        if why:
            parsed.skipped.append((number, why))
            continue
        parsed.rules.append(rule)
    return parsed


def _glob(pattern: str, name: str) -> bool:
    """`*` and `?` wildcards within one path segment: greedy, one backtrack point, O(len^2) at worst."""
    p = n = 0
    star = -1
    resume = 0
    while n < len(name):
        if p < len(pattern) and (pattern[p] == "?" or pattern[p] == name[n]) and pattern[p] != "*":
            p += 1
            n += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, resume = p, n
            p += 1
        elif star >= 0:
            p = star + 1
            resume += 1
            n = resume
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def _match_segments(pattern: Sequence[str], path: Sequence[str]) -> bool:
    states = {0}
    for seg in pattern:
        if seg == "**":
            states = set(range(min(states), len(path) + 1))
        else:
            states = {i + 1 for i in states if i < len(path) and _glob(seg, path[i])}
        if not states:
            return False
    return len(path) in states


def _covers(rule: _Rule, folder: str) -> bool:
    """True when the rule matches every file in FOLDER ("" = the whole repository):
    gitignore-style, a file matches when it or a directory above it matches."""
    base = [s for s in folder.split("/") if s]
    if not rule.star_tail and any(_match_segments(rule.segments, base[:k]) for k in range(1, len(base) + 1)):
        return True  # the folder or one above it matches as a directory
    for depth in (1, 2, 3):  # files at any depth inside, named so no literal segment matches them
        path = [*base, *([_SENTINEL] * depth)]
        for k in range(len(base) + 1, len(path) + 1):
            is_file = k == len(path)
            if (is_file and rule.dir_only) or (not is_file and rule.star_tail):
                continue
            if _match_segments(rule.segments, path[:k]):
                break
        else:
            return False
    return True


def effective_rules(rules: Sequence[_Rule], folder: str) -> list[_Rule]:
    """The last covering rule of each section (GitLab sections combine; GitHub has one)."""
    last: dict[str | None, _Rule] = {}
    for rule in reversed(rules):
        if rule.section not in last and _covers(rule, folder):
            last[rule.section] = rule
    return sorted(last.values(), key=lambda r: r.line)


def _owners_text(owners: Sequence[str]) -> str:
    shown = ", ".join(show(o, 40) for o in owners[:5])
    return shown + (f" and {len(owners) - 5} more" if len(owners) > 5 else "")


def _codeowners_selects(path: str, params: Params) -> bool:
    return path in _CODEOWNERS_SET


def _codeowners_run(repo: Repo, params: Params) -> list[Finding]:
    probe = "codeowners-present"
    present = [p for p in CODEOWNERS_PATHS if repo.exists(p)]
    if not present:
        return [fail(probe, f"no CODEOWNERS file ({', '.join(CODEOWNERS_PATHS)})", repo)]
    path = present[0]
    text = repo.text(path)
    if text is None:
        return [unreadable(probe, repo, path)]
    shadowed = f" ({', '.join(present[1:])} ignored: {show_path(path)} takes precedence)" if len(present) > 1 else ""
    parsed = parse_codeowners(text)
    skipped = "".join(f"; line {n} skipped: {why}" for n, why in parsed.skipped[:3])
    folder = repo.prefix
    scope = f"the service folder {show(folder)}/" if folder else "the whole repository"
    if not parsed.rules:
        return [fail(probe, f"{show_path(path)} has no rules{skipped}{shadowed}", repo, [(path, None)])]
    effective = effective_rules(parsed.rules, folder)
    owned = [r for r in effective if r.owners]
    if owned:
        rule = owned[0]
        owners = _owners_text(rule.owners)
        message = f"{show_path(path)}:{rule.line}: `{show(rule.pattern)}` assigns {scope} to {owners}"
        return [finding(probe, Outcome.PASS, message + shadowed, repo, [(path, rule.line)])]
    if effective:
        rule = effective[-1]
        message = (
            f"{show_path(path)}:{rule.line}: `{show(rule.pattern)}` is the last rule matching {scope} "
            f"and names no owners, so it un-assigns it{skipped}"
        )
        return [fail(probe, message + shadowed, repo, [(path, rule.line)])]
    if not folder:
        with_owners = [r for r in parsed.rules if r.owners]
        if with_owners:
            rule = with_owners[0]
            message = (
                f"{show_path(path)}: no catch-all rule, but {len(with_owners)} rule(s) assign owners, "
                f"first `{show(rule.pattern)}` at line {rule.line}"
            )
            return [finding(probe, Outcome.PASS, message + shadowed, repo, [(path, rule.line)])]
        return [fail(probe, f"{show_path(path)}: no rule names an owner{skipped}{shadowed}", repo, [(path, None)])]
    message = f"{show_path(path)}: no rule covers {scope} (add `/{show(folder)}/ @org/team`){skipped}{shadowed}"
    return [fail(probe, message, repo, [(path, None)])]


# ---------------------------------------------------------------------------- catalog entries

_BACKSTAGE_NAMES = ("catalog-info.yaml", "catalog-info.yml")
_OPSLEVEL_NAMES = ("opslevel.yml", "opslevel.yaml")
_CORTEX_NAMES = ("cortex.yaml", "cortex.yml")
_CATALOG_NAMES = frozenset(_BACKSTAGE_NAMES + _OPSLEVEL_NAMES + _CORTEX_NAMES)
_ONCALL_ANNOTATIONS = (
    "pagerduty.com/service-id",
    "pagerduty.com/integration-key",
    "opsgenie.com/team",
    "opsgenie.com/component-selector",
)


def _basename(path: str) -> str:
    return path.rpartition("/")[2]


def _catalog_selects(path: str, params: Params) -> bool:
    return _basename(path) in _CATALOG_NAMES


def _candidates(repo: Repo, names: Sequence[str]) -> list[str]:
    """NAMES in the service folder first, then at the repository root; only those committed."""
    folders = [repo.prefix, ""] if repo.prefix else [""]
    return [p for folder in folders for name in names if repo.exists(p := _join(folder, name))]


@dataclass
class _Verdict:
    """One candidate file's answer: passes, or what is wrong with it, where."""

    passed: bool
    message: str
    line: int | None = None


def _invalid_yaml(path: str, problem: YamlProblem) -> list[_Verdict]:
    return [_Verdict(False, f"{show_path(path)}:{problem.line}: not valid YAML: {problem.message}", problem.line)]


def _field(node: yaml.Node | None, key: str, what: str, at: int | None) -> tuple[str | None, str, int | None]:
    """(value, problem, line) for a required string field of NODE, whose own key is at line AT."""
    value_node, key_line = entry(node, key)
    value = scalar(value_node)
    if not value:
        return None, ("no " if key_line is None else "empty ") + what, key_line or at
    if is_placeholder(value):
        return None, f"{what} is a placeholder ({show(value, 30)!r})", key_line
    return value, "", key_line


def _backstage_components(docs: Sequence[yaml.Node]) -> Iterator[yaml.Node]:
    for doc in docs:
        kind = scalar(child(doc, "kind"))
        if kind is not None and kind.lower() == "component":
            yield doc


def _check_backstage(path: str, text: str, require_lifecycle: bool) -> list[_Verdict]:
    docs, problem = compose_documents(text)
    if problem:
        return _invalid_yaml(path, problem)
    components = list(_backstage_components(docs))
    if not components:
        kinds = sorted({show(k, 20) for d in docs if (k := scalar(child(d, "kind")))})
        found = f" (found {', '.join(kinds)})" if kinds else ""
        return [_Verdict(False, f"{show_path(path)}: no entity of kind Component{found}", 1 if docs else None)]
    verdicts = []
    for doc in components:
        name = scalar(child(child(doc, "metadata"), "name")) or "(unnamed)"
        spec, spec_line = entry(doc, "spec")
        at = spec_line or entry(doc, "kind")[1]
        owner, owner_problem, owner_line = _field(spec, "owner", "spec.owner", at)
        lifecycle, life_problem, life_line = _field(spec, "lifecycle", "spec.lifecycle", at)
        problems = [(owner_problem, owner_line)]
        if require_lifecycle:
            problems.append((life_problem, life_line))
        missing = [(p, line) for p, line in problems if p]
        label = f"{show_path(path)}: Component {show(name, 40)!r}"
        if missing:
            first_line = missing[0][1]
            detail = "; ".join(f"{p} (line {line})" if line else p for p, line in missing)
            verdicts.append(_Verdict(False, f"{label}: {detail}", first_line))
        else:
            life = f", lifecycle {show(lifecycle, 30)}" if lifecycle else ", no lifecycle (not required)"
            verdicts.append(_Verdict(True, f"{label}: owner {show(owner, 40)}{life}", owner_line))
    return verdicts


def _check_opslevel(path: str, text: str, require_lifecycle: bool) -> list[_Verdict]:
    docs, problem = compose_documents(text)
    if problem:
        return _invalid_yaml(path, problem)
    service, at = entry(docs[0], "service") if docs else (None, None)
    if service is None:
        return [_Verdict(False, f"{show_path(path)}: no `service:` section", 1 if docs else None)]
    owner, owner_problem, owner_line = _field(service, "owner", "service.owner", at)
    lifecycle, life_problem, life_line = _field(service, "lifecycle", "service.lifecycle", at)
    missing = [(owner_problem, owner_line)] + ([(life_problem, life_line)] if require_lifecycle else [])
    missing = [(p, line) for p, line in missing if p]
    if missing:
        detail = "; ".join(f"{p} (line {line})" if line else p for p, line in missing)
        return [_Verdict(False, f"{show_path(path)}: {detail}", missing[0][1])]
    life = f", lifecycle {show(lifecycle, 30)}" if lifecycle else ""
    return [_Verdict(True, f"{show_path(path)}: owner {show(owner, 40)}{life}", owner_line)]


def _check_cortex(path: str, text: str, require_lifecycle: bool) -> list[_Verdict]:
    """Cortex descriptors have owners (info.x-cortex-owners) but no lifecycle field."""
    docs, problem = compose_documents(text)
    if problem:
        return _invalid_yaml(path, problem)
    info, info_line = entry(docs[0], "info") if docs else (None, None)
    owners_node, owners_line = entry(info, "x-cortex-owners")
    if not isinstance(owners_node, yaml.SequenceNode) or not owners_node.value:
        at = owners_line or info_line or (1 if docs else None)
        return [_Verdict(False, f"{show_path(path)}: no owners under info.x-cortex-owners", at)]
    for item in owners_node.value:
        for key in ("name", "email", "value"):
            value = scalar(child(item, key))
            if value and not is_placeholder(value):
                message = f"{show_path(path)}: owner {show(value, 40)} (x-cortex-owners)"
                return [_Verdict(True, message, node_line(item))]
    return [_Verdict(False, f"{show_path(path)}: info.x-cortex-owners names no owner", owners_line)]


def _catalog_run(repo: Repo, params: Params) -> list[Finding]:
    probe = "catalog-entry"
    require_lifecycle = bool(params.get("require_lifecycle", True))
    checks = (
        (_BACKSTAGE_NAMES, _check_backstage),
        (_OPSLEVEL_NAMES, _check_opslevel),
        (_CORTEX_NAMES, _check_cortex),
    )
    failures: list[Finding] = []
    errors: list[Finding] = []
    for names, check in checks:
        for path in _candidates(repo, names):
            text = repo.text(path)
            if text is None:
                errors.append(unreadable(probe, repo, path))
                continue
            for verdict in check(path, text, require_lifecycle):
                if verdict.passed:
                    return [finding(probe, Outcome.PASS, verdict.message, repo, [(path, verdict.line)])]
                failures.append(fail(probe, verdict.message, repo, [(path, verdict.line)]))
    if errors:
        return errors  # the unread file may hold the entry: no verdict on partial data
    if failures:
        return failures
    where = f"{show(repo.prefix)}/ or the repository root" if repo.prefix else "the repository root"
    names = ", ".join((_BACKSTAGE_NAMES[0], _OPSLEVEL_NAMES[0], _CORTEX_NAMES[0]))
    return [fail(probe, f"no catalog entry ({names}) in {where}", repo)]


def _oncall_in_backstage(path: str, text: str) -> list[_Verdict]:
    docs, problem = compose_documents(text)
    if problem:
        return _invalid_yaml(path, problem)
    entities = [d for d in docs if scalar(child(d, "kind"))]
    if not entities:
        return [_Verdict(False, f"{show_path(path)}: no catalog entity (no `kind:`)", 1 if docs else None)]
    # the Component carries the service's rotation; other kinds are looked at after it
    entities.sort(key=lambda d: (scalar(child(d, "kind")) or "").lower() != "component")
    verdicts = []
    for doc in entities:
        metadata, metadata_line = entry(doc, "metadata")
        annotations, annotations_line = entry(metadata, "annotations")
        kind = show(scalar(child(doc, "kind")), 20)
        label = f"{show_path(path)}: {kind} {show(scalar(child(metadata, 'name')) or '(unnamed)', 40)!r}"
        placeholder = None
        for key in _ONCALL_ANNOTATIONS:
            node, key_line = entry(annotations, key)
            value = scalar(node)
            if value and not is_placeholder(value):
                return [_Verdict(True, f"{label}: {key} is set", key_line)]
            if key_line is not None and placeholder is None:
                placeholder = (key, key_line)
        if placeholder:
            key, key_line = placeholder
            verdicts.append(_Verdict(False, f"{label}: {key} is empty or a placeholder", key_line))
        else:
            at = annotations_line or metadata_line or entry(doc, "kind")[1]
            message = f"{label}: no {', '.join(_ONCALL_ANNOTATIONS[:-1])} or {_ONCALL_ANNOTATIONS[-1]} annotation"
            verdicts.append(_Verdict(False, message, at))
    return verdicts


def _oncall_in_cortex(path: str, text: str) -> list[_Verdict]:
    docs, problem = compose_documents(text)
    if problem:
        return _invalid_yaml(path, problem)
    info, info_line = entry(docs[0], "info") if docs else (None, None)
    oncall, oncall_line = entry(info, "x-cortex-oncall")
    for tool in ("pagerduty", "opsgenie"):
        node, key_line = entry(child(oncall, tool), "id")
        value = scalar(node)
        if value and not is_placeholder(value):
            return [_Verdict(True, f"{show_path(path)}: x-cortex-oncall.{tool}.id is set", key_line)]
    at = oncall_line or info_line or (1 if docs else None)
    return [_Verdict(False, f"{show_path(path)}: no x-cortex-oncall pagerduty or opsgenie id", at)]


def _oncall_selects(path: str, params: Params) -> bool:
    name = _basename(path)
    return name in _BACKSTAGE_NAMES or name in _CORTEX_NAMES


def _oncall_run(repo: Repo, params: Params) -> list[Finding]:
    probe = "oncall-declared"
    failures: list[Finding] = []
    errors: list[Finding] = []
    for names, check in ((_BACKSTAGE_NAMES, _oncall_in_backstage), (_CORTEX_NAMES, _oncall_in_cortex)):
        for path in _candidates(repo, names):
            text = repo.text(path)
            if text is None:
                errors.append(unreadable(probe, repo, path))
                continue
            for verdict in check(path, text):
                if verdict.passed:
                    return [finding(probe, Outcome.PASS, verdict.message, repo, [(path, verdict.line)])]
                failures.append(fail(probe, verdict.message, repo, [(path, verdict.line)]))
    if errors:
        return errors
    if failures:
        return failures
    where = f"{show(repo.prefix)}/ or the repository root" if repo.prefix else "the repository root"
    return [fail(probe, f"no catalog entry (catalog-info.yaml) in {where} to name the on-call rotation", repo)]


PROBES: tuple[RepoProbe, ...] = (
    RepoProbe("codeowners-present", _codeowners_selects, _codeowners_run, frozenset({"codeowners"})),
    RepoProbe("catalog-entry", _catalog_selects, _catalog_run, _CATALOG_NAMES),
    RepoProbe("oncall-declared", _oncall_selects, _oncall_run, frozenset(_BACKSTAGE_NAMES + _CORTEX_NAMES)),
)
