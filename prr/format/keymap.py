"""The user's key bindings: `keymap.toml`, binding ids to keys, as Textual's keymaps take them.

[keymap]
"answer.pass" = "y"
"filter.blockers" = "ctrl+b"
"""

from __future__ import annotations

import re

from prr.domain.errors import InputError, Problem
from prr.format.toml_document import read_toml

_KEY = re.compile(r"[a-z0-9_+,.-]+(,[a-z0-9_+.-]+)*")


def parse_keymap(data: bytes, source: str, known: set[str]) -> dict[str, str]:
    """Binding id -> key(s); every unknown id or malformed key reported at once."""
    document = read_toml(data, source)
    table = document.get("keymap", {})
    problems = [f"unknown table [{name}] (only [keymap])" for name in document if name != "keymap"]
    if not isinstance(table, dict):
        problems.append("[keymap] must be a table of binding id = key")
        table = {}
    for binding, keys in table.items():
        if binding not in known:
            problems.append(f"unknown binding id {binding!r} (the help screen, ?, lists them)")
        elif not isinstance(keys, str) or not _KEY.fullmatch(keys):
            problems.append(f"{binding}: {keys!r} is not a key like 'y', 'ctrl+b' or 'f2,ctrl+y'")
    if problems:
        raise InputError(problems=[Problem(source, 1, 1, message) for message in problems])
    return dict(table)
