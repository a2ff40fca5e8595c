"""Runbook probes: is there a real runbook, and does some document say how to roll back?

Documents are Markdown, reStructuredText or AsciiDoc, read by `documents`; only their
prose counts (`prose`), so a placeholder inside a code block, a list of links or a
heading alone never passes for a runbook."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, in_service, unreadable
from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.documents import Document, Heading, Kind, parse_document
from prr.probes.repo.prose import placeholders, prose_total, strip_links, words
from prr.probes.repo.verdicts import exists_verdict

DOC_EXTENSIONS = (".md", ".markdown", ".rst", ".adoc")
ROLLBACK_MIN_WORDS = 15


# ---------------------------------------------------------------------------------------
# Where the probes look.


def is_document(path: str) -> bool:
    return path.lower().endswith(DOC_EXTENSIONS)


def _search_paths(params: Params) -> tuple[str, ...]:
    raw = params.get("paths") or []
    return _cleaned_paths(tuple([raw] if isinstance(raw, str) else raw))


@functools.lru_cache(maxsize=64)
def _cleaned_paths(raw: tuple[object, ...]) -> tuple[str, ...]:
    """Memoised: selection asks this for every candidate path of a large repository."""
    out = []
    for entry in raw:
        if isinstance(entry, str):
            cleaned = entry.strip().strip("/")
            while cleaned.startswith("./"):
                cleaned = cleaned[2:].lstrip("/")
            if cleaned and cleaned != ".":
                out.append(cleaned)
            elif cleaned in ("", "."):
                out.append("")  # the whole service folder
    return tuple(out)


def _selects_under_paths(path: str, params: Params) -> bool:
    """Cheap: could PATH lie under one of the searched paths, for some service folder? A
    document anywhere under a searched folder, or a file a searched path names exactly."""
    slashed = "/" + path.lower()
    document = slashed.endswith(DOC_EXTENSIONS)
    for p in _lower_paths(_search_paths(params)):
        if slashed.endswith("/" + p if p else "/"):
            return True
        if document and (not p or ("/" + p + "/") in slashed):
            return True
    return False


@functools.lru_cache(maxsize=64)
def _lower_paths(paths: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p.lower() for p in paths)


def _relative(repo: Repo, path: str) -> str | None:
    if not in_service(repo, path):
        return None
    return path[len(repo.prefix) + 1 :] if repo.prefix else path


def documents_under(repo: Repo, params: Params) -> list[str]:
    """Committed documents under the searched paths, relative to the service folder."""
    searched = [p.lower() for p in _search_paths(params)]
    out = []
    for file in repo.files():
        rel = _relative(repo, file.path)
        if rel is None:
            continue
        lower = rel.lower()
        for p in searched:
            if not p or lower == p or lower.startswith(p + "/"):
                if is_document(rel) or lower == p:
                    out.append(file.path)
                break
    return out


def _shown(params: Params) -> str:
    return ", ".join(_search_paths(params)) or "the service folder"


def _remediation(probe: str) -> str:
    return SPECS[probe].remediation


# ---------------------------------------------------------------------------------------
# runbook-present


def _assess_runbook(doc: Document, min_words: int, sections: Sequence[str]) -> tuple[list[str], list[int], str]:
    """(problems, problem lines, what it has)."""
    problems: list[str] = []
    lines: list[int] = []
    count = prose_total(doc)
    if count < min_words:
        problems.append(f"{count} prose words, {min_words} needed (links, headings and code do not count)")
    matched = []
    for stem in sections:
        hit = next((h for h in doc.headings if stem.lower() in h.text.lower()), None)
        if hit is None:
            problems.append(f"no heading containing {stem!r}")
        else:
            matched.append(hit.text)
    for number, word in placeholders(doc):
        problems.append(f"placeholder {word!r} on line {number}")
        lines.append(number)
    have = f"{count} prose words" + (f"; sections: {', '.join(matched)}" if matched else "")
    return problems, lines, have


def _sections(params: Params) -> list[str]:
    raw = params.get("sections") or []
    if isinstance(raw, str):
        raw = [raw]
    return [s for s in raw if isinstance(s, str) and s.strip()]


def _run_runbook_present(repo: Repo, params: Params) -> list[Finding]:
    probe = "runbook-present"
    min_words = params.get("min_words", 80)
    min_words = min_words if isinstance(min_words, int) and not isinstance(min_words, bool) else 80
    sections = _sections(params)
    paths = documents_under(repo, params)
    if not paths:
        return [
            finding(
                probe,
                Outcome.FAIL,
                f"no runbook: no Markdown, reStructuredText or AsciiDoc file under {_shown(params)}",
                remediation=_remediation(probe),
            )
        ]
    passes, fails, unknown = [], [], []
    for path in paths:
        text = repo.text(path)
        if text is None:
            unknown.append(unreadable(probe, repo, path))
            continue
        problems, lines, have = _assess_runbook(parse_document(text, path), min_words, sections)
        if problems:
            at = [(path, line) for line in lines] or [(path, None)]
            message = f"{path} is not a real runbook: " + "; ".join(problems)
            fails.append(finding(probe, Outcome.FAIL, message, repo, at, _remediation(probe)))
        else:
            passes.append(finding(probe, Outcome.PASS, f"{path} is a runbook ({have})", repo, [(path, None)]))
    return exists_verdict(passes, fails, unknown)


# ---------------------------------------------------------------------------------------
# rollback-documented

_ROLLBACK = re.compile(r"roll(?:ing)?[ \t-]?back|revert", re.IGNORECASE)


def _rollback_sections(doc: Document) -> list[tuple[Heading, bool]]:
    """Each rollback heading, with whether a step follows it in its section."""
    out = []
    by_line = {line.number: index for index, line in enumerate(doc.lines)}
    for position, heading in enumerate(doc.headings):
        if not _ROLLBACK.search(heading.text):
            continue
        end = next(
            (h.line for h in doc.headings[position + 1 :] if h.level <= heading.level),
            len(doc.lines) + 1,
        )
        start = by_line.get(heading.line, 0) + 1
        steps = False
        count = 0
        for line in doc.lines[start:]:
            if line.number >= end:
                break
            if line.kind is Kind.CODE or (line.kind is Kind.PROSE and line.list_item):
                steps = True
                break
            if line.kind is Kind.PROSE:
                count += words(strip_links(line.text, keep_text=True)[0])
                if count >= ROLLBACK_MIN_WORDS:
                    steps = True
                    break
        out.append((heading, steps))
    return out


def _rollback_lines(text: str, path: str) -> list[tuple[int, bool]]:
    """Each rollback heading's line, with whether a step follows it (derived per file)."""
    return [(heading.line, steps) for heading, steps in _rollback_sections(parse_document(text, path))]


def _run_rollback_documented(repo: Repo, params: Params) -> list[Finding]:
    probe = "rollback-documented"
    paths = documents_under(repo, params)
    found: list[tuple[str, int]] = []
    empty: list[tuple[str, int]] = []
    unknown = []
    for path in paths:
        sections = repo.derived("rollback-sections-v1", path, lambda text, path=path: _rollback_lines(text, path))
        if sections is None:
            unknown.append(unreadable(probe, repo, path))
            continue
        for line, steps in sections:
            (found if steps else empty).append((path, line))
    if found:
        shown = ", ".join(f"{p}:{n}" for p, n in found)
        return [finding(probe, Outcome.PASS, f"rollback documented at {shown}", repo, found)]
    if unknown:
        return unknown
    if empty:
        shown = ", ".join(f"{p}:{n}" for p, n in empty)
        message = (
            f"rollback heading without steps at {shown}: no list item, code block or "
            f"{ROLLBACK_MIN_WORDS} words before the next heading"
        )
        return [finding(probe, Outcome.FAIL, message, repo, empty, _remediation(probe))]
    where = f"{len(paths)} document(s) under {_shown(params)}" if paths else f"no documents under {_shown(params)}"
    return [
        finding(
            probe,
            Outcome.FAIL,
            f"no rollback, roll back or revert heading: {where}",
            repo,
            [(p, None) for p in paths],
            _remediation(probe),
        )
    ]


PROBES: tuple[RepoProbe, ...] = (
    RepoProbe("runbook-present", _selects_under_paths, _run_runbook_present, frozenset(DOC_EXTENSIONS)),
    RepoProbe("rollback-documented", _selects_under_paths, _run_rollback_documented, frozenset(DOC_EXTENSIONS)),
)
