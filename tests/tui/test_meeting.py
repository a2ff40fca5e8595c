"""Meeting mode: the summary reviewers see, what changed since the last signed record,
comments kept in the record, and signing and committing from the app."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gitrepos import git
from records import NOW, commit_all, keys, reviewed_repo, sign_all
from textual.app import App
from textual.widgets import DataTable, Input, Static

from prr.domain.answers import Answer, AnswerKind, Waiver
from prr.domain.errors import InputError
from prr.format.record_toml import loads
from prr.tui.meeting_dialogs import CommentForm, SignForm
from prr.tui.meeting_screen import MeetingScreen
from prr.workflow import meeting
from prr.workflow.meeting import Change, ChangeKind
from prr.workflow.review_session import ReviewSession

CLOCK = NOW + dt.timedelta(days=3)  # 2026-11-04: after the signed review of 2026-11-01
ALICE = "alice@example.test"
EXPIRES = dt.date(2026, 12, 1)


@pytest.fixture
def signed(tmp_path: Path) -> tuple[Path, Path]:
    """A service with one review record, signed by alice and committed: (repository, record.toml)."""
    repo, record = reviewed_repo(tmp_path, signers=(ALICE,))
    sign_all(record, keys(tmp_path, ALICE))
    commit_all(repo)
    return repo, record


def open_session(repo: Path, like: Path | None = None) -> ReviewSession:
    """A session with the probes' evidence, its draft answered as the record LIKE was."""
    session = ReviewSession.open(repo, clock=lambda: CLOCK)
    session.apply_probes(session.run_probes())
    if like is not None:
        for item in loads(like.read_bytes(), str(like)).items:
            if item.answer == "pass":
                session.answer(item.id, Answer(AnswerKind.PASS, note=item.note))
    return session


@pytest.fixture
def session(signed: tuple[Path, Path]) -> Iterator[ReviewSession]:
    repo, record = signed
    opened = open_session(repo, like=record)
    yield opened
    opened.close()


def two_items(session: ReviewSession) -> tuple[str, str]:
    required = [s.item.id for s in session.items() if s.requirement.value == "required"]
    return required[0], required[1]


def fail_one_waive_other(session: ReviewSession) -> tuple[str, str]:
    failed, waived = two_items(session)
    session.answer(failed, Answer(AnswerKind.FAIL, note="the pager rota is empty"))
    session.answer(waived, Answer(AnswerKind.WAIVED, waiver=Waiver("launch is internal first", "cto", EXPIRES)))
    return failed, waived


# --- the workflow -----------------------------------------------------------------------


def test_nothing_changed_since_the_signed_record_when_the_draft_answers_the_same(session: ReviewSession) -> None:
    assert meeting.changes_since_last_signed(session) == []
    found = meeting.previous_signed(session)
    assert found.found is not None and found.found.signers == (ALICE,)


def test_changes_list_the_changed_answers_and_the_added_waiver(session: ReviewSession) -> None:
    failed, waived = fail_one_waive_other(session)
    changes = meeting.changes_since_last_signed(session)
    assert changes == [
        Change(ChangeKind.ANSWER, failed, "pass", "fail"),
        Change(ChangeKind.NOTE, failed, "checked in the readiness meeting", "the pager rota is empty"),
        Change(ChangeKind.ANSWER, waived, "pass", "waived"),
        Change(ChangeKind.NOTE, waived, "checked in the readiness meeting", ""),
        Change(ChangeKind.WAIVER_ADDED, waived, "", "by cto until 2026-12-01"),
    ]
    assert changes[0].text == f"{failed}: answer pass -> fail"


def test_a_cleared_answer_changes_answer_and_state(session: ReviewSession) -> None:
    item, _ = two_items(session)
    session.clear(item)
    kinds = [(c.kind, c.item_id, c.before, c.after) for c in meeting.changes_since_last_signed(session)]
    assert (ChangeKind.ANSWER, item, "pass", "unanswered") in kinds


def test_no_previous_signed_record_when_the_only_record_is_unsigned(tmp_path: Path) -> None:
    repo, _ = reviewed_repo(tmp_path)
    commit_all(repo)
    opened = open_session(repo)
    try:
        assert meeting.changes_since_last_signed(opened) == [Change(ChangeKind.NO_PREVIOUS)]
        assert meeting.changes_since_last_signed(opened)[0].text == "no previous signed record"
    finally:
        opened.close()


def test_a_signed_record_reached_through_a_symlink_is_not_followed(tmp_path: Path) -> None:
    _, record = reviewed_repo(tmp_path / "elsewhere", signers=(ALICE,))
    sign_all(record, keys(tmp_path, ALICE))
    repo, _ = reviewed_repo(tmp_path / "here")
    commit_all(repo)
    os.symlink(record.parent, repo / ".prr" / "records" / "20991231-linked-00000000")
    opened = open_session(repo)
    try:
        assert meeting.previous_signed(opened).found is None
    finally:
        opened.close()


def test_an_unreadable_signed_record_is_left_out_and_said(signed: tuple[Path, Path], tmp_path: Path) -> None:
    repo, record = signed
    broken = record.parent.parent / "20991231-broken-00000000"
    (broken / "signatures").mkdir(parents=True)
    (broken / "signatures" / "mallory.sig").write_text("x")
    (broken / "record.toml").write_text("format = 'nonsense'\n")
    opened = open_session(repo, like=record)
    try:
        found = meeting.previous_signed(opened)
        assert found.found is not None and found.found.path.endswith(f"{record.parent.name}/record.toml")
        assert len(found.skipped) == 1 and "20991231-broken-00000000/record.toml" in found.skipped[0]
    finally:
        opened.close()


def test_summary_shows_blockers_waivers_with_days_left_and_coverage(session: ReviewSession) -> None:
    failed, waived = fail_one_waive_other(session)
    found = meeting.summary(session)
    assert not found.ready and found.headline.startswith("NOT READY")
    assert [(b.item_id, b.reason) for b in found.blockers] == [(failed, "answered fail")]
    assert found.blockers[0].title == session.pack.item(failed).title
    assert [(w.item_id, w.approver, w.expires, w.days_left) for w in found.waivers] == [
        (waived, "cto", EXPIRES, (EXPIRES - CLOCK.date()).days)
    ]
    assert sum(c.asked for c in found.coverage) == len(session.items())
    assert sum(c.waived for c in found.coverage) == 1
    assert sum(c.answered for c in found.coverage) == len(session.items())
    assert all(c.probed <= c.covered <= c.asked for c in found.coverage)
    assert found.coverage[0].section == session.pack.sections[0].title
    assert found.subject == f"draft on commit {session.report.commit[:8]}"


def test_a_comment_goes_through_the_draft_into_the_records_note(session: ReviewSession) -> None:
    item, _ = two_items(session)
    meeting.add_comment(session, item, "bob", "the rota was checked live")
    session.draft.save()
    assert "bob: the rota was checked live" in session.draft.path.read_text()
    written = session.submit()
    note = next(i.note for i in written.record.items if i.id == item)
    assert note == "checked in the readiness meeting\nbob: the rota was checked live"


@pytest.mark.parametrize(
    ("author", "text", "message"),
    [
        ("", "fine", "author is empty"),
        ("bob", "  ", "comment is empty"),
        ("bob", "two\nlines", "comment must be one line"),
        ("bob", "bell \x07", r"control character U\+0007"),
    ],
)
def test_a_bad_comment_is_refused(session: ReviewSession, author: str, text: str, message: str) -> None:
    item, _ = two_items(session)
    with pytest.raises(InputError, match=message):
        meeting.add_comment(session, item, author, text)


def test_a_comment_needs_an_answer_to_hang_on(session: ReviewSession) -> None:
    item, _ = two_items(session)
    session.clear(item)
    with pytest.raises(InputError, match="not answered yet"):
        meeting.add_comment(session, item, "bob", "who is on call?")
    with pytest.raises(InputError, match="not an item this review asks"):
        meeting.add_comment(session, "no.such-item", "bob", "hello")


def test_a_written_record_is_summarised_as_written_and_compared_with_the_one_before(session: ReviewSession) -> None:
    failed, waived = fail_one_waive_other(session)
    written = session.submit()
    record = meeting.open_record(written.path)
    sign_all(written.path, keys(written.path.parent.parent, ALICE))  # the new record is signed too now
    found = meeting.summary(session, record)  # the draft is gone: the record is what is shown
    assert found.subject.startswith(f"record {record.id}")
    assert [b.item_id for b in found.blockers] == [failed]
    assert [w.item_id for w in found.waivers] == [waived]
    kinds = {(c.kind, c.item_id) for c in meeting.changes_since_last_signed(session, record)}
    assert (ChangeKind.WAIVER_ADDED, waived) in kinds  # compared with the earlier record, not itself


# --- the screen ---------------------------------------------------------------------------


class _Host(App[None]):
    def __init__(self, screen: MeetingScreen) -> None:
        super().__init__()
        self.meeting = screen

    def on_mount(self) -> None:
        self.push_screen(self.meeting)


def status_of(app: App[Any]) -> str:
    return str(app.screen.query_one("#status", Static).render())


def test_the_screen_shows_the_headline_signs_and_commits_only_the_record(
    session: ReviewSession, signed: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, _ = signed
    git(repo, "config", "user.name", "Meeting Room")
    git(repo, "config", "user.email", "meeting@example.test")
    written = session.submit()
    key = keys(tmp_path / "bob", "bob@example.test")["bob@example.test"]
    (repo / "unrelated.txt").write_text("not part of the record\n")

    async def run() -> None:
        app = _Host(MeetingScreen(session, written.path))
        async with app.run_test(size=(120, 50)) as pilot:
            await pilot.pause()
            assert str(app.screen.query_one("#headline", Static).render()) == "READY"
            await pilot.press("s")
            await pilot.pause()
            assert isinstance(app.screen, SignForm)
            app.screen.query_one("#key", Input).value = str(key.private)
            app.screen.query_one("#principal", Input).value = "bob@example.test"
            await pilot.pause()
            assert await pilot.click("#ok")
            await pilot.pause()
            assert isinstance(app.screen, MeetingScreen), status_of(app)
            assert "signed as bob@example.test" in status_of(app)
            await pilot.press("g")
            await pilot.pause()
            assert "committed" in status_of(app)

    asyncio.run(run())
    signature = written.path.parent / "signatures" / "bob@example.test.sig"
    assert signature.read_bytes().startswith(b"-----BEGIN SSH SIGNATURE-----")
    assert git(repo, "status", "--porcelain", "--", ".prr") == ""
    assert git(repo, "status", "--porcelain") == "?? unrelated.txt\n"


def test_a_signing_error_stays_in_the_form(session: ReviewSession) -> None:
    written = session.submit()

    async def run() -> None:
        app = _Host(MeetingScreen(session, written.path))
        async with app.run_test(size=(120, 50)) as pilot:
            await pilot.press("s")
            await pilot.pause()
            app.screen.query_one("#key", Input).value = "/no/such/key"
            app.screen.query_one("#principal", Input).value = "bad principal"
            await pilot.pause()
            assert await pilot.click("#ok")
            await pilot.pause()
            assert isinstance(app.screen, SignForm)
            assert "must be one word" in str(app.screen.query_one("#error", Static).render())
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, MeetingScreen)

    asyncio.run(run())
    assert not (written.path.parent / "signatures").exists()


def test_signing_and_committing_before_submitting_say_to_submit_first(session: ReviewSession) -> None:
    async def run() -> None:
        app = _Host(MeetingScreen(session))
        async with app.run_test(size=(120, 50)) as pilot:
            for key in ("s", "g"):
                await pilot.press(key)
                await pilot.pause()
                assert isinstance(app.screen, MeetingScreen)
                assert status_of(app).startswith("submit the review first (s on the review screen)")

    asyncio.run(run())


def test_a_comment_from_the_screen_lands_in_the_draft_and_on_screen(session: ReviewSession) -> None:
    first = meeting.commentable(session)[0][0]

    async def run() -> None:
        app = _Host(MeetingScreen(session))
        async with app.run_test(size=(120, 50)) as pilot:
            await pilot.press("c")
            await pilot.pause()
            assert isinstance(app.screen, CommentForm)
            app.screen.query_one("#author", Input).value = "[bold]carol"
            await pilot.press(*"ok to launch", "enter")
            await pilot.pause()
            assert isinstance(app.screen, MeetingScreen)
            notes = app.screen.query_one("#notes", DataTable)
            cells = [str(cell) for row in range(notes.row_count) for cell in notes.get_row_at(row)]
            assert any(cell.endswith("[bold]carol: ok to launch") for cell in cells), cells

    asyncio.run(run())
    assert session.draft.draft.answers[first].note.endswith("\n[bold]carol: ok to launch")


def test_snapshot_of_the_meeting_screen(tmp_path: Path, snap_compare: Any) -> None:
    """Deterministic: fixed clock and commit dates, and a signature file that is only
    there (the meeting counts signature files; `prr verify` checks them)."""
    repo, record = reviewed_repo(tmp_path, signers=(ALICE,))
    (record.parent / "signatures").mkdir()
    (record.parent / "signatures" / f"{ALICE}.sig").write_text("signature not checked by the meeting\n")
    commit_all(repo)
    opened = open_session(repo, like=record)
    try:
        fail_one_waive_other(opened)
        item = meeting.commentable(opened)[2][0]
        meeting.add_comment(opened, item, "bob", "[red]seen in the game day[/red]")
        assert snap_compare(_Host(MeetingScreen(opened)), terminal_size=(130, 60))
    finally:
        opened.close()


def test_the_record_path_given_is_what_the_screen_shows(session: ReviewSession) -> None:
    fail_one_waive_other(session)
    written = session.submit()

    async def run() -> None:
        app = _Host(MeetingScreen(session, written.path))
        async with app.run_test(size=(120, 50)) as pilot:
            await pilot.pause()
            facts = str(app.screen.query_one("#facts", Static).render())
            assert f"record {written.record.id}" in facts
            assert str(app.screen.query_one("#headline", Static).render()).startswith("NOT READY")
            await pilot.press("c")
            await pilot.pause()
            assert isinstance(app.screen, MeetingScreen)
            assert "comments go in before submitting" in status_of(app)

    asyncio.run(run())
