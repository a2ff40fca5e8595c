"""`prr sign RECORD`: add the caller's SSH signature to a review record.

The record's bytes are never touched: a signature is a new file,
`signatures/<principal>.sig`, over the exact bytes on disk, made by `ssh-keygen -Y sign`
so ssh-agent, hardware keys, certificates and git's own signing key all work. A
signature, once there, is never replaced, and never added to a record that changed since
an earlier signature or since it was committed (`sealed_record.require_unchanged`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prr.adapters.atomic import write_atomic
from prr.adapters.git_commit import Committed
from prr.adapters.git_objects import GitObjects
from prr.adapters.signing import ssh_keygen
from prr.adapters.signing.sshsig import NAMESPACE, Check, parse_signature, verify_signature
from prr.adapters.worktree import read_no_follow
from prr.domain.errors import InputError, ToolError
from prr.domain.record import PRINCIPAL, Record
from prr.format.record_toml import loads
from prr.workflow.committing import commit_record
from prr.workflow.prr_folder import ensure_attributes
from prr.workflow.record_location import SIGNATURES, RecordLocation, locate
from prr.workflow.sealed_record import require_unchanged
from prr.workflow.verifying import MAX_RECORD_BYTES


@dataclass(frozen=True)
class Signed:
    path: Path  # the signature file written
    principal: str
    fingerprint: str
    record: Record
    committed: Committed | None = None


def sign(
    record: Path,
    key: str | None = None,
    principal: str | None = None,
    commit: bool = False,
    notify: Callable[[str], None] | None = None,
) -> Signed:
    """Sign RECORD; NOTIFY is told what the signer must do that ssh-keygen does not
    show (touch a security key)."""
    where = locate(record)
    data = read_no_follow(where.top, where.record_path, MAX_RECORD_BYTES)
    if data is None:
        raise InputError(f"{where.top / where.record_path}: not a regular file (or over {MAX_RECORD_BYTES:,} bytes)")
    require_unchanged(where, data)
    parsed = loads(data, where.record_path)
    with GitObjects.open(where.top) as objects:
        key = key or _git_signing_key(objects)
        principal = objects.config("user.email") if principal is None else principal  # "" is refused below
    principal = _principal(principal, parsed)
    target = _signature_file(where, principal)
    armored = ssh_keygen.sign(data, key, notify=notify)
    signature = parse_signature(armored)
    check = verify_signature(signature, data, NAMESPACE)
    if check.check is Check.INVALID:
        raise ToolError(f"ssh-keygen made a signature that does not verify: {check.reason}")
    ensure_attributes(where.top / where.service)
    write_atomic(target, armored)
    committed = commit_record(record) if commit else None
    return Signed(target, principal, signature.public_key.fingerprint, parsed, committed)


def _git_signing_key(objects: GitObjects) -> str:
    """git's own SSH signing key (gpg.format=ssh, user.signingkey), as `git commit -S` uses it."""
    key = objects.config("user.signingkey")
    if key is None or (objects.config("gpg.format") or "openpgp") != "ssh":
        raise InputError(
            "no signing key: pass --key KEY (a private key, or a .pub whose key is in ssh-agent), "
            "or set git config gpg.format ssh and user.signingkey"
        )
    return key if key.startswith("key::") else str(Path(key).expanduser())


def _principal(principal: str | None, record: Record) -> str:
    if not principal:
        raise InputError("who is signing? pass --principal NAME (as in allowed_signers), or set git config user.email")
    if not PRINCIPAL.fullmatch(principal):
        raise InputError(f"principal {principal!r} must be one word of letters, digits and . _ + @ -")
    declared = [s.principal for s in record.signers]
    if declared and principal not in declared:
        raise InputError(
            f"{principal} is not a declared signer of record {record.id} (declared: {', '.join(declared)})"
        )
    return principal


def _signature_file(where: RecordLocation, principal: str) -> Path:
    folder = where.top / where.folder / SIGNATURES
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise InputError(f"{folder}: is not a plain folder; prr never writes through links")
    target = where.top / where.signature_path(principal)
    if target.exists() or target.is_symlink():
        raise InputError(f"{target}: {principal} has already signed this record; a signature is never replaced")
    return target
