"""`dumps_indented` writes exactly what `json.dumps(value, indent=2, ensure_ascii=False)` writes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from prr.cli.indented_json import dumps_indented

CASES: list[Any] = [
    None,
    True,
    False,
    0,
    -7,
    2**70,
    1.5,
    float("nan"),
    "",
    'é \u202e line\nbreak "quoted" back\\slash \x00',
    [],
    {},
    [[]],
    [{}],
    {"a": {}, "b": []},
    (1, "two", None),
    {"records": [{"path": "a/record.toml", "service": {"name": "x", "tier": 0}, "failures": [], "valid": False}]},
    {"nested": [[1, [2, [3, {"deep": "é"}]]]]},
]


@pytest.mark.parametrize("value", CASES, ids=range(len(CASES)))
def test_the_same_text_as_json_dumps(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_keys_must_be_text() -> None:
    with pytest.raises(TypeError):
        dumps_indented({1: "one"})


def test_what_json_cannot_write_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(TypeError):
        dumps_indented({"a": object()})
