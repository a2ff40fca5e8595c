"""Reading Markdown, reStructuredText and AsciiDoc into headings, prose, code and markup.

Each line is classified, so a placeholder inside a code block, a list of links or a
heading alone never passes for prose. Headings give the anchors that links resolve to,
as GitHub, docutils and Asciidoctor name them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


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
# Anchors.

# Link and markup syntax; also what prose counting strips.
IMAGE = re.compile(r"!\[[^\[\]\n]*\]\([^()\s]*(?:[ \t]+\"[^\"\n]*\")?\)")
MD_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\s]*(?:[ \t]+\"[^\"\n]*\")?\)")
HTML_TAG = re.compile(r"<[^<>\n]*>")


def _heading_plain(text: str) -> str:
    text = IMAGE.sub("", text)
    text = MD_LINK.sub(lambda m: m.group(1), text)
    text = HTML_TAG.sub("", text)
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
