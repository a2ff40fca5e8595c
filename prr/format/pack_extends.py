"""`extends`: build an organisation's pack on a parent by removing, overriding and adding."""

from __future__ import annotations

from prr.format.pack_schema import Field, RawItem, RawPack, RawSection
from prr.format.typed import Reader

INHERITED = ("format", "scorer", "tiers", "signoff", "levels")


def merge(parent: RawPack, child: RawPack, reader: Reader) -> RawPack:
    """The child's view of its parent: parent sections, minus `remove`, with `override`
    applied, then the child's sections appended (items of an inherited section join it)."""
    fields = {key: value for key, value in parent.fields.items() if key in INHERITED}
    fields.update(child.fields)
    merged = RawPack(child.source, child.node, fields)
    merged.sections = [RawSection(s.node, s.id, s.title, s.description, list(s.items)) for s in parent.sections]
    _remove(merged, child.remove, reader)
    _override(merged, child.override, reader)
    _add(merged, child.sections, reader)
    return merged


def _remove(pack: RawPack, removals: list[Field], reader: Reader) -> None:
    for removal in removals:
        before = len(pack.sections)
        pack.sections = [s for s in pack.sections if s.id.value != removal.value]
        if len(pack.sections) < before:
            continue
        for section in pack.sections:
            kept = [item for item in section.items if item.id != removal.value]
            if len(kept) < len(section.items):
                section.items = kept
                break
        else:
            reader.error(removal.node, f"remove: the parent pack has no item or section {removal.value!r}")


def _override(pack: RawPack, overrides: list[tuple[Field, dict[str, Field]]], reader: Reader) -> None:
    for item_id, changes in overrides:
        for section in pack.sections:
            for index, item in enumerate(section.items):
                if item.id == item_id.value:
                    section.items[index] = RawItem(item.node, {**item.fields, **changes}, item.section)
                    break
            else:
                continue
            break
        else:
            reader.error(item_id.node, f"override: the parent pack has no item {item_id.value!r}")


def _add(pack: RawPack, sections: list[RawSection], reader: Reader) -> None:
    existing = {s.id.value: s for s in pack.sections}
    for section in sections:
        inherited = existing.get(section.id.value)
        if inherited is None:
            if section.title is None:
                reader.error(section.node, f"section {section.id.value!r} is new (not in the parent): give it a title")
            pack.sections.append(section)
            existing[section.id.value] = section
            continue
        inherited.items.extend(section.items)
        if section.title is not None:
            inherited.title = section.title
        if section.description is not None:
            inherited.description = section.description
