"""Capacity and disaster-recovery probes: load tests, the DR plan, scheduled backups.

Only committed text is read; no load test, script or manifest is ever run. Load test
scripts are recognised by their imports (k6, Locust) or XML elements (JMeter) among
files whose path names load or performance testing, so the probe does not read every
JavaScript or Python file of a large repository. YAML goes through the safe loader's
composer (nodes only, no constructors). Prose lines are clipped before any pattern is
applied, and every pattern has bounded repetition."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import astuple, dataclass

import yaml

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, in_service, unreadable
from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.outcomes import fail
from prr.probes.repo.printable import show, show_path
from prr.probes.repo.yaml_nodes import child, compose_documents, key_line, scalar

_MAX_LINE = 2000


def _split(path: str) -> tuple[str, str, str]:
    """(folder, basename lower-cased, extension lower-cased)."""
    folder, _, name = path.rpartition("/")
    name = name.lower()
    return folder, name, name.rpartition(".")[2] if "." in name else ""


# ---------------------------------------------------------------------------- load-tests-present

_SCRIPT_EXTENSIONS = frozenset({"js", "mjs", "cjs", "ts", "mts"})
# a path segment containing one of these marks load or performance testing
_LOAD_MARKERS = ("k6", "load", "perf", "stress", "soak", "spike", "bench", "locust", "jmeter", "gatling", "capacity")
_LOAD_MARKED = re.compile("|".join(_LOAD_MARKERS))  # one search, not eleven
_VENDORED = ("node_modules/", "vendor/", "dist/", "site-packages/")

_K6_IMPORT = re.compile(r"""(?:\bfrom|\bimport|\brequire\s{0,20}\()\s{0,20}["']k6(?:/[A-Za-z0-9_./-]{0,60})?["']""")
_K6_ENTRY = re.compile(r"\bexport\s{1,20}(?:default\b|(?:const|let|var)\s{1,20}options\b)")
_K6_THRESHOLDS = re.compile(r"""(?<![\w$.])["']?thresholds["']?\s{0,20}(?P<after>[:,}])\s{0,20}""")
_LOCUST_IMPORT = re.compile(r"^\s{0,40}(?:from\s{1,20}locust(?:\.[\w.]{1,60})?\s{1,20}import\b|import\s{1,20}locust\b)")
_LOCUST_USER = re.compile(r"^\s{0,40}class\s{1,20}\w{1,100}\s{0,20}\((?P<bases>[^)\n]{0,300})\)")
_LOCUST_TASKS = re.compile(r"^\s{0,40}(?:@(?:locust\.)?task\b|tasks\s{0,20}=)")
_JMETER_THREAD_GROUP = re.compile(r"<(?P<tag>[\w.]{0,100}ThreadGroup)\b(?P<attrs>[^>]{0,4000})>")
_JMETER_SAMPLER = re.compile(r"<[\w.]{0,100}Sampler(?:Proxy)?\b")


def _load_selects(path: str, params: Params) -> bool:
    _, name, ext = _split(path)
    if ext == "jmx":
        return True
    if ext not in _SCRIPT_EXTENSIONS and ext != "py":
        return False
    if name == "locustfile.py":
        return True
    low = path.lower()
    # Markers first: most source files of a monorepo have none, and need no other test.
    return _LOAD_MARKED.search(low) is not None and not any(v in low for v in _VENDORED)


def _strip_js_comments(text: str) -> str:
    """Blank out // and /* */ comments, keeping newlines (so line numbers hold) and strings."""
    out: list[str] = []
    i, n = 0, len(text)
    quote = ""
    while i < n:
        ch = text[i]
        if quote:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if ch == quote or (ch == "\n" and quote != "`"):
                quote = ""
            i += 1
        elif ch in "\"'`":
            quote = ch
            out.append(ch)
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            stop = n if end < 0 else end + 2
            out.append("\n" * text.count("\n", i, stop))
            i = stop
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class _Result:
    outcome: Outcome
    message: str
    line: int | None


def _line_of(text: str, match: re.Match[str]) -> int:
    return text.count("\n", 0, match.start()) + 1


def _check_k6(path: str, text: str) -> _Result | None:
    if "k6" not in text:
        return None
    code = _strip_js_comments(text)
    imported = _K6_IMPORT.search(code)
    if not imported or not _K6_ENTRY.search(code):
        return None  # not k6, or a helper module without options or a default function
    thresholds = _K6_THRESHOLDS.search(code)
    if thresholds:
        rest = code[thresholds.end() : thresholds.end() + 200]
        line = _line_of(code, thresholds)
        empty = rest.startswith("{") and rest[1:].lstrip().startswith("}")
        if thresholds.group("after") == ":" and empty:
            return _Result(
                Outcome.FAIL, f"{show_path(path)}:{line}: k6 script with empty thresholds: it can never fail", line
            )
        return _Result(Outcome.PASS, f"{show_path(path)}:{line}: k6 script with pass/fail thresholds", line)
    line = _line_of(code, imported)
    return _Result(
        Outcome.FAIL, f"{show_path(path)}: k6 script without thresholds in its options: it never fails a run", line
    )


def _check_locust(path: str, text: str) -> _Result | None:
    lines = [line[:_MAX_LINE] for line in text.split("\n")]
    if not any(_LOCUST_IMPORT.match(line) for line in lines):
        return None
    user_line = None
    for number, line in enumerate(lines, 1):
        match = _LOCUST_USER.match(line)
        if match and re.search(r"\b(?:Http|FastHttp)?User\b", match.group("bases")):
            user_line = number
            break
    if user_line is None:
        return _Result(Outcome.FAIL, f"{show_path(path)}: imports locust but defines no User or HttpUser class", None)
    if not any(_LOCUST_TASKS.match(line) for line in lines):
        return _Result(Outcome.FAIL, f"{show_path(path)}:{user_line}: Locust user without @task or tasks", user_line)
    return _Result(Outcome.PASS, f"{show_path(path)}:{user_line}: Locust load test", user_line)


def _check_jmeter(path: str, text: str) -> _Result:
    groups = list(_JMETER_THREAD_GROUP.finditer(text))
    if not groups:
        return _Result(Outcome.FAIL, f"{show_path(path)}: JMeter plan without a thread group", None)
    enabled = [g for g in groups if 'enabled="false"' not in g.group("attrs")]
    if not enabled:
        line = _line_of(text, groups[0])
        return _Result(Outcome.FAIL, f"{show_path(path)}:{line}: every JMeter thread group is disabled", line)
    line = _line_of(text, enabled[0])
    if not _JMETER_SAMPLER.search(text):
        return _Result(Outcome.FAIL, f"{show_path(path)}:{line}: JMeter thread group without a sampler", line)
    return _Result(Outcome.PASS, f"{show_path(path)}:{line}: JMeter plan ({show(enabled[0].group('tag'), 60)})", line)


def _load_run(repo: Repo, params: Params) -> list[Finding]:
    probe = "load-tests-present"
    results: list[Finding] = []
    unread: list[Finding] = []
    for file in repo.files():
        path = file.path
        if not in_service(repo, path):
            continue
        text = repo.text(path)
        _, _, ext = _split(path)
        if text is None:
            # a JMeter plan is a load test whatever it holds; a script candidate may not be one
            (results if ext == "jmx" else unread).append(unreadable(probe, repo, path))
            continue
        if ext == "jmx":
            result: _Result | None = _check_jmeter(path, text)
        elif ext == "py":
            result = _check_locust(path, text)
        else:
            result = _check_k6(path, text)
        if result is None:
            continue
        remediation = SPECS[probe].remediation if result.outcome is Outcome.FAIL else ""
        results.append(finding(probe, result.outcome, result.message, repo, [(path, result.line)], remediation))
    if results:
        return results
    if unread:
        return unread  # one of these may be the load test: no verdict on partial data
    return [fail(probe, "no load test (k6 script with thresholds, Locust file or JMeter plan) found", repo)]


# ---------------------------------------------------------------------------- dr-plan

_DOC_EXTENSIONS = frozenset({"md", "markdown", "mdx"})
_DR_STEMS = ("disaster", "backup", "recover", "restor", "continuity")
_DR_TOKENS = frozenset({"dr", "drp", "bcp", "bcdr"})
_RTO = re.compile(r"\b(?:RTO|recovery[ -]time[ -]objective)\b", re.IGNORECASE)
_RPO = re.compile(r"\b(?:RPO|recovery[ -]point[ -]objective)\b", re.IGNORECASE)
_DURATION = re.compile(
    r"(?<![\w.])(?:\d{1,6}(?:[.,]\d{1,3})?\s{0,3}(?:seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w)\b"
    r"|zero\b|0\b|PT\d)",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s")
_LIST_ITEM = re.compile(r"^\s{0,12}(?:[-*+]|\d{1,3}[.)])\s{1,10}\S")
_FENCE = ("```", "~~~")


def _norm_param_path(raw: object) -> str | None:
    """A `paths` entry, lower-cased, relative to the service folder ("" for all of it);
    None for entries that are not text or climb out of the folder."""
    if not isinstance(raw, str):
        return None
    parts = [p for p in raw.replace("\\", "/").lower().split("/") if p not in ("", ".")]
    return None if ".." in parts else "/".join(parts)


def _param_paths(params: Params) -> tuple[str, ...]:
    raw = params.get("paths")
    values = tuple(raw) if isinstance(raw, list | tuple) else (raw,)
    try:
        return _normalised(values)
    except TypeError:  # an unhashable entry (a table in a pack's params): normalised afresh
        return _normalised.__wrapped__(values)


@functools.lru_cache(maxsize=64)
def _normalised(values: tuple[object, ...]) -> tuple[str, ...]:
    """Cached: selection asks for every path of a monorepo with the same params."""
    return tuple(dict.fromkeys(p for p in (_norm_param_path(v) for v in values) if p is not None))


def _shared(path: str) -> bool:
    """Shared by every service of a monorepo: top-level files and docs/, .github/, .gitlab/."""
    return "/" not in path or path.startswith(("docs/", ".github/", ".gitlab/"))


def _dr_named(rel: str) -> bool:
    tokens = re.split(r"[^a-z0-9]+", rel.lower())
    return any(t in _DR_TOKENS or t.startswith(_DR_STEMS) or "disaster" in t or "backup" in t for t in tokens)


def _dr_selects(path: str, params: Params) -> bool:
    """Cheap superset: a markdown file below any of `paths` at any depth (the service
    folder is not known here; run() narrows to the service folder and shared files)."""
    _, _, ext = _split(path)
    if ext not in _DOC_EXTENSIONS:
        return False
    slashed = "/" + path.lower()
    return any(
        not base or slashed.endswith("/" + base) or ("/" + base + "/") in slashed for base in _param_paths(params)
    )


def _under(rel: str, base: str) -> bool:
    """REL is the file BASE names, or a DR-named document below the folder BASE."""
    if rel == base:
        return True
    if base and not rel.startswith(base + "/"):
        return False
    return _dr_named(rel[len(base) + 1 :] if base else rel)


def _dr_candidates(repo: Repo, params: Params) -> list[str]:
    """Documents under `paths` in the service folder, then under `paths` among the files
    every service shares (a top-level DR.md, docs/disaster-recovery.md)."""
    bases = _param_paths(params)
    own: list[str] = []
    shared: list[str] = []
    for file in repo.files():
        path, low = file.path, file.path.lower()
        if in_service(repo, path):
            rel = low[len(repo.prefix) + 1 :] if repo.prefix else low
            if any(_under(rel, base) for base in bases):
                own.append(path)
                continue
        if repo.prefix and _shared(path) and any(_under(low, base) for base in bases):
            shared.append(path)
    return own + shared


@dataclass
class _DrFacts:
    rto: int | None = None
    rpo: int | None = None
    rto_blank: int | None = None  # RTO named, but without a duration
    rpo_blank: int | None = None
    restore: int | None = None


def _objective(lines: Sequence[str], index: int, match: re.Match[str]) -> bool:
    """A duration after the RTO/RPO on its line or, when nothing else follows it there
    (a heading `## RTO`, a label `RTO:`), on the next non-empty line."""
    line = lines[index]
    if _DURATION.search(line, match.end()):
        return True
    if any(ch.isalnum() for ch in line[match.end() :]):
        return False  # `RTO: TBD`, `| RTO | ask ops |`: named, but no duration
    for following in lines[index + 1 : index + 3]:
        if following.strip():
            if _HEADING.match(following) or _RTO.search(following) or _RPO.search(following):
                return False
            return bool(_DURATION.search(following))
    return False


def _dr_facts(text: str) -> _DrFacts:
    facts = _DrFacts()
    lines = [line[:_MAX_LINE] for line in text.split("\n")]
    fenced = False
    section: tuple[int, int] | None = None  # (heading level, line) of an open restore section
    for index, line in enumerate(lines):
        number = index + 1
        if line.lstrip().startswith(_FENCE):
            fenced = not fenced
            if section and facts.restore is None:
                facts.restore = section[1]  # a code block under a restore heading: the commands
            continue
        for pattern, have, blank in ((_RTO, "rto", "rto_blank"), (_RPO, "rpo", "rpo_blank")):
            match = pattern.search(line)
            if match and getattr(facts, have) is None:
                if _objective(lines, index, match):
                    setattr(facts, have, number)
                elif getattr(facts, blank) is None:
                    setattr(facts, blank, number)
        if fenced:
            continue
        heading = _HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            if section and level <= section[0]:
                section = None
            if "restor" in line.lower():
                section = (level, number)
            continue
        if _LIST_ITEM.match(line):
            if section and facts.restore is None:
                facts.restore = section[1]
            elif facts.restore is None and "restor" in line.lower():
                facts.restore = number
    return facts


def _dr_run(repo: Repo, params: Params) -> list[Finding]:
    probe = "dr-plan"
    failures: list[Finding] = []
    errors: list[Finding] = []
    for path in _dr_candidates(repo, params):
        found = repo.derived("dr-facts-v1", path, lambda text: astuple(_dr_facts(text)))
        if found is None:
            errors.append(unreadable(probe, repo, path))
            continue
        facts = _DrFacts(*found)
        if facts.rto and facts.rpo and facts.restore:
            message = (
                f"{show_path(path)}: RTO (line {facts.rto}), RPO (line {facts.rpo}), "
                f"restore steps (line {facts.restore})"
            )
            at = [(path, facts.rto), (path, facts.rpo), (path, facts.restore)]
            return [finding(probe, Outcome.PASS, message, repo, at)]
        missing: list[tuple[str, int | None]] = []
        for name, have, blank in (("RTO", facts.rto, facts.rto_blank), ("RPO", facts.rpo, facts.rpo_blank)):
            if not have:
                missing.append((f"{name} named without a duration (line {blank})" if blank else f"no {name}", blank))
        if not facts.restore:
            missing.append(("no restore steps (a heading or list item about restoring)", None))
        line = next((at for _, at in missing if at), None)
        failures.append(fail(probe, f"{show_path(path)}: " + "; ".join(m for m, _ in missing), repo, [(path, line)]))
    if errors:
        return errors
    if failures:
        return failures
    searched = ", ".join(p or "." for p in _param_paths(params)) or "(no paths)"
    where = f" in {show(repo.prefix)}/ or the shared top-level files" if repo.prefix else ""
    return [fail(probe, f"no disaster-recovery or backup document under {show(searched, 200)}{where}", repo)]


# ---------------------------------------------------------------------------- backup-schedules

_CRON_DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_CRON_FIELD = re.compile(r"[0-9A-Za-z*/,\-?LW#]{1,100}")
_BACKUP_WORDS = ("backup", "dump", "pgbackrest", "wal-g", "restic", "barman", "xtrabackup", "snapshot")
_TEMPLATED = "__prr_templated__"


def _detemplate(text: str) -> str:
    """Helm/Go-template lines made parseable: `{{ ... }}` alone on a line is dropped and
    inline expressions become a marker scalar. Linear: a plain scan, no regular expression."""
    out = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("{{") and stripped.endswith("}}") and stripped.count("{{") == 1:
            out.append("")
            continue
        pieces = []
        i = 0
        while True:
            start = line.find("{{", i)
            if start < 0:
                pieces.append(line[i:])
                break
            end = line.find("}}", start + 2)
            if end < 0:
                pieces.append(line[i:])
                break
            pieces.append(line[i:start] + _TEMPLATED)
            i = end + 2
        out.append("".join(pieces))
    return "\n".join(out)


def _true(node: yaml.Node | None) -> bool:
    return (scalar(node) or "").lower() in ("true", "yes", "on")


def _valid_cron(value: str) -> bool:
    if _TEMPLATED in value:
        return True  # set by the chart's values: present, not checkable here
    fields = value.split()
    if fields and fields[0].startswith(("CRON_TZ=", "TZ=")):
        fields = fields[1:]
    if len(fields) == 1 and fields[0] in _CRON_DESCRIPTORS:
        return True
    if len(fields) == 2 and fields[0] == "@every":
        return True
    return len(fields) in (5, 6) and all(_CRON_FIELD.fullmatch(f) for f in fields)


def _containers(pod_spec: yaml.Node | None) -> Iterator[yaml.Node]:
    for key in ("containers", "initContainers"):
        node = child(pod_spec, key)
        if isinstance(node, yaml.SequenceNode):
            yield from node.value


def _scalars(node: yaml.Node | None) -> Iterator[str]:
    """Scalar strings of a container's name, image, command and args (one level deep)."""
    if isinstance(node, yaml.ScalarNode):
        yield str(node.value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value[:200]:
            if isinstance(item, yaml.ScalarNode):
                yield str(item.value)


def _is_backup_job(doc: yaml.Node, pod_spec: yaml.Node | None) -> bool:
    words = [scalar(child(child(doc, "metadata"), "name")) or ""]
    for container in _containers(pod_spec):
        for key in ("name", "image", "command", "args"):
            words.extend(_scalars(child(container, key)))
    low = " ".join(w[:_MAX_LINE] for w in words).lower()
    return any(word in low for word in _BACKUP_WORDS)


def _schedule_result(path: str, doc: yaml.Node, label: str, paused_key: str) -> _Result:
    spec = child(doc, "spec")
    at = key_line(doc, "spec") or key_line(doc, "kind") or doc.start_mark.line + 1
    schedule_node = child(spec, "schedule")
    schedule = scalar(schedule_node)
    if not schedule:
        return _Result(Outcome.FAIL, f"{show_path(path)}:{at}: {label} has no spec.schedule", at)
    line = key_line(spec, "schedule") or at
    if not _valid_cron(schedule):
        return _Result(
            Outcome.FAIL, f"{show_path(path)}:{line}: {label} schedule {show(schedule, 40)!r} is not cron", line
        )
    if _true(child(spec, paused_key)):
        paused_line = key_line(spec, paused_key) or line
        return _Result(Outcome.FAIL, f"{show_path(path)}:{paused_line}: {label} is {paused_key} (true)", paused_line)
    shown = "set by template values" if _TEMPLATED in schedule else show(schedule, 40)
    return _Result(Outcome.PASS, f"{show_path(path)}:{line}: {label} runs on {shown}", line)


def _backup_results(path: str, docs: Sequence[yaml.Node]) -> Iterator[_Result]:
    for doc in docs:
        kind = scalar(child(doc, "kind")) or ""
        api = scalar(child(doc, "apiVersion")) or ""
        name = show(scalar(child(child(doc, "metadata"), "name")) or "(unnamed)", 40)
        if kind == "Schedule" and api.startswith("velero.io/"):
            yield _schedule_result(path, doc, f"Velero Schedule {name!r}", "paused")
        elif kind == "ScheduledBackup" and api.startswith("postgresql.cnpg.io/"):
            result = _schedule_result(path, doc, f"CloudNativePG ScheduledBackup {name!r}", "suspend")
            cluster = scalar(child(child(child(doc, "spec"), "cluster"), "name"))
            if result.outcome is Outcome.PASS and not cluster:
                message = f"{show_path(path)}:{result.line}: ScheduledBackup {name!r} names no spec.cluster.name"
                result = _Result(Outcome.FAIL, message, result.line)
            yield result
        elif kind == "CronJob" and api.startswith("batch/"):
            pod_spec = child(child(child(child(child(doc, "spec"), "jobTemplate"), "spec"), "template"), "spec")
            if _is_backup_job(doc, pod_spec):
                yield _schedule_result(path, doc, f"backup CronJob {name!r}", "suspend")


def _backup_selects(path: str, params: Params) -> bool:
    _, _, ext = _split(path)
    return ext in ("yaml", "yml")


def _backup_run(repo: Repo, params: Params) -> list[Finding]:
    probe = "backup-schedules"
    results: list[Finding] = []
    unsure: list[Finding] = []
    for file in repo.files():
        path = file.path
        if not in_service(repo, path):
            continue
        text = repo.text(path)
        if text is None:
            unsure.append(unreadable(probe, repo, path))
            continue
        if "Schedule" not in text and "CronJob" not in text:
            continue
        docs, problem = compose_documents(text)
        if problem is not None and "{{" in text:
            docs, problem = compose_documents(_detemplate(text))
        for result in _backup_results(path, docs):
            remediation = SPECS[probe].remediation if result.outcome is Outcome.FAIL else ""
            results.append(finding(probe, result.outcome, result.message, repo, [(path, result.line)], remediation))
        if problem is not None:
            stopped = problem.line
            message = (
                f"{show_path(path)}:{stopped}: not valid YAML after line {stopped}; a schedule there could not be read"
            )
            unsure.append(finding(probe, Outcome.ERROR, message, repo, [(path, stopped)]))
    if results:
        return results
    if unsure:
        return unsure  # a schedule may hide in what could not be read: no verdict on partial data
    return [fail(probe, "no backup schedule as code (Velero Schedule, ScheduledBackup, backup CronJob) found", repo)]


PROBES: tuple[RepoProbe, ...] = (
    RepoProbe(
        "load-tests-present",
        _load_selects,
        _load_run,
        frozenset({".jmx", ".py", *(f".{e}" for e in _SCRIPT_EXTENSIONS)}),
    ),
    RepoProbe("dr-plan", _dr_selects, _dr_run, frozenset(f".{e}" for e in _DOC_EXTENSIONS)),
    RepoProbe("backup-schedules", _backup_selects, _backup_run, frozenset({".yaml", ".yml"})),
)
