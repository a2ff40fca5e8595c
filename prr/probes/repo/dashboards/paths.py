"""Which files the dashboard probes read, and how a path written in one resolves."""

from __future__ import annotations

import posixpath

from prr.probes.api import Params

EXTENSIONS = (".json", ".yaml", ".yml", ".tf", ".tpl", ".tmpl")
YAML_SUFFIXES = (".yaml", ".yml")
KUSTOMIZATION = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def selects(path: str, params: Params) -> bool:
    return path.endswith(EXTENSIONS) or path.rpartition("/")[2] in KUSTOMIZATION


def wanted(path: str) -> bool:
    """Does the name say dashboards? Such files are needed: unreadable ones are errors."""
    low = path.lower()
    return "dashboard" in low or "grafana" in low


def join(folder: str, ref: str) -> str | None:
    """A repository path for REF read from FOLDER; None when it leaves the repository."""
    path = posixpath.normpath(posixpath.join(folder, ref) if not ref.startswith("/") else ref.lstrip("/"))
    return None if path == ".." or path.startswith("../") or path == "." else path


CANDIDATES = frozenset((*EXTENSIONS, *(name.lower() for name in KUSTOMIZATION)))
