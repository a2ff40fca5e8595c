"""Runbook probes: is there a real runbook, and does some document say how to roll back?

Documents are Markdown, reStructuredText or AsciiDoc. Each is read into lines that are
headings, prose, code or markup (front matter, comments, directives), so a placeholder
inside a code block, a list of links or a heading alone never passes for a runbook.
`parse_document` and `anchors` are shared with the alerting probes, which resolve
runbook links to headings."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, in_service, unreadable
from prr.probes.registry import PROBES as SPECS

DOC_EXTENSIONS = (".md", ".markdown", ".rst", ".adoc")
ROLLBACK_MIN_WORDS = 15
LINK_LINE_WORDS = 3  # a line with a link and at most this many other words is a link line


class Kind(StrEnum):
    PROSE = "prose"
    HEADING = "heading"
    CODE = "code"  # fenced, indented or literal blocks, and their fences
    COMMENT = "comment"  # HTML / RST / AsciiDoc comments: not prose, but placeholders count
    MARKUP = "markup"  # front matter, underlines, directives, attributes: neither
    BLANK = "blank"


@dataclass(frozen=True)
class Line:
    number: int  # 1-based
    kind: Kind
    text: str
    list_item: bool = False


@dataclass(frozen=True)
class Heading:
    line: int  # 1-based
    level: int  # 1 is the top
    text: str


@dataclass
class Document:
    lines: list[Line]
    headings: list[Heading]
    explicit_anchors: set[str] = field(default_factory=set)
    flavour: str = "markdown"


# ---------------------------------------------------------------------------------------
# Parsing. Every pattern is linear on one line (no nested or overlapping quantifiers), so
# a hostile megabyte-long line costs one pass.

_MD_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_MD_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]|$)")
_MD_SETEXT_1 = re.compile(r" {0,3}=+[ \t]*$")
_MD_SETEXT_2 = re.compile(r" {0,3}-+[ \t]*$")
_MD_RULE = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_MD_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
_RST_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+\u2022]|\d{1,9}[.)]|#\.|\(?[a-zA-Z0-9]{1,3}[.)])[ \t]+\S")
_HTML_ANCHOR = re.compile(r"<a\s[^<>]*?\b(?:name|id)\s*=\s*[\"']?([^\"'<>\s]+)", re.IGNORECASE)
_CUSTOM_ID = re.compile(r"\{#([^{}\s]+)\}\s*$")
_RST_ADORNMENT = re.compile(r"([!-/:-@\[-`{-~])\1{2,}[ \t]*$")
_RST_CODE_DIRECTIVE = re.compile(r"[ \t]*\.\.[ \t]+(?:code-block|code|sourcecode|literalinclude|highlight)::")
_RST_TARGET = re.compile(r"[ \t]*\.\.[ \t]+_([^:`]+):")
_ADOC_HEADING = re.compile(r"(={1,6})[ \t]+\S")
_ADOC_DELIMITER = re.compile(r"(-{4,}|\.{4,}|\+{4,}|/{4,}|`{3,}|={4,}|\*{4,}|_{4,}|\|={3,})[ \t]*$")
_ADOC_ATTRIBUTE = re.compile(r":!?[\w-]+!?:")
_ADOC_BLOCK_ATTRS = re.compile(r"\[[^\[\]]*\]\]?[ \t]*$|\[\[[^\[\]]*\]\][ \t]*$")
_ADOC_ANCHOR = re.compile(r"\[\[([^\[\],\s]+)|\[#([^\[\].,%\s]+)")


def _split_lines(text: str) -> list[str]:
    """Lines as git and editors number them: split on newline only (not \\f, \\x1c, ...)."""
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def _indent(line: str) -> int:
    stripped = line.lstrip(" \t")
    prefix = line[: len(line) - len(stripped)]
    return prefix.count(" ") + 4 * prefix.count("\t")


def parse_document(text: str, path: str) -> Document:
    lower = path.lower()
    if lower.endswith(".rst"):
        return _parse_rst(_split_lines(text))
    if lower.endswith((".adoc", ".asciidoc")):
        return _parse_adoc(_split_lines(text))
    return _parse_markdown(_split_lines(text))


def _atx_text(line: str, match: re.Match[str]) -> str:
    rest = line[match.end() :].strip()
    if rest.endswith("#"):
        closed = rest.rstrip("#")
        if not closed or closed.endswith((" ", "\t")):
            rest = closed.strip()
    return rest


def _front_matter_end(raw: list[str]) -> int:
    """The index of the closing `---` of YAML front matter, or -1."""
    if not raw or raw[0].strip() != "---":
        return -1
    for i in range(1, min(len(raw), 500)):
        if raw[i].strip() in ("---", "..."):
            return i
    return -1


def _parse_markdown(raw: list[str]) -> Document:
    lines: list[Line] = []
    headings: list[Heading] = []
    anchors: set[str] = set()
    fence: str | None = None
    in_comment = False
    in_list = False
    front_end = _front_matter_end(raw)
    for i, text in enumerate(raw):
        number = i + 1
        if i <= front_end:
            lines.append(Line(number, Kind.MARKUP, text))
            continue
        for found in _HTML_ANCHOR.finditer(text):
            anchors.add(found.group(1))
        if fence is not None:
            stripped = text.lstrip(" ")
            if len(text) - len(stripped) <= 3 and stripped.startswith(fence) and not stripped.rstrip().strip(fence[0]):
                fence = None
            lines.append(Line(number, Kind.CODE, text))
            continue
        if in_comment:
            lines.append(Line(number, Kind.COMMENT, text))
            if "-->" in text:
                in_comment = False
            continue
        if not text.strip():
            lines.append(Line(number, Kind.BLANK, text))
            continue
        fenced = _MD_FENCE.match(text)
        if fenced and not (fenced.group(1)[0] == "`" and "`" in text[fenced.end() :]):
            fence = fenced.group(1)
            lines.append(Line(number, Kind.CODE, text))
            continue
        previous = lines[-1] if lines else None
        if _indent(text) >= 4 and not in_list and previous is not None:
            after_blank = previous.kind is Kind.BLANK
            continues_code = previous.kind is Kind.CODE and _indent(previous.text) >= 4
            if after_blank or continues_code:
                lines.append(Line(number, Kind.CODE, text))  # an indented code block
                continue
        stripped = text.strip()
        if stripped.startswith("<!--"):
            lines.append(Line(number, Kind.COMMENT, text))
            in_comment = "-->" not in stripped[4:]
            continue
        atx = _MD_ATX.match(text)
        if atx:
            title = _atx_text(text, atx)
            custom = _CUSTOM_ID.search(title)
            if custom:
                anchors.add(custom.group(1))
                title = title[: custom.start()].strip()
            headings.append(Heading(number, len(atx.group(1)), title))
            lines.append(Line(number, Kind.HEADING, text))
            in_list = False
            continue
        setext = 1 if _MD_SETEXT_1.match(text) else 2 if _MD_SETEXT_2.match(text) else 0
        if setext and previous is not None and previous.kind is Kind.PROSE and not previous.list_item:
            title = previous.text.strip()
            custom = _CUSTOM_ID.search(title)
            if custom:
                anchors.add(custom.group(1))
                title = title[: custom.start()].strip()
            lines[-1] = Line(previous.number, Kind.HEADING, previous.text)
            headings.append(Heading(previous.number, setext, title))
            lines.append(Line(number, Kind.MARKUP, text))
            in_list = False
            continue
        if setext == 2 or _MD_RULE.match(text):
            lines.append(Line(number, Kind.MARKUP, text))
            continue
        item = bool(_MD_LIST_ITEM.match(text))
        if item:
            in_list = True
        elif _indent(text) == 0 and previous is not None and previous.kind is Kind.BLANK:
            in_list = False
        lines.append(Line(number, Kind.PROSE, text, item))
    return Document(lines, headings, anchors, "markdown")


def _parse_rst(raw: list[str]) -> Document:
    lines: list[Line] = []
    headings: list[Heading] = []
    anchors: set[str] = set()
    styles: list[tuple[str, bool]] = []
    literal_indent: int | None = None  # inside a literal block introduced at this indent
    pending_literal: int | None = None  # a `::` paragraph or code directive at this indent
    forced: dict[int, Kind] = {}  # the title and underline of an overlined heading

    def level(style: tuple[str, bool]) -> int:
        if style not in styles:
            styles.append(style)
        return styles.index(style) + 1

    for i, text in enumerate(raw):
        number = i + 1
        if i in forced:
            lines.append(Line(number, forced[i], text))
            continue
        if not text.strip():
            lines.append(Line(number, Kind.BLANK, text))
            if pending_literal is not None:
                literal_indent, pending_literal = pending_literal, None
            continue
        if literal_indent is not None:
            if _indent(text) > literal_indent:
                lines.append(Line(number, Kind.CODE, text))
                continue
            literal_indent = None
        if pending_literal is not None and _indent(text) > pending_literal:
            lines.append(Line(number, Kind.CODE, text))  # directive options before the blank line
            continue
        pending_literal = None
        below = raw[i + 1] if i + 1 < len(raw) else ""
        after = raw[i + 2] if i + 2 < len(raw) else ""
        over = _RST_ADORNMENT.match(text)
        if over and below.strip() and not _RST_ADORNMENT.match(below):
            under = _RST_ADORNMENT.match(after)
            if under and under.group(1) == over.group(1):
                headings.append(Heading(number + 1, level((over.group(1), True)), below.strip()))
                lines.append(Line(number, Kind.MARKUP, text))
                forced.update({i + 1: Kind.HEADING, i + 2: Kind.MARKUP})
                continue
        under = _RST_ADORNMENT.match(below)
        if under and not over and _indent(text) == 0 and len(below.rstrip()) >= min(len(text.rstrip()), 4):
            headings.append(Heading(number, level((under.group(1), False)), text.strip()))
            lines.append(Line(number, Kind.HEADING, text))
            forced[i + 1] = Kind.MARKUP
            continue
        if over:
            lines.append(Line(number, Kind.MARKUP, text))  # a transition
            continue
        target = _RST_TARGET.match(text)
        if target:
            anchors.add(_docutils_id(target.group(1)))
            lines.append(Line(number, Kind.MARKUP, text))
            continue
        if _RST_CODE_DIRECTIVE.match(text):
            pending_literal = _indent(text)
            lines.append(Line(number, Kind.CODE, text))
            continue
        if text.lstrip().startswith(".."):
            directive = "::" in text
            lines.append(Line(number, Kind.MARKUP if directive else Kind.COMMENT, text))
            continue
        if text.rstrip().endswith("::"):
            pending_literal = _indent(text)
        lines.append(Line(number, Kind.PROSE, text, bool(_RST_LIST_ITEM.match(text))))
    return Document(lines, headings, anchors, "rst")


def _parse_adoc(raw: list[str]) -> Document:
    lines: list[Line] = []
    headings: list[Heading] = []
    anchors: set[str] = set()
    block: str | None = None  # the open delimiter of a code or comment block
    block_kind = Kind.CODE
    for i, text in enumerate(raw):
        number = i + 1
        stripped = text.strip()
        if block is not None:
            if stripped == block:
                block = None
            lines.append(Line(number, block_kind, text))
            continue
        if not stripped:
            lines.append(Line(number, Kind.BLANK, text))
            continue
        delimiter = _ADOC_DELIMITER.match(text)
        if delimiter:
            char = delimiter.group(1)[0]
            if char in "-.+`/":
                block = delimiter.group(1)
                block_kind = Kind.COMMENT if char == "/" else Kind.CODE
                lines.append(Line(number, block_kind, text))
            else:
                lines.append(Line(number, Kind.MARKUP, text))  # example, sidebar, table: prose inside
            continue
        if text.startswith("//"):
            lines.append(Line(number, Kind.COMMENT, text))
            continue
        if _ADOC_ATTRIBUTE.match(text):
            lines.append(Line(number, Kind.MARKUP, text))
            continue
        if text.startswith("[") and _ADOC_BLOCK_ATTRS.search(text):
            for found in _ADOC_ANCHOR.finditer(text):
                anchors.add(found.group(1) or found.group(2))
            lines.append(Line(number, Kind.MARKUP, text))
            continue
        heading = _ADOC_HEADING.match(text) or _MD_ATX.match(text)
        if heading:
            marks = heading.group(1)
            closed = text[len(marks) :].strip().rstrip("=").strip()
            title = closed if marks[0] == "=" else _atx_text(text, heading)
            headings.append(Heading(number, len(marks), title))
            lines.append(Line(number, Kind.HEADING, text))
            continue
        previous = lines[-1] if lines else None
        literal_follows = previous is not None and (
            previous.kind is Kind.BLANK or (previous.kind is Kind.CODE and previous.text[:1] in (" ", "\t"))
        )
        if text[0] in " \t" and literal_follows:
            lines.append(Line(number, Kind.CODE, text))  # a literal paragraph
            continue
        item = bool(re.match(r"[ \t]*(?:\*{1,5}|\.{1,5}|-|\d{1,9}\.)[ \t]+\S", text))
        lines.append(Line(number, Kind.PROSE, text, item))
    return Document(lines, headings, anchors, "adoc")


# ---------------------------------------------------------------------------------------
# Prose, placeholders, anchors.

_IMAGE = re.compile(r"!\[[^\[\]\n]*\]\([^()\s]*(?:[ \t]+\"[^\"\n]*\")?\)")
_MD_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\s]*(?:[ \t]+\"[^\"\n]*\")?\)")
_MD_REF_LINK = re.compile(r"\[([^\[\]\n]*)\]\[[^\[\]\n]*\]")
_MD_REF_DEF = re.compile(r" {0,3}\[[^\[\]\n]+\]:[ \t]*\S")
_RST_LINK = re.compile(r"`([^`<\n]*)<[^`<>\n]*>`_{1,2}")
# A URL run is consumed whole and its `[text]` is optional, so a failed match never rescans.
_ADOC_LINK = re.compile(r"(?:link:|xref:|https?://)[^\s\[\]]*(?:\[([^\[\]\n]*)\])?")
_ADOC_XREF = re.compile(r"<<([^<>\n]*)>>")
_AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^<>\s]*>")
_BARE_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+")
_HTML_TAG = re.compile(r"<[^<>\n]*>")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-]?\w)*")
_PLACEHOLDER = re.compile(
    r"\b(TODO|TBD|FIXME)\b|\b(lorem[ \t]{1,8}ipsum|fill[ \t]{1,8}me[ \t]{1,8}in)\b", re.IGNORECASE
)
_UPPER_ONLY = ("TODO", "TBD", "FIXME")


def _strip_links(text: str, keep_text: bool) -> tuple[str, bool]:
    """TEXT without link targets (link text kept when KEEP_TEXT), and whether it had links."""
    keep = (lambda m: m.group(1)) if keep_text else (lambda m: " ")
    out, images = _IMAGE.subn(" ", text)
    out, md = _MD_LINK.subn(keep, out)
    out, ref = _MD_REF_LINK.subn(keep, out)
    out, rst = _RST_LINK.subn(keep, out)
    adoc = 0

    def adoc_link(m: re.Match[str]) -> str:
        nonlocal adoc
        if m.group(1) is None:
            return m.group(0)  # a bare URL: removed below
        adoc += 1
        return keep(m)

    out = _ADOC_LINK.sub(adoc_link, out)
    out, xref = _ADOC_XREF.subn(" ", out)
    out, auto = _AUTOLINK.subn(" ", out)
    out, bare = _BARE_URL.subn(" ", out)
    return out, bool(images or md or ref or rst or adoc or xref or auto or bare)


def words(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))


def prose_words(text: str) -> int:
    """Words of one prose line, with link targets, markup and link-only lines not counted."""
    if _MD_REF_DEF.match(text):
        return 0
    if _is_link_line(text):
        return 0  # a link, perhaps with a short label: not prose
    return words(_strip_links(_HTML_TAG.sub(" ", text), keep_text=True)[0])


def _is_link_line(text: str) -> bool:
    without_links, had_links = _strip_links(_HTML_TAG.sub(" ", text), keep_text=False)
    return had_links and words(without_links) <= LINK_LINE_WORDS


def prose_total(doc: Document) -> int:
    """Prose words of a document. A table of links (link rows under a short header) counts
    nothing, like a list of links."""
    total = 0
    table: list[str] = []
    for line in [*doc.lines, Line(0, Kind.BLANK, "")]:
        if line.kind is Kind.PROSE and line.text.lstrip().startswith("|"):
            table.append(line.text)
            continue
        if table:
            counts = [prose_words(row) for row in table]
            links = any(_is_link_line(row) for row in table)
            if not (links and all(count <= LINK_LINE_WORDS for count in counts)):
                total += sum(counts)
            table = []
        if line.kind is Kind.PROSE:
            total += prose_words(line.text)
    return total


def placeholders(doc: Document) -> list[tuple[int, str]]:
    """(line, placeholder) outside code blocks, ignoring inline code and link targets."""
    found = []
    for line in doc.lines:
        if line.kind not in (Kind.PROSE, Kind.HEADING, Kind.COMMENT):
            continue
        text = _BARE_URL.sub(" ", _INLINE_CODE.sub(" ", line.text))
        text = _MD_LINK.sub(lambda m: m.group(1), text)
        for match in _PLACEHOLDER.finditer(text):
            word = match.group(0)
            if match.group(1) and word not in _UPPER_ONLY:
                continue  # "todo" in a sentence is a word; TODO is a placeholder
            found.append((line.number, word))
            break
    return found


def _heading_plain(text: str) -> str:
    text = _IMAGE.sub("", text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _HTML_TAG.sub("", text)
    return re.sub(r"(?<!\w)[*_]+|[*_]+(?!\w)", "", text)


def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading: lowercase, punctuation removed, spaces to dashes."""
    plain = _heading_plain(text).strip().lower()
    return re.sub(r"[^\w\- ]", "", plain).replace(" ", "-")


def _docutils_id(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _asciidoc_id(text: str) -> str:
    return "_" + re.sub(r"_+", "_", re.sub(r"[^\w]+", "_", _heading_plain(text).lower())).strip("_")


def anchors(doc: Document) -> set[str]:
    """Every fragment that lands on a heading or explicit anchor, lowercased; GitHub's
    de-duplication (-1, -2, ...) included."""
    found = {a.lower() for a in doc.explicit_anchors}
    seen: dict[str, int] = {}
    for heading in doc.headings:
        slug = github_slug(heading.text)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
        if doc.flavour == "rst":
            found.add(_docutils_id(heading.text))
        if doc.flavour == "adoc":
            found.add(_asciidoc_id(heading.text))
    return found


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


def _not_counted(f: Finding, why: str) -> Finding:
    return replace(f, outcome=Outcome.NOT_APPLICABLE, message=f"{why}: {f.message}", remediation="")


def exists_verdict(passes: Sequence[Finding], fails: Sequence[Finding], unknown: Sequence[Finding]) -> list[Finding]:
    """For "is there at least one ...?" questions: passes win and the rest are listed as not
    counted; without a pass, an unreadable candidate means the answer is unknown (errors),
    and only when every candidate was read do the failures stand."""
    if passes:
        return [*passes, *(_not_counted(f, "not counted") for f in (*fails, *unknown))]
    if unknown:
        return [*unknown, *(_not_counted(f, "not counted while other files could not be read") for f in fails)]
    return list(fails)


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
                count += words(_strip_links(line.text, keep_text=True)[0])
                if count >= ROLLBACK_MIN_WORDS:
                    steps = True
                    break
        out.append((heading, steps))
    return out


def _run_rollback_documented(repo: Repo, params: Params) -> list[Finding]:
    probe = "rollback-documented"
    paths = documents_under(repo, params)
    found: list[tuple[str, int]] = []
    empty: list[tuple[str, int]] = []
    unknown = []
    for path in paths:
        text = repo.text(path)
        if text is None:
            unknown.append(unreadable(probe, repo, path))
            continue
        for heading, steps in _rollback_sections(parse_document(text, path)):
            (found if steps else empty).append((path, heading.line))
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
