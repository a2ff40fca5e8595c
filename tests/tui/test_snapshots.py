"""SVG snapshots of the main screens at fixed sizes (pytest-textual-snapshot).

After an intended change of look, run `pytest tests/tui/test_snapshots.py --snapshot-update`
and review the new SVGs in tests/tui/__snapshots__/ before committing them. The fixed
clock, the fixed commit dates of the fixture repository and the small pack keep them
stable; no temporary path appears on these screens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from .conftest import SIZE, MakeApp, settled

SnapCompare = Callable[..., bool]
Steps = Callable[[Pilot[Any]], Awaitable[None]]


def after(*keys: str, blink: bool = False) -> Steps:
    """Settle (session open, probes in), press KEYS, and stop input cursors blinking."""

    async def run(pilot: Pilot[Any]) -> None:
        await settled(pilot)
        await pilot.press(*keys)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = blink
        await pilot.pause()

    return run


def test_review_screen_after_the_probes(make_app: MakeApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=after())


def test_review_screen_with_answers_and_a_filter(make_app: MakeApp, snap_compare: SnapCompare) -> None:
    keys = ("down", "p", "down", "down", "f", "o")  # on-call passed, runbook failed, unanswered only
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=after(*keys))


def test_review_screen_in_the_light_theme_at_80_by_24(make_app: MakeApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=after("ctrl+t", "down"))


def test_waiver_form_with_a_refusal(make_app: MakeApp, snap_compare: SnapCompare) -> None:
    keys = ("down", "down", "down", "w", *"no runbook", "tab", "tab", *"2027-01-31", "enter")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=after(*keys))


def test_help_screen(make_app: MakeApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=after("question_mark"))
