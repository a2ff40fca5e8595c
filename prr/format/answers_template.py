"""A commented YAML answers file to fill in: every item a pack asks at a tier.

The template parses as-is with `prr.format.answers_file.parse_answers`: an item whose
`answer` is empty (`""`) is unanswered. Probe results can pre-fill it: a prefill value
that starts with `pass` or `fail` becomes the answer; anything else (`not_applicable`,
`error`, ...) is shown as a comment only, because `na` needs a reason that only a person
can give. See docs/answers-format.md."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping

from prr.domain.checklist import EvidenceMode, Item, Pack, Requirement
from prr.format.typed import yaml11_surprise

WIDTH = 88
PREFILLED_ANSWERS = ("pass", "fail")

_EVIDENCE = {
    EvidenceMode.AUTOMATIC: "probes decide unless you answer",
    EvidenceMode.BOTH: "probes gather evidence, a person confirms",
}

_HEADER = """\
How to answer: give each item one of
  {answer: pass}                  the item holds (add note: "..." to say how)
  {answer: fail}                  it does not hold yet
  {answer: na, reason: "..."}     it does not apply to this service, and why
  {answer: waived, reason: "...", approver: "...", expires: 2027-01-31}
                                  launch without it: accepted by someone, until a date
Leave {answer: ""} to keep an item unanswered. Any answer may add
note: "..." and evidence: [URL or path, ...]. Quote text YAML could misread
("no", "on", "1.10"). Waivers must expire in the future.
Declare who will sign the record (principals as in your allowed_signers file):
  signers:
    - {principal: alice@example.com, role: owner}
    - {principal: bob@example.com, role: reviewer}
Use it with: prr review PATH --no-tui --answers THIS-FILE
Format: docs/answers-format.md"""


def render_template(pack: Pack, tier: int, prefill: Mapping[str, str] | None = None) -> str:
    """The answers file for `pack` at `tier`, with every asked item and no answers but
    those `prefill` gives (item id -> what its probes said, e.g. "pass" or "fail: ...")."""
    prefill = prefill or {}
    out: list[str] = []
    out += _comment(f"Answers for {pack.title} ({pack.id} {pack.version}), tier {tier}.")
    tier_name = pack.tier_names.get(tier)
    if tier_name:
        out += _comment(f"Tier {tier}: {tier_name}")
    out.append("#")
    for line in _HEADER.splitlines():
        out.append(f"# {line}".rstrip())
    out.append(f"checklist: {_scalar(pack.id)}")
    out.append(f"tier: {tier}")
    asked = pack.asked_items(tier)
    if not asked:
        out.append("answers: {}")
        return "\n".join(out) + "\n"
    out.append("answers:")
    for section in pack.sections:
        items = [item for item in section.items if item.asked(tier)]
        if not items:
            continue
        out.append("")
        rule = f"-- {_one_line(section.title or section.id)} "
        out.append(f"  # {rule}{'-' * max(3, WIDTH - 4 - len(rule))}")
        for item in items:
            out.append("")
            out += _item(item, tier, prefill.get(item.id))
    return "\n".join(out) + "\n"


def _item(item: Item, tier: int, probes: str | None) -> list[str]:
    lines = _comment(_one_line(item.title), indent="  ")
    requirement = item.requirement(tier)
    if requirement is Requirement.REQUIRED:
        lines += _comment(f"required at tier {tier}: a fail blocks launch", indent="  ")
    else:
        lines += _comment(f"recommended at tier {tier}: asked, but a fail does not block launch", indent="  ")
    if item.evidence in _EVIDENCE:
        lines += _comment(f"evidence: {item.evidence.value} ({_EVIDENCE[item.evidence]})", indent="  ")
    lines += _comment("answer: pass | fail | na (with reason) | waived (with reason, approver, expires)", indent="  ")
    answer = ""
    if probes is not None and _one_line(probes):
        lines += _comment(f"probes say: {_one_line(probes)}", indent="  ")
        first = _one_line(probes).split(maxsplit=1)[0].rstrip(":,;.").lower()
        if first in PREFILLED_ANSWERS:
            answer = first
    lines.append(f"  {item.id}: {{answer: {answer or json.dumps('')}}}")
    return lines


def _comment(text: str, indent: str = "") -> list[str]:
    wrapped = textwrap.wrap(_one_line(text), width=WIDTH - len(indent) - 2, break_on_hyphens=False) or [""]
    return [f"{indent}# {line}".rstrip() for line in wrapped]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _scalar(value: str) -> str:
    """`value` as YAML text: plain when that reads back as the same text, else quoted."""
    plain = (
        value
        and value == value.strip()
        and not yaml11_surprise(value)
        and all(c.isalnum() or c in "-_." for c in value)
    )
    return value if plain else json.dumps(value)
