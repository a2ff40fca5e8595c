"""Find, load and lint checklist packs: built-in ones by name, users' ones by path."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from prr.adapters import builtin
from prr.adapters.files import read_capped
from prr.domain.checklist import Pack
from prr.domain.errors import InputError
from prr.format.pack_loader import PackFile, ParentNotFound, load_pack
from prr.format.service_config import CONFIG_PATH
from prr.format.strict_yaml import MAX_BYTES
from prr.probes.registry import PROBES


@dataclass(frozen=True)
class PackSummary:
    name: str
    title: str
    version: str
    items: int
    sections: int
    scorer: str


def open_pack(ref: str) -> Pack:
    """A built-in pack by name (`launch`), or a pack file by path."""
    return load_pack(_pack_file(ref), _resolve_parent, PROBES, builtin.scorer_names())


def open_configured_pack(top: Path, folder: str, named: str) -> Pack:
    """The pack a service's `.prr/config.toml` names: a built-in pack, or a pack file in the
    repository, its path taken from the service folder FOLDER, else from the top TOP — never
    from wherever prr was started, nor outside the repository (a path the repository names
    is the repository's)."""
    if not _looks_like_path(named) and named in builtin.pack_names():
        return open_pack(named)
    for base in dict.fromkeys((folder, "")):
        inside = posixpath.normpath(posixpath.join(base, named))
        if posixpath.isabs(named) or inside == ".." or inside.startswith("../"):
            continue
        path = top / inside
        if path.is_file() and Path(os.path.realpath(path)).is_relative_to(os.path.realpath(top)):
            return load_pack(_read(path, inside), _resolve_parent, PROBES, builtin.scorer_names())
    where = f"{folder}/" if folder else "the repository top"
    raise InputError(
        f"{posixpath.join(folder, CONFIG_PATH)}: checklist = {named!r} names no pack file inside the "
        f"repository (paths are taken from {where}, then the repository top); commit the pack there, or name a "
        "built-in pack"
    )


def list_builtin() -> list[PackSummary]:
    summaries = []
    for name in builtin.pack_names():
        pack = open_pack(name)
        summaries.append(PackSummary(name, pack.title, pack.version, len(pack.items), len(pack.sections), pack.scorer))
    return summaries


def lint(refs: list[str]) -> list[str]:
    """One line per problem in every named pack; an empty list means all are clean."""
    lines: list[str] = []
    for ref in refs:
        try:
            open_pack(ref)
        except InputError as exc:
            lines.extend(exc.lines())
    return lines


def _looks_like_path(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml"))


def _pack_file(ref: str) -> PackFile:
    if _looks_like_path(ref) or Path(ref).is_file():
        return _read(Path(ref), ref)
    if ref in builtin.pack_names():
        return _read(builtin.checklists_dir() / f"{ref}.yaml", f"{builtin.PREFIX}{ref}")
    known = ", ".join(builtin.pack_names())
    raise InputError(f"{ref}: no built-in pack and no file by that name (built-in packs: {known})")


def _read(path: Path, shown: str) -> PackFile:
    data = read_capped(path, MAX_BYTES, shown)
    return PackFile(name=shown, key=str(path.resolve()), data=data)


def _resolve_parent(ref: str, child: PackFile) -> PackFile:
    """`extends: launch` names a built-in pack; anything path-like is relative to the child."""
    if not _looks_like_path(ref):
        if ref not in builtin.pack_names():
            raise ParentNotFound(f"no built-in pack {ref!r} (built-in packs: {', '.join(builtin.pack_names())})")
        return _read(builtin.checklists_dir() / f"{ref}.yaml", f"{builtin.PREFIX}{ref}")
    path = Path(child.key).parent / ref
    if not path.is_file():
        raise ParentNotFound(f"no pack file {ref!r} next to {child.name}")
    shown = str(Path(child.name).parent / ref) if not child.name.startswith(builtin.PREFIX) else ref
    try:
        return _read(path, shown)
    except InputError as exc:
        raise ParentNotFound(str(exc)) from None
