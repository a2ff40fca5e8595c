"""Reading a record takes one pass that builds it while checking it, and only a refused
record is walked again for every problem's path and message: both must apply the same
rules. Documents are changed at random and written as TOML; `loads` must refuse exactly
those `check_data` finds a problem with, each named, and read the rest back unchanged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st
from test_record_format import realistic

from prr.domain.errors import InputError
from prr.format.record_toml import check_data, dumps, loads, record_to_data
from prr.format.toml_document import read_record_toml

BASE = read_record_toml(dumps(realistic()), "base.toml")
VALUES: list[Any] = [
    "", " ", "x", "a\nb", "a\tb", "\u202e", "cafe\u0301", "caf\u00e9", "\x7f", "\u2028", "Zoë",
    0, -1, 1, 3, 4, 99, 100, 101, 599, 600, True, False, 1.5,
    dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 1, 1), dt.date(2026, 1, 1),
    dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    [], [{}], ["x"], {}, {"x": 1}, "a" * 40, "a" * 64, "b" * 63, "sha256:" + "a" * 64,
    "passed", "pass", "required", "sha1", "sha256", "prr.record/1", "runbook", "na", "error",
]  # fmt: skip


def paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and index in the document, as the path from its top."""
    found = [path] if path else []
    if isinstance(value, dict):
        found += [p for key, entry in value.items() for p in paths(entry, (*path, key))]
    elif isinstance(value, list):
        found += [p for index, entry in enumerate(value) for p in paths(entry, (*path, index))]
    return found


PATHS = paths(BASE)
CHANGE = st.tuples(
    st.sampled_from(PATHS), st.sampled_from(["set", "drop", "add key", "repeat"]), st.sampled_from(VALUES)
)


def changed(changes: list[tuple[tuple[Any, ...], str, Any]]) -> dict[str, Any]:
    document = read_record_toml(dumps(realistic()), "base.toml")
    for path, how, value in changes:
        parent: Any = document
        try:
            for key in path[:-1]:
                parent = parent[key]
            if how == "set":
                parent[path[-1]] = value
            elif how == "drop" and isinstance(parent, dict):
                del parent[path[-1]]
            elif how == "add key" and isinstance(parent, dict):
                parent["bogus"] = value
            elif how == "repeat" and isinstance(parent, list):
                parent.append(parent[path[-1]])
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed the way there
    return document


@settings(max_examples=400, deadline=None)
@given(st.lists(CHANGE, min_size=1, max_size=3))
def test_loads_refuses_exactly_what_the_checks_find_and_names_it(changes: list[Any]) -> None:
    data = tomli_w.dumps(changed(changes)).encode()
    problems = check_data(read_record_toml(data, "x.toml"))
    try:
        record = loads(data, "x.toml")
    except InputError as exc:
        shown = sorted(problem.message for problem in exc.problems)  # listed by position in the file
        assert shown == sorted(f"{path}: {why}" for path, why in problems)
    else:
        assert problems == []
        assert record_to_data(record) == read_record_toml(data, "x.toml")


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        (b"\xef\xbb\xbfformat = 1\n", "x.toml:1:1: invalid TOML: a byte order mark is not allowed"),
        (b'format = "x\n', 'x.toml:1:12: invalid TOML: invalid basic string, expected `"`'),
        (b"a = " + b"[" * 200 + b"]" * 200 + b"\n", "x.toml:1:85: invalid TOML: cannot recurse further"),
    ],
)
def test_unreadable_toml_is_one_line_with_its_position(data: bytes, shown: str) -> None:
    with pytest.raises(InputError) as caught:
        loads(data, "x.toml")
    [line] = caught.value.lines()
    assert line.startswith(shown)
