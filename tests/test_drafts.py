"""Review drafts on real repositories: answers kept between runs, checked as they are given,
locked against a second prr, told what moved on resume, and never committed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from gitrepos import git, make_repo

from prr.adapters.file_lock import FileLock
from prr.domain.answers import Answer, AnswerKind, Waiver
from prr.domain.errors import InputError
from prr.format.draft_toml import loads
from prr.workflow.drafts import (
    AUTOSAVE_INTERVAL,
    AUTOSAVE_TICK,
    DraftSession,
    answers_for_review,
    checklist_ref,
)
from prr.workflow.probing import ProbeReport, probe_repository

PACK = """\
id: small
version: "1"
title: Small
description: One probed item, one manual item, one asked only at tier 0.
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
      - id: runbooks.chaos
        title: Chaos experiments run weekly
        why: Only the most critical services need it.
        how: Schedule the experiments.
        required: [0]
"""
RUNBOOK = (
    "# Runbook\n\n"
    + "This service takes payments and the on-call engineer owns every page. " * 10
    + "\n\n## Diagnosis\n\nLook at the dashboard.\n\n## Mitigation\n\nRoll back.\n"
)
TODAY = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
PASS = Answer(AnswerKind.PASS, note="runbook reviewed")
WAIVED = Answer(AnswerKind.WAIVED, waiver=Waiver("game day in Q3", "jane@example.com", dt.date(2026, 6, 30)))


@dataclasses.dataclass
class Service:
    repo: Path
    pack: Path

    def probe(self, tier: int = 1) -> ProbeReport:
        return probe_repository(self.repo, pack_ref=str(self.pack), tier=tier)

    def open(self, tier: int = 1, now: dt.datetime = TODAY) -> DraftSession:
        return DraftSession.open(self.repo, self.probe(tier), clock=lambda: now)

    @property
    def draft(self) -> Path:
        return self.repo / ".prr" / "draft.toml"


@pytest.fixture
def service(tmp_path: Path) -> Service:
    pack = tmp_path / "small.yaml"
    pack.write_text(PACK)
    repo = make_repo(
        tmp_path / "svc", {"runbooks/main.md": RUNBOOK, ".prr/config.toml": '[service]\nname = "payments"\n'}
    )
    return Service(repo, pack)


@pytest.fixture
def session(service: Service) -> Iterator[DraftSession]:
    opened = service.open()
    yield opened
    opened.close()


# --- answers kept -----------------------------------------------------------------------------


def test_answers_survive_closing_and_reopening(service: Service) -> None:
    with service.open() as first:
        assert first.resume is None
        first.set_answer("runbooks.present", PASS)
        first.set_answer("runbooks.game-day", WAIVED)
        assert first.dirty
    assert not first.dirty  # close saved what was pending
    with service.open() as again:
        assert again.draft.answers == {"runbooks.present": PASS, "runbooks.game-day": WAIVED}
        assert again.resume is not None
        assert again.resume.evidence_changed == ()
        assert again.resume.lines() == [
            f"resuming the draft started on commit {again.report.commit[:8]}, "
            f"last saved on {again.report.commit[:8]}; HEAD has not moved"
        ]
        assert not again.dirty


def test_the_file_holds_exactly_the_saved_draft(session: DraftSession, service: Service) -> None:
    session.set_answer("runbooks.game-day", Answer(AnswerKind.NOT_APPLICABLE, reason="no outages possible"))
    session.save()
    stored = loads(service.draft.read_bytes(), "draft")
    assert stored == session.draft
    assert stored.saved_on == stored.started_on == session.report.commit
    assert stored.checklist == checklist_ref(session.report.pack)
    assert stored.updated == TODAY
    assert set(stored.evidence) == {"runbooks.present", "runbooks.game-day"}


def test_text_is_stored_in_nfc(session: DraftSession) -> None:
    session.set_answer("runbooks.present", Answer(AnswerKind.PASS, note="Rene\u0301 checked it"))
    assert session.draft.answers["runbooks.present"].note == "René checked it"


def test_setting_the_same_answer_again_changes_nothing(session: DraftSession) -> None:
    session.set_answer("runbooks.present", PASS)
    session.save()
    session.set_answer("runbooks.present", dataclasses.replace(PASS))
    assert not session.dirty


def test_clearing_makes_an_item_unanswered(session: DraftSession, service: Service) -> None:
    session.set_answer("runbooks.present", PASS)
    session.save()
    session.clear("runbooks.present")
    assert session.dirty and session.draft.answers == {}
    session.save()
    session.clear("runbooks.present")  # already unanswered: nothing to do
    assert not session.dirty
    assert loads(service.draft.read_bytes(), "draft").answers == {}


# --- answers checked --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item_id", "answer", "message"),
    [
        (
            "runbooks.presnt",
            PASS,
            "runbooks.presnt: unknown item in checklist 'small' (did you mean 'runbooks.present'?)",
        ),
        ("runbooks.chaos", PASS, "runbooks.chaos: not asked at tier 1 by checklist 'small'"),
        (
            "runbooks.game-day",
            Answer(AnswerKind.NOT_APPLICABLE),
            "runbooks.game-day: answer 'na' needs a reason: why the item does not apply",
        ),
        (
            "runbooks.game-day",
            Answer(AnswerKind.WAIVED, note="later"),
            "runbooks.game-day: answer 'waived' needs a reason, an approver and expires: the date the waiver lapses",
        ),
        (
            "runbooks.game-day",
            Answer(AnswerKind.WAIVED, waiver=Waiver("Q3", " ", dt.date(2026, 7, 1))),
            "runbooks.game-day: answer 'waived' needs an approver: who accepted the risk",
        ),
        (
            "runbooks.game-day",
            Answer(AnswerKind.WAIVED, waiver=Waiver("", "jane", dt.date(2026, 7, 1))),
            "runbooks.game-day: answer 'waived' needs a reason: why the risk is acceptable",
        ),
        (
            "runbooks.game-day",
            Answer(AnswerKind.WAIVED, waiver=Waiver("Q3", "jane", dt.date(2026, 5, 31))),
            "runbooks.game-day: expired on 2026-05-31: a waiver must expire in the future",
        ),
        (
            "runbooks.game-day",
            Answer(AnswerKind.PASS, reason="because"),
            "runbooks.game-day: a reason applies only to na answers (a waiver holds its own), not to pass: remove it",
        ),
        (
            "runbooks.game-day",
            Answer(AnswerKind.FAIL, waiver=Waiver("Q3", "jane", dt.date(2026, 7, 1))),
            "runbooks.game-day: only a waived answer has an approver and expiry date, not fail: remove them",
        ),
        (
            "runbooks.game-day",
            Answer(AnswerKind.PASS, note="ok\x1b[2J"),
            "runbooks.game-day: note: control character U+001B",
        ),
        (
            "runbooks.game-day",
            Answer(AnswerKind.PASS, links=("https://wiki.example.com/a\nb",)),
            "runbooks.game-day: evidence: control character U+000A",
        ),
    ],
)
def test_an_incomplete_answer_is_refused_with_one_line_and_changes_nothing(
    session: DraftSession, item_id: str, answer: Answer, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        session.set_answer(item_id, answer)
    assert caught.value.lines() == [message]
    assert session.draft.answers == {} and not session.dirty


def test_a_waiver_expiring_today_still_holds(session: DraftSession) -> None:
    session.set_answer("runbooks.game-day", Answer(AnswerKind.WAIVED, waiver=Waiver("Q3", "jane", TODAY.date())))
    assert session.dirty


def test_clearing_an_unknown_item_is_refused(session: DraftSession) -> None:
    with pytest.raises(InputError, match="unknown item"):
        session.clear("nope")


# --- resuming ---------------------------------------------------------------------------------


def test_resume_after_head_moved_names_the_items_whose_evidence_changed(service: Service) -> None:
    with service.open() as first:
        first.set_answer("runbooks.present", PASS)
        first.set_answer("runbooks.game-day", WAIVED)
        started = first.report.commit
    make_repo(service.repo, {"README.md": "unrelated\n"}, message="docs")
    with service.open() as unrelated:
        assert unrelated.resume is not None
        assert unrelated.resume.evidence_changed == ()
        assert unrelated.resume.lines()[0].endswith(f"HEAD is now {unrelated.report.commit[:8]}")
    make_repo(service.repo, {"runbooks/main.md": RUNBOOK + "\n## Escalation\n\nPage the lead.\n"}, message="runbook")
    head = git(service.repo, "rev-parse", "HEAD").strip()
    with service.open() as resumed:
        resume = resumed.resume
        assert resume is not None
        assert (resume.started_on, resume.saved_on, resume.head) == (started, started, head)
        assert resume.evidence_changed == ("runbooks.present",)
        assert resume.lines() == [
            f"resuming the draft started on commit {started[:8]}, last saved on {started[:8]}; HEAD is now {head[:8]}",
            "evidence changed since the last save for: runbooks.present",
        ]
        assert resumed.draft.answers == {"runbooks.present": PASS, "runbooks.game-day": WAIVED}
        resumed.save()
    with service.open() as after_save:
        assert after_save.resume is not None
        assert after_save.resume.evidence_changed == ()
        assert (after_save.draft.started_on, after_save.draft.saved_on) == (started, head)


def test_a_changed_checklist_keeps_the_answers_for_items_it_still_asks(service: Service) -> None:
    with service.open() as first:
        first.set_answer("runbooks.present", PASS)
        first.set_answer("runbooks.game-day", WAIVED)
        old = first.draft.checklist
    service.pack.write_text(PACK.replace("id: runbooks.game-day", "id: runbooks.rehearsed"))
    with service.open() as resumed:
        resume = resumed.resume
        assert resume is not None
        assert resume.kept == 1 and resume.dropped == ("runbooks.game-day",)
        assert resume.lines()[-1] == (
            f"the draft answered small at tier 1 (sha256 {old.sha256[:8]}): kept 1 answers for items still asked, "
            "dropped 1 (runbooks.game-day)"
        )
        assert resumed.draft.answers == {"runbooks.present": PASS}
        assert resumed.dirty  # the carried-over draft is saved at the next autosave
    assert loads(service.draft.read_bytes(), "draft").checklist == checklist_ref(service.probe().pack)


def test_reviewing_another_tier_carries_the_answers_over(service: Service) -> None:
    with service.open(tier=1) as first:
        first.set_answer("runbooks.game-day", WAIVED)
    with service.open(tier=0) as resumed:
        assert resumed.resume is not None
        assert resumed.resume.checklist_changed.startswith("small at tier 1 ")
        assert resumed.resume.dropped == ()
        resumed.set_answer("runbooks.chaos", Answer(AnswerKind.FAIL))
    with service.open(tier=1) as back:
        assert back.resume is not None and back.resume.dropped == ("runbooks.chaos",)


def test_a_waiver_that_lapsed_since_is_named_on_resume_and_blocks_the_record(service: Service) -> None:
    with service.open() as first:
        first.set_answer("runbooks.game-day", WAIVED)
    later = dt.datetime(2026, 7, 2, tzinfo=dt.UTC)
    with service.open(now=later) as resumed:
        assert resumed.resume is not None
        assert resumed.resume.lapsed == (("runbooks.game-day", dt.date(2026, 6, 30)),)
        assert resumed.resume.lines()[-1] == "runbooks.game-day: the waiver expired on 2026-06-30; answer it again"
        with pytest.raises(InputError) as caught:
            answers_for_review(resumed.draft, resumed.report, later.date(), str(service.draft))
        assert caught.value.lines() == [
            f"{service.draft}: runbooks.game-day: expired on 2026-06-30: a waiver must expire in the future"
        ]


def test_a_draft_that_cannot_be_read_names_its_line_and_frees_the_lock(service: Service) -> None:
    with service.open() as first:
        first.set_answer("runbooks.present", PASS)
    service.draft.write_text(service.draft.read_text().replace('answer = "pass"', 'answer = "yes"'))
    with pytest.raises(InputError) as caught:
        service.open()
    [line] = caught.value.lines()
    assert line.startswith(f'{service.draft}:13:1: answers."runbooks.present".answer: must be one of')
    with FileLock(service.repo / ".prr" / "draft.lock"):
        pass  # not left held by the failed open


def test_discard_deletes_the_draft_and_starts_over(service: Service) -> None:
    with service.open() as session:
        session.set_answer("runbooks.present", PASS)
        session.save()
        session.discard()
        assert not service.draft.exists()
        assert session.draft.answers == {} and not session.dirty
    with service.open() as fresh:
        assert fresh.resume is None


def test_a_closed_session_writes_nothing(service: Service) -> None:
    session = service.open()
    session.close()
    session.close()
    with pytest.raises(RuntimeError, match="closed"):
        session.save()


# --- the record -------------------------------------------------------------------------------


def test_answers_for_review_are_in_the_packs_order(session: DraftSession, service: Service) -> None:
    session.set_answer("runbooks.game-day", WAIVED)
    session.set_answer("runbooks.present", PASS)
    answers = answers_for_review(session.draft, session.report, TODAY.date(), str(service.draft))
    assert list(answers.items()) == [("runbooks.present", PASS), ("runbooks.game-day", WAIVED)]


def test_answers_for_review_refuse_a_draft_of_another_review(session: DraftSession, service: Service) -> None:
    other = service.probe(tier=0)
    with pytest.raises(InputError) as caught:
        answers_for_review(session.draft, other, TODAY.date(), "draft")
    [line] = caught.value.lines()
    assert line.startswith("draft: the draft answers small at tier 1 (sha256 ")
    assert line.endswith(
        "not small at tier 0 (sha256 " + checklist_ref(other.pack).sha256[:8] + ")"
        "; open the review to carry its answers over"
    )


# --- autosave ---------------------------------------------------------------------------------


def test_autosave_writes_changes_at_most_twice_a_second(session: DraftSession, service: Service) -> None:
    assert not session.save_if_due(100.0)  # nothing to save
    session.set_answer("runbooks.present", PASS)
    assert session.save_if_due(100.0)
    assert service.draft.exists()
    session.set_answer("runbooks.game-day", WAIVED)
    assert not session.save_if_due(100.0 + AUTOSAVE_INTERVAL / 2)
    assert session.save_if_due(100.0 + AUTOSAVE_INTERVAL)
    assert loads(service.draft.read_bytes(), "draft").answers == session.draft.answers


def test_ticking_as_advised_every_change_is_on_disk_within_a_second(session: DraftSession, service: Service) -> None:
    changes = [0.01, 0.02, 0.3, 0.31, 0.9, 2.0, 2.05, 2.49, 2.5, 4.0]  # monotonic seconds of each change
    ticks = [round(AUTOSAVE_TICK * n, 2) for n in range(1, 25)]
    events = sorted([(t, "change", i) for i, t in enumerate(changes)] + [(t, "tick", -1) for t in ticks])
    given: dict[int, float] = {}
    for moment, kind, index in events:
        if kind == "change":
            note = f"change {index}"
            session.set_answer("runbooks.present", Answer(AnswerKind.PASS, note=note))
            given[index] = moment
        else:
            session.save_if_due(moment)
            on_disk = loads(service.draft.read_bytes(), "draft").answers["runbooks.present"].note if given else ""
            for index_given, at in given.items():
                if moment - at >= 1.0:  # anything a second old is on disk, or superseded by what is
                    assert int(on_disk.split()[-1]) >= index_given


# --- one prr at a time ------------------------------------------------------------------------

OPENER = """\
import sys
from pathlib import Path
from prr.domain.errors import PrrError
from prr.workflow.drafts import DraftSession
from prr.workflow.probing import probe_repository
folder, pack = Path(sys.argv[1]), sys.argv[2]
try:
    session = DraftSession.open(folder, probe_repository(folder, pack_ref=pack, tier=1))
except PrrError as exc:
    print("\\n".join(exc.lines()), file=sys.stderr)
    sys.exit(exc.exit_code)
print("opened", flush=True)
sys.stdin.readline()
session.close()
"""


def opener(service: Service) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", OPENER, str(service.repo), str(service.pack)],
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_prr_on_the_same_review_gets_one_clear_line(session: DraftSession, service: Service) -> None:
    session.set_answer("runbooks.present", PASS)
    session.save()
    before = service.draft.read_bytes()
    second = opener(service)
    out, err = second.communicate("\n", timeout=60)
    lock = service.repo / ".prr" / "draft.lock"
    assert second.returncode == 2
    assert err == f"{lock}: another prr (pid {os.getpid()}) is editing this review; close it first\n"
    assert out == ""
    assert service.draft.read_bytes() == before
    session.close()
    third = opener(service)
    out, err = third.communicate("\n", timeout=60)
    assert (third.returncode, out, err) == (0, "opened\n", "")


def test_the_lock_dies_with_its_holder(service: Service) -> None:
    holder = opener(service)
    assert holder.stdout is not None
    assert holder.stdout.readline() == "opened\n"
    with pytest.raises(InputError, match=rf"another prr \(pid {holder.pid}\) is editing this review"):
        service.open()
    holder.kill()  # SIGKILL: no chance to release anything
    holder.communicate(timeout=60)
    with service.open() as session:
        assert session.resume is None


# --- housekeeping -----------------------------------------------------------------------------


def test_stale_temporaries_of_killed_writers_are_removed(service: Service) -> None:
    folder = service.repo / ".prr"
    stale = [folder / ".draft.toml.k1l2e3d4.tmp", folder / "..gitignore.x9y8z7w6.tmp"]
    others = folder / ".config.toml.a1b2c3d4.tmp"
    for path in [*stale, others]:
        path.write_text("half a wri")
    with service.open():
        assert not any(path.exists() for path in stale)
        assert others.exists()  # not the draft's: someone else's business


def test_drafts_stay_out_of_commits(tmp_path: Path) -> None:
    pack = tmp_path / "small.yaml"
    pack.write_text(PACK)
    repo = make_repo(
        tmp_path / "mono",
        {"services/payments/runbooks/main.md": RUNBOOK, "services/payments/.prr/config.toml": "[service]\n"},
    )
    folder = repo / "services" / "payments"
    report = probe_repository(folder, pack_ref=str(pack), tier=1)
    assert report.prefix == "services/payments"
    with DraftSession.open(folder, report, clock=lambda: TODAY) as session:
        session.set_answer("runbooks.present", PASS)
        session.save()
        (folder / ".prr" / ".draft.toml.q1w2e3r4.tmp").write_text("a writer killed mid-save")
        assert (folder / ".prr" / "draft.toml").exists()
        ignore = (folder / ".prr" / ".gitignore").read_text()
        assert ignore.splitlines()[1:] == ["draft.toml", "draft.lock", ".draft.toml.*.tmp"]
        assert git(repo, "status", "--porcelain", "--untracked-files=all") == "?? services/payments/.prr/.gitignore\n"
        git(repo, "add", "-A")
        assert git(repo, "diff", "--cached", "--name-only") == "services/payments/.prr/.gitignore\n"


def test_a_teams_own_gitignore_gets_only_what_it_lacks(service: Service) -> None:
    ignore = service.repo / ".prr" / ".gitignore"
    ignore.write_text("notes.txt\ndraft.toml")
    with service.open():
        assert ignore.read_text() == "notes.txt\ndraft.toml\ndraft.lock\n.draft.toml.*.tmp\n"
    before = ignore.stat().st_mtime_ns, ignore.stat().st_ino
    with service.open():
        assert (ignore.stat().st_mtime_ns, ignore.stat().st_ino) == before
