"""alerts-have-runbooks: every alert rule carries a runbook link that resolves, to an
http(s) URL or to a committed document (and, with a fragment, to one of its headings)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, replace
from urllib.parse import unquote, urlsplit

from prr.domain.findings import Evidence, Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, unreadable
from prr.probes.repo.alerting import rules
from prr.probes.repo.alerting.rule_links import LinkedRule, scan_links
from prr.probes.repo.alerting.yaml_nodes import YAML_SUFFIXES
from prr.probes.repo.documents import anchors, parse_document

_LINKED = (".md", ".markdown", ".mdx", ".rst", ".adoc", ".asciidoc", ".txt", ".html", ".htm", ".org", ".pdf")

_ALERTNAME = re.compile(r"\{\{\s*(?:\$labels|\.Labels)\.alertname\s*\}\}")
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_LINE_ANCHOR = re.compile(r"L(\d{1,9})(?:C\d+)?(?:-L\d{1,9}(?:C\d+)?)?")
_HTML_ID = re.compile(r"""\b(?:id|name)\s*=\s*["']?([^"'<>\s]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class LinkCheck:
    ok: bool
    message: str = ""
    url: str | None = None  # an external link, for the endpoint probes
    target: str | None = None  # the committed file it resolves to
    error: bool = False  # the target could not be read


def _resolve_path(repo: Repo, rule: LinkedRule, link: str) -> tuple[str | None, list[str]]:
    """The committed file (or folder's README) LINK names, and the places tried."""
    if link.startswith("/"):
        bases = ["", repo.prefix]
        link = link.lstrip("/")
    else:
        bases = [posixpath.dirname(rule.path), repo.prefix, ""]
    tried: list[str] = []
    for base in dict.fromkeys(bases):
        candidate = posixpath.normpath(posixpath.join(base, link)) if link else base
        if candidate in (".", "") or candidate == ".." or candidate.startswith("../"):
            continue
        if candidate in tried:
            continue
        tried.append(candidate)
        if repo.exists(candidate):
            return candidate, tried
        folder = candidate.rstrip("/") + "/"
        for index in ("README.md", "readme.md", "README.rst", "README.adoc", "index.md"):
            if repo.exists(folder + index):
                return folder + index, tried
    return None, tried


def _anchors_of(repo: Repo, target: str) -> set[str] | None:
    """The fragments a committed file offers: headings, explicit anchors and GitHub's line
    anchors (as "L<count>"); None when it cannot be read."""
    found = repo.derived("link-anchors-v1", target, lambda text: sorted(_anchors_in(target, text)))
    return None if found is None else set(found)


def _anchors_in(target: str, text: str) -> set[str]:
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    found = {f"L{lines}"}
    lower = target.lower()
    if lower.endswith((".html", ".htm")):
        found |= {m.group(1).lower() for m in _HTML_ID.finditer(text)}
    elif lower.endswith((".md", ".markdown", ".mdx", ".rst", ".adoc", ".asciidoc")):
        found |= anchors(parse_document(text, target))
    return found


def _check_anchor(repo: Repo, target: str, fragment: str, cache: dict[str, set[str] | None]) -> LinkCheck:
    if target not in cache:
        cache[target] = _anchors_of(repo, target)
    found = cache[target]
    if found is None:
        return LinkCheck(False, f"{target}: {repo.skipped(target) or 'not readable'}", target=target, error=True)
    wanted = unquote(fragment).strip()
    line_anchor = _LINE_ANCHOR.fullmatch(wanted)
    if line_anchor:
        lines = max(int(a[1:]) for a in found if a.startswith("L") and a[1:].isdigit())
        if int(line_anchor.group(1)) <= lines:
            return LinkCheck(True, target=target)
        return LinkCheck(False, f"{target} has no line {line_anchor.group(1)}", target=target)
    if wanted.lower().removeprefix("user-content-") in found:
        return LinkCheck(True, target=target)
    return LinkCheck(False, f"{target} has no heading for #{fragment[:80]}", target=target)


def _check_link(repo: Repo, rule: LinkedRule, key: str, raw: str, cache: dict[str, set[str] | None]) -> LinkCheck:
    link = _ALERTNAME.sub(rule.name, raw.strip())
    shown = link if len(link) <= 200 else link[:200] + "..."
    if not link:
        return LinkCheck(False, f"annotation {key} is empty")
    scheme = _SCHEME.match(link)
    if scheme and scheme.group(0).lower() in ("http:", "https:"):
        try:
            host = urlsplit(link).hostname
        except ValueError:
            host = None
        if not host or any(ch.isspace() for ch in link):
            return LinkCheck(False, f"{key} {shown!r} is not a valid URL")
        return LinkCheck(True, url=None if "{{" in link else link)
    if scheme and len(scheme.group(0)) > 2:  # a one-letter "scheme" is a Windows drive
        return LinkCheck(False, f"{key} {shown!r} is neither an http(s) URL nor a path in this repository")
    if link.startswith("//"):
        return LinkCheck(False, f"{key} {shown!r} has no scheme; use https://")
    if "{{" in link:
        return LinkCheck(False, f"{key} {shown!r} is templated, so which file it names cannot be checked")
    path, _, fragment = link.partition("#")
    path = unquote(path.partition("?")[0])
    target, tried = _resolve_path(repo, rule, path)
    if target is None:
        looked = ", ".join(tried) or "nowhere inside the repository"
        return LinkCheck(False, f"{key} {shown!r} names no committed document (looked for {looked})")
    if fragment:
        check = _check_anchor(repo, target, fragment, cache)
        if not check.ok:
            return replace(check, message=f"{key} {shown!r}: {check.message}")
        return check
    return LinkCheck(True, target=target)


def _run_alerts_have_runbooks(repo: Repo, params: Params) -> list[Finding]:
    probe = "alerts-have-runbooks"
    annotation = params.get("annotation") or "runbook_url"
    annotation = annotation if isinstance(annotation, str) else "runbook_url"
    scan = scan_links(repo, annotation)
    empty = rules.no_rules(probe, repo, scan, Outcome.ERROR)
    if empty is not None:
        return empty
    out: list[Finding] = []
    passed: list[LinkedRule] = []
    targets: list[str] = []
    urls: list[str] = []
    templated_urls = 0
    cache: dict[str, set[str] | None] = {}
    for rule in scan.rules:
        key, raw = rule.key, rule.link
        if raw is None:
            message = f"alert {rule.name} ({rule.where}) has no {annotation} annotation"
            out.append(finding(probe, Outcome.FAIL, message, repo, [(rule.path, rule.line)], rules.remediation(probe)))
            continue
        check = _check_link(repo, rule, key, raw, cache)
        if check.ok:
            passed.append(rule)
            if check.target:
                targets.append(check.target)
            if check.url:
                urls.append(check.url)
            elif not check.target:
                templated_urls += 1
            continue
        message = f"alert {rule.name} ({rule.where}): {check.message}"
        if check.error:
            at = [(rule.path, rule.line), (check.target or rule.path, None)]
            out.append(finding(probe, Outcome.ERROR, message, repo, at))
        else:
            out.append(finding(probe, Outcome.FAIL, message, repo, [(rule.path, rule.line)], rules.remediation(probe)))
    if passed:
        out.insert(0, _runbooks_pass(probe, repo, passed, targets, list(dict.fromkeys(urls)), templated_urls))
    out += [unreadable(probe, repo, path) for path in scan.unreadable]
    out += [rules.malformed_finding(probe, repo, problem, Outcome.ERROR) for problem in scan.malformed]
    return out + rules.template_notes(probe, repo, scan)


def _runbooks_pass(
    probe: str, repo: Repo, passed: list[LinkedRule], targets: list[str], urls: list[str], templated: int
) -> Finding:
    parts = []
    files = list(dict.fromkeys(targets))
    if files:
        listed = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        parts.append(f"{len(targets)} to committed documents ({listed})")
    if urls:
        listed = ", ".join(urls[:5]) + (f" and {len(urls) - 5} more" if len(urls) > 5 else "")
        parts.append(f"external runbook URLs, for the endpoint probes to check: {listed}")
    if templated:
        parts.append(f"{templated} templated URL(s) that cannot be checked")
    message = f"{len(passed)} alert rule(s) carry a runbook link that resolves: " + "; ".join(parts)
    at = [(rule.path, rule.line) for rule in passed] + [(path, None) for path in files]
    found = finding(probe, Outcome.PASS, message, repo, at)
    return replace(found, evidence=found.evidence + tuple(Evidence(url=url) for url in urls))


def _runbooks_selects(path: str, params: Params) -> bool:
    return rules.rule_candidate(path) or path.lower().endswith(_LINKED)


PROBE = RepoProbe(
    "alerts-have-runbooks", _runbooks_selects, _run_alerts_have_runbooks, frozenset((*YAML_SUFFIXES, ".json", *_LINKED))
)
