"""What verifying a record found: per signature, per binding, and the record's status.

Pure data and rules; reading git objects and checking signatures happen in the workflow.
Every failure is kept as one line, so an auditor sees all reasons, not the first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from prr.domain.record import Record, RecordHead


class RecordStatus(StrEnum):
    """The worst that holds, in this order: invalid, expired, stale, valid."""

    VALID = "valid"  # intact, trusted, bound, approved by enough signers, and covers the code at the ref
    STALE = "stale"  # valid when made, but the code changed since
    EXPIRED = "expired"  # valid when made, but past its expiry time
    INVALID = "invalid"  # tampered, untrusted, unbound or short of signers


@dataclass(frozen=True)
class SignatureResult:
    principal: str  # from the file name signatures/<principal>.sig
    path: str  # repository-relative path of the signature file
    fingerprint: str  # the signing key's SHA256 fingerprint, "" when the file is unreadable
    valid: bool  # the signature checks out AND the signer is allowed
    reason: str  # why not, "" when valid
    command: str  # the `ssh-keygen -Y verify` command that re-checks it without prr


@dataclass(frozen=True)
class Verification:
    path: str  # repository-relative path of record.toml
    head: RecordHead | None  # None when the file could not be read as a record
    signatures: tuple[SignatureResult, ...] = ()
    failures: tuple[str, ...] = ()  # each reason the record is invalid
    expired: bool = False
    changed: tuple[str, ...] = ()  # paths changed since the reviewed commit, at the ref verified
    notes: tuple[str, ...] = field(default=())  # facts worth showing that are not failures
    read: Callable[[], Record] | None = field(default=None, repr=False, compare=False)  # the whole record

    @cached_property
    def record(self) -> Record | None:
        """The whole record, with its items and waivers; read when first asked for, as a
        record verified in another process is not passed back whole (see RecordHead)."""
        return self.read() if self.head is not None and self.read is not None else None

    @property
    def status(self) -> RecordStatus:
        if self.failures:
            return RecordStatus.INVALID
        if self.expired:
            return RecordStatus.EXPIRED
        if self.changed:
            return RecordStatus.STALE
        return RecordStatus.VALID


def distinct_signers(signed: list[tuple[str, str]]) -> int:
    """How many independent people signed, from (principal, key fingerprint) pairs: one
    key under two principals counts once, and so does one principal with two keys."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for principal, fingerprint in signed:
        parent[root("p:" + principal)] = root("k:" + fingerprint)
    return len({root("p:" + principal) for principal, _ in signed})


def signoff_problem(required: int, signed: list[tuple[str, str]], tier: int) -> str | None:
    """Why the valid signatures are not enough for the tier, or None when they are."""
    count = distinct_signers(signed)
    if count >= required:
        return None
    if not signed:
        return f"not signed: tier {tier} needs {required} distinct signer{'s' if required > 1 else ''}"
    return f"signed by {count} distinct signer{'s' if count != 1 else ''}; tier {tier} needs {required}"
