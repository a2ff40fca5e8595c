"""The meeting screen's two forms: a reviewer's comment, and signing the record.

Each form hands what was typed to an `attempt` function from the screen, which calls the
workflow and returns why it failed (shown in the form, which stays open) or None (the
form closes). So a mistyped key path costs a retype, not the whole form."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from prr.tui.plain import plain

CommentAttempt = Callable[[str, str, str], str | None]  # (item id, author, text) -> error or None
SignAttempt = Callable[[str, str], str | None]  # (key, principal) -> error or None


class MeetingForm(ModalScreen[bool]):
    """A form that closes with True once its attempt succeeds, False when cancelled."""

    DEFAULT_CSS = """
    MeetingForm { align: center middle; }
    MeetingForm > Vertical {
        width: 90; height: auto; padding: 1 2; border: thick $accent; background: $surface;
    }
    MeetingForm .title { text-style: bold; margin-bottom: 1; }
    MeetingForm .hint { color: $text-muted; margin-bottom: 1; }
    MeetingForm .error { color: $error; height: auto; }
    MeetingForm Horizontal { height: auto; margin-top: 1; }
    MeetingForm Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", "Cancel", id="meeting.form.cancel")]

    def action_cancel(self) -> None:
        self.dismiss(False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(False)
        elif event.button.id == "ok":
            self.submit()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submit()

    def submit(self) -> None:
        raise NotImplementedError

    def show_error(self, message: str | None) -> None:
        """Show why the attempt failed; close the form when it did not."""
        if message is None:
            self.dismiss(True)
        else:
            self.query_one("#error", Static).update(plain(message))


class CommentForm(MeetingForm):
    """Pick an answered item and write one line; it is added to the item's note."""

    def __init__(self, items: list[tuple[str, str]], author: str, attempt: CommentAttempt) -> None:
        super().__init__()
        self._items, self._author, self._attempt = items, author, attempt

    def compose(self) -> ComposeResult:
        options = [(plain(f"{item_id} · {title}"), item_id) for item_id, title in self._items]
        with Vertical():
            yield Label("Comment on an item", classes="title")
            yield Static(
                plain("Kept as a line 'author: comment' in the item's note, and so in the record."), classes="hint"
            )
            yield Select(options, value=self._items[0][0], allow_blank=False, id="item")
            yield Input(value=self._author, placeholder="author (who is commenting)", id="author")
            yield Input(placeholder="comment", id="text")
            yield Static(id="error", classes="error")
            with Horizontal():
                yield Button("Add comment", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    def submit(self) -> None:
        item = self.query_one("#item", Select).value
        author = self.query_one("#author", Input).value
        text = self.query_one("#text", Input).value
        self.show_error(self._attempt(str(item), author, text))


class SignForm(MeetingForm):
    """Key and principal, both optional: git's own signing key and user.email otherwise."""

    def __init__(self, record_id: str, declared: tuple[str, ...], attempt: SignAttempt) -> None:
        super().__init__()
        self._record_id, self._declared, self._attempt = record_id, declared, attempt

    def compose(self) -> ComposeResult:
        who = f"Declared signers: {', '.join(self._declared)}." if self._declared else "Any principal may sign."
        with Vertical():
            yield Label(plain(f"Sign record {self._record_id}"), classes="title")
            yield Static(
                plain(
                    "Leave the key empty to use git's signing key (gpg.format ssh, user.signingkey) "
                    f"and the principal empty to use git's user.email. {who}"
                ),
                classes="hint",
            )
            yield Input(placeholder="key: private key file, or a .pub whose key is in ssh-agent", id="key")
            yield Input(placeholder="principal, as in allowed_signers (e.g. alice@example.com)", id="principal")
            yield Static(id="error", classes="error")
            with Horizontal():
                yield Button("Sign", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        key = self.query_one("#key", Input).value.strip()
        principal = self.query_one("#principal", Input).value.strip()
        self.show_error(self._attempt(key, principal))
