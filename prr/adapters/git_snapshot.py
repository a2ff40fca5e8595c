"""A read-only snapshot of one commit, read through git plumbing (GitPython's `Git`).

Evidence comes from committed objects, never the working tree. Every git call carries
`-c` settings that keep a hostile repository from running anything (fsmonitor, hooks,
embedded bare repositories, lazy fetches in partial clones) and names the git directory
explicitly. Refs are resolved once, after `--end-of-options`, to a commit id; only the id
is used afterwards. Blobs are read through one long-lived `cat-file --batch` with sizes
known from `ls-tree -l` first, so an oversized blob is never loaded."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import git

from prr.domain.errors import InputError, ToolError

MAX_BLOB_BYTES = 1024 * 1024
SAFE_CONFIG = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "safe.bareRepository=explicit",
    "protocol.allow=never",  # a partial clone must not fetch missing objects on our behalf
    "core.untrackedCache=false",
)
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_NO_REPLACE_OBJECTS": "1", "GIT_NO_LAZY_FETCH": "1", "GIT_OPTIONAL_LOCKS": "0"}


class EntryKind(StrEnum):
    FILE = "file"
    SYMLINK = "symlink"  # reported as a link, never followed
    SUBMODULE = "submodule"  # reported, never entered


@dataclass(frozen=True)
class TreeEntry:
    path: str  # relative to the repository top; non-UTF-8 bytes kept as surrogate escapes
    kind: EntryKind
    oid: str
    size: int | None  # None when the object is not available (partial or damaged clone)


@dataclass(frozen=True)
class Blob:
    """A blob's text, or why it was skipped (too large, binary, object not available)."""

    entry: TreeEntry
    data: bytes | None
    skipped: str | None = None


def printable(path: str) -> str:
    """A path that is safe to print and store, whatever bytes git gave us."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class GitSnapshot:
    """Open with `GitSnapshot.open(path, ref)`; close (or use as a context manager) to end
    the cat-file process."""

    def __init__(self, top: Path, git_dir: Path, prefix: str, commit: str, entries: list[TreeEntry], g: git.Git):
        self.top = top
        self.git_dir = git_dir
        self.prefix = prefix  # the service folder inside a monorepo, "" for the whole repository
        self.commit = commit
        self.entries = entries
        self._by_path = {entry.path: entry for entry in entries}
        self._git = g
        self.max_blob_bytes = MAX_BLOB_BYTES

    @classmethod
    def open(cls, path: Path, ref: str = "HEAD") -> GitSnapshot:
        top, git_dir, prefix = _discover(path)
        g = git.Git(str(top))
        g.update_environment(**_ENV)
        g.set_persistent_git_options(c=list(SAFE_CONFIG), git_dir=str(git_dir))
        commit = _resolve(g, ref)
        return cls(top, git_dir, prefix, commit, _list_tree(g, git_dir, commit), g)

    def __enter__(self) -> GitSnapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._git.clear_cache()  # ends the persistent cat-file process

    def entry(self, path: str) -> TreeEntry | None:
        return self._by_path.get(path)

    def read(self, path: str) -> Blob:
        entry = self._by_path.get(path)
        if entry is None:
            raise KeyError(path)
        if entry.kind is not EntryKind.FILE:
            return Blob(entry, None, f"{entry.kind.value}, not read")
        if entry.size is None:
            return Blob(entry, None, "object not available")
        if entry.size > self.max_blob_bytes:
            return Blob(entry, None, f"{entry.size:,} bytes, over the {self.max_blob_bytes:,}-byte cap")
        try:
            _, _, _, data = self._git.get_object_data(entry.oid)
        except ValueError:
            return Blob(entry, None, "object not available")
        if b"\0" in data[:8000]:
            return Blob(entry, None, "binary")
        return Blob(entry, data)


def _discover(path: Path) -> tuple[Path, Path, str]:
    """The repository top level, git directory and PATH's folder inside it, asked once."""
    if not path.exists():
        raise InputError(f"{path}: no such folder")
    folder = path if path.is_dir() else path.parent
    runner = git.Git(str(folder))
    runner.update_environment(**_ENV)
    try:
        out = runner.execute(
            ["git", *_config_args(), "rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir",
             "--show-prefix"],
        )  # fmt: skip
    except git.GitCommandError as exc:
        raise _explain(exc, folder) from None
    top, git_dir, *rest = str(out).splitlines()
    return Path(top), Path(git_dir), (rest[0] if rest else "").rstrip("/")


def _config_args() -> list[str]:
    return [arg for setting in SAFE_CONFIG for arg in ("-c", setting)]


def _resolve(g: git.Git, ref: str) -> str:
    if not ref or ref.startswith("-") or any(ch in ref for ch in "\0\n\r"):
        raise InputError(f"{ref!r}: not a valid git revision")
    try:
        return str(g.rev_parse("--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")).strip()
    except git.GitCommandError:
        raise InputError(f"{ref}: no such commit in this repository") from None


def _list_tree(g: git.Git, git_dir: Path, commit: str) -> list[TreeEntry]:
    argv = ["git", *_config_args(), f"--git-dir={git_dir}", "ls-tree", "-r", "-z", "-l", "--full-tree", commit]
    raw = g.execute(argv, stdout_as_string=False)
    entries = []
    for record in bytes(raw).split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, oid, size = meta.split()
        name = path.decode("utf-8", "surrogateescape")
        if kind == b"commit":
            entries.append(TreeEntry(name, EntryKind.SUBMODULE, oid.decode(), None))
        elif mode == b"120000":
            entries.append(TreeEntry(name, EntryKind.SYMLINK, oid.decode(), None))
        else:
            entries.append(TreeEntry(name, EntryKind.FILE, oid.decode(), None if size == b"BAD" else int(size)))
    return entries


def _explain(exc: git.GitCommandError, folder: Path) -> Exception:
    stderr = str(exc.stderr or "")
    if "dubious ownership" in stderr:
        return InputError(
            f"{folder}: git refuses this repository because another user owns it; if you trust it, "
            f"run: git config --global --add safe.directory '{folder}' (prr will not change your git config)"
        )
    if "not a git repository" in stderr:
        return InputError(f"{folder}: not inside a git repository")
    first = next((line for line in stderr.splitlines() if line.strip()), "git failed")
    return ToolError(f"{folder}: git: {first.strip().removeprefix('stderr: ').strip(chr(39))}")
