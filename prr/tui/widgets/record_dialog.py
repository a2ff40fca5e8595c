"""After submit: sign the record and commit it, with the same workflow functions as
`prr sign` and `prr commit`. Empty fields take git's own settings, as `prr sign` does."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import HorizontalGroup, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from prr.domain.errors import PrrError
from prr.tui.lent_terminal import to_terminal
from prr.tui.plain import line, plain


class RecordDialog(ModalScreen[None]):
    """Shows where the record went; signs and commits it on request."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close", id="record.close")]

    def __init__(self, record: Path, shown: str, verdict: str) -> None:
        super().__init__()
        self.record, self.shown, self.verdict = record, shown, verdict

    def compose(self) -> ComposeResult:
        with Vertical(id="record-dialog", classes="dialog"):
            yield Static(line(("Review record written: ", "bold"), self.shown))
            yield Static(plain(self.verdict, "dim"))
            yield Label("Signing key (empty: git config user.signingkey)")
            yield Input(placeholder="~/.ssh/id_ed25519", id="key", compact=True)
            yield Label("Principal, as in allowed_signers (empty: git config user.email)")
            yield Input(placeholder="you@example.com", id="principal", compact=True)
            yield Static(id="record-status")
            with HorizontalGroup(classes="buttons"):
                yield Button("Sign", variant="primary", id="sign")
                yield Button("Commit", variant="success", id="commit")
                yield Button("Close", id="close")

    @on(Button.Pressed, "#sign")
    @on(Input.Submitted)
    def action_sign(self) -> None:
        from prr.workflow.signing import sign

        key = self.query_one("#key", Input).value.strip() or None
        principal = self.query_one("#principal", Input).value.strip() or None
        try:
            try:
                with self.app.suspend():  # ssh-keygen may ask for a passphrase on the terminal
                    signed = sign(self.record, key, principal, notify=to_terminal)
            except SuspendNotSupported:  # headless or in a browser: no terminal to hand over
                signed = sign(self.record, key, principal)
        except PrrError as error:
            self._status(plain(str(error), "bold red"))
            return
        self._status(line(("Signed by ", "green"), signed.principal, (f"  ({signed.fingerprint})", "dim")))

    @on(Button.Pressed, "#commit")
    def action_commit(self) -> None:
        from prr.workflow.committing import commit_record

        try:
            committed = commit_record(self.record)
        except PrrError as error:
            self._status(plain(str(error), "bold red"))
            return
        files = len(committed.paths)
        self._status(line(("Committed ", "green"), f"{files} file(s) on {committed.branch} as {committed.commit[:12]}"))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)

    def _status(self, text: Text) -> None:
        self.query_one("#record-status", Static).update(text)
