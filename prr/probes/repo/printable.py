"""Repository text made safe to print in a finding's message.

Names, paths and values come from the repository under review: they are clipped and
stripped of control characters so no commit can forge or garble a report line."""

from __future__ import annotations

from prr.domain.text import printable


def show(value: object, limit: int = 60) -> str:
    """VALUE clipped to LIMIT characters, with every control character shown as `?`."""
    text = printable(str(value))
    text = "".join(ch if ch.isprintable() else "?" for ch in text[: limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


def show_path(path: str) -> str:
    """A repository path as printed in messages (the location keeps the raw path)."""
    return show(path, 200)
