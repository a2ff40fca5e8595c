"""`json.dumps(value, indent=2, ensure_ascii=False)`, the same text written faster, and
`Verbatim` JSON text written as it is.

Python's json writes indented output in pure Python, one generator per nesting level:
for `prr verify --format json` over a thousand records that costs as much as checking
a hundred of them. This writes the very same characters straight into one list, with
json's own (C) encoder for every piece of text. `prr probe` hands its findings over as
`Verbatim` lines (one finding per line, written by findings_json)."""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # what json.dumps uses for text when ensure_ascii=False
from typing import Any

INDENT = "  "
_CONSTANTS = {None: "null", True: "true", False: "false"}


class Verbatim(str):
    """JSON text, written as it is."""


def dumps_indented(value: Any) -> str:
    """VALUE as `json.dumps(value, indent=2, ensure_ascii=False)` writes it. Mappings must
    have text keys; anything but dicts, lists, tuples and text is written by json itself."""
    out: list[str] = []
    _write(value, out, "\n")
    return "".join(out)


def _write(value: Any, out: list[str], newline: str) -> None:
    """Append VALUE; NEWLINE is a line break and the indentation of VALUE's own line."""
    if isinstance(value, str):
        out.append(value if type(value) is Verbatim else encode_basestring(value))
    elif isinstance(value, dict):
        _write_items(value, out, newline)
    elif isinstance(value, list | tuple):
        _write_list(value, out, newline)
    elif value is None or isinstance(value, bool):
        out.append(_CONSTANTS[value])
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    else:  # fractions and the rest: json's own spelling (or its TypeError)
        out.append(json.dumps(value))


def _write_items(value: dict[str, Any], out: list[str], newline: str) -> None:
    if not value:
        out.append("{}")
        return
    inner = newline + INDENT
    separator = "{" + inner
    for key, item in value.items():
        if not isinstance(key, str):
            raise TypeError(f"keys must be text, not {type(key).__name__}")
        if type(item) is str:  # most values: written here, not one call deeper
            out += (separator, encode_basestring(key), ": ", encode_basestring(item))
        else:
            out += (separator, encode_basestring(key), ": ")
            _write(item, out, inner)
        separator = "," + inner
    out.append(newline + "}")


def _write_list(value: list[Any] | tuple[Any, ...], out: list[str], newline: str) -> None:
    if not value:
        out.append("[]")
        return
    inner = newline + INDENT
    separator = "[" + inner
    for item in value:
        out.append(separator)
        if type(item) is str:
            out.append(encode_basestring(item))
        else:
            _write(item, out, inner)
        separator = "," + inner
    out.append(newline + "]")
