"""Committing a record folder commits exactly its bytes and nothing else the user has staged,
runs no hooks, and refuses cleanly (changing nothing) when it cannot commit safely."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from gitrepos import GIT_ENV, git, make_repo

from prr.adapters.git_commit import Committed, _Repo, commit_paths
from prr.domain.errors import InputError

RECORD = "svc/.prr/records/r1/record.toml"
SIGNATURE = "svc/.prr/records/r1/signatures/alice.sig"
RECORD_BYTES = b'id = "r1"\r\nverdict = "ready"\r\n'  # CRLF, as signed
SIGNATURE_BYTES = b"-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----"  # no final newline


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """commit_paths runs in this process: keep the developer's git config and any git
    variables of the shell out of it, and give it the test identity."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name in ("GIT_CONFIG_GLOBAL", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with a committed service and a new record folder, not yet added."""
    root = make_repo(tmp_path / "r", {"svc/app.py": "print('hi')\n", "README.md": "readme\n"})
    write(root, RECORD, RECORD_BYTES)
    write(root, SIGNATURE, SIGNATURE_BYTES)
    return root


def write(root: Path, path: str, data: bytes) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_bytes(data)


def raw(root: Path, *args: str) -> bytes:
    """Git's output as bytes (the helper's text mode would translate CRLF)."""
    env = dict(os.environ, HOME=str(root.parent))
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True).stdout


def state(root: Path) -> tuple[str, ...]:
    """Everything a refused commit must leave as it was: refs, HEAD, index and status."""
    return (
        git(root, "for-each-ref"),
        git(root, "symbolic-ref", "-q", "HEAD") if (root / ".git" / "HEAD").read_text().startswith("ref:") else "",
        git(root, "ls-files", "--stage"),
        git(root, "status", "--porcelain", "--untracked-files=all"),
    )


def refused(root: Path, paths: list[str], message: str, **kwargs: str) -> None:
    before = state(root)
    with pytest.raises(InputError) as caught:
        commit_paths(root, paths, "Add record r1", **kwargs)
    assert str(caught.value) == message
    assert state(root) == before


def test_the_record_folder_is_committed_on_the_branch(repo: Path) -> None:
    old = git(repo, "rev-parse", "HEAD").strip()
    done = commit_paths(repo, [RECORD, SIGNATURE], "Add record r1")
    assert done == Committed(git(repo, "rev-parse", "HEAD").strip(), "main", (RECORD, SIGNATURE))
    assert git(repo, "log", "-1", "--format=%P%n%B").split("\n")[:2] == [old, "Add record r1"]
    assert git(repo, "reflog", "-1", "--format=%gs", "main").strip() == "prr commit: Add record r1"


def test_committed_bytes_are_exactly_the_files_even_with_autocrlf(repo: Path) -> None:
    git(repo, "config", "core.autocrlf", "true")
    commit_paths(repo, [RECORD, SIGNATURE], "Add record r1")
    assert raw(repo, "cat-file", "blob", f"HEAD:{RECORD}") == RECORD_BYTES
    assert raw(repo, "cat-file", "blob", f"HEAD:{SIGNATURE}") == SIGNATURE_BYTES
    assert (repo / RECORD).read_bytes() == RECORD_BYTES


def test_unrelated_staged_files_stay_staged_and_out_of_the_commit(repo: Path) -> None:
    write(repo, "svc/app.py", b"print('staged edit')\n")
    write(repo, "new.txt", b"staged new file\n")
    git(repo, "add", "svc/app.py", "new.txt")
    staged = git(repo, "diff", "--cached")
    assert git(repo, "diff", "--cached", "--name-only").split() == ["new.txt", "svc/app.py"]
    commit_paths(repo, [RECORD, SIGNATURE], "Add record r1")
    assert git(repo, "diff", "--cached", "--name-only").split() == ["new.txt", "svc/app.py"]
    assert git(repo, "diff", "--cached") == staged
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [RECORD, SIGNATURE]


def test_unstaged_changes_are_untouched_and_the_record_shows_as_committed(repo: Path) -> None:
    write(repo, "README.md", b"edited, not staged\n")
    write(repo, "scratch.txt", b"untracked\n")
    unstaged = git(repo, "diff")
    commit_paths(repo, [RECORD, SIGNATURE], "Add record r1")
    assert git(repo, "diff") == unstaged
    assert (repo / "README.md").read_bytes() == b"edited, not staged\n"
    assert git(repo, "status", "--porcelain", "--untracked-files=all").splitlines() == [
        " M README.md",
        "?? scratch.txt",
    ]


def test_a_file_deleted_in_the_working_tree_is_committed_as_deleted(repo: Path) -> None:
    commit_paths(repo, [RECORD, SIGNATURE], "Add record r1")
    (repo / SIGNATURE).unlink()
    done = commit_paths(repo, [RECORD, SIGNATURE], "Drop a signature")
    assert done.paths == (SIGNATURE,)
    assert git(repo, "ls-tree", "-r", "--name-only", "HEAD").split() == ["README.md", RECORD, "svc/app.py"]
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_committing_the_same_files_again_is_refused_as_nothing_to_commit(repo: Path) -> None:
    commit_paths(repo, [RECORD, SIGNATURE], "Add record r1")
    refused(repo, [RECORD], f"nothing to commit: {RECORD} already committed as they are")


HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "reference-transaction", "post-index-change")


@pytest.mark.parametrize("hooks_path", [None, "my-hooks"])
def test_no_hook_runs(repo: Path, tmp_path: Path, hooks_path: str | None) -> None:
    hooks = repo / ".git" / "hooks" if hooks_path is None else tmp_path / hooks_path
    hooks.mkdir(exist_ok=True)
    if hooks_path is not None:
        git(repo, "config", "core.hooksPath", str(hooks))
    for name in HOOKS:
        (hooks / name).write_text(f"#!/bin/sh\ntouch '{tmp_path}/ran-{name}'\n")
        (hooks / name).chmod(0o755)
    commit_paths(repo, [RECORD, SIGNATURE], "Add record r1")
    assert sorted(p.name for p in tmp_path.glob("ran-*")) == []


@pytest.mark.parametrize("driver", ["evil", "dotted.name=with-equals"])
def test_no_clean_filter_runs_when_git_rechecks_the_users_index(repo: Path, tmp_path: Path, driver: str) -> None:
    """Writing the user's index makes git re-read, through its clean filter, a file it
    cannot vouch for by stat data: here one staged with a modification time after the
    index was written ("racily clean")."""
    write(repo, ".gitattributes", f"svc/* filter={driver}\n".encode())
    write(repo, "svc/app.py", b"print('changed')\n")
    git(repo, "add", "svc/app.py")
    later = (repo / ".git" / "index").stat().st_mtime + 3600
    os.utime(repo / "svc" / "app.py", (later, later))
    git(repo, "update-index", "--really-refresh")  # the staged stat data: an hour after the index's
    ran = tmp_path / "ran-filter"
    git(repo, "config", f"filter.{driver}.clean", f"sh -c 'touch {ran}; cat'")
    git(repo, "config", f"filter.{driver}.process", f"sh -c 'touch {ran}'")
    commit_paths(repo, [RECORD, SIGNATURE], "Add record r1")
    assert not ran.exists()
    assert git(repo, "diff", "--cached", "--name-only").split() == ["svc/app.py"]  # still staged, and only it


def test_a_detached_head_is_refused(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    refused(
        repo,
        [RECORD],
        "HEAD is detached: check out the branch the record belongs on, then run prr commit again",
    )


def test_an_unborn_branch_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, RECORD, RECORD_BYTES)
    refused(root, [RECORD], "branch main has no commits yet: make a first commit, then run prr commit again")


def test_a_held_index_lock_is_refused(repo: Path) -> None:
    lock = repo / ".git" / "index.lock"
    lock.write_bytes(b"")
    refused(
        repo,
        [RECORD],
        f"{lock} exists: another git process is running, or a crashed one left it; "
        "remove it once no git command is running",
    )


def test_a_head_other_than_the_expected_one_is_refused(repo: Path) -> None:
    old = git(repo, "rev-parse", "HEAD").strip()
    make_repo(repo, {"README.md": "moved on\n"}, "someone else's commit")
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "reset", "-q", "--", ".")  # make_repo added the record too; leave it untracked again
    refused(
        repo,
        [RECORD],
        f"branch main is at {head[:7]}, not {old[:7]} as expected; nothing was committed: "
        "check what moved it, then run prr commit again",
        expected_head=old,
    )


def during_commit(monkeypatch: pytest.MonkeyPatch, action: Callable[[], object]) -> None:
    """Do ACTION after the tree is written and before the branch moves. No git program
    prr runs in between calls out (commit-tree runs no hook, not even a signing program),
    so this one step is wrapped: the race cannot be produced deterministically otherwise."""
    changed = _Repo.changed

    def changed_then_act(self: _Repo, head: str, tree: str, paths: list[str]) -> tuple[str, ...]:
        paths = changed(self, head, tree, paths)
        action()
        return paths

    monkeypatch.setattr(_Repo, "changed", changed_then_act)


def test_a_branch_that_moves_while_committing_is_not_overwritten(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = git(repo, "commit-tree", "-p", "HEAD", "-m", "someone else's commit", "HEAD^{tree}").strip()
    during_commit(monkeypatch, lambda: git(repo, "update-ref", "refs/heads/main", other))
    index = git(repo, "ls-files", "--stage")
    with pytest.raises(InputError) as caught:
        commit_paths(repo, [RECORD, SIGNATURE], "Add record r1")
    assert str(caught.value) == f"branch main moved while committing (now at {other[:7]}); run prr commit again"
    assert git(repo, "rev-parse", "main").strip() == other
    assert git(repo, "ls-files", "--stage") == index


def test_an_index_lock_taken_while_committing_is_reported_after_the_commit_lands(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = repo / ".git" / "index.lock"
    during_commit(monkeypatch, lambda: lock.write_bytes(b""))
    with pytest.raises(InputError) as caught:
        commit_paths(repo, [RECORD, SIGNATURE], "Add record r1")
    head = git(repo, "rev-parse", "HEAD").strip()
    assert str(caught.value) == (
        f"committed {head[:7]} on main, but git's index was not updated for it; once no git command is running, "
        f"run: git reset -q -- {RECORD} {SIGNATURE} ({lock} is held by another git process)"
    )
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [RECORD, SIGNATURE]


@pytest.mark.parametrize("link", [RECORD, "svc/.prr"])
def test_symlinks_are_refused(repo: Path, tmp_path: Path, link: str) -> None:
    target = tmp_path / "elsewhere"
    (repo / link).rename(target)
    (repo / link).symlink_to(target)
    refused(repo, [RECORD], f"{link} is a symlink: prr commits only regular files; replace it with the file itself")


def test_a_folder_is_refused_as_not_a_regular_file(repo: Path) -> None:
    folder = "svc/.prr/records/r1"
    refused(repo, [folder], f"{folder}: not a regular file; prr commits only regular files")


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", ".git/config", ".GIT/config", "svc/../x", ""])
def test_paths_outside_the_working_tree_are_refused(repo: Path, path: str) -> None:
    refused(repo, [path], f"{path}: not a path inside the repository; give it relative to the top level")


def test_a_folder_below_the_top_level_is_refused(repo: Path) -> None:
    with pytest.raises(InputError, match="not the top level of its git repository"):
        commit_paths(repo / "svc", [".prr/records/r1/record.toml"], "Add record r1")


def test_a_missing_identity_is_refused(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name)
    refused(
        repo,
        [RECORD],
        'git needs your name and email: git config user.name "Your Name" && git config user.email you@example.com',
    )


def test_the_identity_comes_from_git_config(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name)
    git(repo, "config", "user.name", "Service Owner")
    git(repo, "config", "user.email", "svc@example.test")
    commit_paths(repo, [RECORD], "Add record r1")
    assert git(repo, "log", "-1", "--format=%an <%ae> %cn <%ce>").strip() == (
        "Service Owner <svc@example.test> Service Owner <svc@example.test>"
    )


def test_a_linked_worktree_commits_on_its_own_branch(repo: Path, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(linked))
    write(linked, RECORD, RECORD_BYTES)
    main_index = git(repo, "ls-files", "--stage")
    done = commit_paths(linked, [RECORD], "Add record r1")
    assert (done.branch, done.commit) == ("feature", git(repo, "rev-parse", "feature").strip())
    assert git(linked, "status", "--porcelain") == ""
    assert git(repo, "ls-files", "--stage") == main_index


def test_a_user_who_signs_their_commits_gets_a_signed_record_commit(repo: Path, tmp_path: Path) -> None:
    """Branches that require signed commits accept prr's: `commit.gpgSign` is honoured."""
    key = tmp_path / "signing-key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingkey", str(key))
    git(repo, "config", "commit.gpgSign", "true")
    committed = commit_paths(repo, [RECORD, SIGNATURE], "Add record r1")
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"{GIT_ENV['GIT_COMMITTER_EMAIL']} {(tmp_path / 'signing-key.pub').read_text()}")
    verified = subprocess.run(
        ["git", "-c", f"gpg.ssh.allowedSignersFile={allowed}", "verify-commit", committed.commit],
        cwd=repo, env=dict(os.environ, HOME=str(repo.parent)), capture_output=True, text=True,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert 'Good "git" signature' in verified.stderr


@pytest.mark.parametrize("setting", ["gpg.program", "gpg.ssh.program", "gpg.ssh.defaultKeyCommand"])
def test_a_signing_command_named_by_the_repositorys_own_config_is_refused(
    repo: Path, tmp_path: Path, setting: str
) -> None:
    ran = tmp_path / "ran-signer"
    git(repo, "config", "commit.gpgSign", "true")
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", setting, f"sh -c 'touch {ran}'")
    before = state(repo)
    with pytest.raises(InputError, match=rf"{setting.lower()} is set in this repository's own git config"):
        commit_paths(repo, [RECORD, SIGNATURE], "Add record r1")
    assert not ran.exists()
    assert state(repo) == before
