"""What dashboard discovery finds: dashboards with their panels, notes about providers and
references, and the budget that stops alias bombs and huge dashboards."""

from __future__ import annotations

from dataclasses import dataclass, field

from prr.domain.findings import Outcome

_BUDGET = 200_000  # values visited per document: alias bombs and huge dashboards stop here
MAX_DEPTH = 40


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[str, ...]


@dataclass
class Dashboard:
    path: str
    line: int | None
    form: str  # "Grafana dashboard", "ConfigMap dashboard", "Terraform datadog_dashboard", ...
    uid: str | None = None
    title: str | None = None
    panels: list[Panel] = field(default_factory=list)
    broken: str | None = None  # why the definition cannot be read at all
    needs_uid: bool = True
    not_grafana: bool = False  # forced content without Grafana's shape

    @property
    def name(self) -> str:
        return self.title or self.uid or ""

    def problems(self) -> list[str]:
        if self.broken:
            return [self.broken]
        out = []
        if self.not_grafana:
            out.append("not a Grafana dashboard (no panels)")
        if self.needs_uid and not self.uid:
            out.append("no uid")
        if not self.title:
            out.append("no title")
        if not self.not_grafana and not any(p.queries for p in self.panels):
            count = len(self.panels)
            out.append(f"no panel with a query ({count} panel{'s' * (count != 1)}, none with a query)")
        return out


@dataclass(frozen=True)
class Note:
    """A finding about something other than one dashboard: a provider, a reference, a file."""

    outcome: Outcome
    message: str
    path: str
    line: int | None


@dataclass
class Entry:
    """A ConfigMap data entry (or a GrafanaDashboard's inline JSON) that may hold a dashboard."""

    path: str
    line: int
    text: str
    text_line: int | None  # file line of the text's first line, when it maps line for line
    form: str
    forced: bool
    uid: str | None = None


@dataclass
class Discovery:
    dashboards: list[Dashboard] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


class TooBig(Exception):
    pass


TOO_BIG = "too large or too deeply aliased for prr to assess"  # prr's limit: an error, not a verdict


class Budget:
    def __init__(self) -> None:
        self.left = _BUDGET

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise TooBig
