"""Commit only some paths (a review record's folder) on the current branch.

The commit is built in a temporary index from HEAD, so the user's staged changes stay
staged and out of it. Signed bytes go in exactly as they are on disk (`hash-object
--no-filters`, read without following symlinks). No hook runs: `commit-tree` runs none
and SAFE_CONFIG points hooks at /dev/null for the others. The branch moves by
compare-and-swap, so a commit made meanwhile is never overwritten. Every call carries
SAFE_CONFIG and an explicit git dir, as in the snapshot, and every filter driver the
repository configures is switched off: writing the user's index makes git re-read files
it cannot vouch for by their stat data, through their clean filters, and a filter is a
command the repository chose (see `_filters_off`)."""

from __future__ import annotations

import os
import shlex
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import git

from prr.adapters.git_snapshot import GIT_ENV, SAFE_CONFIG
from prr.domain.errors import InputError, ToolError
from prr.domain.text import printable

# Identity comes from git config (or GIT_AUTHOR_*/GIT_COMMITTER_*), never guessed from the
# host name: a guessed "user@host.(none)" must not end up in an audited commit.
_CONFIG_ARGS = tuple(arg for setting in (*SAFE_CONFIG, "user.useConfigOnly=true") for arg in ("-c", setting))
# Settings naming a command git runs to sign a commit (as git config prints them, lowercase).
_SIGNING_COMMANDS = frozenset(
    {"gpg.program", "gpg.openpgp.program", "gpg.x509.program", "gpg.ssh.program", "gpg.ssh.defaultkeycommand"}
)
_IDENTITY_HELP = (
    'git needs your name and email: git config user.name "Your Name" && git config user.email you@example.com'
)


@dataclass(frozen=True)
class Committed:
    commit: str  # the new commit id
    branch: str  # e.g. "main"
    paths: tuple[str, ...]  # repository-relative paths committed (those that differed from HEAD)


def commit_paths(top: Path, paths: list[str], message: str, expected_head: str | None = None) -> Committed:
    """Commit PATHS (relative to the repository top level TOP) as they are in the working
    tree, deletions included, on the checked-out branch, leaving every other index entry
    and file alone. With EXPECTED_HEAD, refuse unless HEAD is that commit."""
    wanted = [_checked(path) for path in dict.fromkeys(paths)]
    if not wanted:
        raise InputError("nothing to commit: no paths given")
    repo = _Repo.open(top)
    branch, head = repo.branch_and_head()
    if expected_head is not None and head != expected_head:
        raise InputError(
            f"branch {branch} is at {head[:7]}, not {expected_head[:7]} as expected; nothing was committed: "
            "check what moved it, then run prr commit again"
        )
    if repo.index_lock.exists():
        raise InputError(
            f"{repo.index_lock} exists: another git process is running, or a crashed one left it; "
            "remove it once no git command is running"
        )
    repo.check_identity()
    entries = {path: repo.hash_file(path) for path in wanted}  # None: not in the working tree
    with tempfile.TemporaryDirectory(prefix="prr-index-") as scratch:
        index = str(Path(scratch) / "index")
        repo.run("read-tree", head, index=index)
        repo.run("update-index", *_index_args(entries), index=index)
        tree = repo.run("write-tree", "--missing-ok", index=index).strip()  # HEAD's own blobs may be missing
    changed = repo.changed(head, tree, wanted)
    if not changed:
        raise InputError(f"nothing to commit: {', '.join(map(printable, wanted))} already committed as they are")
    sign = ["-S"] if repo.signs_commits() else []  # as `git commit` would, for branches that require it
    commit = repo.run("commit-tree", *sign, "-p", head, "-m", message, tree).strip()
    repo.move_branch(branch, head, commit, message)
    repo.update_real_index({path: entries[path] for path in changed}, branch, commit)
    return Committed(commit, branch, changed)


def _checked(path: str) -> str:
    """PATH if it names something inside the repository's working tree, else refused."""
    parts = path.split("/")
    if path.startswith("/") or "\0" in path or any(p in ("", ".", "..") or p.lower() == ".git" for p in parts):
        raise InputError(f"{printable(path)}: not a path inside the repository; give it relative to the top level")
    return path


class _Repo:
    """One repository's git dir and top level, and the git calls a commit needs."""

    def __init__(self, top: Path, git_dir: Path, index_lock: Path, filters_off: dict[str, str]) -> None:
        self.top = top
        self.index_lock = index_lock
        # --literal-pathspecs: a path is a name, never a glob or pathspec magic.
        self._base = ["git", *_CONFIG_ARGS, "--literal-pathspecs", f"--git-dir={git_dir}", f"--work-tree={top}"]
        self._git = git.Git(str(top))
        self._git.update_environment(**GIT_ENV, **filters_off)

    @classmethod
    def open(cls, top: Path) -> _Repo:
        runner = git.Git(str(top))
        runner.update_environment(**GIT_ENV)
        argv = ["git", *_CONFIG_ARGS, "rev-parse", "--path-format=absolute"]
        try:
            out = str(runner.execute([*argv, "--show-toplevel", "--git-dir", "--git-path", "index"]))
        except git.GitCommandError as exc:
            raise InputError(f"{top}: git cannot open this repository: {_first_line(str(exc.stderr or ''))}") from None
        toplevel, git_dir, index = out.splitlines()
        if Path(toplevel) != top.resolve():
            raise InputError(f"{top}: not the top level of its git repository ({toplevel} is)")
        filters = ["git", *_CONFIG_ARGS, "config", "-z", "--get-regexp", r"^filter\."]
        configured = str(runner.execute(filters, with_exceptions=False))  # exit 1, no output: no filters
        return cls(Path(toplevel), Path(git_dir), Path(index + ".lock"), _filters_off(configured))

    def run(self, *args: str, index: str | None = None, istream: int | None = None) -> str:
        """Git's output; a failure is a ToolError naming the command and git's message."""
        status, out, err = self._call(*args, index=index, istream=istream)
        if status != 0:
            raise ToolError(f"{self.top}: git {args[0]} failed: {_first_line(err)}")
        return out

    def _call(self, *args: str, index: str | None = None, istream: int | None = None) -> tuple[int, str, str]:
        env = {"GIT_INDEX_FILE": index} if index else None
        status, out, err = self._git.execute(
            [*self._base, *args], env=env, istream=istream, with_extended_output=True, with_exceptions=False,
            stdout_as_string=False, strip_newline_in_stdout=False,
        )  # fmt: skip
        return status, bytes(out).decode("utf-8", "surrogateescape"), str(err)

    def signs_commits(self) -> bool:
        """The user's `commit.gpgSign`: git signs their commits, so prr's commits are signed
        too, by the program the user chose. One the repository's own config names is a
        command the repository chose: refused, before anything is committed."""
        status, out, _ = self._call("config", "--type=bool", "--get", "commit.gpgSign")
        if status != 0 or out.strip() != "true":
            return False
        _, found, _ = self._call("config", "--show-scope", "-z", "--get-regexp", r"^gpg\.")
        fields = found.split("\0")
        for scope, entry in zip(fields[0::2], fields[1::2], strict=False):
            key = entry.split("\n", 1)[0]
            if scope in ("local", "worktree") and key in _SIGNING_COMMANDS:
                raise InputError(
                    f"{key} is set in this repository's own git config ({scope}): prr runs no command a repository "
                    f"chooses; set it in your global git config instead (git config --global {key} ...), then run "
                    "prr commit again"
                )
        return True

    def branch_and_head(self) -> tuple[str, str]:
        status, ref, _ = self._call("symbolic-ref", "-q", "HEAD")
        if status != 0 or not ref.startswith("refs/heads/"):
            raise InputError("HEAD is detached: check out the branch the record belongs on, then run prr commit again")
        branch = ref.strip().removeprefix("refs/heads/")
        head = self.tip(branch)
        if head is None:
            raise InputError(f"branch {branch} has no commits yet: make a first commit, then run prr commit again")
        return branch, head

    def tip(self, branch: str) -> str | None:
        status, out, _ = self._call(
            "rev-parse", "--verify", "-q", "--end-of-options", f"refs/heads/{branch}^{{commit}}"
        )
        return out.strip() if status == 0 else None

    def check_identity(self) -> None:
        """Refuse before writing anything when git would not know who commits."""
        for variable in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
            if self._call("var", variable)[0] != 0:
                raise InputError(_IDENTITY_HELP)

    def hash_file(self, path: str) -> str | None:
        """The blob id of PATH's bytes, stored unfiltered; None when it is not in the working tree."""
        fd = _open_regular(self.top, path)
        if fd is None:
            return None
        try:
            return self.run("hash-object", "-w", "--no-filters", "--stdin", istream=fd).strip()
        finally:
            os.close(fd)

    def changed(self, head: str, tree: str, paths: list[str]) -> tuple[str, ...]:
        """Which of PATHS differ between HEAD and TREE."""
        out = self.run("diff-tree", "-r", "-z", "--no-renames", "--name-only", head, tree, "--", *paths)
        return tuple(path for path in out.split("\0") if path)

    def move_branch(self, branch: str, old: str, new: str, message: str) -> None:
        """Point BRANCH at NEW only if it is still at OLD (git checks under the ref's lock)."""
        reason = "prr commit: " + (message.strip().splitlines() or [""])[0]
        status, _, err = self._call("update-ref", "-m", reason, f"refs/heads/{branch}", new, old)
        if status == 0:
            return
        now = self.tip(branch)
        if now != old:
            where = f"now at {now[:7]}" if now else "now deleted"
            raise InputError(f"branch {branch} moved while committing ({where}); run prr commit again")
        raise ToolError(f"{self.top}: git update-ref failed: {_first_line(err)}")

    def update_real_index(self, entries: dict[str, str | None], branch: str, commit: str) -> None:
        """Make the user's index agree with the new commit for ENTRIES only, so `git status`
        does not show them as staged changes; the commit has landed either way."""
        status, _, err = self._call("update-index", *_index_args(entries))
        if status == 0:
            return
        landed = (
            f"committed {commit[:7]} on {branch}, but git's index was not updated for it; once no git command is "
            f"running, run: git reset -q -- {' '.join(shlex.quote(printable(p)) for p in entries)}"
        )
        if self.index_lock.exists():
            raise InputError(f"{landed} ({self.index_lock} is held by another git process)")
        raise ToolError(f"{landed} (git update-index failed: {_first_line(err)})")


def _index_args(entries: dict[str, str | None]) -> list[str]:
    """update-index arguments: each blob as a 100644 cache entry, then removals after `--`."""
    args = ["--add"]
    for path, oid in entries.items():
        if oid is not None:
            args += ["--cacheinfo", f"100644,{oid},{path}"]
    removed = [path for path, oid in entries.items() if oid is None]
    return [*args, "--force-remove", "--", *removed] if removed else args


def _open_regular(top: Path, path: str) -> int | None:
    """A descriptor on the regular file at PATH under TOP, reached without following any
    symlink; None when the path is not in the working tree (a deletion to commit)."""
    parts = path.split("/")
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for depth, part in enumerate(parts, 1):
            last = depth == len(parts)
            try:
                mode = os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode
            except (FileNotFoundError, NotADirectoryError):
                return None
            if stat.S_ISLNK(mode):
                raise InputError(
                    f"{printable('/'.join(parts[:depth]))} is a symlink: prr commits only regular files; "
                    "replace it with the file itself"
                )
            if not last and not stat.S_ISDIR(mode):
                return None  # a file where a folder should be: the path is not there
            # O_NOFOLLOW: a symlink swapped in since the check makes this fail, not followed.
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_NONBLOCK if last else os.O_DIRECTORY)
            next_fd = os.open(part, flags, dir_fd=fd)
            os.close(fd)
            fd = next_fd
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(f"{printable(path)}: not a regular file; prr commits only regular files")
        opened, fd = fd, -1
        return opened
    except OSError as exc:
        raise InputError(f"{printable(path)}: cannot read it: {exc.strerror}") from None
    finally:
        if fd >= 0:
            os.close(fd)


def _filters_off(configured: str) -> dict[str, str]:
    """Environment settings that switch off every filter driver CONFIGURED names (`git
    config -z --get-regexp` output): an empty clean, smudge and process command, and not
    required. Given as GIT_CONFIG_KEY_n/VALUE_n, after any the caller's environment
    already sets: unlike `-c name=value`, a driver name holding "=" cannot escape them."""
    keys = [entry.split("\n", 1)[0] for entry in configured.split("\0")]
    names = sorted(
        {key[len("filter.") : key.rindex(".")] for key in keys if key.startswith("filter.") and key.count(".") > 1}
    )
    settings = [(f"filter.{name}.{var}", value) for name in names for var, value in _FILTER_OFF]
    given = os.environ.get("GIT_CONFIG_COUNT", "0")
    start = int(given) if given.isdigit() else 0
    env = {"GIT_CONFIG_COUNT": str(start + len(settings))} if settings else {}
    for number, (key, value) in enumerate(settings, start):
        env |= {f"GIT_CONFIG_KEY_{number}": key, f"GIT_CONFIG_VALUE_{number}": value}
    return env


_FILTER_OFF = (("clean", ""), ("smudge", ""), ("process", ""), ("required", "false"))


def _first_line(stderr: str) -> str:
    first = next((line for line in stderr.splitlines() if line.strip()), "git failed")
    return first.strip().removeprefix("stderr: ").strip("'").removeprefix("fatal: ").removeprefix("error: ")
