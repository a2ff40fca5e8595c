"""The id of the reviewed source tree: the commit's tree without the service's `.prr/`
folder, so committing a review record (or its signatures) does not change what the
record says it reviewed.

Computed from git's tree objects (listed with `ls-tree`, hashed here in git's own tree
format); nothing is written to the repository's object database."""

from __future__ import annotations

import hashlib
from typing import Protocol

from prr.adapters.git_snapshot import GitSnapshot

PRR_FOLDER = ".prr"


class Trees(Protocol):
    """What the computation reads: a tree's entries, and an object id by name."""

    def tree_entries(self, tree: str) -> list[tuple[str, str, str]]: ...

    def rev_parse(self, spec: str) -> str: ...


def source_tree_id(snapshot: GitSnapshot) -> str:
    """The tree id of `snapshot.commit` with `<service folder>/.prr` left out."""
    return source_tree_of(snapshot, snapshot.commit, snapshot.prefix)


def source_tree_of(trees: Trees, commit: str, prefix: str) -> str:
    """The tree id of COMMIT with `<prefix>/.prr` left out."""
    object_format = "sha256" if len(commit) == 64 else "sha1"
    parts = [*prefix.split("/"), PRR_FOLDER] if prefix else [PRR_FOLDER]
    chain = [trees.tree_entries(f"{commit}^{{tree}}")]
    for part in parts[:-1]:
        sub = next((e for e in chain[-1] if e[1] == part and e[0] == "40000"), None)
        if sub is None:
            return trees.rev_parse(f"{commit}^{{tree}}")  # no such folder: nothing to leave out
        chain.append(trees.tree_entries(sub[2]))
    if not any(name == parts[-1] for _, name, _ in chain[-1]):
        return trees.rev_parse(f"{commit}^{{tree}}")
    oid = _hash_tree([e for e in chain[-1] if e[1] != parts[-1]], object_format)
    for level in range(len(chain) - 2, -1, -1):
        name = parts[level]
        oid = _hash_tree([(m, n, oid if n == name else o) for m, n, o in chain[level]], object_format)
    return oid


def _hash_tree(entries: list[tuple[str, str, str]], object_format: str) -> str:
    """Git's tree object for (mode, name, oid) entries; subtrees sort as if named "name/"."""
    ordered = sorted(
        entries, key=lambda e: e[1].encode("utf-8", "surrogateescape") + (b"/" if e[0] == "40000" else b"")
    )
    body = b"".join(
        f"{mode} ".encode() + name.encode("utf-8", "surrogateescape") + b"\0" + bytes.fromhex(oid)
        for mode, name, oid in ordered
    )
    digest = hashlib.sha256 if object_format == "sha256" else hashlib.sha1
    return digest(b"tree %d\0" % len(body) + body).hexdigest()
