"""Counting a document's prose: words that are not links, markup or code, and the
placeholders (TODO, lorem ipsum) that mark a document as unfinished."""

from __future__ import annotations

import re

from prr.probes.repo.documents import HTML_TAG, IMAGE, MD_LINK, Document, Kind, Line

LINK_LINE_WORDS = 3  # a line with a link and at most this many other words is a link line

_MD_REF_LINK = re.compile(r"\[([^\[\]\n]*)\]\[[^\[\]\n]*\]")
_MD_REF_DEF = re.compile(r" {0,3}\[[^\[\]\n]+\]:[ \t]*\S")
_RST_LINK = re.compile(r"`([^`<\n]*)<[^`<>\n]*>`_{1,2}")
# A URL run is consumed whole and its `[text]` is optional, so a failed match never rescans.
_ADOC_LINK = re.compile(r"(?:link:|xref:|https?://)[^\s\[\]]*(?:\[([^\[\]\n]*)\])?")
_ADOC_XREF = re.compile(r"<<([^<>\n]*)>>")
_AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^<>\s]*>")
_BARE_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-]?\w)*")
_PLACEHOLDER = re.compile(
    r"\b(TODO|TBD|FIXME)\b|\b(lorem[ \t]{1,8}ipsum|fill[ \t]{1,8}me[ \t]{1,8}in)\b", re.IGNORECASE
)
_UPPER_ONLY = ("TODO", "TBD", "FIXME")


def strip_links(text: str, keep_text: bool) -> tuple[str, bool]:
    """TEXT without link targets (link text kept when KEEP_TEXT), and whether it had links."""
    keep = (lambda m: m.group(1)) if keep_text else (lambda m: " ")
    out, images = IMAGE.subn(" ", text)
    out, md = MD_LINK.subn(keep, out)
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
    return words(strip_links(HTML_TAG.sub(" ", text), keep_text=True)[0])


def _is_link_line(text: str) -> bool:
    without_links, had_links = strip_links(HTML_TAG.sub(" ", text), keep_text=False)
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
        text = MD_LINK.sub(lambda m: m.group(1), text)
        for match in _PLACEHOLDER.finditer(text):
            word = match.group(0)
            if match.group(1) and word not in _UPPER_ONLY:
                continue  # "todo" in a sentence is a word; TODO is a placeholder
            found.append((line.number, word))
            break
    return found
