"""Grafana provisioning providers: each provider's `options.path` must point at a folder of
the repository holding dashboard JSON (a container path such as
/var/lib/grafana/dashboards/api is matched on its last path segments)."""

from __future__ import annotations

import posixpath

from prr.domain.findings import Outcome
from prr.probes.api import Repo, in_service
from prr.probes.repo.dashboards.collector import Collector
from prr.probes.repo.dashboards.paths import join

_UNRESOLVABLE = "\0"


def resolve_providers(c: Collector, files: list[str], providers: list[tuple[str, int, str, str]]) -> None:
    """Check each provider's folder, and force the JSON files it loads."""
    if not providers:
        return
    folders: set[str] = set()
    with_json: set[str] = set()
    for path in files:
        parts = path.split("/")[:-1]
        ancestors = {"/".join(parts[: i + 1]) for i in range(len(parts))}
        folders.update(ancestors)
        if path.endswith(".json"):
            with_json.update(ancestors)
    for path, line, name, target in providers:
        folder = _match_folder(c.repo, target, posixpath.dirname(path), folders, with_json)
        label = f"dashboard provider {name!r} ({target})"
        if folder is _UNRESOLVABLE:
            c.note(Outcome.NOT_APPLICABLE, f"{label}: the path depends on the environment: not checked", path, line)
            continue
        if folder is None:
            c.note(Outcome.FAIL, f"{label}: no such folder in the repository", path, line)
            continue
        inside = [p for p in files if p.endswith(".json") and p.startswith(folder + "/")]
        if not inside:
            c.note(Outcome.FAIL, f"{label}: {folder}/ holds no dashboard JSON", path, line)
            continue
        c.forced.update(inside)
        count = len(inside)
        c.note(Outcome.PASS, f"{label} loads {folder}/ ({count} JSON file{'s' * (count != 1)})", path, line)


def _match_folder(repo: Repo, target: str, here: str, folders: set[str], with_json: set[str]) -> str | None:
    """The repository folder a provider path means: relative paths from the provisioning
    file or the top; absolute (container) paths by their longest matching tail."""
    target = target.rstrip("/")
    parts = [p for p in target.split("/") if p and p != "."]
    if any("$" in p for p in parts):
        parts = parts[max(i for i, p in enumerate(parts) if "$" in p) + 1 :]
        if not parts:
            return _UNRESOLVABLE
    elif not target.startswith("/"):
        for base in (here, ""):
            candidate = join(base, target)
            if candidate is not None and candidate in folders:
                return candidate
    for size in range(len(parts), 0, -1):
        tail = parts[-size:]
        hits = [f for f in folders if f.split("/")[-size:] == tail]
        if hits:
            hits.sort(key=lambda f: (f not in with_json, not in_service(repo, f), f.count("/"), f))
            return hits[0]
    return None
