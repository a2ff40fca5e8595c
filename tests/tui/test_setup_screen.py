"""The first-run setup screen: shows what prr found and where, saves what the owner
confirms to .prr/config.toml, shows refusals in the form, and writes nothing on cancel."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from gitrepos import make_repo
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from prr.format.service_config import CONFIG_PATH, ServiceConfig, parse_config
from prr.tui.setup_screen import SetupScreen
from prr.workflow.service_setup import Suggestion, suggest

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  annotations:
    prr.dev/tier: "2"
    prr.dev/endpoints: https://payments.example.com
spec:
  owner: "[bold]team-payments"
"""


class _Host(App[None]):
    def __init__(self, suggestion: Suggestion) -> None:
        super().__init__()
        self.suggestion = suggestion
        self.results: list[ServiceConfig | None] = []

    def on_mount(self) -> None:
        self.push_screen(SetupScreen(self.suggestion), self.results.append)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"catalog-info.yaml": CATALOG, "src/app.py": "print('hi')\n"})


def drive(suggestion: Suggestion, steps: Callable[[Pilot[None], _Host], Awaitable[None]]) -> _Host:
    app = _Host(suggestion)

    async def run() -> None:
        async with app.run_test(size=(120, 50)) as pilot:
            await pilot.pause()
            await steps(pilot, app)

    asyncio.run(run())
    return app


def source(app: _Host, key: str) -> str:
    return str(app.screen.query_one(f"#{key}-source", Static).render())


def test_the_suggestion_is_shown_with_where_each_value_came_from(repo: Path) -> None:
    async def steps(pilot: Pilot[None], app: _Host) -> None:
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        assert screen.query_one("#name", Input).value == "payments-api"
        assert screen.query_one("#owner", Input).value == "[bold]team-payments"
        assert screen.query_one("#endpoints", Input).value == "https://payments.example.com"
        assert screen.query_one("#tier", Select).value == 2
        assert screen.query_one("#checklist", Select).value == "launch"
        assert source(app, "name").startswith("from: catalog-info.yaml:4: metadata.name")
        assert "annotation prr.dev/tier" in source(app, "tier")
        assert source(app, "checklist") == "from: default (launch)"

    drive(suggest(repo), steps)


def test_saving_an_edited_tier_writes_the_config(repo: Path) -> None:
    async def steps(pilot: Pilot[None], app: _Host) -> None:
        app.screen.query_one("#tier", Select).value = 0
        await pilot.pause()
        assert await pilot.click("#save")
        await pilot.pause()

    app = drive(suggest(repo), steps)
    saved = parse_config("config", (repo / CONFIG_PATH).read_bytes())
    expected = ServiceConfig("payments-api", 0, "[bold]team-payments", "launch", ("https://payments.example.com",))
    assert saved == expected
    assert app.results == [expected]


def test_invalid_input_is_shown_in_the_form_and_nothing_is_written(repo: Path) -> None:
    async def steps(pilot: Pilot[None], app: _Host) -> None:
        app.screen.query_one("#name", Input).value = "  "
        app.screen.query_one("#endpoints", Input).value = "ftp://files.example.com, https://ok.example.com"
        await pilot.pause()
        assert await pilot.click("#save")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        error = str(app.screen.query_one("#error", Static).render())
        assert "service.name is empty" in error
        assert "'ftp://files.example.com' is not an http:// or https:// URL" in error

    app = drive(suggest(repo), steps)
    assert app.results == []
    assert not (repo / CONFIG_PATH).exists()


@pytest.mark.parametrize("how", ["escape", "button"])
def test_cancel_writes_nothing(repo: Path, how: str) -> None:
    async def steps(pilot: Pilot[None], app: _Host) -> None:
        app.screen.query_one("#tier", Select).value = 0
        await pilot.pause()
        if how == "escape":
            await pilot.press("escape")
        else:
            assert await pilot.click("#cancel")
        await pilot.pause()

    app = drive(suggest(repo), steps)
    assert app.results == [None]
    assert not (repo / ".prr").exists()


def test_an_existing_config_with_its_own_pack_file_is_offered_as_it_is(repo: Path, tmp_path: Path) -> None:
    (repo / ".prr").mkdir()
    (repo / CONFIG_PATH).write_text('[service]\nname = "payments"\nchecklist = "packs/acme.yaml"\n')

    async def steps(pilot: Pilot[None], app: _Host) -> None:
        screen = app.screen
        assert screen.query_one("#checklist", Select).value == "packs/acme.yaml"
        assert screen.query_one("#tier", Select).value == Select.NULL
        assert source(app, "tier") == f"from: {CONFIG_PATH} (not set)"
        assert await pilot.click("#save")
        await pilot.pause()
        assert "service.checklist" in str(screen.query_one("#error", Static).render())  # the file is missing

    app = drive(suggest(repo), steps)
    assert app.results == []


def test_choosing_another_pack_keeps_the_chosen_tier(repo: Path) -> None:
    async def steps(pilot: Pilot[None], app: _Host) -> None:
        app.screen.query_one("#checklist", Select).value = "migration"
        await pilot.pause()
        assert app.screen.query_one("#tier", Select).value == 2
        assert await pilot.click("#save")
        await pilot.pause()

    app = drive(suggest(repo), steps)
    assert app.results[0] is not None and app.results[0].checklist == "migration"
