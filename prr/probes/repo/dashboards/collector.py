"""What discovery has found so far, shared by the readers of each dashboard form."""

from __future__ import annotations

from prr.domain.findings import Outcome
from prr.probes.api import Repo
from prr.probes.repo.dashboards.model import Dashboard, Discovery, Note


class Collector:
    """Dashboards, notes and unreadable files found so far; each file reported unreadable once."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.out = Discovery()
        self.forced: set[str] = set()  # files something loads as dashboards: they must be ones
        self.templates: set[str] = set()  # forced files Terraform renders as templates
        self.seen_unreadable: set[str] = set()

    def read(self, path: str, needed: bool) -> str | None:
        text = self.repo.text(path)
        if text is None and needed and path not in self.seen_unreadable:
            self.seen_unreadable.add(path)
            self.out.unreadable.append(path)
        return text

    def note(self, outcome: Outcome, message: str, path: str, line: int | None) -> None:
        self.out.notes.append(Note(outcome, message, path, line))

    def add(self, dash: Dashboard) -> None:
        self.out.dashboards.append(dash)
