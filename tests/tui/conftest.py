"""Fixture repositories and a way to drive the review app to a settled state.

Every app here runs with a fixed clock, so what it shows (and what its records say)
does not depend on the day the tests run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from gitrepos import git, make_repo
from records import SERVICE_FILES
from textual.pilot import Pilot

from prr.cli.app_cmd import opener
from prr.tui.app import ReviewApp
from prr.tui.review_screen import ReviewScreen

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
SMALL_PACK = Path(__file__).parent / "packs" / "small.yaml"
SIZE = (120, 40)
SERVICE = {
    "CODEOWNERS": "* @acme/payments\n",
    "src/app.py": "print('payments')\n",
    ".prr/config.toml": '[service]\nname = "payments"\ntier = 1\nowner = "team-payments"\n',
}
MakeApp = Callable[..., ReviewApp]


def fixed_clock() -> dt.datetime:
    return NOW


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (marked `anyio`, the plugin httpx brings) run on asyncio, as Textual does."""
    return "asyncio"


@pytest.fixture
def service(tmp_path: Path) -> Path:
    """A small committed service: code owners present, no runbook."""
    repo = make_repo(tmp_path / "repo", SERVICE)
    git(repo, "config", "user.name", "Test Owner")
    git(repo, "config", "user.email", "owner@example.test")
    return repo


@pytest.fixture
def launch_service(tmp_path: Path) -> Path:
    """A service reviewed against the built-in launch pack at tier 1."""
    repo = make_repo(tmp_path / "launch", SERVICE_FILES)
    git(repo, "config", "user.name", "Test Owner")
    git(repo, "config", "user.email", "owner@example.test")
    return repo


@pytest.fixture
def make_app(service: Path, tmp_path: Path) -> MakeApp:
    """`make_app()` reviews `service` with the small pack; `make_app(path, pack=None)` another
    repository with its configured pack."""

    def build(path: Path = service, pack: Path | None = SMALL_PACK, **options: object) -> ReviewApp:
        pack_ref = str(pack) if pack is not None else None
        options.setdefault("screenshots", tmp_path / "shots")
        return ReviewApp(opener(path, pack=pack_ref, clock=fixed_clock), **options)  # type: ignore[arg-type]

    return build


async def wait_for(pilot: Pilot[object], condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Let the app run until CONDITION holds (workers finish, messages arrive)."""
    waited = 0.0
    while not condition():
        failure = getattr(pilot.app, "failure", None)
        if failure is not None:
            raise AssertionError(f"the app stopped: {failure}")
        if waited > timeout:
            raise AssertionError("the app did not get there in time")
        await pilot.pause(0.05)
        waited += 0.05
    await pilot.pause()


async def settled(pilot: Pilot[object]) -> ReviewScreen:
    """The review screen once the session is open and every probe has reported."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.session.probed)
    screen = app.screen
    assert isinstance(screen, ReviewScreen)
    await wait_for(pilot, lambda: not screen.query_one("#probe-progress").display)
    return screen
