"""The YAML loader every repository probe reads with: PyYAML's safe loader (its C parser when
installed), with tag resolution remembered.

Resolving a plain scalar's tag (is `yes` a bool, `5m` a string?) is Python code that the C
parser calls for every scalar, and it tests regular expressions each time; a monorepo's
manifests repeat the same keys and values hundreds of thousands of times. The tag depends
on the scalar's text and whether it was quoted alone (there are no path resolvers), so it
is looked up instead, in a bounded table of short texts."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import ScalarNode

_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAX_REMEMBERED = 200_000  # scalar texts; beyond this, tags are resolved as usual
_MAX_TEXT = 64  # longer texts (a certificate, a script) hardly repeat: not kept
_TAGS: dict[tuple[str, bool, bool], str] = {}


class Loader(_BASE):  # type: ignore[misc, valid-type]
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is not ScalarNode or len(value) > _MAX_TEXT or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        key = (value, bool(implicit[0]), bool(implicit[1]))
        tag = _TAGS.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_TAGS) < _MAX_REMEMBERED:
                _TAGS[key] = tag
        return tag
