"""Runs the probes in a thread worker and reports by message, so the review stays usable
while they run. It only runs them: the screen applies the report on the main thread,
which owns the session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.widget import Widget

from prr.domain.errors import PrrError
from prr.tui.messages import ProbeProgress, ProbesFailed, ProbesFinished

if TYPE_CHECKING:
    from prr.workflow.endpoint_settings import EndpointSettings
    from prr.workflow.review_session import ReviewSession


class ProbeRunner(Widget):
    """Invisible; its messages bubble up to the screen."""

    DEFAULT_CSS = "ProbeRunner { display: none; }"

    @work(thread=True, exclusive=True, group="probes")
    def probe(self, session: ReviewSession, live: EndpointSettings | None) -> None:
        def progress(done: int, total: int, probe: str) -> None:
            self.post_message(ProbeProgress(done, total, probe))

        try:
            report = session.run_probes(progress=progress, live=live)
        except PrrError as error:
            self.post_message(ProbesFailed(error))
            return
        self.post_message(ProbesFinished(report))
