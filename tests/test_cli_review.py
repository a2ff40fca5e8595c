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


def test_without_a_terminal_the_app_is_refused_and_points_at_no_tui(service: tuple[Path, Path], prr: Prr) -> None:
    repo, _ = service
    result = prr("review", str(repo))
    assert result.code == 2
    assert "--no-tui" in result.err
