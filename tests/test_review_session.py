"""The review as the app runs it: open fast, answer through the draft, evidence arrives
later, the verdict follows every answer, and submitting writes a record that verifies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from gitrepos import make_repo
from records import NOW, SERVICE_FILES, allowed, commit_all, keys, sign_all

from prr.domain.answers import Answer, AnswerKind, Waiver
from prr.domain.errors import InputError
from prr.domain.status import State
from prr.workflow.review_session import ReviewSession
from prr.workflow.verifying import VerifyOptions, verify

RUNBOOK = (
    "# Runbook\n\n" + "On-call owns every page of this service. " * 12 + "\n\n## Diagnosis\n\nx\n\n## Mitigation\n\ny\n"
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {**SERVICE_FILES, "runbooks/main.md": RUNBOOK})


def opened(repo: Path) -> ReviewSession:
    return ReviewSession.open(repo, clock=lambda: NOW)


def test_the_session_opens_before_any_probe_runs_with_every_asked_item(repo: Path) -> None:
    session = opened(repo)
    try:
        assert not session.probed
        assert [s.item.id for s in session.items()] == [i.id for i in session.pack.asked_items(1)]
        assert all(s.findings == () for s in session.items())
        assert not session.verdict().ready
    finally:
        session.close()


def test_answers_change_the_verdict_and_survive_a_restart(repo: Path) -> None:
    session = opened(repo)
    first = session.items()[0].item.id
    before = session.verdict()
    after = session.answer(first, Answer(AnswerKind.PASS, note="seen"))
    assert first not in {b.item_id for b in after.blockers} and after != before
    session.close()
    again = opened(repo)
    try:
        assert again.items()[0].answer == Answer(AnswerKind.PASS, note="seen")
        assert again.items()[0].status.state is State.PASSED
    finally:
        again.close()


def test_an_incomplete_waiver_is_refused_with_the_reason(repo: Path) -> None:
    session = opened(repo)
    try:
        item = session.items()[0].item.id
        with pytest.raises(InputError, match="approver"):
            session.answer(item, Answer(AnswerKind.WAIVED, waiver=Waiver("next quarter", "", dt.date(2027, 1, 1))))
    finally:
        session.close()


def test_a_second_session_on_the_same_service_is_refused(repo: Path) -> None:
    session = opened(repo)
    try:
        with pytest.raises(InputError, match="another prr"):
            opened(repo)
    finally:
        session.close()


def test_probe_evidence_arrives_later_and_submit_writes_a_record_that_verifies(repo: Path, tmp_path: Path) -> None:
    session = opened(repo)
    try:
        for state in session.items():
            session.answer(state.item.id, Answer(AnswerKind.PASS, note="checked in the meeting"))
        session.apply_probes(session.run_probes())
        assert any(s.findings for s in session.items())
        written = session.submit()
    finally:
        session.close()
    assert written.record.verdict.ready
    assert not (repo / ".prr" / "draft.toml").exists()
    keyring = keys(tmp_path, "alice@example.com", "bob@example.com")
    sign_all(written.path, keyring)
    commit_all(repo)
    report = verify(repo, VerifyOptions(allowed_signers=allowed(tmp_path, keyring), now=NOW))
    assert [r.status.value for r in report.results] == ["valid"]


def test_a_resumed_review_names_changed_evidence_only_once_the_probes_have_run(repo: Path) -> None:
    """The app opens on a preview (no findings yet): comparing with it would call every
    item changed, and saving then would forget what the draft had seen."""
    first = opened(repo)
    item = first.items()[0].item.id
    first.answer(item, Answer(AnswerKind.PASS, note="seen"))
    first.draft.save()  # an autosave before any probe ran
    first.apply_probes(first.run_probes())
    first.close()  # saves the evidence the probes found
    again = opened(repo)
    try:
        assert len(again.resume_lines()) == 1 and again.resume_lines()[0].endswith("HEAD has not moved")
        again.draft.save()  # before the probes: keeps what the draft saw
        assert again.apply_probes(again.run_probes()) == ()
    finally:
        again.close()
    make_repo(repo, {"runbooks/main.md": RUNBOOK + "\n## Escalation\n\nPage the lead.\n"}, message="runbook")
    moved = opened(repo)
    try:
        assert not any(line.startswith("evidence changed") for line in moved.resume_lines())
        assert "runbooks.present" in moved.apply_probes(moved.run_probes())
    finally:
        moved.close()
