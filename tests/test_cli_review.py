"""`prr review --no-tui`: reviews as code, from an answers file to a record on disk."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from gitrepos import git, make_repo

Prr = Callable[..., Run]

PACK = """\
id: small
version: "1"
title: Small
description: One probed and one manual item.
scorer: gate
sections:
  - id: runbooks
    title: Runbooks
    items:
      - id: runbooks.present
        title: A runbook exists
        why: Pages need a plan written down.
        how: Write a runbook with diagnosis and mitigation sections.
        required: [0, 1, 2, 3]
        evidence: automatic
        probes: [runbook-present]
      - id: runbooks.game-day
        title: The team rehearsed an outage
        why: A plan never practised fails when it is needed.
        how: Run a game day and write down what broke.
        required: [0, 1, 2, 3]
"""
RUNBOOK = (
    "# Runbook\n\n"
    + "This service takes payments and the on-call engineer owns every page. " * 10
    + ("\n\n## Diagnosis\n\nLook at the dashboard.\n\n## Mitigation\n\nRoll back.\n")
)


@pytest.fixture
def service(tmp_path: Path) -> tuple[Path, Path]:
    pack = tmp_path / "small.yaml"
    pack.write_text(PACK)
    repo = make_repo(
        tmp_path / "svc", {"runbooks/main.md": RUNBOOK, ".prr/config.toml": '[service]\nname = "payments"\n'}
    )
    return repo, pack


def answers(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    return path


def test_the_template_lists_every_asked_item_prefilled_from_the_probes(service: tuple[Path, Path], prr: Prr) -> None:
    repo, pack = service
    result = prr("review", str(repo), "--no-tui", "--template", "--checklist", str(pack), "--tier", "1")
    assert result.code == 0
    assert "runbooks.present: {answer: pass" in result.out
    assert "runbooks.game-day: {answer: " in result.out


def test_answers_write_a_record_and_print_its_path_last(service: tuple[Path, Path], prr: Prr, tmp_path: Path) -> None:
    repo, pack = service
    file = answers(
        tmp_path,
        'checklist: small\ntier: 1\nanswers:\n  runbooks.game-day: {answer: pass, note: "rehearsed 2026-10"}\n',
    )
    result = prr("review", str(repo), "--no-tui", "--answers", str(file), "--checklist", str(pack))
    assert result.code == 0, result.err
    record_path = Path(result.out.splitlines()[-1])
    assert record_path.parent.parent == repo / ".prr" / "records"
    record = tomllib.loads(record_path.read_text())
    assert record["subject"]["commit"] == git(repo, "rev-parse", "HEAD").strip()
    git(repo, "rm", "-q", "--cached", "-r", ".prr")  # the tree the record binds: the commit without .prr/
    assert record["subject"]["source_tree"] == git(repo, "write-tree").strip()
    assert record["verdict"]["ready"] is True
    assert {item["id"]: item["answer"] for item in record["items"]} == {
        "runbooks.present": "unanswered",
        "runbooks.game-day": "pass",
    }


def test_a_record_is_written_once(service: tuple[Path, Path], prr: Prr, tmp_path: Path) -> None:
    repo, pack = service
    file = answers(tmp_path, "checklist: small\ntier: 1\nanswers: {}\n")
    first = prr("review", str(repo), "--no-tui", "--answers", str(file), "--checklist", str(pack))
    assert first.code == 1  # the manual item is unanswered: not ready
    second = prr("review", str(repo), "--no-tui", "--answers", str(file), "--checklist", str(pack))
    assert second.code == 2
    assert "records are written once" in second.err


def test_an_unknown_item_is_an_input_error_at_its_line(service: tuple[Path, Path], prr: Prr, tmp_path: Path) -> None:
    repo, pack = service
    file = answers(tmp_path, "checklist: small\ntier: 1\nanswers:\n  runbooks.gameday: {answer: pass}\n")
    result = prr("review", str(repo), "--no-tui", "--answers", str(file), "--checklist", str(pack))
    assert result.code == 2
    assert result.err.startswith(f"{file}:4:3: ")
    assert "Traceback" not in result.err


def test_passing_an_item_a_probe_failed_needs_a_note_and_is_marked(tmp_path: Path, prr: Prr) -> None:
    pack = tmp_path / "small.yaml"
    pack.write_text(PACK)
    repo = make_repo(tmp_path / "svc", {"runbooks/main.md": "# Runbook\n\nTODO\n"})
    bare = answers(tmp_path, "checklist: small\ntier: 1\nanswers:\n  runbooks.present: {answer: pass}\n")
    refused = prr("review", str(repo), "--no-tui", "--answers", str(bare), "--checklist", str(pack))
    assert refused.code == 2
    assert "answered pass but probe runbook-present failed" in refused.err
    noted = answers(
        tmp_path, 'checklist: small\ntier: 1\nanswers:\n  runbooks.present: {answer: pass, note: "wiki page"}\n'
    )
    result = prr("review", str(repo), "--no-tui", "--answers", str(noted), "--checklist", str(pack))
    record = tomllib.loads(Path(result.out.splitlines()[-1]).read_text())
    [item] = [i for i in record["items"] if i["id"] == "runbooks.present"]
    assert item["contradicts_probe"] is True


def test_the_tier_comes_from_the_answers_file_so_tier_with_answers_is_a_usage_error(
    service: tuple[Path, Path], prr: Prr, tmp_path: Path
) -> None:
    repo, pack = service
    file = answers(tmp_path, "checklist: small\ntier: 1\nanswers: {}\n")
    result = prr("review", str(repo), "--no-tui", "--answers", str(file), "--checklist", str(pack), "--tier", "0")
    assert result.code == 2
    assert "tier: N" in result.err and "--template" in result.err
    assert not (repo / ".prr" / "records").exists()


def test_without_a_terminal_the_app_is_refused_and_points_at_no_tui(service: tuple[Path, Path], prr: Prr) -> None:
    repo, _ = service
    result = prr("review", str(repo))
    assert result.code == 2
    assert "--no-tui" in result.err


# ------------------------------------------------------------------ text the record refuses


def test_a_multi_line_reason_is_refused_at_its_line_and_no_record_is_written(
    service: tuple[Path, Path], prr: Prr, tmp_path: Path
) -> None:
    repo, pack = service
    file = answers(
        tmp_path,
        "checklist: small\ntier: 1\nanswers:\n  runbooks.game-day:\n    answer: waived\n"
        "    reason: |\n      Game day is booked.\n      Until then the lead is paged.\n"
        "    approver: jane@example.com\n    expires: 2099-01-31\n",
    )
    result = prr("review", str(repo), "--no-tui", "--answers", str(file), "--checklist", str(pack))
    assert result.code == 2
    assert result.err.splitlines() == [
        f"{file}:6:13: reason: control character U+000A; write it on one line: "
        "'>-' instead of '|' or '>' folds the lines into one and drops the final newline"
    ]
    assert not (repo / ".prr" / "records").exists()


def test_a_service_name_the_record_refuses_is_an_input_error_naming_the_config(tmp_path: Path, prr: Prr) -> None:
    repo = make_repo(tmp_path / "svc", {".prr/config.toml": '[service]\nname = "pay\\u202ements"\n'})
    file = answers(tmp_path, "checklist: launch\ntier: 1\nanswers: {}\n")
    result = prr("review", str(repo), "--no-tui", "--answers", str(file))
    assert result.code == 2
    assert result.err.splitlines() == [
        "prr: .prr/config.toml: service.name: bidirectional override character U+202E; "
        "set name under [service] to one line of plain text"
    ]
    assert not (repo / ".prr" / "records").exists()


# ------------------------------------------------------------------ which pack


@pytest.fixture
def custom_pack_service(tmp_path: Path) -> Path:
    """A service whose config names a pack file of its own, `acme-launch`, by path."""
    pack = PACK.replace("id: small", "id: acme-launch")
    config = '[service]\nname = "payments"\ntier = 1\nchecklist = "packs/acme.yaml"\n'
    return make_repo(
        tmp_path / "svc", {"packs/acme.yaml": pack, "runbooks/main.md": RUNBOOK, ".prr/config.toml": config}
    )


def test_the_template_for_a_configured_pack_file_reviews_as_printed(custom_pack_service: Path, prr: Prr) -> None:
    repo = custom_pack_service
    template = prr("review", ".", "--no-tui", "--template", cwd=repo)
    assert "\nchecklist: acme-launch\n" in template.out
    (repo.parent / "answers.yaml").write_text(
        template.out.replace('runbooks.game-day: {answer: ""}', 'runbooks.game-day: {answer: pass, note: "2026-10"}')
    )
    result = prr("review", ".", "--no-tui", "--answers", "../answers.yaml", cwd=repo)
    assert result.code == 0, result.err
    record = tomllib.loads((repo / result.out.splitlines()[-1]).read_text())
    assert record["checklist"]["id"] == "acme-launch"


def test_a_built_in_pack_named_by_the_answers_file_is_still_reviewed(custom_pack_service: Path, prr: Prr) -> None:
    repo = custom_pack_service
    (repo.parent / "answers.yaml").write_text("checklist: migration\ntier: 1\nanswers: {}\n")
    result = prr("review", ".", "--no-tui", "--answers", "../answers.yaml", cwd=repo)
    assert result.code == 1, result.err  # nothing answered: not ready
    record = tomllib.loads((repo / result.out.splitlines()[-1]).read_text())
    assert record["checklist"]["id"] == "migration"


def test_a_checklist_that_is_neither_the_configured_pack_nor_built_in_names_the_config(
    custom_pack_service: Path, prr: Prr
) -> None:
    repo = custom_pack_service
    (repo.parent / "answers.yaml").write_text("checklist: acme\ntier: 1\nanswers: {}\n")
    result = prr("review", ".", "--no-tui", "--answers", "../answers.yaml", cwd=repo)
    assert result.code == 2
    assert result.err.splitlines() == [
        "../answers.yaml:1:12: checklist 'acme' does not match the pack being reviewed, 'acme-launch' "
        "(named by .prr/config.toml: checklist = 'packs/acme.yaml'): write checklist: acme-launch"
    ]


# ------------------------------------------------------------------ the repository


def test_the_record_names_the_origin_remote_without_its_credentials(
    service: tuple[Path, Path], prr: Prr, tmp_path: Path
) -> None:
    repo, pack = service
    git(repo, "remote", "add", "origin", "https://ci:ghp_s3cret@git.example.com/shop/payments.git?token=t0k")
    file = answers(tmp_path, "checklist: small\ntier: 1\nanswers: {}\n")
    result = prr("review", str(repo), "--no-tui", "--answers", str(file), "--checklist", str(pack))
    record_path = Path(result.out.splitlines()[-1])
    assert (
        tomllib.loads(record_path.read_text())["subject"]["repository"] == "https://git.example.com/shop/payments.git"
    )
    assert b"s3cret" not in record_path.read_bytes() and b"t0k" not in record_path.read_bytes()


def test_an_scp_like_origin_is_kept_without_its_user(service: tuple[Path, Path], prr: Prr, tmp_path: Path) -> None:
    repo, pack = service
    git(repo, "remote", "add", "origin", "git@github.com:acme/payments.git")
    file = answers(tmp_path, "checklist: small\ntier: 1\nanswers: {}\n")
    result = prr("review", str(repo), "--no-tui", "--answers", str(file), "--checklist", str(pack))
    record = tomllib.loads(Path(result.out.splitlines()[-1]).read_text())
    assert record["subject"]["repository"] == "github.com:acme/payments.git"


def test_without_an_origin_remote_the_record_names_the_checkout_folder(
    service: tuple[Path, Path], prr: Prr, tmp_path: Path
) -> None:
    repo, pack = service
    file = answers(tmp_path, "checklist: small\ntier: 1\nanswers: {}\n")
    result = prr("review", str(repo), "--no-tui", "--answers", str(file), "--checklist", str(pack))
    record = tomllib.loads(Path(result.out.splitlines()[-1]).read_text())
    assert record["subject"]["repository"] == "svc"
