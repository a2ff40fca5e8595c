"""One signature file against one record: cryptography first, then who signed.

A signature counts only if it is a well-formed SSHSIG over the record's exact bytes in
prr's namespace, by a key the allowed_signers file lets that principal use at the record's
time, not revoked, and (when the record declares signers) by a declared signer. Plain keys
are checked in-process; certificates and security keys by ssh-keygen — never a pass by
default."""

from __future__ import annotations

import datetime as dt

from prr.adapters.signing import ssh_keygen
from prr.adapters.signing.allowed_signers import authorize
from prr.adapters.signing.sshsig import NAMESPACE, Check, SignatureError, parse_signature, verify_signature
from prr.domain.errors import PrrError
from prr.domain.verification import SignatureResult
from prr.workflow.trust import Trust


def check_signature(
    message: bytes,
    armored: bytes,
    principal: str,
    path: str,
    record_path: str,
    trust: Trust,
    at: dt.datetime,
    declared: tuple[str, ...],
) -> SignatureResult:
    """The verdict on signatures/<principal>.sig; `at` is the record's creation time."""
    revoked = trust.revoked.source if trust.revoked else None
    shown_revoked = str(revoked.resolve()) if revoked else None  # absolute: the command runs from the top
    command = ssh_keygen.verify_command(record_path, path, principal, trust.command_path, NAMESPACE, shown_revoked, at)

    def result(fingerprint: str, reason: str) -> SignatureResult:
        return SignatureResult(principal, path, fingerprint, not reason, reason, command)

    try:
        signature = parse_signature(armored)
    except SignatureError as exc:
        return result("", f"not a usable SSH signature: {exc}")
    fingerprint = signature.public_key.fingerprint
    if declared and principal not in declared:
        return result(fingerprint, f"{principal} is not a declared signer of this record ({', '.join(declared)})")
    checked = verify_signature(signature, message, NAMESPACE)
    if checked.check is Check.INVALID:
        return result(fingerprint, checked.reason)
    if checked.check is Check.DELEGATE:
        try:
            ok, said = ssh_keygen.verify(message, armored, principal, trust.path, NAMESPACE, revoked, at)
        except PrrError as exc:
            return result(fingerprint, f"{checked.reason}, and it could not run: {exc}")
        return result(fingerprint, "" if ok else f"ssh-keygen refused it: {said}")
    allowed = authorize(trust.signers, principal, signature.public_key, NAMESPACE, at)
    if not allowed.allowed:
        return result(fingerprint, allowed.reason)
    if trust.revoked is not None and trust.revoked.revoked(signature.public_key):
        return result(fingerprint, f"key {fingerprint} is revoked ({trust.revoked.source})")
    return result(fingerprint, "")
