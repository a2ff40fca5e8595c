"""The metric names a PromQL expression reads, so the live service can be asked for them.

A light reading, not a PromQL parser: strings, label matchers, ranges and the label lists
of `by`/`without`/`on`/`ignoring`/`group_*` are removed, then every identifier not called
as a function and not a keyword is a metric name. Good enough to tell "the SLO queries
http_requests_total but the service does not expose it"."""

from __future__ import annotations

import re

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE)
_IDENTIFIER = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()")
_KEYWORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
     "atan2", "inf", "nan", "e", "start", "end"}
)  # fmt: skip


def metric_names(expression: str) -> set[str]:
    text = _STRINGS.sub(" ", expression)
    previous = None
    while previous != text:  # nested braces in odd expressions: peel until stable
        previous = text
        text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _LABEL_LISTS.sub(" ", text)
    return {
        name for name in _IDENTIFIER.findall(text) if name.lower() not in _KEYWORDS and not re.fullmatch(r"\d.*", name)
    }
