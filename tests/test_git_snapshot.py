"""The commit snapshot reads committed objects only, safely, whatever the repository holds."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest
from gitrepos import git, git_children, make_repo, open_fds

from prr.adapters.git_snapshot import EntryKind, GitSnapshot
from prr.domain.errors import InputError
from prr.domain.text import printable


def test_evidence_comes_from_the_commit_not_the_working_tree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"RUNBOOK.md": "committed\n"})
    (repo / "RUNBOOK.md").write_text("edited but not committed\n")
    with GitSnapshot.open(repo) as snapshot:
        assert snapshot.read("RUNBOOK.md").data == b"committed\n"


def test_a_ref_resolves_once_to_a_commit_id(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.txt": "one\n"})
    first = git(repo, "rev-parse", "HEAD").strip()
    make_repo(repo, {"a.txt": "two\n"})
    with GitSnapshot.open(repo, "HEAD~1") as snapshot:
        assert snapshot.commit == first
        assert snapshot.read("a.txt").data == b"one\n"


@pytest.mark.parametrize("ref", ["--output=/tmp/prr-ref-injection", "-uX", "ext::sh -c touch% /tmp/prr-ext", "HEAD\n"])
def test_refs_that_look_like_options_or_transports_are_refused_and_create_nothing(tmp_path: Path, ref: str) -> None:
    repo = make_repo(tmp_path / "r", {"a.txt": "a\n"})
    with pytest.raises(InputError):
        GitSnapshot.open(repo, ref)
    assert not Path("/tmp/prr-ref-injection").exists()
    assert not Path("/tmp/prr-ext").exists()


def test_symlinks_are_listed_as_links_and_never_followed(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "passwd").symlink_to("/etc/passwd")
    make_repo(repo, {"a.txt": "a\n"})
    with GitSnapshot.open(repo) as snapshot:
        entry = snapshot.entry("passwd")
        assert entry is not None and entry.kind is EntryKind.SYMLINK
        blob = snapshot.read("passwd")
        assert (blob.data, blob.skipped) == (None, "symlink, not read")


def test_blobs_over_the_cap_and_binary_blobs_are_skipped_with_a_note(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"big.yaml": "x" * (1024 * 1024 + 1), "logo.png": b"\x89PNG\r\n\x1a\n\0\0"})
    with GitSnapshot.open(repo) as snapshot:
        assert snapshot.read("big.yaml").skipped == (
            "1,048,577 bytes, over the 1,048,576-byte cap (max_file_bytes in .prr/config.toml raises it)"
        )
        assert snapshot.read("logo.png").skipped == "binary"


def test_a_missing_object_is_reported_not_raised(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"gone.md": "soon gone\n", "kept.md": "kept\n"})
    oid = git(repo, "rev-parse", "HEAD:gone.md").strip()
    (repo / ".git" / "objects" / oid[:2] / oid[2:]).unlink()
    with GitSnapshot.open(repo) as snapshot:
        assert snapshot.read("gone.md").skipped == "object not available"
        assert snapshot.read("kept.md").data == b"kept\n"


def test_paths_that_are_not_utf8_stay_printable(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    with open(os.fsencode(repo) + b"/caf\xe9.md", "wb") as handle:
        handle.write(b"menu\n")
    make_repo(repo, {})
    with GitSnapshot.open(repo) as snapshot:
        [entry] = [e for e in snapshot.entries if e.path.startswith("caf")]
        assert printable(entry.path) == "caf\\xe9.md"
        assert snapshot.read(entry.path).data == b"menu\n"


def test_submodules_are_reported_not_entered(tmp_path: Path) -> None:
    inner = make_repo(tmp_path / "inner", {"secret.txt": "inner\n"})
    repo = make_repo(tmp_path / "r", {"a.txt": "a\n"})
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "vendor/inner")
    git(repo, "commit", "-q", "-m", "submodule")
    with GitSnapshot.open(repo) as snapshot:
        entry = snapshot.entry("vendor/inner")
        assert entry is not None and entry.kind is EntryKind.SUBMODULE
        assert snapshot.entry("vendor/inner/secret.txt") is None


def test_a_service_folder_in_a_monorepo_sets_the_prefix(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"services/api/README.md": "api\n", "CODEOWNERS": "* @org/sre\n"})
    with GitSnapshot.open(repo / "services" / "api") as snapshot:
        assert (snapshot.top, snapshot.prefix) == (repo, "services/api")
        assert snapshot.entry("CODEOWNERS") is not None


def test_a_folder_outside_any_repository_is_a_clear_input_error(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    with pytest.raises(InputError, match="not inside a git repository"):
        GitSnapshot.open(folder)


def test_a_repository_owned_by_another_user_gets_gits_refusal_in_one_line(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to hand the repository to another user")
    repo = make_repo(tmp_path / "r", {"a.txt": "a\n"})
    subprocess.run(["chown", "-R", "nobody", str(repo)], check=True)
    env_home = os.environ.get("HOME")
    os.environ["HOME"] = str(tmp_path)  # no global safe.directory from the developer's own config
    try:
        with pytest.raises(InputError) as caught:
            GitSnapshot.open(repo)
    finally:
        if env_home is not None:
            os.environ["HOME"] = env_home
    [line] = caught.value.lines()
    assert "another user owns it" in line
    assert "safe.directory" in line
    assert not (tmp_path / ".gitconfig").exists()  # prr never writes safe.directory itself


@pytest.mark.parametrize("where", ["top level", "subfolder", "relative subfolder"])
def test_the_ownership_hint_trusts_the_repository_top_by_its_absolute_path_and_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to hand the repository to another user")
    repo = make_repo(tmp_path / "their repo", {"services/pay/a.txt": "a\n"})  # a space: the path needs quoting
    subprocess.run(["chown", "-R", "nobody", str(repo)], check=True)
    monkeypatch.setenv("HOME", str(tmp_path))  # no safe.directory from the developer's own config
    monkeypatch.chdir(tmp_path)
    path = {
        "top level": repo,
        "subfolder": repo / "services" / "pay",
        "relative subfolder": Path("their repo/services/pay"),
    }[where]
    with pytest.raises(InputError) as caught:
        GitSnapshot.open(path)
    [line] = caught.value.lines()
    command = shlex.split(line.split("run: ", 1)[1].split(" (prr will not", 1)[0])
    assert command == ["git", "config", "--global", "--add", "safe.directory", str(repo.resolve())]
    subprocess.run(command, check=True)  # what the user would run, if they trust the repository
    with GitSnapshot.open(path) as snapshot:
        assert snapshot.top == repo.resolve()


def test_a_service_folder_that_is_not_committed_is_refused_in_one_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"README.md": "r\n"})
    (repo / "services" / "new").mkdir(parents=True)
    (repo / "services" / "new" / "app.py").write_text("print('new')\n")
    head = git(repo, "rev-parse", "HEAD").strip()
    with pytest.raises(InputError) as caught:
        GitSnapshot.open(repo / "services" / "new")
    assert caught.value.lines() == [f"services/new: not in commit {head[:12]} (commit it first, or pick another --ref)"]


def test_a_ref_from_before_the_service_folder_existed_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"README.md": "r\n"})
    before = git(repo, "rev-parse", "HEAD").strip()
    make_repo(repo, {"services/new/app.py": "print('new')\n"})
    with GitSnapshot.open(repo / "services" / "new") as snapshot:
        assert snapshot.prefix == "services/new"
    with pytest.raises(InputError, match=f"^services/new: not in commit {before[:12]} "):
        GitSnapshot.open(repo / "services" / "new", before)


def test_a_repository_without_commits_says_to_commit_first(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q")
    with pytest.raises(InputError) as caught:
        GitSnapshot.open(repo)
    assert caught.value.lines() == [f"{repo}: no commits yet: commit the service first"]


def test_a_bare_repository_is_refused_as_not_a_checkout(tmp_path: Path) -> None:
    make_repo(tmp_path / "r", {"a.txt": "a\n"})
    git(tmp_path, "clone", "-q", "--bare", str(tmp_path / "r"), str(tmp_path / "r.git"))
    with pytest.raises(InputError) as caught:
        GitSnapshot.open(tmp_path / "r.git")
    [line] = caught.value.lines()
    assert "prr reviews a checkout" in line and "safe.bareRepository" not in line


def test_500_snapshots_in_one_process_leak_no_files_and_no_git_processes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.txt": "a\n"})
    with GitSnapshot.open(repo) as snapshot:
        snapshot.read("a.txt")
    before = (open_fds(), git_children())
    for _ in range(500):
        with GitSnapshot.open(repo) as snapshot:
            assert snapshot.read("a.txt").data == b"a\n"
    assert (open_fds(), git_children()) == before


def test_batched_reads_agree_with_single_reads_on_every_kind_of_blob(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"a.md": "alpha\n", "big.yaml": "x" * (1024 * 1024 + 1), "logo.png": b"\x89PNG\0", "gone.md": "gone\n"},
    )
    oid = git(repo, "rev-parse", "HEAD:gone.md").strip()
    (repo / ".git" / "objects" / oid[:2] / oid[2:]).unlink()
    with GitSnapshot.open(repo) as single:
        expected = {e.path: (single.read(e.path).data, single.read(e.path).skipped) for e in single.entries}
    with GitSnapshot.open(repo) as batched:
        batched.prefetch(batched.entries)
        got = {e.path: (batched.read(e.path).data, batched.read(e.path).skipped) for e in batched.entries}
    assert got == expected
    assert got["a.md"] == (b"alpha\n", None)
    assert got["gone.md"] == (None, "object not available")


def test_the_path_index_finds_files_by_extension_or_name_case_insensitively(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"k8s/App.YAML": "a: 1\n", ".github/CODEOWNERS": "* @o\n", "x.py": "\n"})
    with GitSnapshot.open(repo) as snapshot:
        found = snapshot.candidates(frozenset({".yaml", "codeowners"}))
        assert [e.path for e in found] == [".github/CODEOWNERS", "k8s/App.YAML"]
