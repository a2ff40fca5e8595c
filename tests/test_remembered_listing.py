"""A whole repository's listing is patched from the last one remembered when only files'
contents changed since, and listed in full otherwise; what is listed never differs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitrepos import make_repo

from prr.adapters.git_snapshot import GitSnapshot
from prr.adapters.probe_cache import ProbeCache
from prr.adapters.tree_listing import EntryKind, Listing, parse_content_changes
from prr.workflow.probing import probe_repository

FILES = {
    "CODEOWNERS": "* @acme/payments\n",
    "docs/runbook.md": "# Runbook\n\n## Diagnosis\nLook.\n\n## Mitigation\nRoll back.\n",
    "services/api/app.py": "print('hi')\n",
    "services/api/deploy.sh": "#!/bin/sh\n",
}


def listing_of(repo: Path, earlier: tuple[str, Listing] | None = None) -> tuple[GitSnapshot, Listing]:
    snapshot = GitSnapshot.open(repo)
    snapshot.earlier = lambda: earlier
    return snapshot, snapshot.listing


def remembered(repo: Path) -> tuple[str, Listing]:
    snapshot, listing = listing_of(repo)
    with snapshot:
        return snapshot.root_tree, listing


def same(one: Listing, other: Listing) -> bool:
    return (one.paths, one.oids, one.kinds) == (other.paths, other.oids, other.kinds)


def test_after_a_change_of_contents_the_earlier_listing_is_patched_not_listed_again(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    earlier = remembered(repo)
    make_repo(repo, {"docs/runbook.md": FILES["docs/runbook.md"] + "Escalate.\n", "CODEOWNERS": "* @acme/sre\n"})
    snapshot, patched = listing_of(repo, earlier)
    with snapshot:
        assert not snapshot.listed_in_full
    full = remembered(repo)[1]
    assert same(patched, full) and patched.shape == full.shape


@pytest.mark.parametrize(
    "change",
    [
        lambda repo: (repo / "services/api/new.py").write_text("x\n"),  # added
        lambda repo: (repo / "services/api/app.py").unlink(),  # deleted
        lambda repo: os.chmod(repo / "services/api/deploy.sh", 0o755),  # mode changed
        lambda repo: ((repo / "CODEOWNERS").unlink(), (repo / "CODEOWNERS").symlink_to("docs/runbook.md")),  # kind
    ],
    ids=["added", "deleted", "mode", "kind"],
)
def test_any_other_change_lists_the_commit_in_full(tmp_path: Path, change: object) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    earlier = remembered(repo)
    change(repo)  # type: ignore[operator]
    make_repo(repo, {})
    snapshot, listing = listing_of(repo, earlier)
    with snapshot:
        assert snapshot.listed_in_full
    assert same(listing, remembered(repo)[1])


def test_an_earlier_tree_that_is_not_there_lists_in_full(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    tree, listing = remembered(repo)
    other = make_repo(tmp_path / "other", {"a.txt": "a\n"})
    snapshot, found = listing_of(other, (tree, listing))
    with snapshot:
        assert snapshot.listed_in_full and found.paths == ["a.txt"]


def test_content_changes_are_read_from_diff_tree_and_anything_else_is_none() -> None:
    blob = "1" * 40
    modified = f":100644 100644 {'0' * 40} {blob} M\0a b.txt\0".encode()
    assert parse_content_changes(modified) == {"a b.txt": blob}
    assert parse_content_changes(b"") == {}
    assert parse_content_changes(f":000000 100644 {'0' * 40} {blob} A\0new\0".encode()) is None
    assert parse_content_changes(f":100644 100755 {'0' * 40} {blob} M\0x\0".encode()) is None
    assert parse_content_changes(f":120000 120000 {'0' * 40} {blob} M\0link\0".encode()) is None
    with pytest.raises(ValueError):
        parse_content_changes(b"no trailing nul")


def test_a_listing_patched_at_a_path_it_does_not_hold_is_none() -> None:
    listing = Listing(["a", "b"], ["0" * 40, "1" * 40], {})
    assert listing.with_blobs({"c": "2" * 40}) is None
    patched = listing.with_blobs({"b": "2" * 40})
    assert patched is not None and patched.oids == ["0" * 40, "2" * 40] and listing.oids[1] == "1" * 40


def test_the_cache_keeps_a_listing_exactly_and_refuses_a_damaged_or_foreign_one(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {**FILES, "caf\u00e9/menu.md": "x\n"})
    (repo / "link").symlink_to("CODEOWNERS")
    make_repo(repo, {})
    tree, listing = remembered(repo)
    cache = ProbeCache(tmp_path / "cache")
    assert cache.put_listing("k", tree, listing) is None
    found = cache.get_listing("k")
    assert found is not None and found[0] == tree and same(found[1], listing)
    assert cache.get_listing("other") is None
    (entry,) = (tmp_path / "cache" / "listings-v1").rglob("*.json")
    entry.write_bytes(entry.read_bytes().replace(b"CODEOWNERS", b"CODEOWNERZ"))
    assert cache.get_listing("k") is None


def test_a_listing_with_many_links_is_kept_too(tmp_path: Path) -> None:
    paths = [f"links/{n:04d}" for n in range(400)]  # their kinds make a long line
    listing = Listing(paths, ["a" * 40] * len(paths), dict.fromkeys(range(len(paths)), EntryKind.SYMLINK))
    cache = ProbeCache(tmp_path / "cache")
    assert cache.put_listing("k", "b" * 40, listing) is None
    found = cache.get_listing("k")
    assert found is not None and same(found[1], listing)


def test_a_warm_whole_repository_review_patches_the_remembered_listing_and_finds_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    cache = ProbeCache(tmp_path / "cache")
    listed = []
    ls_tree = GitSnapshot._ls_tree
    monkeypatch.setattr(GitSnapshot, "_ls_tree", lambda self, tree: listed.append(tree) or ls_tree(self, tree))
    probe_repository(repo, cache=cache, config_endpoints=False)
    assert len(listed) == 1  # cold: listed in full, and remembered
    make_repo(repo, {"docs/runbook.md": FILES["docs/runbook.md"].replace("Look.", "Look at the dashboard.")})
    warm = probe_repository(repo, cache=cache, config_endpoints=False)
    assert len(listed) == 1 and warm.probes_run > 0
    monkeypatch.undo()
    fresh = probe_repository(repo, cache=None, config_endpoints=False)
    assert [(ev.item.id, ev.findings) for ev in warm.items] == [(ev.item.id, ev.findings) for ev in fresh.items]
