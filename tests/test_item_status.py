"""How an item's answer and probe findings combine into one state (prr.domain.status).

The rules are those at the end of docs/checklist-format.md ("How an item's answer and
findings combine")."""

from __future__ import annotations

import datetime as dt

import pytest

from prr.domain.answers import Answer, AnswerKind, Waiver
from prr.domain.checklist import EvidenceMode, Item, ProbeUse
from prr.domain.findings import Finding, Outcome
from prr.domain.status import ItemOutcome, State, item_status

AT = dt.datetime(2025, 6, 15, 12, 0, tzinfo=dt.UTC)
TODAY = AT.date()

AUTOMATIC = EvidenceMode.AUTOMATIC
MANUAL = EvidenceMode.MANUAL
BOTH = EvidenceMode.BOTH


def make_item(evidence: EvidenceMode = MANUAL) -> Item:
    probes = () if evidence is MANUAL else (ProbeUse("codeowners-present"),)
    return Item(
        id="ownership.codeowners",
        title="Code owners are declared",
        why="Someone answers for the code.",
        how="Add a CODEOWNERS rule.",
        required=frozenset({0, 1}),
        recommended=frozenset({2}),
        evidence=evidence,
        probes=probes,
    )


def finding(outcome: Outcome, probe: str = "codeowners-present", message: str = "") -> Finding:
    return Finding(probe=probe, outcome=outcome, message=message or f"{probe} said {outcome.value}")


def answered(kind: AnswerKind, *findings: Finding, **fields) -> ItemOutcome:
    return ItemOutcome("ownership.codeowners", answer=Answer(kind, **fields), findings=findings)


def found(*findings: Finding) -> ItemOutcome:
    return ItemOutcome("ownership.codeowners", findings=findings)


def waived(expires: dt.date, approver: str = "Dana Ops") -> ItemOutcome:
    waiver = Waiver(reason="launch first, fix next sprint", approver=approver, expires=expires)
    return answered(AnswerKind.WAIVED, waiver=waiver)


# --- an answer always wins -------------------------------------------------------------


@pytest.mark.parametrize("evidence", list(EvidenceMode))
def test_answer_pass_wins_over_a_failing_probe(evidence):
    status = item_status(make_item(evidence), answered(AnswerKind.PASS, finding(Outcome.FAIL)), AT)
    assert status.state is State.PASSED


def test_answer_fail_wins_over_passing_probes_on_an_automatic_item():
    status = item_status(make_item(AUTOMATIC), answered(AnswerKind.FAIL, finding(Outcome.PASS)), AT)
    assert status.state is State.FAILED


def test_answer_na_wins_over_a_failing_probe():
    outcome = answered(AnswerKind.NOT_APPLICABLE, finding(Outcome.FAIL), reason="no code in this repo")
    assert item_status(make_item(AUTOMATIC), outcome, AT).state is State.NOT_APPLICABLE


def test_answer_pass_passes():
    status = item_status(make_item(), answered(AnswerKind.PASS), AT)
    assert status.state is State.PASSED
    assert status.state.satisfied


def test_answer_fail_fails():
    status = item_status(make_item(), answered(AnswerKind.FAIL), AT)
    assert status.state is State.FAILED
    assert not status.state.satisfied


def test_answer_na_is_not_applicable_and_keeps_its_reason():
    status = item_status(make_item(), answered(AnswerKind.NOT_APPLICABLE, reason="batch job, no traffic"), AT)
    assert status.state is State.NOT_APPLICABLE
    assert status.reason == "batch job, no traffic"


def test_not_applicable_is_neither_satisfied_nor_a_failure():
    assert not State.NOT_APPLICABLE.satisfied
    assert {state for state in State if state.satisfied} == {State.PASSED, State.WAIVED}


# --- waivers ---------------------------------------------------------------------------


def test_waiver_with_approver_and_future_expiry_is_waived():
    status = item_status(make_item(), waived(TODAY + dt.timedelta(days=30)), AT)
    assert status.state is State.WAIVED
    assert status.state.satisfied
    assert "Dana Ops" in status.reason


@pytest.mark.parametrize(
    "at",
    [
        dt.datetime(2025, 6, 15, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2025, 6, 15, 23, 59, 59, 999999, tzinfo=dt.UTC),
        # 2025-06-16 01:00 in UTC+2 is still 2025-06-15 in UTC
        dt.datetime(2025, 6, 16, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    ],
    ids=["start-of-day", "end-of-day", "next-local-day-same-utc-day"],
)
def test_waiver_still_counts_on_its_expiry_day_in_utc(at):
    status = item_status(make_item(), waived(dt.date(2025, 6, 15)), at)
    assert status.state is State.WAIVED


@pytest.mark.parametrize(
    "at",
    [
        dt.datetime(2025, 6, 16, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC),
        # 2025-06-15 20:00 in UTC-5 is already 2025-06-16 in UTC
        dt.datetime(2025, 6, 15, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    ],
    ids=["next-utc-midnight", "months-later", "same-local-day-next-utc-day"],
)
def test_waiver_fails_after_its_expiry_day_with_the_date_in_the_reason(at):
    status = item_status(make_item(), waived(dt.date(2025, 6, 15)), at)
    assert status.state is State.FAILED
    assert "expired" in status.reason
    assert "2025-06-15" in status.reason


@pytest.mark.parametrize("approver", ["", "   ", "\t"])
def test_waiver_with_blank_approver_fails_even_before_expiry(approver):
    status = item_status(make_item(), waived(TODAY + dt.timedelta(days=30), approver=approver), AT)
    assert status.state is State.FAILED
    assert "approver" in status.reason


def test_waived_answer_without_a_waiver_fails():
    status = item_status(make_item(), answered(AnswerKind.WAIVED), AT)
    assert status.state is State.FAILED


# --- without an answer, findings decide (automatic items only, except failures) ---------


def test_unanswered_automatic_item_with_passing_probes_passes():
    outcome = found(finding(Outcome.PASS), finding(Outcome.PASS, probe="readme-present"))
    assert item_status(make_item(AUTOMATIC), outcome, AT).state is State.PASSED


def test_unanswered_automatic_item_with_pass_and_not_applicable_findings_passes():
    outcome = found(finding(Outcome.NOT_APPLICABLE), finding(Outcome.PASS, probe="readme-present"))
    assert item_status(make_item(AUTOMATIC), outcome, AT).state is State.PASSED


@pytest.mark.parametrize("evidence", list(EvidenceMode))
def test_any_failing_probe_fails_the_item_whatever_its_evidence_mode(evidence):
    outcome = found(
        finding(Outcome.PASS),
        finding(Outcome.FAIL, probe="runbook-linked", message="no runbook link in README"),
        finding(Outcome.PASS, probe="readme-present"),
    )
    status = item_status(make_item(evidence), outcome, AT)
    assert status.state is State.FAILED
    assert "runbook-linked" in status.reason
    assert "no runbook link in README" in status.reason


def test_a_failing_probe_wins_over_a_probe_error():
    outcome = found(finding(Outcome.ERROR, probe="slo-file"), finding(Outcome.FAIL, probe="runbook-linked"))
    status = item_status(make_item(AUTOMATIC), outcome, AT)
    assert status.state is State.FAILED
    assert "runbook-linked" in status.reason


def test_probe_error_leaves_an_automatic_item_unanswered_naming_the_probe():
    outcome = found(finding(Outcome.ERROR, probe="slo-file", message="git not found"))
    status = item_status(make_item(AUTOMATIC), outcome, AT)
    assert status.state is State.UNANSWERED
    assert "slo-file" in status.reason
    assert "git not found" in status.reason


def test_probe_error_is_never_read_as_pass_even_beside_passing_probes():
    outcome = found(finding(Outcome.PASS), finding(Outcome.ERROR, probe="slo-file"))
    status = item_status(make_item(AUTOMATIC), outcome, AT)
    assert status.state is State.UNANSWERED
    assert "slo-file" in status.reason


@pytest.mark.parametrize("evidence", [MANUAL, BOTH])
@pytest.mark.parametrize(
    "outcome",
    [
        None,
        found(),
        found(finding(Outcome.PASS)),
        found(finding(Outcome.NOT_APPLICABLE)),
        found(finding(Outcome.ERROR)),
    ],
    ids=["no-outcome", "no-findings", "probe-passed", "probe-not-applicable", "probe-error"],
)
def test_manual_and_both_items_without_an_answer_are_unanswered(evidence, outcome):
    """Only a failure is taken from findings alone; otherwise a person must answer."""
    assert item_status(make_item(evidence), outcome, AT).state is State.UNANSWERED


@pytest.mark.parametrize("outcome", [None, found()], ids=["no-outcome", "no-findings"])
def test_automatic_item_without_answer_or_findings_is_unanswered(outcome):
    assert item_status(make_item(AUTOMATIC), outcome, AT).state is State.UNANSWERED


def test_automatic_item_whose_findings_are_all_not_applicable_is_not_applicable():
    outcome = found(finding(Outcome.NOT_APPLICABLE), finding(Outcome.NOT_APPLICABLE, probe="readme-present"))
    assert item_status(make_item(AUTOMATIC), outcome, AT).state is State.NOT_APPLICABLE
