"""The reviewed source tree leaves out the service's .prr/ folder, exactly as git would."""

from __future__ import annotations

from pathlib import Path

from gitrepos import git, make_repo

from prr.adapters.git_objects import GitObjects
from prr.adapters.git_snapshot import GitSnapshot
from prr.adapters.source_tree import source_tree_id, source_tree_of

FILES = {"src/app.py": "print('hi')\n", "README.md": "# svc\n", "run.sh": "#!/bin/sh\n"}


def test_adding_a_record_under_prr_does_not_change_the_source_tree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    (repo / "run.sh").chmod(0o755)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "exec bit")
    before = git(repo, "rev-parse", "HEAD^{tree}").strip()
    make_repo(repo, {".prr/records/x/record.toml": "format = 1\n", ".prr/config.toml": "[service]\n"})
    with GitSnapshot.open(repo) as snapshot:
        assert snapshot.rev_parse("HEAD^{tree}") != before
        assert source_tree_id(snapshot) == before


def test_a_code_change_changes_the_source_tree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {**FILES, ".prr/config.toml": "[service]\n"})
    with GitSnapshot.open(repo) as snapshot:
        first = source_tree_id(snapshot)
    make_repo(repo, {"src/app.py": "print('changed')\n"})
    with GitSnapshot.open(repo) as snapshot:
        assert source_tree_id(snapshot) != first


def test_in_a_monorepo_only_the_services_prr_folder_is_left_out(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"services/api/main.go": "package main\n", "services/web/x.js": "1\n"})
    before = git(repo, "rev-parse", "HEAD^{tree}").strip()
    make_repo(repo, {"services/api/.prr/records/r/record.toml": "x = 1\n"})
    with GitSnapshot.open(repo / "services" / "api") as snapshot:
        assert source_tree_id(snapshot) == before


def test_without_a_prr_folder_the_source_tree_is_the_commit_tree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    with GitSnapshot.open(repo) as snapshot:
        assert source_tree_id(snapshot) == git(repo, "rev-parse", "HEAD^{tree}").strip()


def test_reading_objects_through_cat_file_gives_the_same_source_tree(tmp_path: Path) -> None:
    """Verification reads trees through `GitObjects`; it must agree with the snapshot."""
    repo = make_repo(tmp_path / "r", {"services/api/main.go": "package main\n", "a b/ü.txt": "x\n"})
    make_repo(repo, {"services/api/.prr/records/r/record.toml": "x = 1\n", ".prr/config.toml": "[service]\n"})
    commit = git(repo, "rev-parse", "HEAD").strip()
    for folder, prefix in ((repo, ""), (repo / "services" / "api", "services/api")):
        with GitSnapshot.open(folder) as snapshot, GitObjects.open(folder) as objects:
            assert source_tree_of(objects, commit, prefix) == source_tree_id(snapshot)
