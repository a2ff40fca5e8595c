"""Meeting mode: the review on a shared screen for the readiness meeting.

Everything shown is decided in `prr.workflow.meeting`; this screen lays it out large and
plain (verdict headline and score first, then blockers, waivers, coverage, changes since
the last signed record, notes), takes reviewers' comments, and signs and commits the
written record through the same workflow functions as `prr sign` and `prr commit`.
Text from the repository or from people is always drawn as text, never as markup."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import ClassVar, TypeVar

from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Digits, Footer, Static

from prr.domain.errors import PrrError
from prr.domain.record import Record
from prr.tui.lent_terminal import to_terminal
from prr.tui.meeting_dialogs import CommentForm, SignForm
from prr.tui.plain import plain
from prr.workflow import meeting
from prr.workflow.committing import commit_record
from prr.workflow.review_session import ReviewSession
from prr.workflow.signing import sign

T = TypeVar("T")

SUBMIT_FIRST = "submit the review first (s on the review screen): only a written record can be signed or committed"
NONE = plain("none", "dim italic")


class MeetingScreen(Screen[None]):
    """The summary of `session` (or of `record`, once written: that is what people sign)."""

    DEFAULT_CSS = """
    MeetingScreen #top { height: 5; }
    MeetingScreen #headline {
        width: 1fr; height: 5; content-align: center middle; text-style: bold; padding: 0 2;
    }
    MeetingScreen #headline.ready { background: $success; color: $text; }
    MeetingScreen #headline.not-ready { background: $error; color: $text; }
    MeetingScreen #score { width: 14; height: 5; padding: 1 1 0 1; text-align: right; }
    MeetingScreen #facts { padding: 0 2; margin-bottom: 1; text-style: bold; }
    MeetingScreen #body { padding: 0 2; }
    MeetingScreen .heading { text-style: bold underline; margin-top: 1; }
    MeetingScreen DataTable { height: auto; max-height: 16; }
    MeetingScreen #status { height: auto; padding: 0 2; color: $warning; }
    """

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("c", "comment", "Comment", id="meeting.comment"),
        Binding("s", "sign", "Sign", id="meeting.sign"),
        Binding("g", "commit", "Commit record", id="meeting.commit"),
        Binding("escape", "back", "Back", id="meeting.back"),
    ]

    TABLES: ClassVar[dict[str, tuple[str, ...]]] = {
        "blockers": ("Item", "Title", "Why it blocks"),
        "waivers": ("Item", "Approver", "Expires", "Days left", "Reason"),
        "coverage": ("Section", "Asked", "Answered", "Probed", "Covered", "Passing", "Waived", "N/A"),
        "changes": ("Item", "What changed", "Before", "After"),
        "notes": ("Item", "Note"),
    }

    def __init__(self, session: ReviewSession, record: Path | None = None) -> None:
        super().__init__()
        self.session = session
        self.record_path = record
        self.record: Record | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static(id="headline")
            yield Digits(id="score")
        yield Static(id="facts")
        with VerticalScroll(id="body"):
            for name in self.TABLES:
                yield Static(id=f"{name}-heading", classes="heading")
                yield DataTable(id=name, show_cursor=False, zebra_stripes=True, cursor_type="none")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        for name, columns in self.TABLES.items():
            self.query_one(f"#{name}", DataTable).add_columns(*columns)
        if self.record_path is not None:
            try:
                self.record = meeting.open_record(self.record_path)
            except PrrError as exc:
                self._say("\n".join(exc.lines()))
        self.show_summary()

    # --- drawing --------------------------------------------------------------------------

    def show_summary(self) -> None:
        """Draw everything again from the workflow: after a comment, a signature, a commit."""
        found = meeting.summary(self.session, self.record)
        headline = self.query_one("#headline", Static)
        headline.update(plain(found.headline))
        headline.set_class(found.ready, "ready")
        headline.set_class(not found.ready, "not-ready")
        self.query_one("#score", Digits).update(f"{found.score}%")
        facts = [found.service, f"tier {found.tier}" + (f" ({found.tier_name})" if found.tier_name else "")]
        facts += [found.checklist, found.subject]
        if found.level:
            facts.append(f"level {found.level}")
        if found.probes_pending:
            facts.append("probes still running: evidence is missing")
        self.query_one("#facts", Static).update(plain(" · ".join(facts)))

        self._fill(
            "blockers", f"Blockers ({len(found.blockers)})", [(b.item_id, b.title, b.reason) for b in found.blockers]
        )
        self._fill(
            "waivers",
            f"Waivers ({len(found.waivers)})",
            [(w.item_id, w.approver, w.expires.isoformat(), _days(w.days_left), w.reason) for w in found.waivers],
        )
        self._fill(
            "coverage",
            "Evidence coverage per section",
            [
                (
                    c.section,
                    *map(str, (c.asked, c.answered, c.probed, c.covered, c.passing, c.waived, c.not_applicable)),
                )
                for c in found.coverage
            ],
        )
        self._show_changes()
        self._fill("notes", "Notes and comments", [(item_id, note) for item_id, note in found.notes])

    def _show_changes(self) -> None:
        previous = meeting.previous_signed(self.session, self.record)
        changes = meeting.changes_since_last_signed(self.session, self.record, previous)
        if previous.found is None:
            heading, rows = "Changes: no previous signed record", []
        else:
            was = previous.found
            signers = ", ".join(was.signers)
            heading = f"Changes since record {was.record.id} (signed by {signers}; signatures not checked here)"
            rows = [(c.item_id or "-", c.kind.value, c.before, c.after) for c in changes]
        if previous.skipped:
            heading += "\n" + "\n".join(previous.skipped)
        self._fill("changes", heading, rows)

    def _fill(self, name: str, heading: str, rows: list[tuple[str, ...]]) -> None:
        self.query_one(f"#{name}-heading", Static).update(plain(heading))
        table = self.query_one(f"#{name}", DataTable)
        table.clear()
        if not rows:
            table.add_row(NONE, *[""] * (len(self.TABLES[name]) - 1))
        for row in rows:
            table.add_row(*(plain(cell) for cell in row), height=None)

    def _say(self, message: str, error: bool = True) -> None:
        self.query_one("#status", Static).update(plain(message))
        self.notify(plain(message).plain, severity="error" if error else "information", markup=False)

    # --- actions --------------------------------------------------------------------------

    def action_comment(self) -> None:
        if self.record is not None:
            self._say(f"record {self.record.id} is written and its bytes are signed: comments go in before submitting")
            return
        items = meeting.commentable(self.session)
        if not items:
            self._say("no answered items yet: a comment is kept in an answer's note, so answer an item first")
            return
        self.app.push_screen(CommentForm(items, meeting.default_author(self.session), self._comment), self._after)

    def _comment(self, item_id: str, author: str, text: str) -> str | None:
        try:
            meeting.add_comment(self.session, item_id, author, text)
        except PrrError as exc:
            return "\n".join(exc.lines())
        return None

    def action_sign(self) -> None:
        if self.record is None or self.record_path is None:
            self._say(SUBMIT_FIRST)
            return
        declared = tuple(s.principal for s in self.record.signers)
        self.app.push_screen(SignForm(self.record.id, declared, self._sign), self._after)

    def _sign(self, key: str, principal: str) -> str | None:
        assert self.record_path is not None
        path = self.record_path
        try:
            signed = self._with_terminal(lambda: sign(path, key or None, principal or None, notify=to_terminal))
        except PrrError as exc:
            return "\n".join(exc.lines())
        self._say(f"signed as {signed.principal}: {signed.path.name} written; g commits the record", error=False)
        return None

    def action_commit(self) -> None:
        if self.record is None or self.record_path is None:
            self._say(SUBMIT_FIRST)
            return
        try:
            committed = commit_record(self.record_path)
        except PrrError as exc:
            self._say("\n".join(exc.lines()))
            return
        self._say(f"committed {committed.commit[:8]} on {committed.branch}: {len(committed.paths)} files", error=False)
        self.show_summary()

    def action_back(self) -> None:
        self.dismiss(None)

    def _after(self, done: bool | None) -> None:
        if done:
            self.show_summary()

    def _with_terminal(self, work: Callable[[], T]) -> T:
        """ssh-keygen may ask for a passphrase or a key touch on the terminal, so the app
        lends it the terminal while it runs. Where the app cannot (headless, in a
        browser), only ssh-agent or a key without a passphrase can sign."""
        with ExitStack() as stack:
            try:
                stack.enter_context(self.app.suspend())
            except SuspendNotSupported:
                self.log("cannot suspend the app: ssh-keygen runs without a terminal")
            else:
                print("prr: signing with ssh-keygen (it may ask for a passphrase or a touch)", flush=True)
            return work()


def _days(days: int) -> str:
    if days < 0:
        return f"lapsed {-days} days ago"
    return "last day" if days == 0 else str(days)
