"""The command palette's own section: the review's commands that make sense right now.

Screens offer their commands through `palette_commands()`; this provider only matches
and lists them. The review screen's list is built here from the same actions its keys
run, so what is offered and what the keys do cannot disagree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from prr.tui.plain import plain

if TYPE_CHECKING:
    from prr.tui.review_screen import ReviewScreen

FILTERS = (("blockers", "blockers"), ("unanswered", "unanswered items"), ("failing", "failing probes"))


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], object]


class ReviewCommands(Provider):
    """Commands from the screen the palette was opened on, then the app's."""

    def _commands(self) -> list[PaletteCommand]:
        found: list[PaletteCommand] = []
        for source in (self.screen, self.app):
            offer = getattr(source, "palette_commands", None)
            if offer is not None:
                found.extend(offer())
        return found

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(plain(command.title), command.run, text=command.title, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, text=command.title, help=command.help)


def review_commands(screen: ReviewScreen) -> list[PaletteCommand]:
    """What the review screen can do now: answers need an item under the cursor, clearing
    needs an answer, submit needs the probes' evidence, signing needs a written record."""
    commands = []
    state = screen.current
    if state is not None:
        title, answer = state.item.title, screen.action_answer
        commands += [
            PaletteCommand(f"Pass: {title}", "answer pass", partial(answer, "pass")),
            PaletteCommand(f"Fail: {title}", "answer fail", partial(answer, "fail")),
            PaletteCommand(f"Not applicable: {title}", "with a reason", partial(answer, "na")),
            PaletteCommand(f"Waive: {title}", "reason, approver, expiry", partial(answer, "waived")),
        ]
        if state.answer is not None:
            commands += [
                PaletteCommand(f"Note and evidence: {title}", "edit the note and links", screen.action_note),
                PaletteCommand(f"Clear the answer: {title}", "unanswered again", screen.action_clear),
            ]
    for name, label in FILTERS:
        verb = "Show every item, not only" if getattr(screen.filters, name) else "Show only"
        commands.append(PaletteCommand(f"{verb} {label}", "filter the list", partial(screen.action_filter, name)))
    commands.append(PaletteCommand("Filter by tag", "pick a tag", screen.action_tag))
    if screen.filters.active:
        commands.append(PaletteCommand("Clear the filters", "show every item", screen.action_clear_filters))
    commands.append(PaletteCommand("Meeting mode", "the review on a shared screen", screen.action_meeting))
    if screen.session.probed:
        commands.append(PaletteCommand("Submit the review", "write the review record", screen.action_submit))
    if screen.written is not None:
        commands.append(PaletteCommand("Sign or commit the record", "the record just written", screen.open_record))
    return commands
