"""Messages the background work posts to the screens (thread-safe via `post_message`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from prr.domain.errors import PrrError
    from prr.workflow.probing import ProbeReport
    from prr.workflow.review_session import ReviewSession


class SessionOpened(Message):
    """The review session is open (draft locked); the review screen can show it."""

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session


class SessionFailed(Message):
    """The review could not be opened: the app exits and the CLI prints the error."""

    def __init__(self, error: PrrError) -> None:
        super().__init__()
        self.error = error


class ProbeProgress(Message):
    """One more probe started: `done` of `total`, by name."""

    def __init__(self, done: int, total: int, probe: str) -> None:
        super().__init__()
        self.done, self.total, self.probe = done, total, probe


class ProbesFinished(Message):
    """Every probe ran; the report is applied on the main thread, which owns the session."""

    def __init__(self, report: ProbeReport) -> None:
        super().__init__()
        self.report = report


class ProbesFailed(Message):
    """The probes could not run at all (git or a tool failed): the review goes on without them."""

    def __init__(self, error: PrrError) -> None:
        super().__init__()
        self.error = error
