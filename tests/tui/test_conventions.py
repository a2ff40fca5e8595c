"""What people expect of a terminal app: a help screen listing every key, a command
palette with the app's own commands (only those that can run now), themes, SVG
screenshots, NO_COLOR; and the hand-offs to meeting mode and the first-run setup."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from gitrepos import make_repo
from textual.binding import Binding
from textual.command import CommandList
from textual.filter import Monochrome
from textual.widgets import DataTable, Footer, Input, Select, Static
from textual.widgets._footer import FooterKey

from prr.cli.app_cmd import CONFIG, DRAFT_LOCK
from prr.format.service_config import parse_config
from prr.tui import app as app_module
from prr.tui.app import ReviewApp
from prr.tui.commands import ReviewCommands
from prr.tui.help_screen import HelpScreen
from prr.tui.meeting_screen import MeetingScreen
from prr.tui.review_screen import ReviewScreen
from prr.tui.setup_screen import SetupScreen
from prr.workflow import drafts

from .conftest import SIZE, MakeApp, settled, wait_for

pytestmark = pytest.mark.anyio


def help_rows(screen: object) -> list[list[str]]:
    assert isinstance(screen, HelpScreen)
    table = screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_help_lists_every_binding_of_the_review_and_the_app_with_its_id(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("question_mark")
        rows = help_rows(pilot.app.screen)
        own = {binding.id for binding in [*ReviewScreen.BINDINGS, *ReviewApp.BINDINGS] if isinstance(binding, Binding)}
        assert own <= {row[2] for row in rows}
        assert ["p", "pass", "answer.pass"] in rows and ["?", "help", "help"] in rows
        assert any(row[1] == "Cursor Down" for row in rows)  # the focused tree's own keys too
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, ReviewScreen)


async def test_every_key_in_the_footer_fits_an_80_column_terminal(make_app: MakeApp) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        footer = pilot.app.screen.query_one(Footer)
        keys = [(key.region.x, key.region.right, key.description) for key in footer.query(FooterKey)]
        assert {"help", "quit", "submit", "meeting", "search"} <= {description for _, _, description in keys}
        assert all(0 <= start < end <= 80 for start, end, _ in keys)
        spans = sorted(keys)
        assert all(one[1] <= other[0] for one, other in itertools.pairwise(spans))  # none overlaps


async def test_a_remapped_key_answers_and_shows_under_its_new_name(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        app.set_keymap({"answer.pass": "y"})
        await pilot.press("down", "y")
        assert screen.session.draft.draft.answers["ownership.oncall"].kind.value == "pass"
        await pilot.press("question_mark")
        assert ["y", "pass", "answer.pass"] in help_rows(pilot.app.screen)


async def test_the_palette_offers_review_commands_that_fit_now(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        titles = [command.title for command in screen.palette_commands()]
        assert titles[:4] == [
            "Pass: Code owners are declared",
            "Fail: Code owners are declared",
            "Not applicable: Code owners are declared",
            "Waive: Code owners are declared",
        ]
        assert "Submit the review" in titles
        assert "Clear the answer: Code owners are declared" not in titles  # nothing to clear
        assert "Sign or commit the record" not in titles  # nothing written yet

        provider = ReviewCommands(screen)
        hits = [hit async for hit in provider.search("submit")]
        assert [hit.text for hit in hits] == ["Submit the review"]
        assert hits[0].command == screen.action_submit


async def test_the_palette_opens_with_ctrl_p_and_runs_a_command(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("ctrl+p", *"blockers")
        await wait_for(pilot, lambda: pilot.app.screen.query_one(CommandList).option_count > 0, timeout=5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        assert screen.filters.blockers


async def test_ctrl_s_saves_an_svg_screenshot(make_app: MakeApp, tmp_path: Path) -> None:
    async with make_app(screenshots=tmp_path).run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+s")
        saved = list(tmp_path.glob("*.svg"))
        assert len(saved) == 1 and saved[0].read_text().startswith("<svg")


async def test_ctrl_t_switches_between_light_and_dark(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert pilot.app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert pilot.app.theme == "textual-light"
        pilot.app.theme = "nord"  # Textual's own themes work as they are
        await pilot.press("ctrl+t")
        assert pilot.app.theme == "textual-light"


def test_no_color_turns_the_app_monochrome(make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    assert app.no_color and any(isinstance(f, Monochrome) for f in app._filters)


async def test_m_opens_meeting_mode_on_the_same_session_and_escape_comes_back(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("m")
        meeting = pilot.app.screen
        assert isinstance(meeting, MeetingScreen) and meeting.session is screen.session
        await pilot.press("escape")
        assert pilot.app.screen is screen


async def test_the_first_run_asks_for_the_service_then_reviews_with_what_was_saved(
    make_app: MakeApp, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "fresh", {"src/app.py": "print('new')\n"})
    app = make_app(repo, pack=None, setup_folder=repo)
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, SetupScreen))
        setup = pilot.app.screen
        setup.query_one("#tier", Select).value = 0
        setup.query_one("#name", Input).value = "payments"
        setup.query_one("#owner", Input).value = "team-payments"
        await pilot.click("#save")
        screen = await settled(pilot)
        # saved, not committed: used for this run all the same, every value of it
        assert (screen.session.tier, screen.session.service_name) == (0, "payments")
        assert screen.session.report.config.owner == "team-payments"
        await pilot.press("s")  # submitting warns: CI's gate reads the committed config
        warning = pilot.app.screen.query_one("#submit-warning", Static)
        assert ".prr/config.toml is not committed" in str(warning.render())
    config = parse_config("config.toml", repo.joinpath(*CONFIG).read_bytes())
    assert (config.name, config.owner, config.tier) == ("payments", "team-payments", 0)


def test_the_app_keeps_the_drafts_autosave_contract() -> None:
    """Constants copied to keep git out of the first frame must not drift."""
    assert DRAFT_LOCK == (".prr", drafts.LOCK)
    assert app_module.AUTOSAVE_TICK == drafts.AUTOSAVE_TICK
