"""The review: section tree, item panel, verdict bar. Every decision is the session's;
this screen turns keys into session calls and session state into widgets.

The probes run in a thread worker once the screen is painted, so the review is usable at
once and fills in as the evidence arrives."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Tree

from prr.domain.answers import Answer, AnswerKind
from prr.domain.errors import PrrError
from prr.tui.commands import PaletteCommand, review_commands
from prr.tui.filters import Filters
from prr.tui.messages import ProbeProgress, ProbesFailed, ProbesFinished
from prr.tui.plain import line, plain, visible
from prr.tui.probe_runner import ProbeRunner
from prr.tui.widgets.filter_bar import FilterBar
from prr.tui.widgets.item_panel import ItemPanel
from prr.tui.widgets.section_tree import SectionTree
from prr.tui.widgets.verdict_bar import VerdictBar

if TYPE_CHECKING:
    from prr.workflow.endpoint_settings import EndpointSettings
    from prr.workflow.review import Written
    from prr.workflow.review_session import ItemState, ReviewSession

ANSWER = Binding.Group("answer", compact=True)
FILTER = Binding.Group("filter", compact=True)
KINDS = {"pass": AnswerKind.PASS, "fail": AnswerKind.FAIL, "na": AnswerKind.NOT_APPLICABLE, "waived": AnswerKind.WAIVED}
NEEDS_ITEM = frozenset({"answer", "note", "clear"})


class ReviewScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "answer('pass')", "pass", id="answer.pass", group=ANSWER),
        Binding("f", "answer('fail')", "fail", id="answer.fail", group=ANSWER),
        Binding("n", "answer('na')", "not applicable", id="answer.na", group=ANSWER),
        Binding("w", "answer('waived')", "waive", id="answer.waive", group=ANSWER),
        Binding("e", "note", "note", id="answer.note"),
        Binding("u", "clear", "clear", id="answer.clear"),
        Binding("slash", "search", "search", id="filter.search", key_display="/"),
        Binding("b", "filter('blockers')", "blockers only", id="filter.blockers", group=FILTER),
        Binding("o", "filter('unanswered')", "unanswered only", id="filter.unanswered", group=FILTER),
        Binding("x", "filter('failing')", "failing probes only", id="filter.failing", group=FILTER),
        Binding("t", "tag", "by tag", id="filter.tag", group=FILTER),
        Binding("escape", "clear_filters", "clear filters", id="filter.clear", show=False),
        Binding("m", "meeting", "meeting", id="meeting"),
        Binding("s", "submit", "submit", id="submit"),
    ]

    def __init__(self, session: ReviewSession, live: EndpointSettings | None = None) -> None:
        super().__init__()
        self.session, self.live = session, live
        self.states: dict[str, ItemState] = {}
        self.written: Written | None = None
        self._enabled = (False, False)  # what check_action last allowed: an item, the evidence

    def compose(self) -> ComposeResult:
        yield Header()
        yield FilterBar(id="filter-bar")
        with Horizontal(id="main"):
            yield SectionTree(id="sections")
            yield ItemPanel(id="item")
        yield VerdictBar(id="verdict-bar")
        yield Footer(compact=True, show_command_palette=False)  # every key fits in 80 columns; ^p is in the help
        yield ProbeRunner()

    def on_mount(self) -> None:
        session = self.session
        self.title = "prr"
        self.sub_title = visible(f"{session.service_name} · {session.pack.title} · tier {session.tier}")
        self.rebuild()
        self.query_one(SectionTree).focus()
        self.query_one(VerdictBar).show_progress(0, 1, "starting")
        for resumed in session.resume_lines():
            self.notify(resumed, title="Draft resumed", markup=False, timeout=8)
        runner = self.query_one(ProbeRunner)
        self.call_after_refresh(runner.probe, session, self.live)  # first paint first: probes never delay it

    # -- showing ---------------------------------------------------------------------------

    @property
    def filters(self) -> Filters:
        return self.query_one(FilterBar).filters

    @property
    def current(self) -> ItemState | None:
        item_id = self.query_one(SectionTree).current_item
        return self.states.get(item_id) if item_id else None

    def rebuild(self) -> None:
        """Re-filter the tree (filters changed, or answers moved items in or out of them)."""
        states = self.session.items()
        self.states = {state.item.id: state for state in states}
        blockers = frozenset(b.item_id for b in self.session.verdict().blockers)
        visible = {state.item.id for state in states if self.filters.matches(state, blockers)}
        self.query_one(SectionTree).show(self.session.pack.sections, states, visible)
        self.query_one(FilterBar).show(len(visible), len(states))
        self._show_current_and_verdict(states)

    def refresh_states(self) -> None:
        """After an answer: relabel in place, unless a filter depends on what changed."""
        if self.filters.blockers or self.filters.unanswered:
            self.rebuild()
            return
        states = self.session.items()
        self.states = {state.item.id: state for state in states}
        self.query_one(SectionTree).update_states(self.session.pack.sections, states)
        self._show_current_and_verdict(states)

    def _show_current_and_verdict(self, states: list[ItemState]) -> None:
        self._show_current()
        self.query_one(VerdictBar).show_verdict(self.session.verdict(), states)

    @on(Tree.NodeHighlighted, "#sections")
    def _show_current(self) -> None:
        panel, section_id = self.query_one(ItemPanel), self.query_one(SectionTree).current_section
        section = next((s for s in self.session.pack.sections if s.id == section_id), None)
        if section is not None:
            panel.show_section(section, [s for s in self.states.values() if s.item.section == section.id])
        else:
            panel.show(self.current, self.session.probed)
        enabled = (self.current is not None, self.session.probed)
        if enabled != self._enabled:  # the footer redraws on every refresh: only when it changes
            self._enabled = enabled
            self.refresh_bindings()

    def on_screen_resume(self) -> None:
        """Back from a dialog or meeting mode, which may have answered items."""
        if self.states:
            self.rebuild()

    # -- probes ----------------------------------------------------------------------------

    def on_probe_progress(self, event: ProbeProgress) -> None:
        self.query_one(VerdictBar).show_progress(event.done, event.total, event.probe)

    def on_probes_finished(self, event: ProbesFinished) -> None:
        report = event.report
        changed = self.session.apply_probes(report)
        if changed:
            self.notify(f"evidence changed since the last save for: {', '.join(changed)}", markup=False, timeout=8)
        for note in report.uncommitted:
            self.notify(note, title="Not reviewed", severity="warning", markup=False, timeout=8)
        ran = f"probes done: {report.probes_run} run"
        self.query_one(VerdictBar).show_status(line((ran, "green"), (f", {report.probes_cached} cached", "dim")))
        self.rebuild()

    def on_probes_failed(self, event: ProbesFailed) -> None:
        self.query_one(VerdictBar).show_status(plain(f"probes could not run: {event.error}", "bold red"))
        self.notify(str(event.error), title="Probes could not run", severity="error", markup=False, timeout=10)

    # -- answering -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim what cannot run now: answers with no item, submit before the evidence is in."""
        if action in NEEDS_ITEM and self.current is None:
            return None
        if action == "submit" and not self.session.probed:
            return None
        return True

    def action_answer(self, kind_name: str) -> None:
        state = self.current
        if state is None:
            return
        kind = KINDS[kind_name]
        if kind in (AnswerKind.PASS, AnswerKind.FAIL):
            kept = state.answer  # a new verdict keeps the note and links already given
            self.save(state.item.id, Answer(kind, kept.note, links=kept.links) if kept else Answer(kind), notify=True)
            return
        from prr.tui.widgets.answer_form import AnswerForm

        self.app.push_screen(AnswerForm(state.item.title, kind, state.answer, partial(self.save, state.item.id)))

    def action_note(self) -> None:
        state = self.current
        if state is None:
            return
        if state.answer is None:
            self.notify("answer the item first: a note and evidence links go with an answer", severity="warning")
            return
        from prr.tui.widgets.answer_form import AnswerForm

        save = partial(self.save, state.item.id)
        self.app.push_screen(AnswerForm(state.item.title, state.answer.kind, state.answer, save, notes_only=True))

    def action_clear(self) -> None:
        state = self.current
        if state is not None:
            self.session.clear(state.item.id)
            self.refresh_states()

    def save(self, item_id: str, answer: Answer, notify: bool = False) -> str | None:
        """Hand ANSWER to the session; its refusal as text (also notified when asked)."""
        try:
            self.session.answer(item_id, answer)
        except PrrError as error:
            if notify:
                self.notify(str(error), title="Not recorded", severity="error", markup=False)
            return str(error)
        self.refresh_states()
        return None

    # -- filters ---------------------------------------------------------------------------

    def action_search(self) -> None:
        self.query_one(FilterBar).focus_search()

    def action_filter(self, name: str) -> None:
        self.query_one(FilterBar).toggle(name)

    def action_tag(self) -> None:
        self.query_one(FilterBar).pick_tag(sorted({tag for s in self.states.values() for tag in s.item.tags}))

    def action_clear_filters(self) -> None:
        self.query_one(FilterBar).clear()

    def on_filter_bar_changed(self) -> None:
        self.rebuild()

    # -- meeting, submit -------------------------------------------------------------------

    def action_meeting(self) -> None:
        from prr.tui.meeting_screen import MeetingScreen  # loads the meeting workflow: only when asked

        written = self._written()
        self.app.push_screen(MeetingScreen(self.session, written.path if written else None))

    def action_submit(self) -> None:
        if not self.session.probed:
            self.notify("the probes are still running: submit once their evidence is in", severity="warning")
            return
        from prr.tui.widgets.submit_dialog import SubmitDialog

        self.app.push_screen(SubmitDialog(self.session, list(self.states.values())), self._submitted)

    def _submitted(self, written: Written | None) -> None:
        if written is not None:
            self.written = written
            self.open_record()

    def _written(self) -> Written | None:
        """The record this session wrote, or the one an earlier session wrote for the same
        review (the app was closed after submitting)."""
        if self.written is None:
            self.written = self.session.written_record()
        return self.written

    def open_record(self) -> None:
        """The sign-and-commit dialog for the record this session wrote."""
        from prr.tui.widgets.record_dialog import RecordDialog

        written = self._written()
        if written is None:
            return
        verdict = written.record.verdict
        summary = f"{'ready' if verdict.ready else 'not ready'}, score {verdict.score} ({verdict.scorer})"
        shown = written.path.relative_to(self.session.report.top).as_posix()
        self.app.push_screen(RecordDialog(written.path, shown, summary))

    def palette_commands(self) -> list[PaletteCommand]:
        return review_commands(self)
