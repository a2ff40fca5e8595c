"""Plain-text views of packs for the terminal."""

from __future__ import annotations

import textwrap

from prr.domain.checklist import TIERS, Item, Pack, Requirement
from prr.workflow.checklists import PackSummary

_MARK = {Requirement.REQUIRED: "required", Requirement.RECOMMENDED: "recommended"}


def render_list(summaries: list[PackSummary]) -> str:
    rows = [("NAME", "VERSION", "ITEMS", "SECTIONS", "SCORER", "TITLE")]
    rows += [(s.name, s.version, str(s.items), str(s.sections), s.scorer, s.title) for s in summaries]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[5] for row in rows
    )


def render_pack(pack: Pack, tier: int | None) -> str:
    lines = [f"{pack.title} ({pack.id} {pack.version}, scorer: {pack.scorer})"]
    lines += textwrap.wrap(pack.description, 88)
    lines.append("from " + ", ".join(f"{s.name} (sha256 {s.sha256[:12]})" for s in pack.sources))
    if tier is not None:
        asked = pack.asked_items(tier)
        required = sum(1 for item in asked if item.requirement(tier) is Requirement.REQUIRED)
        lines.append(
            f"Tier {tier} ({pack.tier_names.get(tier, '')}): {required} required, "
            f"{len(asked) - required} recommended, sign-off by {pack.signoff.get(tier, 1)}"
        )
    width = max((len(item.id) for item in pack.items), default=0)
    for section in pack.sections:
        items = [item for item in section.items if tier is None or item.asked(tier)]
        if not items:
            continue
        lines += ["", f"{section.title} [{section.id}]"]
        for item in items:
            status = _MARK[item.requirement(tier)] if tier is not None else _tiers(item)
            lines.append(f"  {status:<14} {item.id:<{width}}  {item.title}{_evidence(item)}")
    return "\n".join(lines)


def _tiers(item: Item) -> str:
    return "".join("R" if t in item.required else "r" if t in item.recommended else "-" for t in TIERS)


def _evidence(item: Item) -> str:
    if not item.probes:
        return ""
    return f"  [{item.evidence.value}: {', '.join(use.probe for use in item.probes)}]"
