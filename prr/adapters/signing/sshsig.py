"""SSH signatures (SSHSIG, as `ssh-keygen -Y sign` writes them), verified in-process.

Running ssh-keygen once per signature is far too slow for a repository full of records, so
plain-key signatures are checked here with `cryptography`. Parsing is strict: the armor
exactly as ssh-keygen writes it, no trailing bytes anywhere, the signature algorithm bound
to the key type. Certificates and security keys are not judged here (DELEGATE): ssh-keygen
checks them. Format: https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.sshsig"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from prr.adapters.signing.ssh_pubkey import PublicKey, WireReader, key_from_blob, ssh_string, strict_b64decode

NAMESPACE = "prr-record-v1@prr"  # fixed and versioned: every prr signature uses it

BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
WIDTH = 70  # ssh-keygen wraps the base64 body at 70 characters
_MAGIC = b"SSHSIG"
_VERSION = 1
_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_BASE64_LINE = re.compile("[A-Za-z0-9+/=]*")  # one search per line, not a set lookup per character
_RSA_SIGNATURES = {"rsa-sha2-256": hashes.SHA256, "rsa-sha2-512": hashes.SHA512}
_CURVES: dict[str, tuple[type[ec.EllipticCurve], type[hashes.HashAlgorithm]]] = {
    "ecdsa-sha2-nistp256": (ec.SECP256R1, hashes.SHA256),
    "ecdsa-sha2-nistp384": (ec.SECP384R1, hashes.SHA384),
    "ecdsa-sha2-nistp521": (ec.SECP521R1, hashes.SHA512),
}


class SignatureError(ValueError):
    """A signature that is not a well-formed SSHSIG; the message is one line saying why."""


@dataclass(frozen=True)
class Signature:
    """One parsed SSHSIG; well-formed, not yet verified."""

    public_key: PublicKey
    namespace: str
    hash_algorithm: str  # "sha256" | "sha512"
    signature_algorithm: str  # e.g. "ssh-ed25519", "rsa-sha2-512"
    signature: bytes  # the inner signature blob: string(algorithm) || algorithm-specific data
    armored: bytes  # the exact file bytes


class Check(StrEnum):
    """The in-process verdict on one signature."""

    VALID = "valid"
    INVALID = "invalid"
    DELEGATE = "delegate"  # ssh-keygen must decide (certificate or security key)


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict and, unless VALID, why."""

    check: Check
    reason: str  # "" when valid


def parse_signature(armored: bytes) -> Signature:
    """The signature in an armored file; SignatureError says what is wrong."""
    blob = _dearmor(armored)
    try:
        reader = WireReader(blob, "signature")
        if reader.raw(len(_MAGIC)) != _MAGIC:
            raise SignatureError("not an SSH signature (no SSHSIG magic)")
        version = reader.uint32()
        if version != _VERSION:
            raise SignatureError(f"signature version {version} is not supported (only {_VERSION})")
        key = key_from_blob(reader.string())
        namespace = reader.text("namespace")
        if reader.string():
            raise SignatureError("the signature's reserved field is not empty")
        hash_algorithm = reader.text("hash algorithm")
        if hash_algorithm not in _HASHES:
            raise SignatureError(f"hash algorithm {hash_algorithm!r} is not sha256 or sha512")
        inner = reader.string()
        reader.done()
        algorithm, _ = _signature_value(key, inner)
    except ValueError as exc:
        raise SignatureError(str(exc)) from None
    return Signature(key, namespace, hash_algorithm, algorithm, inner, armored)


def verify_signature(sig: Signature, message: bytes, namespace: str = NAMESPACE) -> SignatureCheck:
    """Whether `sig` signs `message` in `namespace`. Never raises: bad input is INVALID."""
    if sig.namespace != namespace:
        return SignatureCheck(Check.INVALID, f"signature namespace is {sig.namespace!r}, expected {namespace!r}")
    if sig.public_key.is_certificate:
        return SignatureCheck(Check.DELEGATE, "signed with a certificate: ssh-keygen checks certificate signatures")
    if sig.public_key.is_security_key:
        return SignatureCheck(Check.DELEGATE, "signed with a security key (FIDO): ssh-keygen checks these signatures")
    if sig.hash_algorithm not in _HASHES:
        return SignatureCheck(Check.INVALID, f"hash algorithm {sig.hash_algorithm!r} is not sha256 or sha512")
    signed = _signed_prefix(namespace, sig.hash_algorithm) + ssh_string(_HASHES[sig.hash_algorithm](message).digest())
    try:
        algorithm, value = _signature_value(sig.public_key, sig.signature)
        _verify(sig.public_key, algorithm, value, signed)
    except InvalidSignature:
        return SignatureCheck(Check.INVALID, "signature does not match the message (changed, or signed by another key)")
    except (ValueError, UnsupportedAlgorithm) as exc:
        return SignatureCheck(Check.INVALID, f"unusable signature: {exc}")
    return SignatureCheck(Check.VALID, "")


@functools.lru_cache(maxsize=16)
def _signed_prefix(namespace: str, hash_algorithm: str) -> bytes:
    """What the signature covers ahead of the message's digest (PROTOCOL.sshsig)."""
    return _MAGIC + ssh_string(namespace.encode()) + ssh_string(b"") + ssh_string(hash_algorithm.encode())


def _dearmor(armored: bytes) -> bytes:
    try:
        text = armored.decode("ascii")
    except UnicodeDecodeError:
        raise SignatureError("signature is not ASCII text") from None
    if "\r" in text:
        raise SignatureError("signature has CR characters (CRLF line endings?); ssh-keygen writes LF only")
    body = text.removesuffix("\n")  # the one optional newline after the END line
    if not body.startswith(BEGIN + "\n"):
        raise SignatureError(f"the first line must be {BEGIN}")
    end = body.find("\n" + END)
    if end < 0:
        raise SignatureError(f"no {END} line")
    if body[end + 1 + len(END) :]:
        raise SignatureError(f"data after the {END} line")
    lines = body[len(BEGIN) + 1 : end].split("\n")
    last = len(lines) + 1
    for number, line in enumerate(lines, 2):
        if not _BASE64_LINE.fullmatch(line):
            junk = next(char for char in line if char not in _BASE64)
            raise SignatureError(f"line {number}: {junk!r} is not a base64 character")
        if not line:
            raise SignatureError(f"line {number} is empty")
        if len(line) > WIDTH or (len(line) < WIDTH and number != last):
            raise SignatureError(f"line {number} is {len(line)} characters; ssh-keygen wraps the body at {WIDTH}")
    try:
        return strict_b64decode("".join(lines))
    except ValueError as exc:
        raise SignatureError(f"signature body is {exc}") from None


def _signature_value(key: PublicKey, inner: bytes) -> tuple[str, bytes]:
    """The inner blob's algorithm and value, checked against the key that made it."""
    reader = WireReader(inner, "signature blob")
    algorithm = reader.text("signature algorithm")
    key_type = key.plain.algorithm
    if key_type == "ssh-rsa":
        if algorithm == "ssh-rsa":
            raise ValueError("ssh-rsa (SHA-1) signatures are refused, as OpenSSH refuses them for SSHSIG")
        allowed: tuple[str, ...] = tuple(_RSA_SIGNATURES)
    else:
        allowed = (key_type,)
    if algorithm not in allowed:
        raise ValueError(f"signature algorithm {algorithm} does not match the {key.algorithm} key")
    value = reader.string()
    if "ed25519" in key_type:
        if len(value) != 64:
            raise ValueError("an Ed25519 signature is 64 bytes")
    elif "ecdsa" in key_type:
        _ecdsa_numbers(value)
    if key.is_security_key:
        reader.byte()  # flags
        reader.uint32()  # counter
    reader.done()
    return algorithm, value


def _ecdsa_numbers(value: bytes) -> tuple[int, int]:
    reader = WireReader(value, "ECDSA signature")
    numbers = reader.mpint("r"), reader.mpint("s")
    reader.done()
    return numbers


def _verify(key: PublicKey, algorithm: str, value: bytes, signed: bytes) -> None:
    public = _crypto_key(key.blob)
    if isinstance(public, ed25519.Ed25519PublicKey):
        public.verify(value, signed)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        digest = _CURVES[key.algorithm][1]
        public.verify(encode_dss_signature(*_ecdsa_numbers(value)), signed, ec.ECDSA(digest()))
    else:
        public.verify(value, signed, padding.PKCS1v15(), _RSA_SIGNATURES[algorithm]())


@functools.lru_cache(maxsize=256)
def _crypto_key(blob: bytes) -> ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey:
    """The key as `cryptography` wants it; cached, as a few reviewers sign many records."""
    reader = WireReader(blob, "public key")
    algorithm = reader.text("key type")
    if algorithm == "ssh-ed25519":
        return ed25519.Ed25519PublicKey.from_public_bytes(reader.string())
    if algorithm in _CURVES:
        reader.string()  # curve name, checked when the key was parsed
        return ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[algorithm][0](), reader.string())
    exponent = reader.mpint("RSA exponent")
    return rsa.RSAPublicNumbers(exponent, reader.mpint("RSA modulus")).public_key()
