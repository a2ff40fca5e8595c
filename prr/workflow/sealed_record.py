"""A record is immutable once signed or committed.

Before prr adds a signature or commits a record folder, the record's bytes in the working
tree must still be those every signature beside it covers and, once committed, those at
HEAD: signing or committing an edited record would seal bytes its earlier signers never
saw. The check is cryptographic only; who may sign is `prr verify`'s question."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from prr.adapters.git_objects import GitObjects
from prr.adapters.signing import ssh_keygen
from prr.adapters.signing.sshsig import (
    NAMESPACE,
    Check,
    Signature,
    SignatureError,
    parse_signature,
    verify_signature,
)
from prr.adapters.worktree import read_no_follow
from prr.domain.errors import InputError
from prr.workflow.record_location import RecordLocation
from prr.workflow.verifying import MAX_RECORD_BYTES, MAX_SIGNATURE_BYTES


def require_unchanged(where: RecordLocation, data: bytes) -> None:
    """InputError unless DATA, the record's bytes in the working tree, are still what was
    sealed: every signature beside it is a valid SSHSIG over them in prr's namespace (the
    cryptography alone; who may sign is for `prr verify`), and a record committed at HEAD
    is byte for byte the committed one. Signing or committing an edited record would seal
    bytes its earlier signers never saw."""
    committed = _committed_bytes(where)
    shown = where.top / where.record_path
    for path in signature_files(where.top, where.folder):
        principal = Path(path).stem
        problem = _mismatch(_usable_signature(where.top, path, principal), data)
        if problem is not None:
            raise InputError(
                f"{shown}: changed since {principal} signed it ({path}: {problem}); a signed record never changes: "
                f"{_what_to_do(where, committed)}"
            )
    if committed is not None and committed != data:
        raise InputError(
            f"{shown}: differs from the record committed at HEAD; a committed record never changes: "
            f"{_what_to_do(where, committed)}"
        )


def _usable_signature(top: Path, path: str, principal: str) -> Signature:
    """The signature file at PATH, parsed; InputError when it is no prr signature at all."""
    armored = read_no_follow(top, path, MAX_SIGNATURE_BYTES)
    try:
        if armored is None:
            raise SignatureError(f"not a regular file of at most {MAX_SIGNATURE_BYTES:,} bytes")
        signature = parse_signature(armored)
        if signature.namespace != NAMESPACE:
            raise SignatureError(f"made for namespace {signature.namespace!r}, not {NAMESPACE!r}")
    except SignatureError as exc:
        raise InputError(
            f"{top / path}: not a usable signature by {principal} ({exc}); remove it (or restore it from git), "
            "then try again"
        ) from None
    return signature


def _mismatch(signature: Signature, data: bytes) -> str | None:
    """Why SIGNATURE does not sign DATA; None when it does."""
    checked = verify_signature(signature, data, NAMESPACE)
    if checked.check is Check.DELEGATE:  # a certificate or security key: ssh-keygen checks the signature
        ok, said = ssh_keygen.check_novalidate(data, signature.armored, NAMESPACE)
        return None if ok else f"ssh-keygen refused it: {said}"
    return None if checked.check is Check.VALID else checked.reason


def _committed_bytes(where: RecordLocation) -> bytes | None:
    """The record as committed at HEAD; None when HEAD has none (or there is no HEAD yet)."""
    with GitObjects.open(where.top) as objects:
        try:
            head = objects.resolve("HEAD")
        except InputError:  # an unborn branch: nothing committed
            return None
        found = objects.lookup(head, where.record_path)
        return None if found is None else objects.blob(found[1], where.record_path, MAX_RECORD_BYTES)


def _what_to_do(where: RecordLocation, committed: bytes | None) -> str:
    if committed is None:
        return "undo the edit, or start a new review (prr review)"
    restore = ["git", "-C", str(where.top), "checkout", "HEAD", "--", where.record_path]
    return f"restore it with {' '.join(map(shlex.quote, restore))}, or start a new review (prr review)"


def signature_files(top: Path, folder: str) -> list[str]:
    """The record's signature files, as they are in the working tree (links left out)."""
    base = top / folder / "signatures"
    if not base.is_dir() or base.is_symlink():
        return []
    return sorted(
        f"{folder}/signatures/{entry.name}"
        for entry in os.scandir(base)
        if entry.name.endswith(".sig") and entry.is_file(follow_symlinks=False)
    )
