"""Untrusted text (pack titles, file names, probe messages, answers) as Rich `Text`.

`Text(...)` is never parsed as markup, so `[/]` or `[@click=app.quit]` show literally;
control characters are made visible too, so a file name cannot move the cursor or
change the terminal's colours."""

from __future__ import annotations

import re

from rich.style import Style
from rich.text import Text

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides
# that can make a line read differently from what it holds.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` with each control character written as an escape, like `\\x1b`."""
    return _CONTROL.sub(lambda found: found[0].encode("unicode_escape").decode("ascii"), text)


def plain(text: str, style: str | Style = "") -> Text:
    """`text` as literal Rich text in one style."""
    return Text(visible(text), style=style, end="")


def line(*parts: tuple[str, str] | str) -> Text:
    """One line from parts, each a string or (string, style); every part literal."""
    result = Text(end="")
    for part in parts:
        text, style = (part, "") if isinstance(part, str) else part
        result.append(visible(text), style=style or None)
    return result
