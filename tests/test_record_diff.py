"""`diff_records`: what changed between two review records, as data.

Pure: records are built here as values, no repository needed. The same diff on real,
signed records is in test_report.py (`prr diff` and its golden files)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys

from conftest import REPO_ROOT

from prr.domain.findings import Evidence, Finding, Location, Outcome
from prr.domain.record import (
    BlockerRef,
    ChecklistRef,
    Record,
    RecordItem,
    ServiceRef,
    Signer,
    Subject,
    VerdictRef,
    WaiverRef,
)
from prr.report.diff_text import evidence_text, outline
from prr.workflow.record_diff import Change, EvidenceChange, diff_records

WHEN = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
BLOB_A, BLOB_B = "a" * 40, "b" * 40
DIGEST_A, DIGEST_B = "sha256:" + "1" * 64, "sha256:" + "2" * 64


def item(item_id: str, answer: str = "pass", state: str = "passed", **fields: object) -> RecordItem:
    return RecordItem(id=item_id, requirement="required", answer=answer, state=state, **fields)  # type: ignore[arg-type]


def finding(probe: str, outcome: Outcome = Outcome.PASS, *evidence: Evidence, message: str = "ok") -> Finding:
    return Finding(probe, outcome, message, (Location("docs/runbook.md", 3),), evidence)


def record(*items: RecordItem, **fields: object) -> Record:
    base = Record(
        id="20261101-payments-0123abcd",
        created=WHEN,
        expires=WHEN + dt.timedelta(days=180),
        prr_version="0.1.0",
        subject=Subject("repo", "c" * 40, "d" * 40),
        checklist=ChecklistRef("launch", "1.0.0", "e" * 64),
        service=ServiceRef("payments", 1, "team-payments"),
        verdict=VerdictRef(True, 100, None, "gate", "1"),
        signers=(Signer("alice@example.com", "owner"),),
        items=items,
    )
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def test_a_record_compared_with_itself_has_no_differences() -> None:
    one = record(item("runbooks.present", findings=(finding("runbook-present"),)))
    diff = diff_records(one, one, ["alice@example.com"], ["alice@example.com"])
    assert diff.empty and outline(diff) == []


def test_a_new_commit_alone_is_not_a_difference_worth_listing() -> None:
    old = record()
    new = dataclasses.replace(old, subject=dataclasses.replace(old.subject, commit="f" * 40))
    diff = diff_records(old, new)
    assert diff.facts == (Change("commit", "c" * 40, "f" * 40),)
    assert diff.empty


def test_items_added_and_removed_are_listed_by_id_in_record_order() -> None:
    diff = diff_records(record(item("a.one"), item("a.two")), record(item("a.two"), item("b.three"), item("b.four")))
    assert (diff.items_added, diff.items_removed) == (("b.three", "b.four"), ("a.one",))
    assert diff.items_changed == ()


def test_a_changed_answer_state_and_note_are_shown_old_to_new() -> None:
    old = record(item("slo.defined", "fail", "failed", note="not yet", reason="answered fail"))
    new = record(item("slo.defined", "pass", "passed", note="SLOs in slo/payments.yaml", reason="answered pass"))
    (changed,) = diff_records(old, new).items_changed
    assert changed.changes == (
        Change("answer", "fail", "pass"),
        Change("state", "failed", "passed"),
        Change("note", "not yet", "SLOs in slo/payments.yaml"),
    )


def test_a_reason_is_compared_only_where_it_is_the_owners_words_between_two_na_answers() -> None:
    old = record(item("dr.restore", "na", "not_applicable", reason="stateless"), item("x.y", reason="probes passed"))
    new = record(item("dr.restore", "na", "not_applicable", reason="no data kept"), item("x.y", reason="other"))
    (changed,) = diff_records(old, new).items_changed
    assert changed.id == "dr.restore" and changed.changes == (Change("reason", "stateless", "no data kept"),)


def test_the_owners_links_added_and_removed_never_show_user_info() -> None:
    old = record(item("runbooks.present", links=("docs/old.md",)))
    new = record(item("runbooks.present", links=("https://bob:hunter2@wiki.example.com/run?token=abc123",)))
    (changed,) = diff_records(old, new).items_changed
    assert changed.links_added == ("https://***@wiki.example.com/run?token=***",)
    assert changed.links_removed == ("docs/old.md",)


def test_evidence_changes_name_the_probe_and_the_path_or_url() -> None:
    old = record(
        item(
            "runbooks.present",
            findings=(
                finding("runbook-present", Outcome.FAIL, Evidence(path="docs/runbook.md", blob=BLOB_A)),
                finding(
                    "health", Outcome.PASS, Evidence(url="https://api.example.com/healthz", status=200, digest=DIGEST_A)
                ),
                finding("gone", Outcome.PASS),
            ),
        )
    )
    new = record(
        item(
            "runbooks.present",
            findings=(
                finding(
                    "runbook-present",
                    Outcome.PASS,
                    Evidence(path="docs/runbook.md", blob=BLOB_B),
                    Evidence(path="docs/more.md", blob=BLOB_A),
                ),
                finding(
                    "health", Outcome.PASS, Evidence(url="https://api.example.com/healthz", status=503, digest=DIGEST_B)
                ),
                finding("fresh", Outcome.ERROR),
            ),
        )
    )
    (changed,) = diff_records(old, new).items_changed
    assert changed.evidence == (
        EvidenceChange("runbook-present", "outcome", "", "fail", "pass"),
        EvidenceChange("runbook-present", "blob", "docs/more.md", "", BLOB_A),
        EvidenceChange("runbook-present", "blob", "docs/runbook.md", BLOB_A, BLOB_B),
        EvidenceChange("health", "status", "https://api.example.com/healthz", "200", "503"),
        EvidenceChange("health", "digest", "https://api.example.com/healthz", DIGEST_A, DIGEST_B),
        EvidenceChange("fresh", "added", "", "", "error"),
        EvidenceChange("gone", "removed", "", "pass", ""),
    )
    assert [evidence_text(e) for e in changed.evidence] == [
        "probe runbook-present: outcome fail -> pass",
        f"probe runbook-present: docs/more.md: blob (none) -> {BLOB_A[:12]}",
        f"probe runbook-present: docs/runbook.md: blob {BLOB_A[:12]} -> {BLOB_B[:12]}",
        "probe health: https://api.example.com/healthz: HTTP 200 -> 503",
        f"probe health: https://api.example.com/healthz: body {DIGEST_A[:19]} -> {DIGEST_B[:19]}",
        "probe fresh: added (error)",
        "probe gone: removed (was pass)",
    ]


def test_a_changed_probe_message_is_listed_only_when_nothing_else_about_the_probe_changed() -> None:
    old = record(item("security.no-plain-secrets", findings=(finding("secrets", message="2 files clean"),)))
    new = record(item("security.no-plain-secrets", findings=(finding("secrets", message="3 files clean"),)))
    (changed,) = diff_records(old, new).items_changed
    assert changed.evidence == (EvidenceChange("secrets", "message", "", "2 files clean", "3 files clean"),)
    failing = record(item("security.no-plain-secrets", findings=(finding("secrets", Outcome.FAIL, message="a key"),)))
    (changed,) = diff_records(old, failing).items_changed
    assert [e.kind for e in changed.evidence] == ["outcome"]


def test_waivers_added_removed_and_changed_by_item() -> None:
    lapse, later = dt.date(2026, 12, 31), dt.date(2027, 1, 31)
    old = record(
        waivers=(WaiverRef("a", "later", "cto@example.com", lapse), WaiverRef("b", "r", "cto@example.com", lapse))
    )
    new = record(
        waivers=(WaiverRef("a", "later", "vp@example.com", later), WaiverRef("c", "r", "cto@example.com", lapse))
    )
    diff = diff_records(old, new)
    assert [(w.item, w.old is not None, w.new is not None) for w in diff.waivers] == [
        ("a", True, True),
        ("c", False, True),
        ("b", True, False),
    ]
    (_, entries), *_ = [part for part in outline(diff) if part[0] == "Waivers"]
    assert entries[0].text == "changed: a"
    assert entries[0].details == ("approver: cto@example.com -> vp@example.com", "expires: 2026-12-31 -> 2027-01-31")
    assert entries[1].text == 'added: c: approved by cto@example.com until 2026-12-31: "r"'


def test_signers_from_signature_files_and_declarations() -> None:
    old = record(signers=(Signer("alice@example.com", "owner"), Signer("carol@example.com", "reviewer")))
    new = record(signers=(Signer("alice@example.com", "reviewer"), Signer("bob@example.com", "reviewer")))
    change = diff_records(old, new, ["alice@example.com", "carol@example.com"], ["alice@example.com"]).signers
    assert (change.signed_added, change.signed_removed) == ((), ("carol@example.com",))
    assert change.declared_added == (Signer("bob@example.com", "reviewer"),)
    assert change.declared_removed == (Signer("carol@example.com", "reviewer"),)
    assert change.roles_changed == (Change("alice@example.com", "owner", "reviewer"),)


def test_the_verdict_change_and_its_blockers() -> None:
    old = record(verdict=VerdictRef(False, 60, None, "gate", "1", (BlockerRef("a", "answered fail"),)))
    new = record(verdict=VerdictRef(True, 100, "gold", "gate", "2", (BlockerRef("b", "answered fail"),)))
    diff = diff_records(old, new)
    assert [c.field for c in diff.verdict.changes] == ["ready", "score", "level", "scorer"]
    assert (diff.verdict.blockers_added, diff.verdict.blockers_removed) == (("b",), ("a",))
    (_, entries), *_ = [part for part in outline(diff) if part[0] == "Verdict"]
    assert [e.text for e in entries] == [
        "not ready, score 60 -> ready, score 100, level gold",
        "scorer: gate 1 -> gate 2",
        "blockers added: b",
        "blockers removed: a",
    ]


def test_review_facts_tier_and_checklist_are_listed_but_the_commit_only_in_the_header() -> None:
    old = record()
    new = record(
        service=ServiceRef("payments", 0, "team-payments"), checklist=ChecklistRef("launch", "1.1.0", "f" * 64)
    )
    (heading, entries), *_ = outline(diff_records(old, new))
    assert heading == "Review"
    assert [e.text for e in entries] == ["tier: 1 -> 0", "checklist: launch 1.0.0 -> launch 1.1.0"]


def test_the_diff_and_its_renderers_import_no_cli_git_or_http() -> None:
    code = (
        "import json, sys\n"
        "import prr.workflow.record_diff, prr.report.diff_text, prr.report.markdown, prr.report.html\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    assert [m for m in loaded if m.split(".")[0] in ("click", "git", "httpx", "textual")] == []
