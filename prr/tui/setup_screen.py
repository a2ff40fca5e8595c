"""First run: confirm the service's name, tier, owner, endpoints and pack, each shown with
where prr found it, and save them to `.prr/config.toml`.

The screen only collects and shows: the choices and the reading of the form come from
`prr.workflow.setup_form`, checking and writing from `prr.workflow.service_setup.save`,
whose refusals are shown in the form (which stays open) rather than raised."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from prr.domain.errors import PrrError
from prr.format.service_config import CONFIG_PATH, ServiceConfig
from prr.tui.plain import plain
from prr.workflow import service_setup
from prr.workflow.service_setup import Suggestion
from prr.workflow.setup_form import Choice, checklist_choices, config_from_form, endpoints_text, tier_choices

T = TypeVar("T")


class SetupScreen(ModalScreen[ServiceConfig | None]):
    """Dismissed with the saved config, or None when cancelled (nothing written)."""

    DEFAULT_CSS = """
    SetupScreen { align: center middle; }
    SetupScreen > VerticalScroll {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        padding: 0 2; border: thick $accent; background: $surface;
    }
    SetupScreen .title { text-style: bold; }
    SetupScreen .intro { color: $text-muted; }
    SetupScreen .field { height: auto; margin-top: 1; }
    SetupScreen .field Label { text-style: bold; width: auto; margin-right: 2; }
    SetupScreen .source { color: $text-muted; width: 1fr; }
    SetupScreen SelectCurrent #label { text-wrap: nowrap; text-overflow: ellipsis; }
    SetupScreen #error { color: $error; height: auto; margin-top: 1; }
    SetupScreen #buttons { height: auto; margin-top: 1; }
    SetupScreen Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", "Cancel", id="setup.cancel")]

    def __init__(self, suggestion: Suggestion) -> None:
        super().__init__()
        self.suggestion = suggestion

    def compose(self) -> ComposeResult:
        config = self.suggestion.config
        where = self.suggestion.service_dir / CONFIG_PATH
        title = "Service settings" if self.suggestion.existing else "New service: confirm what prr found"
        intro = f"Saved to {where}. Commit it: prr probe, prr review and prr check read the committed copy."
        with VerticalScroll():  # on a small terminal the whole form scrolls, buttons included
            yield Label(title, classes="title")
            yield Static(plain(intro), classes="intro")
            yield from self._field("Name", Input(config.name, placeholder="the service's name", id="name"), "name")
            tiers = self._select("tier", tier_choices(config.checklist), config.tier)
            yield from self._field("Tier (0 = most critical)", tiers, "tier")
            yield from self._field("Owner", Input(config.owner, placeholder="team or person", id="owner"), "owner")
            endpoints = Input(endpoints_text(config.endpoints), placeholder="https://..., https://...", id="endpoints")
            yield from self._field("Endpoints (comma-separated URLs)", endpoints, "endpoints")
            checklists = self._select("checklist", checklist_choices(config.checklist), config.checklist)
            yield from self._field("Checklist", checklists, "checklist")
            yield Static(id="error")
            with Horizontal(id="buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def _field(self, label: str, widget: Input | Select[str | int], key: str) -> ComposeResult:
        """The field's name with where its value came from on one line, then the field."""
        source = self.suggestion.sources.get(key, "")
        with Horizontal(classes="field"):
            yield Label(label)
            yield Static(
                plain(f"from: {source}" if source else "from: not suggested"), id=f"{key}-source", classes="source"
            )
        yield widget

    @staticmethod
    def _select(name: str, choices: list[Choice], value: str | int | None) -> Select[str | int]:
        options = [(plain(choice.label), choice.value) for choice in choices]
        chosen = value if any(choice.value == value for choice in choices) else Select.NULL
        return Select(options, value=chosen, prompt="not set (prr's default)", id=name)

    # --- events -----------------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        """The tier names come from the pack: name the tiers as the chosen pack does."""
        if event.select.id != "checklist":
            return
        tier = self.query_one("#tier", Select)
        value = tier.value
        checklist = event.value if isinstance(event.value, str) else None
        tier.set_options([(plain(choice.label), choice.value) for choice in tier_choices(checklist)])
        tier.value = value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "cancel":
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        config = config_from_form(
            self.query_one("#name", Input).value,
            _chosen(self.query_one("#tier", Select).value, int),
            self.query_one("#owner", Input).value,
            self.query_one("#endpoints", Input).value,
            _chosen(self.query_one("#checklist", Select).value, str),
        )
        try:
            service_setup.save(self.suggestion.service_dir, config)
        except PrrError as error:
            shown = self.query_one("#error", Static)
            shown.update(plain("\n".join(error.lines())))
            shown.scroll_visible()
            return
        self.dismiss(config)


def _chosen(value: object, kind: type[T]) -> T | None:
    """A Select's value, or None when nothing is chosen (Select.NULL)."""
    return value if isinstance(value, kind) else None
