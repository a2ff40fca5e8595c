"""The first-run setup form's choices and its reading of what was typed, kept out of the
app so a script (or a test) gets the same config from the same answers. Saving and
checking the config is `prr.workflow.service_setup.save`'s."""

from __future__ import annotations

from dataclasses import dataclass

from prr.domain.checklist import DEFAULT_TIER_NAMES, TIERS
from prr.domain.errors import InputError
from prr.format.service_config import ServiceConfig
from prr.workflow.checklists import list_builtin, open_pack


@dataclass(frozen=True)
class Choice:
    value: str | int
    label: str


def checklist_choices(current: str | None) -> list[Choice]:
    """The built-in packs, plus the config's own pack file when it names one."""
    choices = [Choice(pack.name, f"{pack.name} · {pack.title}") for pack in list_builtin()]
    if current and all(choice.value != current for choice in choices):
        choices.append(Choice(current, f"{current} · the pack this config names"))
    return choices


def tier_choices(checklist: str | None) -> list[Choice]:
    """Tiers 0-3, named as the pack names them; the default names when the pack cannot
    be opened (a missing file is reported when saving, not here)."""
    names = DEFAULT_TIER_NAMES
    if checklist:
        try:
            names = open_pack(checklist).tier_names
        except InputError:
            names = DEFAULT_TIER_NAMES  # the form still works; save() says what is wrong with the pack
    return [Choice(tier, f"{tier} · {names.get(tier, '')}".rstrip(" ·")) for tier in TIERS]


def endpoints_text(endpoints: tuple[str, ...]) -> str:
    return ", ".join(endpoints)


def config_from_form(name: str, tier: int | None, owner: str, endpoints: str, checklist: str | None) -> ServiceConfig:
    """What the form says, trimmed; endpoints are comma-separated. Not checked here:
    `service_setup.save` refuses what cannot be used, with the reasons."""
    urls = tuple(url.strip() for url in endpoints.split(",") if url.strip())
    return ServiceConfig(name.strip(), tier, owner.strip(), checklist or None, urls)
