"""The checklist model: what a readiness pack asks, and how strictly at each tier.

Tier 0 is the most critical service class, tier 3 the least. A pack is valid only if a
more critical tier asks at least as much as a less critical one (see
`prr.format.pack_rules`), which is what lets a scorer promise that a tier 0 verdict is
never more lenient than a tier 3 one on the same answers.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

TIERS: tuple[int, ...] = (0, 1, 2, 3)

DEFAULT_TIER_NAMES: Mapping[int, str] = MappingProxyType(
    {
        0: "Critical: an outage stops the business or breaks a legal duty",
        1: "Important: customer-facing, degraded revenue or trust when down",
        2: "Standard: internal or with a workaround",
        3: "Low: best effort, experiments and tools",
    }
)

DEFAULT_SIGNOFF: Mapping[int, int] = MappingProxyType({0: 2, 1: 2, 2: 1, 3: 1})

DEFAULT_LEVELS: tuple[str, ...] = ("bronze", "silver", "gold")


class Requirement(StrEnum):
    """How an item applies at one tier."""

    REQUIRED = "required"
    RECOMMENDED = "recommended"
    NOT_ASKED = "not_asked"


class EvidenceMode(StrEnum):
    """Who can prove an item: a probe, a person, or a probe confirmed by a person."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"
    BOTH = "both"


@dataclass(frozen=True)
class ProbeUse:
    """A probe an item relies on, with the parameters the pack gives it."""

    probe: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    why: str
    how: str
    required: frozenset[int]
    recommended: frozenset[int]
    weight: float = 1.0
    evidence: EvidenceMode = EvidenceMode.MANUAL
    probes: tuple[ProbeUse, ...] = ()
    tags: tuple[str, ...] = ()
    level: str | None = None
    section: str = ""

    def requirement(self, tier: int) -> Requirement:
        if tier in self.required:
            return Requirement.REQUIRED
        if tier in self.recommended:
            return Requirement.RECOMMENDED
        return Requirement.NOT_ASKED

    def asked(self, tier: int) -> bool:
        return self.requirement(tier) is not Requirement.NOT_ASKED


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    description: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class PackSource:
    """One file a pack was built from, so a record can pin the exact bytes reviewed."""

    name: str
    sha256: str


@dataclass(frozen=True)
class Pack:
    id: str
    version: str
    title: str
    description: str
    scorer: str
    sections: tuple[Section, ...]
    tier_names: Mapping[int, str] = field(default_factory=lambda: DEFAULT_TIER_NAMES)
    signoff: Mapping[int, int] = field(default_factory=lambda: DEFAULT_SIGNOFF)
    levels: tuple[str, ...] = DEFAULT_LEVELS
    extends: str | None = None
    sources: tuple[PackSource, ...] = ()

    @functools.cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def item(self, item_id: str) -> Item:
        for candidate in self.items:
            if candidate.id == item_id:
                return candidate
        raise KeyError(item_id)

    def asked_items(self, tier: int) -> tuple[Item, ...]:
        return self._asked[tier] if tier in self._asked else tuple(item for item in self.items if item.asked(tier))

    @functools.cached_property
    def _asked(self) -> dict[int, tuple[Item, ...]]:
        """Per tier, computed once: verifying a thousand records asks a thousand times."""
        return {tier: tuple(item for item in self.items if item.asked(tier)) for tier in TIERS}

    def item_level(self, item: Item, tier: int) -> str | None:
        """The level an item counts towards at `tier`. An item required there always
        counts towards the first level, so an explicit `level` can never take it out of
        the readiness gate; a recommended item counts towards its own `level`, else the
        second level (none in a one-level pack). See docs/checklist-format.md."""
        requirement = item.requirement(tier)
        if requirement is Requirement.REQUIRED:
            return self.levels[0]
        if requirement is Requirement.NOT_ASKED:
            return None
        if item.level is not None:
            return item.level
        return self.levels[1] if len(self.levels) > 1 else None
