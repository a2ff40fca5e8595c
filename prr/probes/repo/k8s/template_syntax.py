"""Go template text as a tree of text, actions and blocks (if, with, range, define).

Only the syntax: what the tree means is decided by the renderer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class TemplateError(Exception):
    pass


@dataclass
class Text:
    text: str
    line: int


@dataclass
class Action:
    body: str
    line: int
    alone: bool  # the only thing on its line


@dataclass
class Block:
    kind: str  # if | with | range | define
    branches: list[tuple[str, str, list[Any]]]  # (keyword, expression, children)
    line: int
    alone: bool  # the opening action is the only thing on its line
    inline: bool = False  # opens and ends inside one line of text


_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)


def scan(text: str) -> list[Text | Action]:
    nodes: list[Text | Action] = []
    pos = 0
    line = 1
    trim_next = False
    for match in _ACTION.finditer(text):
        before = text[pos : match.start()]
        start_line = line
        if trim_next:
            stripped = before.lstrip()
            start_line += before.count("\n") - stripped.count("\n")
            before = stripped
        line_before = text.rfind("\n", 0, match.start())
        line_after = text.find("\n", match.end())
        alone = (
            not text[line_before + 1 : match.start()].strip()
            and not text[match.end() : len(text) if line_after < 0 else line_after].strip()
        )
        action_line = line + text.count("\n", pos, match.start())
        if match.group(1):
            before = before.rstrip()
        if before:
            nodes.append(Text(before, start_line))
        nodes.append(Action(match.group(2).strip(), action_line, alone))
        line = action_line + text.count("\n", match.start(), match.end())
        pos = match.end()
        trim_next = bool(match.group(3))
    rest = text[pos:]
    if trim_next:
        stripped = rest.lstrip()
        line += rest.count("\n") - stripped.count("\n")
        rest = stripped
    if rest:
        nodes.append(Text(rest, line))
    return nodes


def tree(nodes: list[Text | Action]) -> list[Any]:
    root: list[Any] = []
    stack: list[Block] = []
    current = root
    for node in nodes:
        if isinstance(node, Action):
            word = node.body.split(None, 1)[0] if node.body else ""
            if word in ("if", "with", "range", "define", "block"):
                block = Block(word, [(word, node.body[len(word) :].strip(), [])], node.line, node.alone)
                current.append(block)
                stack.append(block)
                if len(stack) > 50:
                    raise TemplateError("blocks nested too deep")
                current = block.branches[-1][2]
                continue
            if word == "else":
                if not stack:
                    raise TemplateError("else outside a block")
                rest = node.body[4:].strip()
                keyword, _, expression = rest.partition(" ")
                branch = (keyword, expression.strip(), []) if keyword in ("if", "with") else ("else", "", [])
                stack[-1].branches.append(branch)
                current = branch[2]
                continue
            if word == "end":
                if not stack:
                    raise TemplateError("end outside a block")
                closed = stack.pop()
                closed.inline = closed.line == node.line and not closed.alone
                current = stack[-1].branches[-1][2] if stack else root
                continue
        current.append(node)
    if stack:
        raise TemplateError("unclosed block")
    return root
