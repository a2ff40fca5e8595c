"""Which files the migration and feature-flag probes skip: copies of other people's code
(vendored dependencies, virtualenvs) are not the service's to answer for."""

from __future__ import annotations

_SKIPPED_FOLDERS = ("node_modules", "vendor", ".git", "site-packages", ".venv", "venv")


def vendored(path: str) -> bool:
    return any(part in _SKIPPED_FOLDERS for part in path.split("/")[:-1])
