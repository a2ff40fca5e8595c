"""`probe_repository`'s uncommitted evidence: files whose working-tree copy differs from
the reviewed commit, named only when that commit is the one checked out, and never for
files a sparse checkout leaves out."""

from __future__ import annotations

from pathlib import Path

from gitrepos import git, make_repo

from prr.workflow.probing import probe_repository

RUNBOOK = "runbooks/payments.md"
TEXT = "# Payments runbook\n\n## Diagnosis\n\nCheck the error rate.\n\n## Mitigation\n\nRoll back.\n"


def uncommitted(repo: Path, ref: str = "HEAD") -> list[str]:
    return probe_repository(repo, ref).uncommitted


def _two_commits(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "svc", {RUNBOOK: TEXT, "CODEOWNERS": "* @payments\n"})
    return make_repo(repo, {RUNBOOK: TEXT + "\nMore notes.\n"}, message="edit")


def test_an_edit_of_checked_out_evidence_is_named(tmp_path: Path) -> None:
    repo = _two_commits(tmp_path)
    (repo / RUNBOOK).write_text("# gutted\n")
    assert uncommitted(repo) == [RUNBOOK]


def test_a_ref_naming_the_checked_out_commit_still_names_edits(tmp_path: Path) -> None:
    repo = _two_commits(tmp_path)
    (repo / RUNBOOK).write_text("# gutted\n")
    assert uncommitted(repo, "main") == [RUNBOOK]
    assert uncommitted(repo, git(repo, "rev-parse", "HEAD").strip()) == [RUNBOOK]


def test_an_older_commit_has_no_uncommitted_evidence_when_the_change_is_committed(tmp_path: Path) -> None:
    repo = _two_commits(tmp_path)
    assert uncommitted(repo, "HEAD~1") == []


def test_an_older_commit_says_nothing_of_the_working_tree_even_when_it_was_edited(tmp_path: Path) -> None:
    repo = _two_commits(tmp_path)
    (repo / RUNBOOK).write_text("# gutted\n")
    assert uncommitted(repo, "HEAD~1") == []  # the working tree is not at the reviewed commit


def test_a_detached_head_at_the_reviewed_commit_names_edits(tmp_path: Path) -> None:
    repo = _two_commits(tmp_path)
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    (repo / RUNBOOK).write_text("# gutted\n")
    assert uncommitted(repo, "main~1") == [RUNBOOK]
    assert uncommitted(repo, "main") == []


def test_an_unborn_head_has_nothing_checked_out_to_compare(tmp_path: Path) -> None:
    repo = _two_commits(tmp_path)
    git(repo, "checkout", "-q", "--orphan", "fresh")
    (repo / RUNBOOK).write_text("# gutted\n")
    assert uncommitted(repo, "main") == []


def test_files_a_sparse_checkout_leaves_out_are_not_uncommitted(tmp_path: Path) -> None:
    repo = _two_commits(tmp_path)
    git(repo, "sparse-checkout", "set", "--no-cone", "/CODEOWNERS")
    assert not (repo / RUNBOOK).exists()
    assert uncommitted(repo) == []
