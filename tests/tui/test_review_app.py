"""The review app driven from the keyboard, end to end, on real repositories: what the
owner does (answer, waive, filter, search, quit and come back, submit, sign, commit) and
what ends up on disk."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from gitrepos import git
from signing.sshkeys import make_key
from textual.widgets import Input, Static

from prr.domain.answers import AnswerKind
from prr.format.record_toml import loads
from prr.tui.app import ReviewApp
from prr.tui.meeting_screen import MeetingScreen
from prr.tui.review_screen import ReviewScreen
from prr.tui.widgets.answer_form import AnswerForm
from prr.tui.widgets.record_dialog import RecordDialog
from prr.tui.widgets.section_tree import SectionTree
from prr.tui.widgets.submit_dialog import SubmitDialog
from prr.workflow.review_session import ReviewSession

from .conftest import SIZE, MakeApp, fixed_clock, settled, wait_for

pytestmark = pytest.mark.anyio

# The small pack's items in tree order (see packs/small.yaml).
CODEOWNERS, ONCALL, RUNBOOK, ROLLBACK, LOAD_TEST = (
    "ownership.codeowners",
    "ownership.oncall",
    "operations.runbook",
    "operations.rollback",
    "operations.load-test",
)


def shown(screen: ReviewScreen, selector: str) -> str:
    content = screen.query_one(selector, Static).content
    return getattr(content, "plain", str(content))


def tree_lines(screen: ReviewScreen) -> list[str]:
    lines = []
    for section in screen.query_one(SectionTree).root.children:
        lines.append(section.label.plain)
        lines.extend("  " + item.label.plain for item in section.children)
    return lines


def fill(form: object, values: dict[str, str]) -> None:
    """Type into a form's fields at once (pressing each key is slow and tested elsewhere)."""
    assert isinstance(form, AnswerForm)
    for selector, value in values.items():
        form.query_one(selector, Input).value = value


def answers(screen: ReviewScreen) -> dict[str, str]:
    return {item: answer.kind.value for item, answer in screen.session.draft.draft.answers.items()}


async def test_the_review_opens_on_the_first_item_with_the_probes_evidence(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert tree_lines(screen) == [
            "Ownership  ✓1 ○1",
            "  ✓ Code owners are declared",
            "  ○ Someone answers the pages",
            "Operations  ✗1 ○2",
            "  ✗ A runbook explains the common failures",
            "  ○ A bad release can be rolled back in minutes",
            "  ○ The service was load tested at twice the expected peak (recommended)",
        ]
        assert screen.current is not None and screen.current.item.id == CODEOWNERS
        assert "codeowners-present: CODEOWNERS:1" in shown(screen, "#item-body")
        assert "at CODEOWNERS:1" in shown(screen, "#item-body")
        assert shown(screen, "#verdict").startswith("NOT READY  score 25  level —  3 blockers  2/5 decided")


async def test_pass_and_fail_keys_answer_the_item_under_the_cursor_and_the_verdict_follows(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("down", "p")
        assert answers(screen) == {ONCALL: "pass"}
        assert tree_lines(screen)[:3] == [
            "Ownership  ✓2",
            "  ✓ Code owners are declared",
            "  ✓ Someone answers the pages",
        ]
        assert shown(screen, "#verdict").startswith("NOT READY  score 50  level —  2 blockers  3/5 decided")
        await pilot.press("f")
        assert answers(screen) == {ONCALL: "fail"}
        assert "✗ failed — answered fail" in shown(screen, "#item-answer")
        await pilot.press("u")
        assert answers(screen) == {}


async def test_waiving_through_the_form_records_reason_approver_and_expiry(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("down", "down", "down", "w")  # the runbook item, failing by probe
        assert isinstance(pilot.app.screen, AnswerForm)
        await pilot.press(*"no runbook", "tab", *"cto@x", "tab", *"2027-01-31", "enter")
        assert pilot.app.screen is screen
        waiver = screen.session.draft.draft.answers[RUNBOOK].waiver
        assert waiver is not None
        assert (waiver.reason, waiver.approver, waiver.expires) == ("no runbook", "cto@x", dt.date(2027, 1, 31))
        assert "≈ waived — waived by cto@x until 2027-01-31" in shown(screen, "#item-answer")


async def test_an_incomplete_answer_is_refused_in_the_form_and_nothing_is_recorded(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("down", "n", "enter")  # not applicable, with no reason
        form = pilot.app.screen
        assert isinstance(form, AnswerForm)
        assert "answer 'na' needs a reason" in shown(form, "#form-error")  # type: ignore[arg-type]
        assert answers(screen) == {}
        await pilot.press(*"batch job", "enter")
        assert pilot.app.screen is screen
        assert screen.session.draft.draft.answers[ONCALL].reason == "batch job"


async def test_a_waiver_date_that_is_not_a_date_is_explained_in_the_form(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("w", *"risk", "tab", *"cto", "tab", *"next week", "enter")
        assert "write the date the waiver lapses as YYYY-MM-DD" in shown(pilot.app.screen, "#form-error")  # type: ignore[arg-type]
        await pilot.press("escape")
        assert pilot.app.screen is screen and answers(screen) == {}


async def test_a_note_and_evidence_links_go_with_the_answer(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("down", "p", "e", *"checked", "tab", *"docs/oncall.md", "enter", *"https://wiki/x")
        form = pilot.app.screen
        assert isinstance(form, AnswerForm)
        await pilot.click("#save")
        answer = screen.session.draft.draft.answers[ONCALL]
        assert (answer.kind, answer.note, answer.links) == (
            AnswerKind.PASS,
            "checked",
            ("docs/oncall.md", "https://wiki/x"),
        )
        await pilot.press("f")  # a new verdict keeps the note and links
        assert screen.session.draft.draft.answers[ONCALL].links == ("docs/oncall.md", "https://wiki/x")


async def test_filters_narrow_the_tree_and_escape_clears_them(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("b")  # blockers: the required items not yet satisfied
        assert [line.strip() for line in tree_lines(screen)] == [
            "Ownership  ✓1 ○1",
            "○ Someone answers the pages",
            "Operations  ✗1 ○2",
            "✗ A runbook explains the common failures",
            "○ A bad release can be rolled back in minutes",
        ]
        assert "3 of 5 items" in shown(screen, "#filter-summary")
        await pilot.press("p")  # answering a blocker takes it out of the list; the cursor moves on
        assert "○ Someone answers the pages" not in [line.strip() for line in tree_lines(screen)]
        assert screen.current is not None and screen.current.item.id == RUNBOOK
        await pilot.press("b", "x")  # failing probes only
        assert [line.strip() for line in tree_lines(screen)] == [
            "Operations  ✗1 ○2",
            "✗ A runbook explains the common failures",
        ]
        await pilot.press("escape", "o")  # unanswered only
        assert {line.strip() for line in tree_lines(screen) if line.startswith("  ")} == {
            "○ A bad release can be rolled back in minutes",
            "○ The service was load tested at twice the expected peak (recommended)",
        }
        await pilot.press("escape")
        assert len(tree_lines(screen)) == 7


async def test_the_tag_filter_offers_the_packs_tags(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("t")
        options = pilot.app.screen.query_one("#tag-list")
        assert [options.get_option_at_index(i).id for i in range(options.option_count)][1:] == [  # type: ignore[attr-defined]
            "capacity",
            "delivery",
            "docs",
            "ownership",
            "people",
        ]
        await pilot.press("down", "down", "down", "down", "enter")  # ownership
        assert [line.strip() for line in tree_lines(screen)][1:] == [
            "✓ Code owners are declared",
            "○ Someone answers the pages",
        ]
        assert "filtered: tag ownership" in shown(screen, "#filter-summary")


async def test_search_filters_as_you_type_and_enter_returns_to_the_list(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("slash", *"ROLL")
        assert isinstance(pilot.app.focused, Input)
        assert [line.strip() for line in tree_lines(screen)][1:] == ["○ A bad release can be rolled back in minutes"]
        await pilot.press("enter", "p")  # keys answer again once the list has the focus
        assert answers(screen) == {ROLLBACK: "pass"}


async def test_quitting_and_reopening_resumes_every_answer(make_app: MakeApp, service: Path) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("down", "p", "down", "down", "down", "f")  # on-call, then rollback
        await pilot.press("q")
    assert not (service / ".prr" / "draft.lock").read_text()  # released: no holder named

    resumed = make_app()
    async with resumed.run_test(size=SIZE, notifications=True) as pilot:
        screen = await settled(pilot)
        assert answers(screen) == {ONCALL: "pass", ROLLBACK: "fail"}
        assert any("resuming the draft" in str(n.message) for n in pilot.app._notifications)


async def test_a_second_app_on_the_same_service_fails_with_the_lock_message(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        await settled(pilot)
        second = make_app()
        async with second.run_test(size=SIZE) as other:
            await wait_for(other, lambda: second.failure is not None or not second.is_running)
        assert second.failure is not None
        assert "another prr (pid" in str(second.failure) and "is editing this review" in str(second.failure)
        assert second.return_code == 2


async def test_the_screen_is_usable_while_the_probes_run_and_submit_waits_for_them(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    run_probes = ReviewSession.run_probes

    def slow(self: ReviewSession, *args: object, **kwargs: object) -> object:
        release.wait(10)
        return run_probes(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ReviewSession, "run_probes", slow)
    async with make_app().run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReviewScreen))
        screen = pilot.app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.query_one("#probe-progress").display
        assert "Probes running: codeowners-present" in shown(screen, "#item-body")
        await pilot.press("down", "p")
        assert answers(screen) == {ONCALL: "pass"}
        await pilot.press("s")
        assert pilot.app.screen is screen  # submit waits for the evidence
        assert screen.check_action("submit", ()) is None
        release.set()
        await settled(pilot)
        assert screen.check_action("submit", ()) is True
        assert answers(screen) == {ONCALL: "pass"}


async def test_submit_writes_a_record_whose_answers_are_the_ones_given(make_app: MakeApp, service: Path) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("down", "p", "down", "down", "w")
        fill(pilot.app.screen, {"#waiver-reason": "next sprint", "#approver": "cto", "#expires": "2027-01-31"})
        await pilot.press("enter", "down", "n")
        fill(pilot.app.screen, {"#reason": "config only"})
        await pilot.press("enter", "s")
        assert isinstance(pilot.app.screen, SubmitDialog)
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, RecordDialog)
        written = screen.written
        assert written is not None
    record = loads(written.path.read_bytes(), str(written.path))
    assert {item.id: str(item.answer) for item in record.items} == {
        CODEOWNERS: "unanswered",
        ONCALL: "pass",
        RUNBOOK: "waived",
        ROLLBACK: "na",
        LOAD_TEST: "unanswered",
    }
    assert [(w.item, w.approver, w.expires) for w in record.waivers] == [(RUNBOOK, "cto", dt.date(2027, 1, 31))]
    assert record.created == fixed_clock()
    assert record.verdict.ready  # every required item is passed, waived or not applicable
    assert not (service / ".prr" / "draft.toml").exists()  # the draft went into the record


async def test_a_refused_submit_is_told_even_where_the_dialog_is_cut_off(make_app: MakeApp) -> None:
    """At 80x24 the dialog's error line is off screen: the refusal is a notification too."""
    async with make_app().run_test(size=(80, 24), notifications=True) as pilot:
        await settled(pilot)
        await pilot.press("s", "enter")  # the record is written...
        assert isinstance(pilot.app.screen, RecordDialog)
        await pilot.press("escape", "down", "p", "s", "enter")  # ...once: a second one is refused
        assert isinstance(pilot.app.screen, SubmitDialog)
        assert any("records are written once" in str(n.message) for n in pilot.app._notifications)


async def test_a_reopened_app_takes_the_written_record_to_the_meeting(make_app: MakeApp) -> None:
    """Submitted, then the app closed: the meeting later signs the record already written."""
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("s", "enter")
        written = screen.written
        assert written is not None
        await pilot.press("escape", "q")
    async with make_app().run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("m")
        meeting = pilot.app.screen
        assert isinstance(meeting, MeetingScreen) and meeting.record_path == written.path


async def test_the_record_is_signed_with_a_key_and_committed_leaving_the_repository_clean(
    make_app: MakeApp, service: Path, tmp_path: Path
) -> None:
    key = make_key(tmp_path / "keys", "reviewer")
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("s", "enter")
        dialog = pilot.app.screen
        assert isinstance(dialog, RecordDialog)
        dialog.query_one("#key", Input).value = str(key.private)
        dialog.query_one("#principal", Input).value = "reviewer@example.com"
        await pilot.click("#sign")
        assert "Signed by reviewer@example.com" in shown(dialog, "#record-status")  # type: ignore[arg-type]
        await pilot.click("#commit")
        assert "Committed 4 file(s) on main" in shown(dialog, "#record-status")  # type: ignore[arg-type]
        written = screen.written
        assert written is not None
    signature = written.path.parent / "signatures" / "reviewer@example.com.sig"
    assert signature.read_text().startswith("-----BEGIN SSH SIGNATURE-----")
    assert git(service, "status", "--porcelain") == ""
    assert git(service, "log", "-1", "--format=%s").strip() == f"prr: review record {written.path.parent.name}"


async def test_a_signing_failure_is_shown_in_the_dialog_not_raised(make_app: MakeApp, tmp_path: Path) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("s", "enter")
        dialog = pilot.app.screen
        dialog.query_one("#key", Input).value = str(tmp_path / "no-such-key")
        dialog.query_one("#principal", Input).value = "reviewer@example.com"
        await pilot.click("#sign")
        assert "no-such-key: no such key file" in shown(dialog, "#record-status")  # type: ignore[arg-type]
        assert pilot.app.is_running


async def test_the_built_in_launch_pack_reviews_end_to_end(make_app: MakeApp, launch_service: Path) -> None:
    app: ReviewApp = make_app(launch_service, pack=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert screen.session.pack.id == "launch" and screen.session.tier == 1
        assert len(screen.states) == len(screen.session.pack.asked_items(1))
        await pilot.press("b")
        blockers = len(screen.session.verdict().blockers)
        assert f"{blockers} of {len(screen.states)} items" in shown(screen, "#filter-summary")
