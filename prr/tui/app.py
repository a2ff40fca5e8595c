"""The review app: opens the session after the first paint, autosaves it, and hosts the
screens. Kept small on purpose: the review itself is `ReviewScreen`, and every decision
is `ReviewSession`'s.

Only Textual and prr.tui load before the first frame; git, the probes and the packs load in
the worker that opens the session, so the app starts about as fast as an empty one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

from prr.domain.errors import PrrError
from prr.tui.commands import PaletteCommand, ReviewCommands
from prr.tui.messages import SessionFailed, SessionOpened
from prr.tui.plain import plain

if TYPE_CHECKING:
    from prr.format.service_config import ServiceConfig
    from prr.workflow.endpoint_settings import EndpointSettings
    from prr.workflow.review_session import ReviewSession

# Opens the review; given the config the first-run setup just saved (None when there was
# no setup, or it was cancelled), since a saved config is not committed yet.
Opener = Callable[["ServiceConfig | None"], "ReviewSession"]

AUTOSAVE_TICK = 0.25  # seconds; prr.workflow.drafts.AUTOSAVE_TICK, not imported: it loads git
LIGHT, DARK = "textual-light", "textual-dark"


class ReviewApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "prr"
    COMMANDS = App.COMMANDS | {ReviewCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "help", id="help", key_display="?"),
        Binding("ctrl+s", "export_svg", "screenshot", id="screenshot", show=False),
        Binding("ctrl+t", "toggle_theme", "light/dark", id="theme.toggle", show=False),
        Binding("q", "quit", "quit", id="quit"),
    ]

    def __init__(
        self,
        opener: Opener,
        *,
        live: EndpointSettings | None = None,
        setup_folder: Path | None = None,
        screenshots: Path | None = None,
    ) -> None:
        """OPENER opens the session (in a worker: it loads git and the pack). With
        SETUP_FOLDER, the first-run setup runs first and saves the config it confirms."""
        super().__init__()
        self.opener, self.live = opener, live
        self.setup_folder, self.screenshots = setup_folder, screenshots
        self.session: ReviewSession | None = None
        self.configured: ServiceConfig | None = None  # what the first-run setup saved
        self.failure: PrrError | None = None  # why the app stopped; the CLI prints it
        self._autosave_problem = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(plain("Opening the review…", "dim"), id="opening")
        yield Footer()

    def on_mount(self) -> None:
        self._load_keymap()
        self.call_after_refresh(self._offer_setup if self.setup_folder is not None else self.open_session)

    def _load_keymap(self) -> None:
        """The user's remapped keys (keymap.toml in prr's config folder), if any."""
        from prr.adapters.user_config import config_dir
        from prr.format.keymap import parse_keymap

        path = config_dir() / "keymap.toml"
        if not path.is_file():
            return
        from prr.tui.meeting_screen import MeetingScreen
        from prr.tui.review_screen import ReviewScreen

        bindings = [*self.BINDINGS, *ReviewScreen.BINDINGS, *MeetingScreen.BINDINGS]
        known = {b.id for b in bindings if isinstance(b, Binding) and b.id}
        try:
            self.set_keymap(parse_keymap(path.read_bytes(), str(path), known))
        except (PrrError, OSError) as error:
            self.notify(str(error), title="Key bindings not loaded", severity="error", markup=False, timeout=10)

    # -- the session ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="open")
    def open_session(self) -> None:
        try:
            session = self.opener(self.configured)
        except PrrError as error:
            self.post_message(SessionFailed(error))
            return
        if not self.post_message(SessionOpened(session)):
            session.close()  # the app closed while the session opened: release the draft

    def on_session_opened(self, event: SessionOpened) -> None:
        from prr.tui.review_screen import ReviewScreen

        self.session = event.session
        self.set_interval(AUTOSAVE_TICK, self._autosave)
        self.push_screen(ReviewScreen(event.session, self.live))

    def on_session_failed(self, event: SessionFailed) -> None:
        self.failure = event.error
        self.exit(return_code=int(event.error.exit_code))

    def _autosave(self) -> None:
        if self.session is None:
            return
        try:
            self.session.autosave(time.monotonic())
        except PrrError as error:  # a full disk: say so once, keep trying
            if str(error) != self._autosave_problem:
                self.notify(str(error), title="Autosave failed", severity="error", markup=False, timeout=10)
            self._autosave_problem = str(error)
        else:
            self._autosave_problem = ""

    def close_session(self) -> None:
        """Save what is pending and release the draft; safe to call twice."""
        session, self.session = self.session, None
        if session is None:
            return
        try:
            session.close()
        except PrrError as error:
            self.failure = error

    async def action_quit(self) -> None:
        self.close_session()
        self.exit(return_code=int(self.failure.exit_code) if self.failure else 0)

    def on_unmount(self) -> None:
        self.close_session()

    # -- first run ---------------------------------------------------------------------------

    @work(exclusive=True, group="setup")
    async def _offer_setup(self) -> None:
        """No .prr/config.toml yet: the setup screen proposes one and saves what the owner
        confirms; then the review opens, using it for this run (it is not committed yet)."""
        from prr.tui.setup_screen import SetupScreen
        from prr.workflow import service_setup

        assert self.setup_folder is not None
        try:
            suggestion = service_setup.suggest(self.setup_folder)
            self.configured = await self.push_screen_wait(SetupScreen(suggestion))  # it saves what it returns
        except PrrError as error:
            self.notify(str(error), title="Setup not saved", severity="error", markup=False, timeout=10)
        self.open_session()

    # -- conventions -------------------------------------------------------------------------

    def action_help(self) -> None:
        from prr.tui.help_screen import HelpScreen, binding_rows

        self.push_screen(HelpScreen(binding_rows(self.screen)))

    def action_export_svg(self) -> None:
        folder = self.screenshots or Path.cwd()
        try:
            saved = self.save_screenshot(path=str(folder))
        except OSError as error:
            self.notify(
                f"{folder}: cannot save the screenshot: {error.strerror or error}", severity="error", markup=False
            )
            return
        self.notify(f"screenshot saved: {saved}", title="Screenshot", markup=False)

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK

    def palette_commands(self) -> Iterator[PaletteCommand]:
        other = "light" if self.current_theme.dark else "dark"
        yield PaletteCommand(f"Switch to the {other} theme", "or pick any theme with 'Theme'", self.action_toggle_theme)
        yield PaletteCommand("Save an SVG screenshot", "into the current folder", self.action_export_svg)
        yield PaletteCommand("Keys and help", "every key binding", self.action_help)
