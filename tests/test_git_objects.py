"""Reading many blobs at once (`GitObjects.prefetch`), as `prr verify` does for a thousand
records: every blob arrives whole and under its own id, however many git processes share
the reading, and what is over the cap is left unread."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitrepos import make_repo

from prr.adapters import git_objects
from prr.adapters.git_objects import GitObjects

FILES = 450  # over two readers' worth (git_objects._PER_READER)
CAP = 1000


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {f"records/{index:03d}.toml": f"record {index}\n" * (index % 7 + 1) for index in range(FILES)}
    files["records/big.toml"] = "x" * (CAP + 1)
    return make_repo(tmp_path_factory.mktemp("objects") / "repo", files)


@pytest.mark.parametrize("cores", [1, 2, 3])
def test_prefetched_blobs_are_whole_and_under_their_own_ids(
    repo: Path, cores: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(git_objects, "usable_cores", lambda: cores)
    with GitObjects.open(repo) as objects:
        commit = objects.resolve("HEAD")
        files = list(objects.files(commit, "records"))
        objects.prefetch([file.oid for file in files], CAP)
        for file in files:
            expected = (repo / file.path).read_bytes()
            assert objects.in_memory(file.oid, CAP) == (len(expected) <= CAP), file.path
            if len(expected) <= CAP:
                assert objects.blob(file.oid, file.path, CAP) == expected


def test_other_objects_are_read_while_the_blobs_arrive(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(git_objects, "usable_cores", lambda: 2)
    with GitObjects.open(repo) as objects:
        commit = objects.resolve("HEAD")
        files = [file for file in objects.files(commit, "records") if file.path != "records/big.toml"]
        finish = objects.start_prefetch([file.oid for file in files[1:]], CAP)
        assert objects.blob(files[0].oid, files[0].path, CAP) == (repo / files[0].path).read_bytes()
        finish()
        assert all(objects.in_memory(file.oid, CAP) for file in files[1:])
