"""The resolved pack as plain data, for `prr checklists show --format json` and scripts."""

from __future__ import annotations

from typing import Any

from prr.domain.checklist import Item, Pack, Requirement

SCHEMA = "prr.pack.resolved/1"


def pack_to_data(pack: Pack, tier: int | None = None) -> dict[str, Any]:
    """All items, or with `tier` only those asked at it, each with its requirement there."""
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "id": pack.id,
        "version": pack.version,
        "title": pack.title,
        "description": pack.description,
        "scorer": pack.scorer,
        "extends": pack.extends,
        "levels": list(pack.levels),
        "sources": [{"name": s.name, "sha256": s.sha256} for s in pack.sources],
        "tiers": {str(t): {"name": name, "signoff": pack.signoff.get(t)} for t, name in pack.tier_names.items()},
    }
    if tier is not None:
        asked = pack.asked_items(tier)
        data["tier"] = tier
        data["counts"] = {
            kind.value: sum(1 for item in asked if item.requirement(tier) is kind)
            for kind in (Requirement.REQUIRED, Requirement.RECOMMENDED)
        }
    data["sections"] = [
        {
            "id": section.id,
            "title": section.title,
            "description": section.description,
            "items": [_item(item, tier) for item in section.items if tier is None or item.asked(tier)],
        }
        for section in pack.sections
    ]
    return data


def _item(item: Item, tier: int | None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": item.id, "title": item.title}
    if tier is not None:
        data["requirement"] = item.requirement(tier).value
    data.update(
        {
            "why": item.why,
            "how": item.how,
            "required": sorted(item.required),
            "recommended": sorted(item.recommended),
            "weight": item.weight,
            "evidence": item.evidence.value,
            "probes": [{"probe": use.probe, "with": dict(use.params)} for use in item.probes],
            "tags": list(item.tags),
            "level": item.level,
        }
    )
    return data
