"""The probes' YAML loader remembers scalar tags: every document composes to the very tags
PyYAML's safe loader gives, the first time and every time after."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from prr.probes.repo.yaml_loader import Loader

TRICKY = [
    "yes", "No", "on", "OFF", "~", "null", "", "1e3", "1.5", ".inf", "-.Inf", ".nan", "0x1F", "0o17", "010",
    "1_000", "+12", "-0", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "5m", "1:30", "=", "<<", "true", "True",
]  # fmt: skip


def tags(text: str, loader: type) -> list[tuple[str, str]]:
    out = []
    for document in yaml.compose_all(text, Loader=loader):
        stack = [document]
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.ScalarNode):
                out.append((node.value, node.tag))
            elif isinstance(node, yaml.MappingNode):
                stack.extend(part for pair in node.value for part in pair)
            elif node is not None:
                stack.extend(node.value)
    return out


def test_plain_and_quoted_scalars_resolve_as_the_safe_loader_resolves_them() -> None:
    plain = "\n".join(f"- {value}" for value in TRICKY)
    quoted = "\n".join(f"- '{value}'" for value in TRICKY)
    for text in (plain, quoted, plain):  # the last one from the remembered tags
        assert tags(text, Loader) == tags(text, yaml.SafeLoader)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789.:-+_eExXoO~yesnoYESNOtrufalsTRUFALS", max_size=12), max_size=8))
def test_any_scalar_text_gets_the_safe_loaders_tag(values: list[str]) -> None:
    text = "\n".join(f"- {value}" for value in values)
    try:
        expected = tags(text, yaml.SafeLoader)
    except yaml.YAMLError:
        return  # not YAML at all: nothing to compare
    assert tags(text, Loader) == expected
    assert tags(text, Loader) == expected
