"""Text from a repository (paths, names) made safe to print and store."""

from __future__ import annotations


def printable(text: str) -> str:
    """`text` with bytes that are not UTF-8 (kept by git as surrogate escapes) as \\xNN."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
