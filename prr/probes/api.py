"""What a repository probe is given and what it returns. Pure: no git, no files.

A repository probe is a yes/no question over one commit's tree. It declares which paths
it looks at (`selects`), so the runner hands it only those and can reuse its findings
while none of their blobs change (see prr.workflow.repo_runs); what it derives from each
file (`Repo.derived`) is reused per blob even when others changed. It returns findings and
never scores."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from prr.domain.findings import Evidence, Finding, Location, Outcome
from prr.domain.text import printable

Params = Mapping[str, Any]


@dataclass(frozen=True)
class RepoFile:
    path: str  # repository-relative, "/"-separated; non-UTF-8 bytes kept as surrogate escapes
    blob: str  # the git object id of the committed content


class Repo(Protocol):
    """The committed files a probe may look at (only those its `selects` accepted)."""

    commit: str
    prefix: str  # the service folder in a monorepo ("" for the whole repository)

    def files(self) -> Sequence[RepoFile]:
        """Regular files, in path order. Symlinks and submodules are never included."""
        ...

    def exists(self, path: str) -> bool: ...

    def blob(self, path: str) -> str | None:
        """The blob id of `path`, or None if it is not a (selected) committed file."""
        ...

    def text(self, path: str) -> str | None:
        """The file as text (UTF-8, undecodable bytes replaced), or None when it was
        skipped: binary, over the size cap, or its object is not available."""
        ...

    def skipped(self, path: str) -> str | None:
        """Why `text(path)` returned None ("binary", "object not available", ...)."""
        ...

    def derived(self, kind: str, path: str, derive: Callable[[str], Any]) -> Any:
        """derive(text of `path`), remembered across runs by path and blob id, so a re-run
        after a one-file change reads that file alone. `kind` names what is derived and must
        change with its meaning (parameters included). The result must be JSON data, never
        None (it is stored as JSON and comes back as JSON gives it: lists, not tuples).
        None when the file cannot be read, as for `text`."""
        ...


Selects = Callable[[str, Params], bool]
Run = Callable[[Repo, Params], list[Finding]]


@dataclass(frozen=True)
class RepoProbe:
    id: str  # must be declared in prr.probes.registry
    selects: Selects
    run: Run
    # Lowercase extensions (".yaml") or file names ("codeowners") that `selects` can accept
    # at all: the runner then tests only those paths, from an index, not every path of a
    # 100,000-file monorepo. None means any path may be selected.
    candidates: frozenset[str] | None = None
    # False when `selects` ignores its parameters: probes sharing the test then share one
    # selection, and one worker, whatever their parameters (the two dashboard probes read
    # the same files; apart, each fetched and scanned them all).
    selects_by_params: bool = True


def in_service(repo: Repo, path: str) -> bool:
    """True when `path` lies in the service folder (always, for a whole-repository review)."""
    return not repo.prefix or path == repo.prefix or path.startswith(repo.prefix + "/")


def evidence(repo: Repo, path: str) -> Evidence:
    return Evidence(path=path, blob=repo.blob(path))


def finding(
    probe: str,
    outcome: Outcome,
    message: str,
    repo: Repo | None = None,
    at: Sequence[tuple[str, int | None]] = (),
    remediation: str = "",
) -> Finding:
    """A finding with locations (path, line) and, when `repo` is given, blob evidence.
    The message is made printable here, once for every probe: one that quotes a path
    that is not UTF-8 would otherwise break every output and record that carries it.
    Locations and evidence keep the real path (the uncommitted-evidence check needs it)."""
    locations = tuple(Location(path, line) for path, line in at)
    paths = list(dict.fromkeys(path for path, _ in at))
    proof = tuple(evidence(repo, path) for path in paths) if repo is not None else ()
    shown = message if message.isascii() else printable(message)
    return Finding(probe, outcome, shown, locations, proof, remediation)


def unreadable(probe: str, repo: Repo, path: str) -> Finding:
    """The error finding for a file the probe needed but could not read."""
    return finding(probe, Outcome.ERROR, f"{path}: {repo.skipped(path) or 'not readable'}", repo, [(path, None)])
