"""A read-only snapshot of one commit, read through git plumbing (GitPython's `Git`).

Evidence comes from committed objects, never the working tree. Every git call carries
`-c` settings that keep a hostile repository from running anything (fsmonitor, hooks,
embedded bare repositories, lazy fetches in partial clones) and names the git directory
explicitly. Refs are resolved once, after `--end-of-options`, to a commit id; only the id
is used afterwards. Blobs are read through long-lived `cat-file` processes, the size
asked first (`--batch-check`) so an oversized blob is never loaded (`--batch`)."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

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
GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_OPTIONAL_LOCKS": "0",
}


class EntryKind(StrEnum):
    FILE = "file"
    SYMLINK = "symlink"  # reported as a link, never followed
    SUBMODULE = "submodule"  # reported, never entered


class TreeEntry(NamedTuple):
    """One committed path (a tuple: a 100,000-file tree is listed on every run)."""

    path: str  # relative to the repository top; non-UTF-8 bytes kept as surrogate escapes
    kind: EntryKind
    oid: str


@dataclass(frozen=True)
class Blob:
    """A blob's text, or why it was skipped (too large, binary, object not available)."""

    entry: TreeEntry
    data: bytes | None
    skipped: str | None = None


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
        self._loaded: dict[str, tuple[bytes | None, str | None]] = {}  # oid -> (data, why skipped)
        self._index: dict[str, list[TreeEntry]] | None = None

    @classmethod
    def open(cls, path: Path, ref: str = "HEAD") -> GitSnapshot:
        top, git_dir, prefix = discover(path)
        g = git.Git(str(top))
        g.update_environment(**GIT_ENV)
        g.set_persistent_git_options(c=list(SAFE_CONFIG), git_dir=str(git_dir))
        commit = resolve_commit(g, ref)
        return cls(top, git_dir, prefix, commit, _list_tree(g, git_dir, commit, prefix), g)

    def __enter__(self) -> GitSnapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._git.clear_cache()  # ends the persistent cat-file process

    def entry(self, path: str) -> TreeEntry | None:
        return self._by_path.get(path)

    @property
    def object_format(self) -> str:
        return "sha256" if len(self.commit) == 64 else "sha1"

    def rev_parse(self, spec: str) -> str:
        return str(self._git.rev_parse("--verify", "--quiet", "--end-of-options", spec)).strip()

    def tree_entries(self, tree: str) -> list[tuple[str, str, str]]:
        """(mode, name, oid) of one tree's direct entries, modes as git writes them in
        tree objects ("40000" for subtrees)."""
        argv = ["git", *config_args(), f"--git-dir={self.git_dir}", "ls-tree", "-z", "--full-tree", tree]
        raw = bytes(self._git.execute(argv, stdout_as_string=False))
        return [
            (mode.decode().lstrip("0"), path.decode("utf-8", "surrogateescape"), oid.decode())
            for mode, oid, path in _RECORD.findall(raw)
        ]

    def candidates(self, keys: frozenset[str]) -> list[TreeEntry]:
        """Regular files whose lowercase extension (".yaml") or name ("codeowners") is in
        `keys`, in path order: an index lookup instead of testing 100,000 paths."""
        if self._index is None:
            self._index = {}
            for entry in self.entries:
                if entry.kind is EntryKind.FILE:
                    name = entry.path.rpartition("/")[2].lower()
                    self._index.setdefault(name, []).append(entry)
                    dot = name.rfind(".")
                    if dot > 0:
                        self._index.setdefault(name[dot:], []).append(entry)
        found = {e for key in keys for e in self._index.get(key, ())}
        return sorted(found)

    def prefetch(self, entries: list[TreeEntry]) -> None:
        """Load many blobs in two pipelined cat-file calls (sizes first, then the contents
        of those under the cap) instead of two round trips per blob."""
        oids = list(dict.fromkeys(e.oid for e in entries if e.kind is EntryKind.FILE and e.oid not in self._loaded))
        if not oids:
            return
        wanted = []
        for line in self._batch("--batch-check", oids).splitlines():
            oid, _, rest = line.decode().partition(" ")
            if rest == "missing" or not rest:
                self._loaded[oid] = (None, "object not available")
                continue
            size = int(rest.rsplit(" ", 1)[1])
            if size > self.max_blob_bytes:
                self._loaded[oid] = (None, f"{size:,} bytes, over the {self.max_blob_bytes:,}-byte cap")
            else:
                wanted.append(oid)
        if wanted:
            output, position = self._batch("--batch", wanted), 0
            for oid in wanted:
                end = output.index(b"\n", position)
                header = output[position:end].split()
                if header[-1] == b"missing":
                    self._loaded[oid] = (None, "object not available")
                    position = end + 1
                    continue
                size = int(header[2])
                data = output[end + 1 : end + 1 + size]
                self._loaded[oid] = (None, "binary") if b"\0" in data[:8000] else (data, None)
                position = end + 1 + size + 1

    def _batch(self, mode: str, oids: list[str]) -> bytes:
        argv = ["git", *config_args(), f"--git-dir={self.git_dir}", "cat-file", mode]
        done = subprocess.run(
            argv, input="".join(f"{oid}\n" for oid in oids).encode(), capture_output=True, env=os.environ | GIT_ENV
        )
        if done.returncode != 0:
            raise ToolError(f"{self.top}: git cat-file failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout

    def read(self, path: str) -> Blob:
        entry = self._by_path.get(path)
        if entry is None:
            raise KeyError(path)
        if entry.kind is not EntryKind.FILE:
            return Blob(entry, None, f"{entry.kind.value}, not read")
        if entry.oid in self._loaded:
            data, skipped = self._loaded[entry.oid]
            return Blob(entry, data, skipped)
        try:
            _, _, size = self._git.get_object_header(entry.oid)
            if size > self.max_blob_bytes:
                return Blob(entry, None, f"{size:,} bytes, over the {self.max_blob_bytes:,}-byte cap")
            _, _, _, data = self._git.get_object_data(entry.oid)
        except ValueError:  # cat-file answered "<oid> missing": a partial or damaged clone
            return Blob(entry, None, "object not available")
        if b"\0" in data[:8000]:
            return Blob(entry, None, "binary")
        return Blob(entry, data)


def discover(path: Path) -> tuple[Path, Path, str]:
    """The repository top level, git directory and PATH's folder inside it, asked once."""
    if not path.exists():
        raise InputError(f"{path}: no such folder")
    folder = path if path.is_dir() else path.parent
    runner = git.Git(str(folder))
    runner.update_environment(**GIT_ENV)
    try:
        out = runner.execute(
            ["git", *config_args(), "rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir",
             "--show-prefix"],
        )  # fmt: skip
    except git.GitCommandError as exc:
        raise _explain(exc, folder) from None
    top, git_dir, *rest = str(out).splitlines()
    return Path(top), Path(git_dir), (rest[0] if rest else "").rstrip("/")


def config_args() -> list[str]:
    return [arg for setting in SAFE_CONFIG for arg in ("-c", setting)]


def resolve_commit(g: git.Git, ref: str) -> str:
    if not ref or ref.startswith("-") or any(ch in ref for ch in "\0\n\r"):
        raise InputError(f"{ref!r}: not a valid git revision")
    try:
        return str(g.rev_parse("--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")).strip()
    except git.GitCommandError:
        raise InputError(f"{ref}: no such commit in this repository") from None


_KIND_BY_MODE = {b"120000": EntryKind.SYMLINK, b"160000": EntryKind.SUBMODULE}
_RECORD = re.compile(rb"(\d{6}) \w+ ([0-9a-f]+)\t([^\0]*)\0")


SHARED_FOLDERS = (".github", ".gitlab", "docs")


def _list_tree(g: git.Git, git_dir: Path, commit: str, prefix: str) -> list[TreeEntry]:
    """The whole tree, or for a service folder only what a review of it may use: the
    folder itself, the files at the top level and the shared folders (.github, .gitlab,
    docs) where CODEOWNERS and policies live. A 100,000-file monorepo is then never
    listed in full to review one of its services."""
    base = ["git", *config_args(), f"--git-dir={git_dir}", "ls-tree", "-z", "--full-tree"]
    if not prefix:
        return _parse(g.execute([*base, "-r", commit], stdout_as_string=False))
    top_level = _parse(g.execute([*base, commit], stdout_as_string=False))
    scoped = _parse(g.execute([*base, "-r", commit, "--", prefix, *SHARED_FOLDERS], stdout_as_string=False))
    return sorted(top_level + scoped)


def _parse(raw: str | bytes) -> list[TreeEntry]:
    """Entries from `ls-tree -z` output; subtrees (in a non-recursive listing) are left out."""
    file = EntryKind.FILE
    data = raw if isinstance(raw, bytes) else raw.encode()
    return [
        TreeEntry(path.decode("utf-8", "surrogateescape"), _KIND_BY_MODE.get(mode, file), oid.decode())
        for mode, oid, path in _RECORD.findall(data)
        if mode != b"040000"
    ]


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
