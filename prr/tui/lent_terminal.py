"""Lines for the signer while the app lends the terminal to ssh-keygen."""

from __future__ import annotations


def to_terminal(line: str) -> None:
    """What signing asks of the signer (touch a security key), on the terminal the app
    lent ssh-keygen; when it could not lend it, Textual keeps the line in its log."""
    print(f"prr: {line}", flush=True)
