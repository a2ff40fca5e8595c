"""A light Go template renderer for Helm chart templates.

`if`, `with` and `range` over `.Values` are decided from the chart's values; a block whose
condition is false or unknown is dropped, so a template that is off by default is never
claimed as evidence. Unknown inline values become PLACEHOLDER."""

from __future__ import annotations

import json
import re
from typing import Any

from prr.probes.repo.k8s.fields import PLACEHOLDER, UNKNOWN
from prr.probes.repo.k8s.template_functions import (
    ROOT,
    Indented,
    YamlText,
    call,
    go_text,
    is_function,
    truthiness,
)
from prr.probes.repo.k8s.template_syntax import Action, Block, TemplateError, Text, scan, tree

MAX_RENDER = 2 * 1024 * 1024  # characters a template may render to


def render_template(text: str, values: Any) -> tuple[str, list[int]]:
    """Render TEXT with VALUES as far as prr can tell; returns the text and, for each of
    its lines, the template line it came from."""
    chunks: list[tuple[str, int, bool]] = []  # (text, line, literal)
    renderer = _Renderer(values, chunks)
    renderer.render(tree(scan(text)), ROOT)
    out = []
    line_map = [chunks[0][1] if chunks else 1]
    size = 0
    for piece, line, literal in chunks:
        size += len(piece)
        if size > MAX_RENDER:
            raise TemplateError("renders too large")
        out.append(piece)
        newlines = piece.count("\n")
        if literal:
            line_map.extend(range(line + 1, line + newlines + 1))
        else:
            line_map.extend([line] * newlines)
    return "".join(out), line_map


_TOKEN = re.compile(r"""\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|('(?:[^'\\]|\\.)*')|([()|])|([^\s()|"`']+))""")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*([eE][+-]?\d+)?|0[xX][0-9a-fA-F]+)")


def _tokens(expression: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(expression):
        match = _TOKEN.match(expression, pos)
        if match is None or match.end() == pos:
            if expression[pos:].strip():
                raise TemplateError(f"cannot read {expression!r}")
            break
        tokens.append(next(group for group in match.groups() if group is not None))
        pos = match.end()
    return tokens


class _Renderer:
    def __init__(self, values: Any, chunks: list[tuple[str, int, bool]]) -> None:
        self.values = values
        self.chunks = chunks
        self.vars: dict[str, Any] = {}
        self.steps = 0
        self.size = 0

    def _emit(self, chunk: tuple[str, int, bool]) -> None:
        self.size += len(chunk[0])
        if self.size > MAX_RENDER:
            raise TemplateError("renders too large")
        self.chunks.append(chunk)

    def render(self, nodes: list[Any], ctx: Any) -> None:
        for node in nodes:
            self.steps += 1
            if self.steps > 100_000:
                raise TemplateError("too many steps")
            if isinstance(node, Text):
                self._emit((node.text, node.line, True))
            elif isinstance(node, Action):
                self._action(node, ctx)
            else:
                self._block(node, ctx)

    def _block(self, block: Block, ctx: Any) -> None:
        if block.kind in ("define", "block"):
            return
        for keyword, expression, children in block.branches:
            if keyword == "else":
                self.render(children, ctx)
                return
            if keyword == "range" and block.kind == "range":
                value = self._range(expression, children, ctx)
                if value is UNKNOWN:
                    if block.inline:
                        self._emit((PLACEHOLDER, block.line, False))
                    return
                if value:
                    return
                continue  # an empty range renders its else branch
            value = self.eval(expression, ctx)
            truth = truthiness(value)
            if truth is UNKNOWN:  # neither branch is evidence
                if block.inline:
                    self._emit((PLACEHOLDER, block.line, False))  # `key: {{ if }}a{{ else }}b{{ end }}`
                return
            if truth:
                self.render(children, value if keyword == "with" else ctx)
                return

    def _range(self, expression: str, children: list[Any], ctx: Any) -> Any:
        names: list[str] = []
        if ":=" in expression:
            left, _, expression = expression.partition(":=")
            names = [n.strip() for n in left.split(",") if n.strip()]
        value = self.eval(expression.strip(), ctx)
        if isinstance(value, dict):
            pairs = list(value.items())
        elif isinstance(value, list):
            pairs = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            pairs = [(i, i) for i in range(min(value, 100))]
        elif value is None:
            pairs = []
        else:
            return UNKNOWN
        for key, item in pairs:
            if len(names) == 1:
                self.vars[names[0]] = item
            elif len(names) == 2:
                self.vars[names[0]], self.vars[names[1]] = key, item
            self.render(children, item)
        return bool(pairs)

    def _action(self, action: Action, ctx: Any) -> None:
        body = action.body
        if not body or body.startswith("/*"):
            return
        tokens = _tokens(body)
        if len(tokens) >= 2 and tokens[0].startswith("$") and tokens[1] in (":=", "="):
            self.vars[tokens[0]] = self._pipeline(tokens[2:], ctx)
            return
        value = self._pipeline(tokens, ctx)
        if isinstance(value, Indented | YamlText):
            text = value.text
        else:
            text = go_text(value)
            if text is None:
                text = "" if action.alone else PLACEHOLDER
        self._emit((text, action.line, False))

    def eval(self, expression: str, ctx: Any) -> Any:
        try:
            return self._pipeline(_tokens(expression), ctx)
        except TemplateError:
            return UNKNOWN

    def _pipeline(self, tokens: list[str], ctx: Any) -> Any:
        commands: list[list[Any]] = [[]]
        depth = 0
        stack: list[list[Any]] = []
        for token in tokens:
            if token == "(":
                stack.append(commands)
                commands = [[]]
                depth += 1
                if depth > 50:
                    raise TemplateError("parentheses nested too deep")
            elif token == ")":
                if not stack:
                    raise TemplateError("unbalanced parentheses")
                inner = commands
                commands = stack.pop()
                commands[-1].append(("(", inner))
                depth -= 1
            elif token == "|":
                commands.append([])
            else:
                commands[-1].append(token)
        if stack:
            raise TemplateError("unbalanced parentheses")
        return self._run(commands, ctx)

    def _run(self, commands: list[list[Any]], ctx: Any) -> Any:
        value: Any = None
        piped = False
        for command in commands:
            if not command:
                raise TemplateError("empty command")
            head = command[0]
            if isinstance(head, str) and is_function(head):
                args = [self._operand(arg, ctx) for arg in command[1:]]
                if piped:
                    args.append(value)
                value = call(head, args)
            else:
                if piped or len(command) > 1:
                    return UNKNOWN
                value = self._operand(head, ctx)
            piped = True
        return value

    def _operand(self, token: Any, ctx: Any) -> Any:
        if isinstance(token, tuple):
            return self._run(token[1], ctx)
        if token.startswith('"'):
            try:
                return json.loads(token)
            except ValueError:
                return token[1:-1]
        if token.startswith("`"):
            return token[1:-1]
        if token.startswith("'"):
            return token[1:-1]
        if token in ("true", "false"):
            return token == "true"
        if token == "nil":
            return None
        if _NUMBER.fullmatch(token):
            try:
                return int(token, 0)
            except ValueError:
                try:
                    return float(token)
                except ValueError:
                    return UNKNOWN
        if token == ".":
            return ctx
        if token.startswith("$"):
            name, _, rest = token.partition(".")
            base = ROOT if name == "$" else self.vars.get(name, UNKNOWN)
            return self._fields(base, rest.split(".") if rest else [])
        if token.startswith("."):
            return self._fields(ctx, token[1:].split("."))
        if is_function(token):
            return call(token, [])
        return UNKNOWN

    def _fields(self, base: Any, names: list[str]) -> Any:
        value = base
        for name in names:
            if value is ROOT:
                value = self.values if name == "Values" else UNKNOWN
            elif value is UNKNOWN:
                return UNKNOWN
            elif isinstance(value, dict):
                value = value.get(name)
            elif value is None:
                return None
            else:
                return UNKNOWN
        return value
