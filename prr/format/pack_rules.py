"""Checks that need the whole (merged) pack: unique ids, tier consistency, evidence.

The tier rule is what lets scorers promise that a tier 0 verdict is never more lenient
than a tier 3 one: a more critical tier must ask at least as much as a less critical one."""

from __future__ import annotations

from collections.abc import Collection

from prr.domain.checklist import DEFAULT_LEVELS, TIERS, EvidenceMode
from prr.format.pack_schema import Field, RawItem, RawPack
from prr.format.typed import Reader


def check(pack: RawPack, reader: Reader, scorers: Collection[str]) -> None:
    _check_scorer(pack, reader, scorers)
    _check_unique(pack, reader)
    levels = pack.fields["levels"].value if "levels" in pack.fields else list(DEFAULT_LEVELS)
    if "levels" in pack.fields:
        if not levels:
            reader.error(pack.fields["levels"].node, "levels must name at least one level")
        elif len(set(levels)) != len(levels):
            reader.error(pack.fields["levels"].node, "levels must not repeat a name")
    for section in pack.sections:
        if not section.items:
            reader.error(section.id.node, f"section {section.id.value!r} has no items")
        for item in section.items:
            _check_item(item, reader, levels, pack.source)


def _check_scorer(pack: RawPack, reader: Reader, scorers: Collection[str]) -> None:
    scorer = pack.fields.get("scorer")
    if scorer is None or scorer.value in scorers:
        return
    if scorer.value.endswith(".py") or "/" in scorer.value:
        reader.error(
            scorer.node,
            f"scorer {scorer.value!r}: a pack may only name a built-in scorer "
            f"({', '.join(sorted(scorers))}); pass your own file with --scorer",
        )
    else:
        reader.error(scorer.node, f"unknown scorer {scorer.value!r}; built-in scorers: {', '.join(sorted(scorers))}")


def _check_unique(pack: RawPack, reader: Reader) -> None:
    sections: dict[str, Field] = {}
    items: dict[str, Field] = {}
    for section in pack.sections:
        _first(sections, section.id, "section", reader)
        for item in section.items:
            _first(items, item.fields["id"], "item", reader)


def _first(seen: dict[str, Field], field: Field, what: str, reader: Reader) -> None:
    first = seen.get(field.value)
    if first is None:
        seen[field.value] = field
        return
    where = (
        f"line {first.node.line}"
        if first.node.source == field.node.source
        else f"{first.node.source}:{first.node.line}"
    )
    reader.error(field.node, f"duplicate {what} id {field.value!r} (first at {where})")


def _check_item(item: RawItem, reader: Reader, levels: list[str], source: str) -> None:
    """Consistency of one item; a field that failed to parse was reported already, so
    nothing here is checked against it (no second, misleading error). Where two fields
    clash, the one written in the pack being checked (`source`) is blamed, so an
    `override` that breaks an inherited item is reported at the override."""
    fields = item.fields
    at = fields["id"]
    unreadable = {key.value for key, _ in item.node.pairs} - set(fields)
    required = fields["required"].value if "required" in fields else frozenset()
    recommended = fields["recommended"].value if "recommended" in fields else frozenset()
    if not required | recommended and not unreadable & {"required", "recommended"}:
        reader.error(at.node, f"item {at.value!r} is asked at no tier: give it 'required' or 'recommended' tiers")
    both = sorted(required & recommended)
    if both:
        blamed = fields["recommended"] if fields["recommended"].node.source == source else fields["required"]
        reader.error(blamed.node, f"tier {both[0]} is both required and recommended")
    for tier in TIERS[1:]:
        if tier in required and tier - 1 not in required:
            reader.error(
                fields["required"].node,
                f"required at tier {tier} but not at tier {tier - 1}: a more critical tier must ask at least as much",
            )
            break
        if tier in recommended and tier - 1 not in required | recommended:
            reader.error(
                fields["recommended"].node,
                f"recommended at tier {tier} but not asked at tier {tier - 1}: "
                "a more critical tier must ask at least as much",
            )
            break
    evidence = fields["evidence"].value if "evidence" in fields else EvidenceMode.MANUAL
    probes = fields.get("probes")
    if evidence is EvidenceMode.MANUAL and probes is not None and probes.value:
        reader.error(probes.node, "probes given for a manual item: set evidence to 'both' or 'automatic'")
    if evidence is not EvidenceMode.MANUAL and not unreadable & {"probes"} and (probes is None or not probes.value):
        where = fields["evidence"].node
        reader.error(where, f"evidence is {evidence.value!r} but the item names no probes")
    level = fields.get("level")
    if level is not None and level.value not in levels:
        reader.error(level.node, f"level {level.value!r} is not one of the pack's levels: {', '.join(levels)}")
