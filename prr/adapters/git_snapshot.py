"""A read-only snapshot of one commit, read through git plumbing (prr.adapters.git_process).

Evidence comes from committed objects, never the working tree. Every git call carries
`-c` settings that keep a hostile repository from running anything (fsmonitor, hooks,
embedded bare repositories, lazy fetches in partial clones) and names the git directory
explicitly. Refs are resolved once, after `--end-of-options`, to a commit id; only the id
is used afterwards. Blobs are read through long-lived `cat-file` processes, the size
asked first (`--batch-check`) so an oversized blob is never loaded (`--batch`)."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from prr.adapters.git_process import Git, GitFailed
from prr.adapters.tree_listing import (
    TREE,
    EntryKind,
    Listing,
    TreeEntry,
    kind_of,
    listing_of,
    parse_content_changes,
    parse_ls_tree,
    parse_tree,
)
from prr.domain.errors import InputError, ToolError
from prr.domain.text import printable

MAX_BLOB_BYTES = 1024 * 1024
SAFE_CONFIG = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "safe.bareRepository=explicit",
    "protocol.allow=never",  # a partial clone must not fetch missing objects on our behalf
    "core.untrackedCache=false",
)
SHARED_FOLDERS = (".github", ".gitlab", "docs")
GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_OPTIONAL_LOCKS": "0",
}


@dataclass(frozen=True)
class Blob:
    """A blob's text, or why it was skipped (too large, binary, object not available)."""

    entry: TreeEntry
    data: bytes | None
    skipped: str | None = None


class GitSnapshot:
    """Open with `GitSnapshot.open(path, ref)`; close (or use as a context manager) to end
    the cat-file process. The commit's paths are listed on first use, not on opening: a
    run whose findings are all cached by tree id never lists them."""

    def __init__(self, top: Path, git_dir: Path, prefix: str, commit: str, g: Git):
        self.top = top
        self.git_dir = git_dir
        self.prefix = prefix  # the service folder inside a monorepo, "" for the whole repository
        self.commit = commit
        self._git = g
        self.max_blob_bytes = MAX_BLOB_BYTES
        self._loaded: dict[str, tuple[bytes | None, str | None]] = {}  # oid -> (data, why skipped)
        self._trees: dict[str, list[tuple[str, str, str]]] = {}  # tree oid -> (mode, name, oid)
        self._listing: Listing | None = None
        # The whole repository's listing at an earlier tree, if one is remembered: when only
        # files' contents changed since, one diff-tree patches it (see `_whole`).
        self.earlier: Callable[[], tuple[str, Listing] | None] = lambda: None
        self.listed_in_full = False  # the whole repository's listing came from `ls-tree`, not the earlier one

    @classmethod
    def open(cls, path: Path, ref: str = "HEAD") -> GitSnapshot:
        top, git_dir, prefix = discover(path)
        check_ref(ref)
        g = Git(top, [*config_args(), f"--git-dir={git_dir}"], GIT_ENV)
        try:
            commit = g.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").decode().strip()
        except GitFailed:
            unborn = ref == "HEAD" and _unborn(g)
            g.close()
            if unborn:
                raise InputError(f"{top}: no commits yet: commit the service first") from None
            raise InputError(f"{ref}: no such commit in this repository") from None
        snapshot = cls(top, git_dir, prefix, commit, g)
        if prefix and not snapshot._has_folder(prefix):
            snapshot.close()
            raise InputError(
                f"{printable(prefix)}: not in commit {commit[:12]} (commit it first, or pick another --ref)"
            )
        return snapshot

    def __enter__(self) -> GitSnapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._git.close()  # ends the cat-file processes

    @property
    def listing(self) -> Listing:
        """The whole tree, or for a service folder only what a review of it may use: the
        folder itself, the files at the top level and the shared folders (.github, .gitlab,
        docs) where CODEOWNERS and policies live. A 100,000-file monorepo is then never
        listed in full to review one of its services."""
        if self._listing is None:
            self._listing = self._list()
        return self._listing

    @functools.cached_property
    def entries(self) -> list[TreeEntry]:
        return self.listing.entries(range(len(self.listing)))

    def entry(self, path: str) -> TreeEntry | None:
        position = self.listing.position(path)
        return None if position is None else self.listing.entry(position)

    def find(self, path: str) -> TreeEntry | None:
        """The committed entry at `path` (within the review's scope), read from tree
        objects without listing the commit."""
        found = self._lookup(path)
        if found is None or found[0] == TREE:
            return None
        return TreeEntry(path, kind_of(found[0]), found[1])

    def scope_id(self) -> str:
        """An id of exactly what `listing` holds, from a few tree objects: the root tree for
        a whole repository; for a service folder, the top-level files and the trees of the
        folder and the shared folders. Equal ids, equal listings."""
        root = self.root_tree
        if not self.prefix:
            return f"tree {root}"
        digest = hashlib.sha256()
        for mode, name, oid in self._tree(root):
            if mode != TREE:
                digest.update(f"{mode} {oid} {name}\0".encode("utf-8", "surrogateescape"))
        for path in self._scoped():
            found = self._lookup(path)
            digest.update(f"{path}\0{found[0] + ' ' + found[1] if found else '-'}\0".encode("utf-8", "surrogateescape"))
        return f"scope {digest.hexdigest()}"

    def folders_two_down(self) -> dict[str, str]:
        """Tree ids of the folders two levels below the top (a monorepo's
        `services/payments`), from a few tree objects; none when reviewing a service
        folder, whose listing holds only part of them."""
        if self.prefix:
            return {}
        found = {}
        for mode, name, oid in self._tree(self.root_tree):
            if mode == TREE:
                found |= {
                    f"{name}/{sub}": tree for kind, sub, tree in self._tree(oid) if kind == TREE and "/" not in sub
                }
        return found

    @property
    def object_format(self) -> str:
        return "sha256" if len(self.commit) == 64 else "sha1"

    def rev_parse(self, spec: str) -> str:
        return self._git.run("rev-parse", "--verify", "--quiet", "--end-of-options", spec).decode().strip()

    def tree_entries(self, tree: str) -> list[tuple[str, str, str]]:
        """(mode, name, oid) of one tree's direct entries, modes as git writes them in
        tree objects ("40000" for subtrees)."""
        return self._tree(tree)

    def candidates(self, keys: frozenset[str]) -> list[TreeEntry]:
        """Regular files whose lowercase extension (".yaml") or name ("codeowners") is in
        `keys`, in path order: an index lookup instead of testing 100,000 paths."""
        return self.listing.entries(self.listing.candidates(keys))

    def prefetch(self, entries: Iterable[TreeEntry]) -> None:
        self.prefetch_blobs(e.oid for e in entries if e.kind is EntryKind.FILE)

    def prefetch_blobs(self, blobs: Iterable[str]) -> None:
        """Load many blobs in two pipelined cat-file calls (sizes first, then the contents
        of those under the cap) instead of two round trips per blob."""
        loaded = self._loaded
        oids = [oid for oid in dict.fromkeys(blobs) if oid not in loaded]
        if not oids:
            return
        wanted = []
        for line in self._batch("--batch-check", oids).splitlines():
            oid, _, rest = line.decode().partition(" ")
            if rest == "missing" or not rest:
                loaded[oid] = (None, "object not available")
                continue
            size = int(rest.rsplit(" ", 1)[1])
            if size > self.max_blob_bytes:
                loaded[oid] = (None, _over_cap(size, self.max_blob_bytes))
            else:
                wanted.append(oid)
        if wanted:
            output, position = self._batch("--batch", wanted), 0
            for oid in wanted:
                end = output.index(b"\n", position)
                header = output[position:end].split()
                if header[-1] == b"missing":
                    loaded[oid] = (None, "object not available")
                    position = end + 1
                    continue
                size = int(header[2])
                data = output[end + 1 : end + 1 + size]
                loaded[oid] = (None, "binary") if b"\0" in data[:8000] else (data, None)
                position = end + 1 + size + 1

    def _batch(self, mode: str, oids: list[str]) -> bytes:
        """One cat-file call over `oids`: names from a file, output buffered by git and
        read to the end in one call (a poll loop would wake for every few hundred bytes)."""
        argv = ["git", *config_args(), f"--git-dir={self.git_dir}", "cat-file", mode, "--buffer"]
        with tempfile.TemporaryFile() as names, tempfile.TemporaryFile() as errors:
            names.write("".join(f"{oid}\n" for oid in oids).encode())
            names.seek(0)
            with subprocess.Popen(
                argv, stdin=names, stdout=subprocess.PIPE, stderr=errors, env=os.environ | GIT_ENV
            ) as process:
                assert process.stdout is not None
                output = process.stdout.read()
            if process.returncode != 0:
                errors.seek(0)
                raise ToolError(f"{self.top}: git cat-file failed: {errors.read().decode(errors='replace').strip()}")
        return output

    def read(self, path: str) -> Blob:
        entry = self.entry(path)
        if entry is None:
            raise KeyError(path)
        return self.read_entry(entry)

    def read_entry(self, entry: TreeEntry) -> Blob:
        data, skipped = self.load(entry)
        return Blob(entry, data, skipped)

    def load(self, entry: TreeEntry) -> tuple[bytes | None, str | None]:
        """(data, None), or (None, why it was skipped): prefetched, or read on its own."""
        if entry.kind is not EntryKind.FILE:
            return None, f"{entry.kind.value}, not read"
        found = self._loaded.get(entry.oid)
        if found is None:
            found = self._loaded[entry.oid] = self._load_one(entry.oid)
        return found

    def _load_one(self, oid: str) -> tuple[bytes | None, str | None]:
        header = self._git.header(oid)
        if header is not None and header[2] > self.max_blob_bytes:
            return None, _over_cap(header[2], self.max_blob_bytes)
        found = None if header is None else self._git.contents(oid)
        if found is None:  # cat-file answered "<oid> missing": a partial or damaged clone
            return None, "object not available"
        data = found[2]
        return (None, "binary") if b"\0" in data[:8000] else (data, None)

    def _list(self) -> Listing:
        if not self.prefix:
            return self._whole()
        parts = [("", _listing([entry for entry in self._tree(self.root_tree) if entry[0] != TREE]))]
        for path in self._scoped():
            found = self._lookup(path)
            if found is not None:
                mode, oid = found
                parts.append((path, self._ls_tree(oid)) if mode == TREE else ("", _listing([(mode, path, oid)])))
        return listing_of(parts)

    def _whole(self) -> Listing:
        """The whole repository's listing: the earlier one patched when only contents
        changed since (a warm re-run of a 100,000-file monorepo then reads one short
        diff-tree rather than listing every file again); else listed in full."""
        earlier = self.earlier()
        if earlier is not None:
            tree, listing = earlier
            if tree == self.root_tree:
                return listing
            try:
                changed = parse_content_changes(
                    self._git.run("diff-tree", "-r", "-z", "--no-renames", "--end-of-options", tree, self.root_tree)
                )
            except GitFailed:
                changed = None  # the earlier tree is gone (gc'd): list in full
            except ValueError as exc:
                raise ToolError(f"{self.top}: git diff-tree: {exc}") from None
            patched = None if changed is None else listing.with_blobs(changed)
            if patched is not None:
                return patched
        self.listed_in_full = True
        return listing_of([("", self._ls_tree(self.commit))])

    def _ls_tree(self, tree: str) -> Listing:
        argv = ["ls-tree", "-r", "-z", "--full-tree", tree]
        try:
            return parse_ls_tree(self._git.run(*argv))
        except GitFailed as exc:
            raise ToolError(f"{self.top}: git ls-tree failed: {exc.stderr.strip()}") from None
        except ValueError as exc:
            raise ToolError(f"{self.top}: git ls-tree: {exc}") from None

    def _scoped(self) -> list[str]:
        """The service folder and the shared folders, none inside another."""
        paths = [self.prefix, *SHARED_FOLDERS]
        return [p for p in paths if not any(p != q and p.startswith(q + "/") for q in paths) and p]

    @functools.cached_property
    def root_tree(self) -> str:
        """The id of the commit's tree, read once: every lookup and listing starts there."""
        _, kind, data = self._object(self.commit)
        if kind != "commit" or not data.startswith(b"tree "):
            raise ToolError(f"{self.top}: git commit {self.commit} is damaged")
        return data[5 : data.index(b"\n")].decode()

    def _has_folder(self, path: str) -> bool:
        """True when the commit has a folder at `path`. A review of a folder it lacks would
        find nothing there and report the service as failing every probe."""
        found = self._lookup(path)
        return found is not None and found[0] == TREE

    def _lookup(self, path: str) -> tuple[str, str] | None:
        """(mode, oid) at `path` in the commit, from tree objects; None when absent."""
        mode, oid = TREE, self.root_tree
        for name in path.split("/"):
            if mode != TREE:
                return None
            found = next(((m, o) for m, n, o in self._tree(oid) if n == name), None)
            if found is None:
                return None
            mode, oid = found
        return mode, oid

    def _tree(self, spec: str) -> list[tuple[str, str, str]]:
        cached = self._trees.get(spec)
        if cached is None:
            oid, kind, data = self._object(spec)
            if kind != "tree":
                raise ToolError(f"{self.top}: {spec}: not a tree")
            try:
                cached = self._trees[spec] = parse_tree(data, len(oid) // 2)
            except (ValueError, UnicodeError):
                raise ToolError(f"{self.top}: git tree {oid} is damaged") from None
        return cached

    def _object(self, spec: str) -> tuple[str, str, bytes]:
        try:
            found = self._git.contents(spec)
        except GitFailed as exc:
            raise ToolError(f"{self.top}: {exc.stderr}") from None
        if found is None:
            raise ToolError(f"{self.top}: git object {spec} not available")
        return found


def discover(path: Path) -> tuple[Path, Path, str]:
    """The repository top level, git directory and PATH's folder inside it, asked once."""
    if not path.exists():
        raise InputError(f"{path}: no such folder")
    folder = path if path.is_dir() else path.parent
    with Git(folder, config_args(), GIT_ENV) as runner:
        try:
            out = runner.run("rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir", "--show-prefix")
        except GitFailed as exc:
            raise _explain(exc.stderr, folder) from None
    top, git_dir, *rest = out.decode("utf-8", "surrogateescape").splitlines()
    return Path(top), Path(git_dir), (rest[0] if rest else "").rstrip("/")


def _unborn(g: Git) -> bool:
    """True when HEAD names a branch that has no commit yet (a repository just made)."""
    try:
        branch = g.run("symbolic-ref", "--quiet", "HEAD").decode("utf-8", "surrogateescape").strip()
    except GitFailed:
        return False  # a detached HEAD names a commit, whether or not it is there
    try:
        g.run("rev-parse", "--verify", "--quiet", "--end-of-options", branch)
    except GitFailed:
        return True
    return False


def config_args() -> list[str]:
    return [arg for setting in SAFE_CONFIG for arg in ("-c", setting)]


def check_ref(ref: str) -> None:
    """Refuse what git could read as an option or that breaks a line-based protocol."""
    if not ref or ref.startswith("-") or any(ch in ref for ch in "\0\n\r"):
        raise InputError(f"{ref!r}: not a valid git revision")


def _listing(records: list[tuple[str, str, str]]) -> Listing:
    """The listing of (mode, path, oid) records."""
    kinds = {n: kind_of(mode) for n, (mode, _, _) in enumerate(records)}
    links = {n: kind for n, kind in kinds.items() if kind is not EntryKind.FILE}
    return Listing([r[1] for r in records], [r[2] for r in records], links)


def _over_cap(size: int, cap: int) -> str:
    return f"{size:,} bytes, over the {cap:,}-byte cap (max_file_bytes in .prr/config.toml raises it)"


def _explain(stderr: str, folder: Path) -> Exception:
    if "dubious ownership" in stderr:
        # safe.directory takes the repository's top level, as an absolute path: git names
        # it in its message; a subfolder or a relative path would not make git trust it.
        reported = re.search(r"repository at '(.+)'$", stderr, re.MULTILINE)
        top = reported[1] if reported else str(folder.resolve())
        return InputError(
            f"{folder}: git refuses this repository because another user owns it; if you trust it, "
            f"run: git config --global --add safe.directory {shlex.quote(top)} (prr will not change your git config)"
        )
    if "not a git repository" in stderr:
        return InputError(f"{folder}: not inside a git repository")
    if "safe.bareRepository" in stderr:  # the setting prr imposes, so a bare repository runs nothing of its own
        return InputError(
            f"{folder}: a bare repository: prr reviews a checkout (a working tree); clone it and run prr in the clone"
        )
    first = next((line for line in stderr.splitlines() if line.strip()), "git failed")
    return ToolError(f"{folder}: git: {first.strip()}")
