"""Which evidence files differ in the working tree: git's index vouches for files whose
stat data it recorded, every other file is read and hashed, and nothing is followed
through a symlink. The answers are the same with the index and without it."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from gitrepos import git, make_repo

from prr.adapters import worktree
from prr.adapters.git_index import read_index
from prr.workflow import forked

FILES = {"a.md": "alpha\n", "docs/b.md": "bravo\n", "docs/deep/c.md": "charlie\n", "k8s/d.yaml": "kind: X\n"}


@pytest.fixture(params=["index", "hashing", "spread"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each test with the index consulted (however small the review), without it, and
    with the index's stat comparisons spread over forked processes, one file each."""
    monkeypatch.setattr(worktree, "_INDEX_BYTES_PER_FILE", 0 if request.param == "hashing" else 1 << 40)
    if request.param == "spread":
        monkeypatch.setattr(worktree, "SPREAD_FROM", 0)
        monkeypatch.setattr(worktree, "_PART", 1)
        monkeypatch.setattr(forked, "may_fork", lambda: True)  # other tests' server threads touch nothing here
        spread, real = functools.partial(forked.map_forked, workers=2), worktree.changed
        monkeypatch.setattr(worktree, "changed", lambda top, git_dir, committed: real(top, git_dir, committed, spread))
    return str(request.param)


def _repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = make_repo(tmp_path / "r", FILES)
    _age_index(repo)
    return repo, {path: git(repo, "rev-parse", f"HEAD:{path}").strip() for path in FILES}


def _age_index(repo: Path) -> None:
    """Files written a second before the index was: not racily clean."""
    index = repo / ".git" / "index"
    for path in FILES:
        file = repo / path
        if file.exists() and not file.is_symlink():
            st = file.stat()
            os.utime(file, ns=(st.st_atime_ns, st.st_mtime_ns - 5_000_000_000))
    subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=repo, capture_output=True)  # 1: intent-to-add
    st = index.stat()
    os.utime(index, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


def changed(repo: Path, committed: dict[str, str]) -> list[str]:
    return sorted(worktree.changed(repo, repo / ".git", committed))


def test_a_clean_working_tree_has_no_changes(tmp_path: Path, mode: str) -> None:
    repo, committed = _repo(tmp_path)
    assert changed(repo, committed) == []


def test_files_the_index_vouches_for_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worktree, "_INDEX_BYTES_PER_FILE", 1 << 40)
    repo, committed = _repo(tmp_path)
    (repo / "docs" / "b.md").write_text("bravo, edited\n")
    read = []
    real = worktree._read
    monkeypatch.setattr(worktree, "_read", lambda folder, name, cap: read.append(name) or real(folder, name, cap))
    assert changed(repo, committed) == ["docs/b.md"]
    assert read == [b"b.md"]


def test_an_edit_of_the_same_size_is_found(tmp_path: Path, mode: str) -> None:
    repo, committed = _repo(tmp_path)
    (repo / "docs" / "deep" / "c.md").write_text("CHARLIE\n")
    assert changed(repo, committed) == ["docs/deep/c.md"]


def test_an_edit_that_keeps_the_modification_time_is_found(tmp_path: Path, mode: str) -> None:
    repo, committed = _repo(tmp_path)
    file = repo / "a.md"
    before = file.stat()
    file.write_text("ALPHA\n")
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))  # the change time still moves
    assert changed(repo, committed) == ["a.md"]


def test_a_deleted_file_is_a_change(tmp_path: Path, mode: str) -> None:
    repo, committed = _repo(tmp_path)
    (repo / "k8s" / "d.yaml").unlink()
    shutil.rmtree(repo / "docs")
    assert changed(repo, committed) == ["docs/b.md", "docs/deep/c.md", "k8s/d.yaml"]


def test_a_file_turned_into_a_symlink_or_folder_is_a_change_even_with_the_same_content(
    tmp_path: Path, mode: str
) -> None:
    repo, committed = _repo(tmp_path)
    (tmp_path / "outside.md").write_text("alpha\n")
    (repo / "a.md").unlink()
    (repo / "a.md").symlink_to(tmp_path / "outside.md")
    (repo / "k8s" / "d.yaml").unlink()
    (repo / "k8s" / "d.yaml").mkdir()
    assert changed(repo, committed) == ["a.md", "k8s/d.yaml"]


def test_a_mode_change_alone_leaves_the_evidence_as_committed(tmp_path: Path, mode: str) -> None:
    repo, committed = _repo(tmp_path)
    (repo / "a.md").chmod(0o755)  # evidence is content: the same blob, whatever git status says
    assert changed(repo, committed) == []


def test_files_behind_a_symlinked_folder_are_never_followed(tmp_path: Path, mode: str) -> None:
    repo, committed = _repo(tmp_path)
    moved = tmp_path / "moved-docs"
    (repo / "docs").rename(moved)  # the very files git recorded, inodes and all
    (repo / "docs").symlink_to(moved)
    assert changed(repo, committed) == ["docs/b.md", "docs/deep/c.md"]


def test_a_fifo_at_an_evidence_path_does_not_hang(tmp_path: Path, mode: str) -> None:
    repo, committed = _repo(tmp_path)
    (repo / "a.md").unlink()
    os.mkfifo(repo / "a.md")
    assert changed(repo, committed) == ["a.md"]


def test_a_file_staged_with_other_content_is_hashed_not_trusted(tmp_path: Path, mode: str) -> None:
    repo, committed = _repo(tmp_path)
    (repo / "a.md").write_text("staged\n")
    git(repo, "add", "a.md")  # the index now vouches for another blob than the commit's
    assert changed(repo, committed) == ["a.md"]


@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_every_index_version_gives_the_same_answers(tmp_path: Path, version: str) -> None:
    repo, committed = _repo(tmp_path)
    git(repo, "update-index", "--index-version", version)
    (repo / "new.md").write_text("new\n")
    git(repo, "add", "--intent-to-add", "new.md")  # an extended flag: version 3 at least
    _age_index(repo)
    index = read_index(repo / ".git" / "index", 20)
    assert index is not None
    for path, oid in committed.items():
        assert index.unchanged(path.encode(), oid, os.lstat(repo / path)), path
    assert not index.unchanged(b"new.md", git(repo, "hash-object", "new.md").strip(), os.lstat(repo / "new.md"))


def test_a_file_written_in_the_second_the_index_was_is_racily_clean_and_hashed(tmp_path: Path) -> None:
    repo, committed = _repo(tmp_path)
    index_path = repo / ".git" / "index"
    st = os.lstat(repo / "a.md")
    os.utime(index_path, ns=(st.st_atime_ns, st.st_mtime_ns - st.st_mtime_ns % 1_000_000_000))
    index = read_index(index_path, 20)
    assert index is not None
    assert not index.unchanged(b"a.md", committed["a.md"], st)  # the stat data match, the second does not


def test_stat_data_must_match_in_every_field(tmp_path: Path) -> None:
    repo, committed = _repo(tmp_path)
    index = read_index(repo / ".git" / "index", 20)
    assert index is not None
    st = os.lstat(repo / "a.md")
    fields = {name: getattr(st, name) for name in dir(st) if name.startswith("st_")}
    assert index.unchanged(b"a.md", committed["a.md"], types.SimpleNamespace(**fields))  # type: ignore[arg-type]
    for name, change in [("st_size", 1), ("st_ino", 1), ("st_mtime_ns", 1), ("st_ctime_ns", 1), ("st_dev", 1)]:
        altered = types.SimpleNamespace(**(fields | {name: fields[name] + change}))
        assert not index.unchanged(b"a.md", committed["a.md"], altered), name  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),
        lambda data: b"DIRC" + b"\0\0\0\x07" + data[8:],
        lambda data: b"",
        lambda data: b"garbage",
    ],
)
def test_a_damaged_index_is_no_index(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    repo, committed = _repo(tmp_path)
    index = repo / ".git" / "index"
    index.write_bytes(damage(index.read_bytes()))
    assert read_index(index, 20) is None
    (repo / "a.md").write_text("ALPHA\n")
    assert changed(repo, committed) == ["a.md"]


def test_a_split_index_is_no_index(tmp_path: Path) -> None:
    repo, committed = _repo(tmp_path)
    git(repo, "update-index", "--split-index")
    assert read_index(repo / ".git" / "index", 20) is None
    assert changed(repo, committed) == []


def test_paths_that_could_leave_the_repository_are_changes(tmp_path: Path, mode: str) -> None:
    repo, committed = _repo(tmp_path)
    oid = committed["a.md"]
    assert changed(repo, {"../r/a.md": oid, "docs/../a.md": oid, "/a.md": oid, "a.md": oid}) == [
        "../r/a.md",
        "/a.md",
        "docs/../a.md",
    ]


def test_git_index_trusts_nothing_git_marks_as_unsure(tmp_path: Path) -> None:
    repo, committed = _repo(tmp_path)
    git(repo, "update-index", "--assume-unchanged", "a.md")
    git(repo, "update-index", "--skip-worktree", "docs/b.md")
    _age_index(repo)
    index = read_index(repo / ".git" / "index", 20)
    assert index is not None
    assert not index.unchanged(b"a.md", committed["a.md"], os.lstat(repo / "a.md"))
    assert not index.unchanged(b"docs/b.md", committed["docs/b.md"], os.lstat(repo / "docs/b.md"))
    assert index.unchanged(b"k8s/d.yaml", committed["k8s/d.yaml"], os.lstat(repo / "k8s/d.yaml"))


def test_sha256_repositories_are_read_too(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "--object-format=sha256")
    make_repo(repo, FILES)
    _age_index(repo)
    committed = {path: git(repo, "rev-parse", f"HEAD:{path}").strip() for path in FILES}
    index = read_index(repo / ".git" / "index", 32)
    assert index is not None
    assert index.unchanged(b"a.md", committed["a.md"], os.lstat(repo / "a.md"))
    (repo / "a.md").write_text("ALPHA\n")
    assert changed(repo, committed) == ["a.md"]


def test_files_a_sparse_checkout_leaves_out_are_not_changes(tmp_path: Path, mode: str) -> None:
    repo, committed = _repo(tmp_path)
    git(repo, "sparse-checkout", "set", "--no-cone", "/a.md")  # skip-worktree on every other entry
    assert not (repo / "docs").exists()
    _age_index(repo)
    assert changed(repo, committed) == []
    (repo / "a.md").write_text("ALPHA\n")
    assert changed(repo, committed) == ["a.md"]  # what is checked out is still compared


def test_folders_a_sparse_index_leaves_out_are_not_changes(tmp_path: Path, mode: str) -> None:
    repo, committed = _repo(tmp_path)
    git(repo, "sparse-checkout", "set", "--cone", "--sparse-index", "k8s")  # docs/ becomes one folder entry
    assert not (repo / "docs").exists()
    _age_index(repo)
    assert "docs/" in git(repo, "ls-files", "--sparse").splitlines()
    assert changed(repo, committed) == []


def test_a_left_out_file_staged_with_other_content_is_still_a_change(tmp_path: Path, mode: str) -> None:
    repo, committed = _repo(tmp_path)
    (tmp_path / "staged.md").write_text("staged\n")
    other = git(repo, "hash-object", "-w", str(tmp_path / "staged.md")).strip()
    git(repo, "update-index", "--cacheinfo", f"100644,{other},docs/b.md")
    git(repo, "update-index", "--skip-worktree", "docs/b.md")
    (repo / "docs" / "b.md").unlink()
    assert changed(repo, committed) == ["docs/b.md"]


def test_the_index_is_read_late_only_when_a_file_differs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worktree, "_INDEX_BYTES_PER_FILE", 0)  # hashing the files is cheaper than the index
    repo, committed = _repo(tmp_path)
    reads = []
    monkeypatch.setattr(worktree, "read_index", lambda path, size: reads.append(path) or read_index(path, size))
    assert changed(repo, committed) == []
    assert reads == []
    (repo / "a.md").write_text("ALPHA\n")
    assert changed(repo, committed) == ["a.md"]
    assert reads == [repo / ".git" / "index"]
