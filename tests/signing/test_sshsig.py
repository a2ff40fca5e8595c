"""SSHSIG verified in-process: agrees with ssh-keygen both ways, strict where ssh-keygen is lax."""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prr.adapters.signing import ssh_keygen
from prr.adapters.signing.allowed_signers import authorize, read_allowed_signers
from prr.adapters.signing.sshsig import NAMESPACE, Check, SignatureError, parse_signature, verify_signature

from .sshkeys import (
    KINDS,
    SIGNATURE_ALGORITHMS,
    Key,
    KeyRing,
    armor,
    certify,
    make_key,
    python_sign,
    sign,
    ssh_verify,
    sshsig_blob,
    string,
    unarmor,
    write_allowed,
)

MESSAGE = b'[record]\nid = "20261128-checkout-3f78685"\nverdict = "ready"\n'
PRINCIPAL = "alice@example.com"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyRing:
    return KeyRing(tmp_path_factory.mktemp("keys"))


@dataclass(frozen=True)
class Signed:
    kind: str
    key: Key
    armored: bytes
    allowed: Path  # lists `key` for PRINCIPAL


@pytest.fixture(scope="module")
def signed(keys: KeyRing, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Signed]:
    folder = tmp_path_factory.mktemp("signed")
    made = {}
    for kind in KINDS:
        key = keys(kind)
        allowed = write_allowed(folder / f"allowed-{kind}", key.line(PRINCIPAL))
        made[kind] = Signed(kind, key, sign(key, MESSAGE, NAMESPACE), allowed)
    return made


def prr_accepts(armored: bytes, message: bytes, allowed: Path, namespace: str = NAMESPACE) -> bool:
    """What `prr verify` decides for one signature: well-formed, valid, and by an allowed signer."""
    try:
        sig = parse_signature(armored)
    except SignatureError:
        return False
    if verify_signature(sig, message, namespace).check is not Check.VALID:
        return False
    signers = read_allowed_signers(allowed)
    return authorize(signers, PRINCIPAL, sig.public_key, namespace, dt.datetime.now(dt.UTC)).allowed


def keygen_accepts(armored: bytes, message: bytes, allowed: Path, namespace: str = NAMESPACE) -> bool:
    return ssh_verify(message, armored, allowed, PRINCIPAL, namespace)


# Interop: ssh-keygen's signatures verify here, and these verify in ssh-keygen ---------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_signature_made_by_ssh_keygen_verifies_in_process(signed: dict[str, Signed], kind: str) -> None:
    sig = parse_signature(signed[kind].armored)
    assert sig.public_key == signed[kind].key.key
    assert sig.namespace == NAMESPACE
    assert sig.hash_algorithm == "sha512"
    assert sig.signature_algorithm == SIGNATURE_ALGORITHMS[kind]
    assert sig.armored == signed[kind].armored
    assert verify_signature(sig, MESSAGE).check is Check.VALID
    assert keygen_accepts(signed[kind].armored, MESSAGE, signed[kind].allowed)


@pytest.mark.parametrize("kind", KINDS)
def test_a_sha256_message_hash_verifies_in_process(keys: KeyRing, kind: str) -> None:
    sig = parse_signature(sign(keys(kind), MESSAGE, NAMESPACE, "-O", "hashalg=sha256"))
    assert sig.hash_algorithm == "sha256"
    assert verify_signature(sig, MESSAGE).check is Check.VALID
    assert verify_signature(sig, MESSAGE + b" ").check is Check.INVALID


@pytest.mark.parametrize(
    ("kind", "hash_algorithm", "rsa_algorithm"),
    [(kind, hash_algorithm, "rsa-sha2-512") for kind in KINDS for hash_algorithm in ("sha256", "sha512")]
    + [("rsa", "sha512", "rsa-sha2-256"), ("rsa", "sha256", "rsa-sha2-256")],
)
def test_a_signature_made_in_process_verifies_in_ssh_keygen(
    signed: dict[str, Signed], kind: str, hash_algorithm: str, rsa_algorithm: str
) -> None:
    armored = python_sign(signed[kind].key, MESSAGE, NAMESPACE, hash_algorithm, rsa_algorithm)
    assert keygen_accepts(armored, MESSAGE, signed[kind].allowed)
    assert prr_accepts(armored, MESSAGE, signed[kind].allowed)
    assert parse_signature(armored).signature_algorithm == (
        rsa_algorithm if kind == "rsa" else SIGNATURE_ALGORITHMS[kind]
    )


# Tampering: prr and ssh-keygen both refuse --------------------------------------------------

Tamper = Callable[[Signed, KeyRing], tuple[bytes, bytes, str]]  # -> signature, message, namespace


def _flip_message(position: int) -> Tamper:
    def tamper(signed: Signed, keys: KeyRing) -> tuple[bytes, bytes, str]:
        message = bytearray(MESSAGE)
        message[position] ^= 0x01
        return signed.armored, bytes(message), NAMESPACE

    return tamper


def _flip_blob_byte(fraction: float) -> Tamper:
    """XOR 0x80 into one byte of the decoded signature, past the magic and version."""

    def tamper(signed: Signed, keys: KeyRing) -> tuple[bytes, bytes, str]:
        blob = bytearray(unarmor(signed.armored))
        blob[10 + int((len(blob) - 11) * fraction)] ^= 0x80
        return armor(bytes(blob)), MESSAGE, NAMESPACE

    return tamper


def _replace_base64_char(line: int, column: int) -> Tamper:
    def tamper(signed: Signed, keys: KeyRing) -> tuple[bytes, bytes, str]:
        lines = signed.armored.decode().split("\n")
        row = lines[line]
        char = "B" if row[column] != "B" else "C"
        lines[line] = row[:column] + char + row[column + 1 :]
        return "\n".join(lines).encode(), MESSAGE, NAMESPACE

    return tamper


def _rebuilt(
    armored: bytes,
    *,
    public_blob: bytes | None = None,
    hash_algorithm: str | None = None,
    inner: bytes | None = None,
    tail: bytes = b"",
) -> bytes:
    """The signature re-encoded with some of its fields replaced."""
    sig = parse_signature(armored)
    blob = sshsig_blob(
        sig.public_key.blob if public_blob is None else public_blob,
        sig.namespace,
        hash_algorithm or sig.hash_algorithm,
        sig.signature if inner is None else inner,
    )
    return armor(blob + tail)


def _other_key_signed(signed: Signed, keys: KeyRing) -> tuple[bytes, bytes, str]:
    return sign(keys(signed.kind, "other"), MESSAGE, NAMESPACE), MESSAGE, NAMESPACE


def _other_key_claims_this_key(signed: Signed, keys: KeyRing) -> tuple[bytes, bytes, str]:
    by_other = sign(keys(signed.kind, "other"), MESSAGE, NAMESPACE)
    return _rebuilt(by_other, public_blob=signed.key.key.blob), MESSAGE, NAMESPACE


def _inner_with_trailing_byte(signed: Signed, keys: KeyRing) -> tuple[bytes, bytes, str]:
    return _rebuilt(signed.armored, inner=parse_signature(signed.armored).signature + b"\0"), MESSAGE, NAMESPACE


def _inner_algorithm_swapped(signed: Signed, keys: KeyRing) -> tuple[bytes, bytes, str]:
    inner = parse_signature(signed.armored).signature
    name_length = struct.unpack(">I", inner[:4])[0]
    wrong = b"ssh-ed25519" if signed.key.key.algorithm != "ssh-ed25519" else b"ecdsa-sha2-nistp256"
    return _rebuilt(signed.armored, inner=string(wrong) + inner[4 + name_length :]), MESSAGE, NAMESPACE


def _signed_in_another_namespace(signed: Signed, keys: KeyRing) -> tuple[bytes, bytes, str]:
    return sign(signed.key, MESSAGE, "file"), MESSAGE, NAMESPACE


TAMPERING: dict[str, Tamper] = {
    **{
        f"message byte {i} flipped": _flip_message(i) for i in (0, 1, 9, 17, 30, 44, len(MESSAGE) - 2, len(MESSAGE) - 1)
    },
    "message with CRLF line endings": lambda s, k: (s.armored, MESSAGE.replace(b"\n", b"\r\n"), NAMESPACE),
    "message with an added trailing newline": lambda s, k: (s.armored, MESSAGE + b"\n", NAMESPACE),
    "message truncated": lambda s, k: (s.armored, MESSAGE[:-1], NAMESPACE),
    "checked in another namespace": lambda s, k: (s.armored, MESSAGE, "prr-record-v2@prr"),
    "signed in another namespace": _signed_in_another_namespace,
    **{
        f"signature byte at {f:.0%} flipped": _flip_blob_byte(f)
        for f in (0.0, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0)
    },
    "base64 character changed in the armor": _replace_base64_char(-3, 5),
    "base64 character changed in the first armor line": _replace_base64_char(1, 40),
    "junk line inside the armor": lambda s, k: (
        s.armored.replace(b"-----\n", b"-----\nHello, world!\n", 1),
        MESSAGE,
        NAMESPACE,
    ),
    "CRLF line endings in the armor": lambda s, k: (s.armored.replace(b"\n", b"\r\n"), MESSAGE, NAMESPACE),
    "armor without its BEGIN line": lambda s, k: (s.armored.split(b"\n", 1)[1], MESSAGE, NAMESPACE),
    "armor without its END line": lambda s, k: (s.armored.rsplit(b"-----END", 1)[0], MESSAGE, NAMESPACE),
    "signature from another key": _other_key_signed,
    "another key's signature claiming this key": _other_key_claims_this_key,
    "trailing byte after the signature blob": lambda s, k: (_rebuilt(s.armored, tail=b"\0"), MESSAGE, NAMESPACE),
    "trailing byte inside the signature": _inner_with_trailing_byte,
    "signature algorithm of another key type": _inner_algorithm_swapped,
    "hash algorithm relabelled": lambda s, k: (_rebuilt(s.armored, hash_algorithm="sha256"), MESSAGE, NAMESPACE),
    "hash algorithm sha1": lambda s, k: (_rebuilt(s.armored, hash_algorithm="sha1"), MESSAGE, NAMESPACE),
}


@pytest.mark.parametrize("case", TAMPERING)
@pytest.mark.parametrize("kind", KINDS)
def test_prr_and_ssh_keygen_both_refuse(signed: dict[str, Signed], keys: KeyRing, kind: str, case: str) -> None:
    armored, message, namespace = TAMPERING[case](signed[kind], keys)
    assert not keygen_accepts(armored, message, signed[kind].allowed, namespace)
    assert not prr_accepts(armored, message, signed[kind].allowed, namespace)


@pytest.mark.parametrize("kind", KINDS)
def test_every_single_byte_change_to_the_message_is_invalid(signed: dict[str, Signed], kind: str) -> None:
    sig = parse_signature(signed[kind].armored)
    for position in range(len(MESSAGE)):
        for bit in (0x01, 0x80):
            message = bytearray(MESSAGE)
            message[position] ^= bit
            assert verify_signature(sig, bytes(message)).check is Check.INVALID, (position, bit)


def test_ssh_rsa_sha1_signatures_are_refused_like_ssh_keygen_does(signed: dict[str, Signed]) -> None:
    armored = python_sign(signed["rsa"].key, MESSAGE, NAMESPACE, rsa_algorithm="ssh-rsa")
    assert not keygen_accepts(armored, MESSAGE, signed["rsa"].allowed)
    with pytest.raises(SignatureError, match=r"ssh-rsa \(SHA-1\) signatures are refused"):
        parse_signature(armored)


def test_wrong_namespace_names_both_namespaces(signed: dict[str, Signed]) -> None:
    check = verify_signature(parse_signature(signed["ed25519"].armored), MESSAGE, "prr-record-v2@prr")
    assert check.check is Check.INVALID
    assert "'prr-record-v1@prr'" in check.reason and "'prr-record-v2@prr'" in check.reason


def test_a_changed_message_says_so(signed: dict[str, Signed]) -> None:
    check = verify_signature(parse_signature(signed["ed25519"].armored), MESSAGE + b"\n")
    assert check.check is Check.INVALID
    assert "does not match the message" in check.reason


# Strict where ssh-keygen 9.2 is lax: prr refuses these, ssh-keygen accepts them ----------------


def _rewrapped(armored: bytes, width: int) -> bytes:
    body = "".join(armored.decode().split("\n")[1:-2])
    lines = [body[i : i + width] for i in range(0, len(body), width)]
    return ("-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n").encode()


STRICTER: dict[str, tuple[Callable[[Signed], bytes], str]] = {
    "text after the END line": (lambda s: s.armored + b"junk\n", "data after the -----END SSH SIGNATURE----- line"),
    "a second newline after END": (lambda s: s.armored + b"\n", "data after the -----END SSH SIGNATURE----- line"),
    "a blank line in the body": (lambda s: s.armored.replace(b"-----\n", b"-----\n\n", 1), "line 2 is empty"),
    "an indented body line": (lambda s: s.armored.replace(b"-----\n", b"-----\n  ", 1), "line 2: ' ' is not a base64"),
    "the body wrapped at 64": (lambda s: _rewrapped(s.armored, 64), "line 2 is 64 characters"),
    "the body on one line": (lambda s: _rewrapped(s.armored, 10_000), "ssh-keygen wraps the body at 70"),
    "signature version 0": (
        lambda s: armor(unarmor(s.armored)[:6] + b"\0\0\0\0" + unarmor(s.armored)[10:]),
        "signature version 0 is not supported",
    ),
    "a non-empty reserved field": (
        lambda s: armor(
            sshsig_blob(
                parse_signature(s.armored).public_key.blob,
                NAMESPACE,
                "sha512",
                parse_signature(s.armored).signature,
                reserved=b"x",
            )
        ),
        "reserved field is not empty",
    ),
}


@pytest.mark.parametrize("case", STRICTER)
def test_prr_is_stricter_than_ssh_keygen_about(signed: dict[str, Signed], case: str) -> None:
    make, reason = STRICTER[case]
    with pytest.raises(SignatureError, match=reason):
        parse_signature(make(signed["ed25519"]))


def test_the_one_final_newline_is_optional(signed: dict[str, Signed]) -> None:
    without = signed["ed25519"].armored.removesuffix(b"\n")
    assert verify_signature(parse_signature(without), MESSAGE).check is Check.VALID


@pytest.mark.parametrize(
    ("armored", "reason"),
    [
        (b"\xff", "not ASCII"),
        (b"", "first line must be -----BEGIN SSH SIGNATURE-----"),
        (b"-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n", "line 2 is empty"),
        (armor(b"SSHSIH\0\0\0\1"), "no SSHSIG magic"),
        (armor(b"SSHSIG\0\0\0\2"), "signature version 2 is not supported"),
        (armor(b"SSHSIG\0\0\0\1"), "signature is truncated"),
        (b"-----BEGIN SSH SIGNATURE-----\nU1NI=U0lH\n-----END SSH SIGNATURE-----\n", "body is not valid base64"),
        (b"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH=\n-----END SSH SIGNATURE-----\n", "body is not canonical base64"),
    ],
)
def test_malformed_signatures_give_one_line_reasons(armored: bytes, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason) as caught:
        parse_signature(armored)
    assert "\n" not in str(caught.value)


def test_an_ed25519_signature_of_the_wrong_length_is_malformed(signed: dict[str, Signed]) -> None:
    inner = string(b"ssh-ed25519") + string(bytes(63))
    with pytest.raises(SignatureError, match="Ed25519 signature is 64 bytes"):
        parse_signature(_rebuilt(signed["ed25519"].armored, inner=inner))


def test_an_unsupported_hash_algorithm_is_malformed(signed: dict[str, Signed]) -> None:
    with pytest.raises(SignatureError, match="hash algorithm 'md5' is not sha256 or sha512"):
        parse_signature(_rebuilt(signed["ed25519"].armored, hash_algorithm="md5"))


def test_a_non_canonical_ecdsa_number_is_malformed(signed: dict[str, Signed]) -> None:
    sig = parse_signature(signed["ecdsa-p256"].armored)
    value = sig.signature[4 + len(b"ecdsa-sha2-nistp256") + 4 :]
    r_length = struct.unpack(">I", value[:4])[0]
    r = value[4 : 4 + r_length].lstrip(b"\0")
    padded = string(b"\0\0" + r) + value[4 + r_length :]
    inner = string(b"ecdsa-sha2-nistp256") + string(padded)
    with pytest.raises(SignatureError, match="r has a superfluous leading zero"):
        parse_signature(_rebuilt(signed["ecdsa-p256"].armored, inner=inner))


# Delegated: certificates and security keys are for ssh-keygen to judge ----------------------


def test_a_certificate_signature_is_delegated_and_ssh_keygen_accepts_it(keys: KeyRing, tmp_path: Path) -> None:
    ca = keys("ed25519", "ca")
    cert = certify(ca, make_key(tmp_path, "alice"), f"{PRINCIPAL},alice")
    armored = sign(cert.public, MESSAGE, NAMESPACE)
    sig = parse_signature(armored)
    assert sig.public_key.is_certificate
    check = verify_signature(sig, MESSAGE)
    assert check.check is Check.DELEGATE
    assert "certificate" in check.reason
    allowed = write_allowed(tmp_path / "allowed", ca.line("*@example.com", "cert-authority"))
    ok, said = ssh_keygen.verify(MESSAGE, armored, PRINCIPAL, allowed)
    assert ok, said
    assert not ssh_keygen.verify(MESSAGE + b"\n", armored, PRINCIPAL, allowed)[0]
    assert verify_signature(sig, MESSAGE, "file").check is Check.INVALID  # the namespace is still checked here


def test_a_security_key_signature_is_delegated() -> None:
    public_blob = string(b"sk-ssh-ed25519@openssh.com") + string(bytes(32)) + string(b"ssh:")
    inner = string(b"sk-ssh-ed25519@openssh.com") + string(bytes(64)) + b"\x01" + struct.pack(">I", 7)
    sig = parse_signature(armor(sshsig_blob(public_blob, NAMESPACE, "sha512", inner)))
    assert sig.public_key.is_security_key
    check = verify_signature(sig, MESSAGE)
    assert check.check is Check.DELEGATE
    assert "security key" in check.reason


# Robustness and speed --------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_damage_gives_signature_error_or_a_check_never_another_exception(
    signed: dict[str, Signed], data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from(sorted(KINDS)))
    text = bytearray(signed[kind].armored if data.draw(st.booleans()) else unarmor(signed[kind].armored))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(text) - 1))
        action = data.draw(st.sampled_from(["replace", "insert", "delete"]))
        byte = data.draw(st.integers(0, 255))
        if action == "replace":
            text[position] = byte
        elif action == "insert":
            text.insert(position, byte)
        else:
            del text[position]
    armored = bytes(text) if text.startswith(b"-----") else armor(bytes(text))
    try:
        sig = parse_signature(armored)
    except SignatureError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert verify_signature(sig, MESSAGE).check in (Check.VALID, Check.INVALID, Check.DELEGATE)


def test_many_records_by_mixed_key_types_each_verify_against_their_own_bytes(keys: KeyRing) -> None:
    reviewers = [keys("ed25519"), keys("ecdsa-p256"), keys("rsa"), keys("ed25519", "bob")]
    records = [MESSAGE + f"# {i}\n".encode() for i in range(200)]
    signatures = [python_sign(reviewers[i % len(reviewers)], record, NAMESPACE) for i, record in enumerate(records)]
    checks = [verify_signature(parse_signature(sig), record) for sig, record in zip(signatures, records, strict=True)]
    assert all(check.check is Check.VALID for check in checks)
    swapped = [verify_signature(parse_signature(sig), records[0]) for sig in signatures[1:20]]
    assert all(check.check is Check.INVALID for check in swapped)
