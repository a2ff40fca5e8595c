"""The subset of HCL that dashboards are written in, with the line each value starts on."""

from __future__ import annotations

import json
import re
from typing import Any

from prr.probes.repo.dashboards.model import MAX_DEPTH


class HclError(ValueError):
    pass


class HclString(str):
    """A string value, with the file line its text starts on."""

    line: int


class HclExpr(str):
    """An expression kept as source text (function calls, references, operators)."""

    line: int


_HEREDOC = re.compile(r'<<(-?)"?([A-Za-z_][\w-]*)"?[ \t]*\r?\n')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_][\w.-]*")
_VALUE_END = ",\n\r}])"


class Hcl:
    """Reads the HCL that dashboards are written in: blocks, attributes, literals, lists,
    objects and heredocs. Any other expression is kept as its source text (`HclExpr`)."""

    def __init__(self, text: str, first_line: int = 1) -> None:
        self.t = text
        self.n = len(text)
        self.first_line = first_line

    def line(self, pos: int) -> int:
        return self.first_line + self.t.count("\n", 0, pos)

    def ws(self, i: int, newlines: bool) -> int:
        t, n = self.t, self.n
        while i < n:
            c = t[i]
            if c in " \t" or (newlines and c in "\r\n"):
                i += 1
            elif c == "#" or t.startswith("//", i):
                end = t.find("\n", i)
                i = n if end < 0 else end
            elif t.startswith("/*", i):
                end = t.find("*/", i + 2)
                if end < 0:
                    raise HclError("unterminated comment")
                i = end + 2
            else:
                break
        return i

    def string(self, i: int) -> int:
        """The index after the string literal starting at I (a double quote)."""
        t, n = self.t, self.n
        i += 1
        while i < n:
            c = t[i]
            if c == "\\":
                i += 2
            elif c == '"':
                return i + 1
            elif c == "\n":
                raise HclError("unterminated string")
            elif c in "$%" and t.startswith("{", i + 1) and not t.startswith(c + c, i - 1):
                i = self.balanced(i + 2, "}")
            else:
                i += 1
        raise HclError("unterminated string")

    def heredoc(self, i: int) -> tuple[str, int, int]:
        """(content, index of its first character, index after the closing marker)."""
        m = _HEREDOC.match(self.t, i)
        if m is None:
            raise HclError("bad heredoc")
        end = re.compile(r"^[ \t]*" + re.escape(m.group(2)) + r"[ \t]*$", re.M).search(self.t, m.end())
        if end is None:
            raise HclError(f"heredoc {m.group(2)} is not closed")
        return self.t[m.end() : end.start()], m.end(), end.end()

    def balanced(self, i: int, close: str) -> int:
        """The index after CLOSE, skipping nested brackets, strings and heredocs."""
        t, n = self.t, self.n
        stack = [close]
        while i < n:
            c = t[i]
            if c == '"':
                i = self.string(i)
                continue
            if t.startswith("<<", i) and _HEREDOC.match(t, i):
                i = self.heredoc(i)[2]
                continue
            if c == "#" or t.startswith("//", i) or t.startswith("/*", i):
                i = self.ws(i, newlines=False)
                continue
            if c in "([{":
                stack.append(")]}"["([{".index(c)])
                if len(stack) > MAX_DEPTH * 10:
                    raise HclError("nested too deeply")
            elif c in ")]}":
                if c != stack.pop():
                    raise HclError(f"unbalanced {c!r}")
                if not stack:
                    return i + 1
            i += 1
        raise HclError(f"missing {close!r}")

    def expression(self, i: int) -> int:
        """The end of a raw expression: the next top-level delimiter."""
        t, n = self.t, self.n
        while i < n:
            c = t[i]
            if c in _VALUE_END or c == "#" or t.startswith("//", i):
                return i
            if c == '"':
                i = self.string(i)
            elif t.startswith("<<", i) and _HEREDOC.match(t, i):
                i = self.heredoc(i)[2]
            elif c in "([{":
                i = self.balanced(i + 1, ")]}"["([{".index(c)])
            else:
                i += 1
        return i

    def body(self, i: int, close: str | None, depth: int) -> tuple[dict[str, Any], int]:
        """Attributes (key -> value) and blocks (key -> [body, ...], each with __labels__)."""
        if depth > MAX_DEPTH:
            raise HclError("nested too deeply")
        t, n = self.t, self.n
        out: dict[str, Any] = {}
        while True:
            i = self.ws(i, newlines=True)
            if i >= n:
                if close is None:
                    return out, i
                raise HclError(f"missing {close!r}")
            c = t[i]
            if close is not None and c == close:
                return out, i + 1
            if c == ",":
                i += 1
                continue
            start = i
            if c == '"':
                i = self.string(i)
                key = t[start + 1 : i - 1]
            elif c == "(":
                i = self.balanced(i + 1, ")")
                key = t[start:i]
            else:
                m = _IDENT.match(t, i)
                if m is None:
                    raise HclError(f"unexpected {c!r} at line {self.line(i)}")
                key, i = m.group(), m.end()
            i = self.ws(i, newlines=False)
            if i < n and t[i] in "=:" and not t.startswith("==", i):
                value, i = self.value(i + 1, depth + 1)
                out[key] = value
                continue
            labels = []
            while i < n and t[i] != "{":
                if t[i] == '"':
                    end = self.string(i)
                    labels.append(t[i + 1 : end - 1])
                    i = end
                else:
                    m = _IDENT.match(t, i)
                    if m is None:
                        raise HclError(f"unexpected {t[i]!r} at line {self.line(i)}")
                    labels.append(m.group())
                    i = m.end()
                i = self.ws(i, newlines=False)
            if i >= n:
                raise HclError("missing '{'")
            block, i = self.body(i + 1, "}", depth + 1)
            block["__labels__"] = labels
            block["__line__"] = self.line(start)
            out.setdefault(key, []).append(block)

    def value(self, i: int, depth: int) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise HclError("nested too deeply")
        t, n = self.t, self.n
        i = self.ws(i, newlines=True)
        if i >= n:
            raise HclError("missing value")
        start = i
        c = t[i]
        value: Any
        if c == "{":
            value, i = self.body(i + 1, "}", depth + 1)
        elif c == "[":
            items: list[Any] = []
            i += 1
            while True:
                i = self.ws(i, newlines=True)
                if i < n and t[i] == "]":
                    i += 1
                    break
                item, i = self.value(i, depth + 1)
                items.append(item)
                i = self.ws(i, newlines=True)
                if i < n and t[i] == ",":
                    i += 1
                elif i >= n or t[i] != "]":
                    raise HclError(f"expected ',' or ']' at line {self.line(i)}")
            value = items
        elif c == '"':
            i = self.string(i)
            raw = t[start:i]
            try:
                decoded = json.loads(raw)
            except ValueError:
                decoded = raw[1:-1]
            value = HclString(decoded)
            value.line = self.line(start)
        elif t.startswith("<<", i) and _HEREDOC.match(t, i):
            content, first, i = self.heredoc(i)
            value = HclString(content)
            value.line = self.line(first)
        else:
            number = _NUMBER.match(t, i)
            word = _IDENT.match(t, i)
            if number:
                value, i = float(number.group()), number.end()
            elif word and word.group() in ("true", "false", "null"):
                value, i = {"true": True, "false": False, "null": None}[word.group()], word.end()
            else:
                i = self.expression(i)
                value = HclExpr(t[start:i].strip())
                value.line = self.line(start)
                return value, i
        after = self.ws(i, newlines=False)
        if after < n and t[after] not in _VALUE_END:  # an operator follows: keep it all as source
            i = self.expression(after)
            value = HclExpr(t[start:i].strip())
            value.line = self.line(start)
        return value, i


def hcl_block(text: str, match: re.Match[str]) -> dict[str, Any]:
    reader = Hcl(text)
    body, _ = reader.body(match.end(), "}", 1)
    return body
