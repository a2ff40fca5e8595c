"""Read-only access to a repository's objects, for verifying records long after a review.

Unlike `GitSnapshot`, nothing is listed up front: verification reads a few trees and blobs
per record (the record folders, the reviewed commit's tree) through git's persistent
`cat-file` processes, and asks git for one diff when it must say what changed. The same
hardening applies: the `-c` settings of `git_snapshot.SAFE_CONFIG`, an explicit
`--git-dir`, refs resolved once after `--end-of-options`. Git runs through
`git_process.Git`, not GitPython, whose import alone took a tenth of a second of
`prr verify`."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from prr.adapters import git_snapshot
from prr.adapters.cores import usable_cores
from prr.adapters.git_process import Git, GitFailed
from prr.domain.errors import InputError, ToolError

MAX_BLOB_BYTES = 1024 * 1024
_PER_READER = 200  # blobs: fewer are read by one git process, as starting another costs more than it saves
TREE = "40000"
_ENTRY = re.compile(rb"(\d+) ([^\0]*)\0")
_LISTED = re.compile(rb"(\d{6}) \w+ ([0-9a-f]+) +(-|\d+|BAD)\t([^\0]*)\0")  # ls-tree -l; BAD: object missing


@dataclass(frozen=True)
class FileAt:
    """A regular file in a commit's tree."""

    path: str  # relative to the repository top
    oid: str


@dataclass(frozen=True)
class _Batch:
    """A cat-file call under way, and the file it writes to."""

    process: subprocess.Popen[bytes]
    output: IO[bytes]


@dataclass(frozen=True)
class CommitInfo:
    oid: str
    tree: str
    committed: dt.datetime  # the committer date, UTC


class GitObjects:
    """Open with `GitObjects.open(path)`; close (or use as a context manager) to end git's
    cat-file process."""

    def __init__(self, top: Path, git_dir: Path, prefix: str, g: Git):
        self.top = top
        self.git_dir = git_dir
        self.prefix = prefix  # PATH's folder inside the repository, "" at the top
        self._git = g
        self._trees: dict[str, list[tuple[str, str, str]]] = {}
        self._commits: dict[str, CommitInfo] = {}
        self._blobs: dict[str, bytes | int] = {}  # prefetched: the data, or the size when over the cap
        self._sizes: dict[str, int] = {}  # blob sizes `files` listed

    @classmethod
    def open(cls, path: Path) -> GitObjects:
        top, git_dir, prefix = git_snapshot.discover(path)
        g = Git(top, [*git_snapshot.config_args(), f"--git-dir={git_dir}"], git_snapshot.GIT_ENV)
        return cls(top, git_dir, prefix, g)

    def __enter__(self) -> GitObjects:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._git.close()

    def resolve(self, ref: str) -> str:
        """The commit id REF names (InputError when there is none)."""
        git_snapshot.check_ref(ref)
        try:
            found = self._git.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        except GitFailed:
            raise InputError(f"{ref}: no such commit in this repository") from None
        return found.decode().strip()

    def rev_parse(self, spec: str) -> str:
        """The object id `spec` names ("<commit>^{tree}"), through cat-file, not a process."""
        return self._object(spec)[0]

    def commit(self, oid: str) -> CommitInfo:
        if oid in self._commits:
            return self._commits[oid]
        found, kind, data = self._object(oid)
        if kind != "commit":
            raise InputError(f"{oid}: not a commit")
        headers = data.split(b"\n\n", 1)[0].decode("utf-8", "replace").splitlines()
        tree = next(line[5:] for line in headers if line.startswith("tree "))
        committer = next(line for line in headers if line.startswith("committer "))
        seconds = int(committer.rsplit(" ", 2)[1])
        self._commits[oid] = CommitInfo(found, tree, dt.datetime.fromtimestamp(seconds, dt.UTC))
        return self._commits[oid]

    def tree_entries(self, tree: str) -> list[tuple[str, str, str]]:
        """(mode, name, oid) of one tree's entries, modes as stored ("40000" for subtrees)."""
        cached = self._trees.get(tree)
        if cached is not None:
            return cached
        oid, kind, data = self._object(tree)
        if kind != "tree":
            raise InputError(f"{tree}: not a tree")
        size = len(oid) // 2
        entries, position = [], 0
        while position < len(data):
            match = _ENTRY.match(data, position)
            if match is None:
                raise ToolError(f"{self.top}: git tree {oid} is damaged")
            end = match.end() + size
            entries.append(
                (match[1].decode(), match[2].decode("utf-8", "surrogateescape"), data[match.end() : end].hex())
            )
            position = end
        self._trees[tree] = entries
        return entries

    def lookup(self, commit: str, path: str) -> tuple[str, str] | None:
        """(mode, oid) of PATH in COMMIT's tree, or None when it is not there."""
        tree = self.commit(commit).tree
        parts = [part for part in path.split("/") if part]
        mode = TREE
        for part in parts:
            if mode != TREE:
                return None
            entry = next((e for e in self.tree_entries(tree) if e[1] == part), None)
            if entry is None:
                return None
            mode, tree = entry[0], entry[2]
        return mode, tree

    def files(self, commit: str, folder: str) -> Iterator[FileAt]:
        """Every regular file under FOLDER in COMMIT (symlinks and submodules left out),
        listed with their sizes by one `ls-tree -r -l` rather than a cat-file round trip
        per subtree."""
        found = self.lookup(commit, folder)
        if found is None or found[0] != TREE:
            return
        try:
            raw = self._git.run("ls-tree", "-r", "-z", "-l", "--full-tree", found[1])
        except GitFailed as exc:
            raise ToolError(f"{self.top}: git ls-tree failed: {exc.stderr.strip()}") from None
        base = folder.strip("/")
        for mode, oid, size, name in _LISTED.findall(raw):
            if mode in (b"100644", b"100755"):
                path = name.decode("utf-8", "surrogateescape")
                if size.isdigit():
                    self._sizes[oid.decode()] = int(size)
                yield FileAt(f"{base}/{path}" if base else path, oid.decode())

    def prefetch(self, oids: list[str], cap: int = MAX_BLOB_BYTES) -> None:
        """Load many blobs with one pipelined cat-file call instead of two round trips each
        (a thousand records, two thousand files); the sizes, to leave out what is over the
        cap, come from `files` or from one more call."""
        self.start_prefetch(oids, cap)()

    def start_prefetch(self, oids: list[str], cap: int = MAX_BLOB_BYTES) -> Callable[[], None]:
        """`prefetch`, returning as soon as git is at it: the function returned waits for the
        blobs. Meanwhile this process may work, and read other objects as usual (reading a
        thousand loose objects keeps git busy for a while). Many blobs are read by one git
        process per core, each a share: inflating them is git's CPU work."""
        wanted = [oid for oid in dict.fromkeys(oids) if oid not in self._blobs]
        unknown = [oid for oid in wanted if oid not in self._sizes]
        for line in self._batch("--batch-check", unknown).splitlines() if unknown else ():
            oid, _, rest = line.decode().partition(" ")
            parts = rest.split()
            if len(parts) == 2 and parts[0] == "blob":
                self._sizes[oid] = int(parts[1])
        small = []
        for oid in wanted:
            size = self._sizes.get(oid)
            if size is not None and size > cap:
                self._blobs[oid] = size
            elif size is not None:
                small.append(oid)
        if not small:
            return lambda: None
        readers = max(1, min(usable_cores(), len(small) // _PER_READER))
        size = -(-len(small) // readers)
        parts = [small[start : start + size] for start in range(0, len(small), size)]
        reading = [self._start_batch("--batch", part) for part in parts]

        def finish() -> None:
            for part, started in zip(parts, reading, strict=True):
                output, position = self._finish_batch(started), 0
                for oid in part:
                    end = output.index(b"\n", position)
                    size = int(output[position:end].split()[2])
                    self._blobs[oid] = output[end + 1 : end + 1 + size]
                    position = end + 1 + size + 1

        return finish

    def in_memory(self, oid: str, cap: int = MAX_BLOB_BYTES) -> bool:
        """Whether `blob(oid, ..., cap)` answers from what `prefetch` read, without git."""
        cached = self._blobs.get(oid)
        return isinstance(cached, bytes) and len(cached) <= cap

    def blob(self, oid: str, shown: str, cap: int = MAX_BLOB_BYTES) -> bytes:
        cached = self._blobs.get(oid)
        if isinstance(cached, bytes) and len(cached) <= cap:
            return cached
        found, kind, size = self._header(oid)
        if kind != "blob":
            raise InputError(f"{shown}: not a file")
        if size > cap:
            raise InputError(f"{shown}: {size:,} bytes, over the {cap:,}-byte cap")
        return self._object(found)[2]

    def changed_paths(self, old: str, new: str) -> list[str]:
        """Paths that differ between two commits' trees (renames as a deletion and an addition)."""
        try:
            raw = self._git.run("diff-tree", "-r", "-z", "--no-renames", "--name-only", "--end-of-options", old, new)
        except GitFailed as exc:
            raise ToolError(f"{self.top}: git diff-tree failed: {exc.stderr.strip()}") from None
        return [p.decode("utf-8", "surrogateescape") for p in raw.split(b"\0") if p]

    def added(self, ref: str, pattern: str) -> list[tuple[str, str]]:
        """(commit, path) for every file matching the glob PATTERN that a commit in REF's
        history added, newest first."""
        try:
            raw = self._git.run("log", "--no-renames", "--diff-filter=A", "--name-only", "-z", "--format=%x01%H",
                                "--end-of-options", ref, "--", f":(glob){pattern}")  # fmt: skip
        except GitFailed as exc:
            raise ToolError(f"{self.top}: git log failed: {exc.stderr.strip()}") from None
        found = []
        for chunk in raw.split(b"\x01")[1:]:
            head, _, names = chunk.partition(b"\n")
            commit = head.strip(b"\0").decode()
            found += [(commit, n.decode("utf-8", "surrogateescape")) for n in names.split(b"\0") if n.strip()]
        return found

    def config(self, key: str) -> str | None:
        """A git config value as git resolves it for this repository (user, then repository settings)."""
        try:
            value = self._git.run("config", "--get", "--end-of-options", key)
        except GitFailed:
            return None  # not set
        return value.decode("utf-8", "surrogateescape").strip() or None

    def _batch(self, mode: str, oids: list[str]) -> bytes:
        return self._finish_batch(self._start_batch(mode, oids))

    def _start_batch(self, mode: str, oids: list[str]) -> _Batch:
        """A cat-file call reading OIDS from a file and writing to another, so it never waits
        for this process, nor for another such call."""
        argv = ["git", *git_snapshot.config_args(), f"--git-dir={self.git_dir}", "cat-file", mode, "--buffer"]
        with contextlib.ExitStack() as on_failure, tempfile.TemporaryFile() as wanted:
            output = on_failure.enter_context(tempfile.TemporaryFile())
            wanted.write("".join(f"{oid}\n" for oid in oids).encode())
            wanted.seek(0)
            env = os.environ | git_snapshot.GIT_ENV
            process = subprocess.Popen(argv, stdin=wanted, stdout=output, stderr=subprocess.PIPE, env=env)
            on_failure.pop_all()  # started: the output file is the caller's now
        return _Batch(process, output)

    def _finish_batch(self, batch: _Batch) -> bytes:
        with batch.output:
            _, errors = batch.process.communicate()
            if batch.process.returncode != 0:
                raise ToolError(f"{self.top}: git cat-file failed: {errors.decode(errors='replace').strip()}")
            batch.output.seek(0)
            return batch.output.read()

    def _header(self, name: str) -> tuple[str, str, int]:
        found = self._git.header(name)
        if found is None:
            raise InputError(f"{name}: object not available (a partial or damaged clone?)")
        return found

    def _object(self, name: str) -> tuple[str, str, bytes]:
        found = self._git.contents(name)
        if found is None:
            raise InputError(f"{name}: object not available (a partial or damaged clone?)")
        return found
