"""Load a pack file, and the chain of packs it extends, into a `Pack`.

Pure: files arrive as bytes through a resolver the caller supplies, so the same code
serves built-in packs, users' files and tests. Every problem in every file of the chain
is collected and raised together as one InputError."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from types import MappingProxyType

from prr.domain.checklist import (
    DEFAULT_LEVELS,
    DEFAULT_SIGNOFF,
    DEFAULT_TIER_NAMES,
    EvidenceMode,
    Item,
    Pack,
    PackSource,
    Section,
)
from prr.domain.errors import InputError, Problem
from prr.domain.probe_spec import ProbeCatalog
from prr.format import pack_extends, pack_rules, strict_yaml
from prr.format.pack_schema import RawItem, RawPack, read_pack
from prr.format.typed import Reader

MAX_EXTENDS_DEPTH = 8


@dataclass(frozen=True)
class PackFile:
    """A pack's bytes, the name to show in messages, and an identity for cycle checks."""

    name: str
    key: str
    data: bytes


class ParentNotFound(LookupError):
    """Raised by a resolver; its message becomes the problem shown at `extends`."""


Resolver = Callable[[str, PackFile], PackFile]


def load_pack(file: PackFile, resolve: Resolver, catalog: ProbeCatalog, scorers: Collection[str]) -> Pack:
    reader = Reader()
    raw, sources = _load_raw(file, resolve, catalog, reader, chain=())
    if raw is not None:
        pack_rules.check(raw, reader, scorers)
    if reader.problems or raw is None:
        raise InputError(problems=reader.problems or [Problem(file.name, 1, 1, "could not read the pack")])
    return _build(raw, sources)


def _load_raw(
    file: PackFile, resolve: Resolver, catalog: ProbeCatalog, reader: Reader, chain: tuple[PackFile, ...]
) -> tuple[RawPack | None, list[PackSource]]:
    sources = [PackSource(file.name, hashlib.sha256(file.data).hexdigest())]
    try:
        root = strict_yaml.parse(file.name, file.data)
    except InputError as exc:
        reader.problems.extend(exc.problems)
        return None, sources
    raw = read_pack(root, catalog, reader)
    if raw is None or "extends" not in raw.fields:
        return raw, sources
    extends = raw.fields["extends"]
    chain = (*chain, file)
    try:
        parent_file = resolve(extends.value, file)
    except ParentNotFound as exc:
        reader.error(extends.node, f"extends: {exc}")
        return None, sources
    if parent_file.key in {f.key for f in chain}:
        names = " -> ".join([f.name for f in chain] + [parent_file.name])
        reader.error(extends.node, f"extends cycle: {names}")
        return None, sources
    if len(chain) >= MAX_EXTENDS_DEPTH:
        reader.error(extends.node, f"extends chain deeper than {MAX_EXTENDS_DEPTH} packs")
        return None, sources
    parent, parent_sources = _load_raw(parent_file, resolve, catalog, reader, chain)
    if parent is None:
        return None, sources + parent_sources
    return pack_extends.merge(parent, raw, reader), sources + parent_sources


def _build(raw: RawPack, sources: list[PackSource]) -> Pack:
    f = {key: field.value for key, field in raw.fields.items()}
    tier_names = dict(DEFAULT_TIER_NAMES) | f.get("tiers", {})
    signoff = dict(DEFAULT_SIGNOFF) | f.get("signoff", {})
    sections = tuple(
        Section(
            id=s.id.value,
            title=s.title.value if s.title else s.id.value,
            description=s.description.value if s.description else "",
            items=tuple(_item(item, s.id.value) for item in s.items),
        )
        for s in raw.sections
    )
    return Pack(
        id=f["id"],
        version=f["version"],
        title=f["title"],
        description=f["description"],
        scorer=f["scorer"],
        sections=sections,
        tier_names=MappingProxyType(tier_names),
        signoff=MappingProxyType(signoff),
        levels=tuple(f.get("levels", DEFAULT_LEVELS)),
        extends=f.get("extends"),
        sources=tuple(sources),
    )


def _item(raw: RawItem, section: str) -> Item:
    f = {key: field.value for key, field in raw.fields.items()}
    return Item(
        id=f["id"],
        title=f["title"],
        why=f["why"],
        how=f["how"],
        required=f.get("required", frozenset()),
        recommended=f.get("recommended", frozenset()),
        weight=f.get("weight", 1.0),
        evidence=f.get("evidence", EvidenceMode.MANUAL),
        probes=f.get("probes", ()),
        tags=tuple(f.get("tags", ())),
        level=f.get("level"),
        section=section,
    )
