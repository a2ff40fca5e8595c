"""Reads a pack file's node tree into raw sections and items, keeping every value's node
so later checks (ids, tiers, extends) can point at the exact line and column."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from prr.domain.checklist import TIERS, EvidenceMode, ProbeUse
from prr.domain.probe_spec import Param, ParamType, ProbeCatalog, ProbeSpec
from prr.format.strict_yaml import Map, Node, Scalar
from prr.format.typed import Reader

FORMAT_VERSION = 1
ID_RE = re.compile(r"[a-z][a-z0-9-]*")
ITEM_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+")
PACK_KEYS = (
    "format", "id", "version", "title", "description", "scorer", "extends",
    "tiers", "signoff", "levels", "sections", "override", "remove",
)  # fmt: skip
SECTION_KEYS = ("id", "title", "description", "items")
ITEM_KEYS = (
    "id", "title", "why", "how", "required", "recommended",
    "weight", "evidence", "probes", "tags", "level",
)  # fmt: skip
ITEM_REQUIRED_KEYS = ("id", "title", "why", "how")
PROBE_KEYS = ("probe", "with")


@dataclass
class Field:
    """A parsed value and the node it came from."""

    value: Any
    node: Node


@dataclass
class RawItem:
    node: Map
    fields: dict[str, Field]
    section: str = ""

    @property
    def id(self) -> str:
        return self.fields["id"].value


@dataclass
class RawSection:
    node: Node
    id: Field
    title: Field | None
    description: Field | None
    items: list[RawItem]


@dataclass
class RawPack:
    source: str
    node: Map
    fields: dict[str, Field]
    sections: list[RawSection] = field(default_factory=list)
    override: list[tuple[Field, dict[str, Field]]] = field(default_factory=list)
    remove: list[Field] = field(default_factory=list)


def read_pack(root: Node, catalog: ProbeCatalog, reader: Reader) -> RawPack | None:
    """Read the top-level mapping; problems go to `reader`, nothing is raised."""
    top = reader.mapping(root, "the pack", PACK_KEYS)
    if top is None:
        return None
    raw = RawPack(root.source, top, {})
    scalars = {
        "format": lambda n: reader.integer(n, "format", FORMAT_VERSION, FORMAT_VERSION),
        "id": lambda n: reader.pattern(n, "pack id", ID_RE, "lowercase letters, digits and dashes"),
        "version": lambda n: reader.text(n, "version"),
        "title": lambda n: reader.text(n, "title"),
        "description": lambda n: reader.text(n, "description"),
        "scorer": lambda n: reader.text(n, "scorer"),
        "extends": lambda n: reader.text(n, "extends"),
        "tiers": lambda n: _tier_map(reader, n, "tiers", lambda v, w: reader.text(v, w)),
        "signoff": lambda n: _tier_map(reader, n, "signoff", lambda v, w: reader.integer(v, w, 1, 20)),
        "levels": lambda n: reader.each(n, "levels", lambda v, w: reader.pattern(v, w, ID_RE, "a lowercase word")),
    }
    for key, node in top.pairs:
        if key.value in scalars:
            value = scalars[key.value](node)
            if value is not None:
                raw.fields[key.value] = Field(value, node)
    reader.missing(top, "the pack", ("id", "version", "title", "description"))
    extends = top.get("extends") is not None
    if not extends:
        reader.missing(top, "a pack without 'extends'", ("scorer", "sections"))
    for key in ("override", "remove"):
        node = top.get(key)
        if node is not None and not extends:
            reader.error(node, f"'{key}' is only allowed in a pack that uses 'extends'")
    sections = top.get("sections")
    if sections is not None:
        for node in reader.seq(sections, "sections") or []:
            section = _read_section(node, catalog, reader, extends)
            if section is not None:
                raw.sections.append(section)
    override = top.get("override")
    if override is not None and extends:
        raw.override = _read_override(override, catalog, reader)
    remove = top.get("remove")
    if remove is not None and extends:
        for node in reader.seq(remove, "remove") or []:
            value = reader.text(node, "remove entry")
            if value is not None:
                raw.remove.append(Field(value, node))
    return raw


def _tier_map(reader: Reader, node: Node, what: str, read_value: Any) -> dict[int, Any] | None:
    mapping = reader.mapping(node, what)
    if mapping is None:
        return None
    result: dict[int, Any] = {}
    for key, value_node in mapping.pairs:
        tier = reader.integer(key, f"{what} key (a tier)", TIERS[0], TIERS[-1])
        value = read_value(value_node, f"{what} for tier {key.value}")
        if tier is not None and value is not None:
            result[tier] = value
    return result


def _read_section(node: Node, catalog: ProbeCatalog, reader: Reader, extends: bool) -> RawSection | None:
    mapping = reader.mapping(node, "section", SECTION_KEYS)
    if mapping is None:
        return None
    reader.missing(mapping, "section", ("id", "items") if extends else ("id", "title", "items"))
    id_node = mapping.get("id")
    section_id = (
        reader.pattern(id_node, "section id", ID_RE, "lowercase letters, digits and dashes") if id_node else None
    )
    if section_id is None or id_node is None:
        return None
    title = _optional_text(reader, mapping, "title", "section title")
    description = _optional_text(reader, mapping, "description", "section description")
    items: list[RawItem] = []
    items_node = mapping.get("items")
    if items_node is not None:
        for item_node in reader.seq(items_node, "items") or []:
            item = read_item(item_node, catalog, reader, partial=False)
            if item is not None:
                item.section = section_id
                items.append(item)
    return RawSection(mapping, Field(section_id, id_node), title, description, items)


def _optional_text(reader: Reader, mapping: Map, key: str, what: str) -> Field | None:
    node = mapping.get(key)
    if node is None:
        return None
    value = reader.text(node, what)
    return Field(value, node) if value is not None else None


def _read_override(node: Node, catalog: ProbeCatalog, reader: Reader) -> list[tuple[Field, dict[str, Field]]]:
    mapping = reader.mapping(node, "override")
    if mapping is None:
        return []
    result = []
    for key, value in mapping.pairs:
        if not ITEM_ID_RE.fullmatch(key.value):
            reader.error(key, f"override key {key.value!r} must be an item id such as 'slo.defined'")
            continue
        item = read_item(value, catalog, reader, partial=True)
        if item is not None:
            result.append((Field(key.value, key), item.fields))
    return result


def read_item(node: Node, catalog: ProbeCatalog, reader: Reader, partial: bool) -> RawItem | None:
    """Read an item; `partial` (an override) forbids `id` and requires nothing."""
    keys = [k for k in ITEM_KEYS if not (partial and k == "id")]
    mapping = reader.mapping(node, "override" if partial else "item", keys)
    if mapping is None:
        return None
    if not partial:
        reader.missing(mapping, "item", ITEM_REQUIRED_KEYS)
    fields: dict[str, Field] = {}
    readers = {
        "id": lambda n: reader.pattern(n, "item id", ITEM_ID_RE, "dotted lowercase words such as 'slo.defined'"),
        "title": lambda n: reader.text(n, "title"),
        "why": lambda n: reader.text(n, "why"),
        "how": lambda n: reader.text(n, "how"),
        "required": lambda n: _tiers(reader, n, "required"),
        "recommended": lambda n: _tiers(reader, n, "recommended"),
        "weight": lambda n: reader.number(n, "weight", above=0),
        "evidence": lambda n: _evidence(reader, n),
        "probes": lambda n: _probes(reader, n, catalog),
        "tags": lambda n: reader.each(n, "tags", lambda v, w: reader.pattern(v, w, ID_RE, "a lowercase word")),
        "level": lambda n: reader.text(n, "level"),
    }
    for key, value_node in mapping.pairs:
        if key.value in readers and key.value in keys:
            value = readers[key.value](value_node)
            if value is not None:
                fields[key.value] = Field(value, value_node)
    if not partial and "id" not in fields:
        return None
    return RawItem(mapping, fields)


def _tiers(reader: Reader, node: Node, what: str) -> frozenset[int] | None:
    entries = reader.seq(node, f"{what} (a list of tiers)")
    if entries is None:
        return None
    tiers: set[int] = set()
    ok = True
    for entry in entries:
        tier = reader.integer(entry, f"{what} tier", TIERS[0], TIERS[-1])
        if tier is None:
            ok = False
        elif tier in tiers:
            reader.error(entry, f"tier {tier} is listed twice in {what}")
            ok = False
        else:
            tiers.add(tier)
    return frozenset(tiers) if ok else None


def _evidence(reader: Reader, node: Node) -> EvidenceMode | None:
    value = reader.choice(node, "evidence", [mode.value for mode in EvidenceMode])
    return EvidenceMode(value) if value is not None else None


def _probes(reader: Reader, node: Node, catalog: ProbeCatalog) -> tuple[ProbeUse, ...] | None:
    entries = reader.seq(node, "probes")
    if entries is None:
        return None
    uses = []
    for entry in entries:
        use = _probe_use(reader, entry, catalog)
        if use is not None:
            uses.append(use)
    return tuple(uses) if len(uses) == len(entries) else None


def _probe_use(reader: Reader, node: Node, catalog: ProbeCatalog) -> ProbeUse | None:
    if isinstance(node, Scalar):
        id_node, with_node = node, None
    else:
        mapping = reader.mapping(node, "probe entry", PROBE_KEYS)
        if mapping is None:
            return None
        reader.missing(mapping, "probe entry", ("probe",))
        id_node, with_node = mapping.get("probe"), mapping.get("with")
        if id_node is None:
            return None
    probe_id = reader.text(id_node, "probe")
    if probe_id is None:
        return None
    if probe_id not in catalog:
        close = difflib.get_close_matches(probe_id, list(catalog), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "declared probes are listed in docs/probes.md"
        reader.error(id_node, f"unknown probe {probe_id!r}: no probe registry declares it ({hint})")
        return None
    if with_node is None:
        return ProbeUse(probe_id, {})
    params = _read_params(reader, with_node, catalog[probe_id])
    return ProbeUse(probe_id, params) if params is not None else None


def _read_params(reader: Reader, node: Node, spec: ProbeSpec) -> dict[str, Any] | None:
    """A probe use's `with`; every bad parameter is reported, and then None."""
    mapping = reader.mapping(node, f"parameters of probe {spec.id!r}", [p.name for p in spec.params])
    if mapping is None:
        return None
    params: dict[str, Any] = {}
    ok = True
    for key, value_node in mapping.pairs:
        param = spec.param(key.value)
        if param is None:
            continue
        value = _param_value(reader, value_node, param, f"parameter {key.value!r} of {spec.id!r}")
        if value is None:
            ok = False
        else:
            params[key.value] = value
    return params if ok else None


def _param_value(reader: Reader, node: Node, param: Param, what: str) -> Any:
    """The value, read as its declared type and then checked for sense against the
    declaration, so a pack cannot ask a probe a question it can never answer."""
    if param.type is ParamType.STR:
        value = _sensible_text(reader, node, param, what)
    elif param.type is ParamType.INT:
        value = reader.integer(node, what)
    elif param.type is ParamType.NUMBER:
        value = reader.number(node, what)
    elif param.type is ParamType.BOOL:
        value = reader.boolean(node, what)
    else:
        value = reader.each(node, what, lambda v, _: _sensible_text(reader, v, param, f"{what}: each entry"))
    problem = param.value_problem(value) if value is not None else None
    if problem is not None:
        reader.error(node, f"{what} {problem}")
        return None
    return value


def _sensible_text(reader: Reader, node: Node, param: Param, what: str) -> str | None:
    value = reader.text(node, what)
    problem = param.entry_problem(value) if value is not None else None
    if problem is not None:
        reader.error(node, f"{what} {problem}")
        return None
    return value
