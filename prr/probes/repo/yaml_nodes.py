"""YAML as PyYAML's composed nodes, for probes that read a few keys and their lines.

Composing builds no Python object: no constructor ever runs, so no tag can instantiate
anything and unknown tags such as CloudFormation's `!Ref` are harmless. Scalars stay the
text that was written (`yes` is not turned into True)."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from prr.probes.repo.printable import show
from prr.probes.repo.yaml_loader import Loader

_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class YamlProblem:
    line: int
    message: str


def compose_documents(text: str) -> tuple[list[yaml.Node], YamlProblem | None]:
    """The non-empty documents up to the first that does not parse, and where and why
    parsing stopped (None when it did not)."""
    docs: list[yaml.Node] = []
    try:
        for doc in yaml.compose_all(text, Loader=Loader):
            if doc is not None:
                docs.append(doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return docs, YamlProblem(mark.line + 1 if mark else 1, show(exc.problem or exc.context or "invalid YAML", 120))
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        position = getattr(exc, "position", 0) or 0
        return docs, YamlProblem(text.count("\n", 0, position) + 1, "a character YAML does not allow")
    except (RecursionError, ValueError, TypeError):
        return docs, YamlProblem(1, "nesting too deep or unreadable YAML")
    return docs, None


def entry(node: yaml.Node | None, key: str) -> tuple[yaml.Node | None, int | None]:
    """KEY's value in a mapping node and the line of the key (the last one wins, as in a load)."""
    found: tuple[yaml.Node | None, int | None] = (None, None)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                found = (v, k.start_mark.line + 1)
    return found


def child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """KEY's value in a mapping node, or None."""
    return entry(node, key)[0]


def key_line(node: yaml.Node | None, key: str) -> int | None:
    """The line of KEY in a mapping node, or None."""
    return entry(node, key)[1]


def scalar(node: yaml.Node | None) -> str | None:
    """A scalar's text, stripped; None for a missing, null or non-scalar value."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL_TAG:
        return None
    return str(node.value).strip()


def node_line(node: yaml.Node | None, default: int | None = None) -> int | None:
    return node.start_mark.line + 1 if node is not None else default
