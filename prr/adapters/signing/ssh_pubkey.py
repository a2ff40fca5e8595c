"""SSH public keys as OpenSSH writes them: the `algorithm base64` text and the wire blob.

Signers are identified by these keys in allowed_signers files, revocation lists and inside
every signature, so the key is parsed once, strictly (canonical encodings only, no trailing
bytes), and compared by its blob. Certificates are decoded far enough to match them against
`cert-authority` lines; the CA's signature on a certificate is left to ssh-keygen."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path

from prr.adapters.files import read_capped
from prr.domain.errors import InputError, Problem

PLAIN_TYPES = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
# certificate type -> certified key type: "ssh-ed25519-cert-v01@openssh.com" -> "ssh-ed25519"
CERT_TYPES = {f"{name.removesuffix('@openssh.com')}-cert-v01@openssh.com": name for name in PLAIN_TYPES}
KEY_TYPES = (*PLAIN_TYPES, *CERT_TYPES)

_CURVE_COORDINATE_BYTES = {"nistp256": 32, "nistp384": 48, "nistp521": 66}
_RSA_MIN_BITS = 1024  # OpenSSH refuses smaller RSA keys
_RSA_MAX_BITS = 16384  # and larger ones (its bignum limit)
_USER_CERT, _HOST_CERT = 1, 2
KEY_FILE_LIMIT = 64 * 1024  # a key file is a few kilobytes
_PRIVATE_BEGIN, _PRIVATE_END = "-----BEGIN OPENSSH PRIVATE KEY-----", "-----END OPENSSH PRIVATE KEY-----"
_PRIVATE_MAGIC = b"openssh-key-v1\0"


class WireReader:
    """Reads the SSH wire encoding (RFC 4251 section 5), refusing truncation and sloppy integers."""

    def __init__(self, data: bytes, name: str) -> None:
        self._data = data
        self._offset = 0
        self.name = name

    @property
    def offset(self) -> int:
        return self._offset

    @property
    def at_end(self) -> bool:
        return self._offset == len(self._data)

    def since(self, start: int) -> bytes:
        """The bytes read from offset `start` up to now."""
        return self._data[start : self._offset]

    def raw(self, size: int) -> bytes:
        end = self._offset + size
        if end > len(self._data):
            raise ValueError(f"{self.name} is truncated")
        chunk = self._data[self._offset : end]
        self._offset = end
        return chunk

    def byte(self) -> int:
        return self.raw(1)[0]

    def uint32(self) -> int:
        return int(struct.unpack(">I", self.raw(4))[0])

    def uint64(self) -> int:
        return int(struct.unpack(">Q", self.raw(8))[0])

    def string(self) -> bytes:
        return self.raw(self.uint32())

    def text(self, what: str) -> str:
        """A string that OpenSSH reads as a C string: UTF-8, no NUL."""
        value = self.string()
        if b"\0" in value:
            raise ValueError(f"{self.name}: {what} contains a NUL byte")
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{self.name}: {what} is not UTF-8") from None

    def mpint(self, what: str) -> int:
        """A non-negative mpint in its one canonical form (no superfluous leading zero)."""
        value = self.string()
        if value and value[0] & 0x80:
            raise ValueError(f"{self.name}: {what} is negative")
        if len(value) > 1 and value[0] == 0 and not value[1] & 0x80:
            raise ValueError(f"{self.name}: {what} has a superfluous leading zero")
        return int.from_bytes(value, "big")

    def done(self) -> None:
        left = len(self._data) - self._offset
        if left:
            raise ValueError(f"{self.name} has {left} trailing byte{'s' if left != 1 else ''}")


def ssh_string(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def strict_b64decode(text: str) -> bytes:
    """Base64 with the standard alphabet, correct padding and nothing else: one text, one blob."""
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError("not valid base64") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise ValueError("not canonical base64 (wrong padding or non-zero padding bits)")
    return data


@dataclass(frozen=True)
class Certificate:
    """The parts of an OpenSSH certificate that decide who may sign with it, and when."""

    key: PublicKey  # the certified (plain) key
    is_user: bool
    key_id: str
    principals: tuple[str, ...]
    valid_after: int  # seconds since the epoch, inclusive
    valid_before: int  # exclusive; 2**64 - 1 means forever
    signature_key: PublicKey  # the CA

    def valid_at(self, at: dt.datetime) -> bool:
        return self.valid_after <= int(at.timestamp()) < self.valid_before


@dataclass(frozen=True)
class PublicKey:
    """One SSH public key; two keys are the same key exactly when their blobs are equal."""

    algorithm: str
    blob: bytes
    certificate: Certificate | None = field(init=False, default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        algorithm, certificate = _parse_blob(self.blob)
        if algorithm != self.algorithm:
            raise ValueError(f"key type {self.algorithm} does not match the key data ({algorithm})")
        object.__setattr__(self, "certificate", certificate)

    @functools.cached_property
    def fingerprint(self) -> str:
        """As `ssh-keygen -lf` prints it; a certificate has its certified key's fingerprint."""
        digest = hashlib.sha256(self.plain.blob).digest()
        return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")

    @property
    def is_certificate(self) -> bool:
        return self.certificate is not None

    @property
    def is_security_key(self) -> bool:
        return self.algorithm.startswith("sk-")

    @property
    def plain(self) -> PublicKey:
        """The key itself: for a certificate the certified key, otherwise this key."""
        return self.certificate.key if self.certificate is not None else self

    def openssh(self) -> str:
        return f"{self.algorithm} {base64.b64encode(self.blob).decode('ascii')}"


@functools.lru_cache(maxsize=256)
def key_from_blob(blob: bytes) -> PublicKey:
    """A key from its wire form; ValueError says what is wrong with it. Cached: a few
    reviewers sign a thousand records, and a key is immutable."""
    return PublicKey(WireReader(blob, "public key").text("key type"), blob)


def parse_public_key(text: str) -> PublicKey:
    """`algorithm base64 [comment]`, the form of .pub files and allowed_signers keys."""
    fields = text.split(maxsplit=2)
    if len(fields) < 2:
        raise ValueError("expected a public key: 'KEYTYPE BASE64 [comment]'")
    algorithm, data = fields[0], fields[1]
    if algorithm not in KEY_TYPES:
        raise ValueError(f"unsupported key type {algorithm!r}; use one of {', '.join(PLAIN_TYPES)} or a certificate")
    try:
        blob = strict_b64decode(data)
    except ValueError as exc:
        raise ValueError(f"key data is {exc}") from None
    return PublicKey(algorithm, blob)


def read_public_key_file(path: Path) -> PublicKey:
    """The one public key in a .pub file (blank lines and # comments aside)."""
    data = read_capped(path, KEY_FILE_LIMIT)
    if len(data) > KEY_FILE_LIMIT:
        raise InputError(f"{path}: larger than {KEY_FILE_LIMIT // 1024} KiB; expected one public key")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a public key (not UTF-8 text); give the .pub file") from None
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    lines = [(number, line) for number, line in lines if not line.lstrip().startswith("#")]
    if len(lines) != 1:
        found = "no key" if not lines else f"{len(lines)} keys"
        raise InputError(f"{path}: expected one public key, found {found}")
    number, line = lines[0]
    try:
        return parse_public_key(line)
    except ValueError as exc:
        column = len(line) - len(line.lstrip()) + 1
        raise InputError(problems=[Problem(str(path), number, column, str(exc))]) from None


def public_key_of_private(text: str) -> PublicKey | None:
    """The public key an OpenSSH private key file keeps in the clear, ahead of its
    (possibly encrypted) private part; None when TEXT is not such a file."""
    lines = text.strip().splitlines()
    if len(lines) < 3 or lines[0] != _PRIVATE_BEGIN or lines[-1] != _PRIVATE_END:
        return None
    try:
        data = base64.b64decode("".join(lines[1:-1]), validate=True)
    except binascii.Error:
        return None
    if not data.startswith(_PRIVATE_MAGIC):
        return None
    reader = WireReader(data[len(_PRIVATE_MAGIC) :], "private key file")
    try:
        for _ in ("cipher", "kdf", "kdf options"):
            reader.string()
        return key_from_blob(reader.string()) if reader.uint32() >= 1 else None
    except ValueError:
        return None


def public_key_of_private_file(path: Path) -> PublicKey | None:
    """`public_key_of_private` for the file at PATH; None when it cannot be read."""
    try:
        data = read_capped(path, KEY_FILE_LIMIT)
    except InputError:
        return None
    return public_key_of_private(data.decode("utf-8", "replace"))


def _parse_blob(blob: bytes) -> tuple[str, Certificate | None]:
    reader = WireReader(blob, "public key")
    algorithm = reader.text("key type")
    if algorithm in PLAIN_TYPES:
        _read_key_fields(reader, algorithm)
        reader.done()
        return algorithm, None
    if algorithm in CERT_TYPES:
        return algorithm, _read_certificate(reader, CERT_TYPES[algorithm])
    raise ValueError(f"unsupported key type {algorithm!r}")


def _read_key_fields(reader: WireReader, algorithm: str) -> None:
    if algorithm in ("ssh-ed25519", "sk-ssh-ed25519@openssh.com"):
        if len(reader.string()) != 32:
            raise ValueError(f"{reader.name}: an Ed25519 key is 32 bytes")
    elif algorithm == "ssh-rsa":
        reader.mpint("RSA exponent")
        bits = reader.mpint("RSA modulus").bit_length()
        if not _RSA_MIN_BITS <= bits <= _RSA_MAX_BITS:
            raise ValueError(
                f"{reader.name}: RSA key is {bits} bits; OpenSSH accepts {_RSA_MIN_BITS} to {_RSA_MAX_BITS}"
            )
    else:
        curve = algorithm.removeprefix("sk-").removeprefix("ecdsa-sha2-").removesuffix("@openssh.com")
        if reader.text("curve name") != curve:
            raise ValueError(f"{reader.name}: curve name does not match key type {algorithm}")
        point = reader.string()
        if len(point) != 1 + 2 * _CURVE_COORDINATE_BYTES[curve] or point[0] != 4:
            raise ValueError(f"{reader.name}: not an uncompressed {curve} point")
    if algorithm.startswith("sk-"):
        reader.text("security key application")


def _read_certificate(reader: WireReader, plain_type: str) -> Certificate:
    reader.string()  # nonce
    start = reader.offset
    _read_key_fields(reader, plain_type)
    plain = PublicKey(plain_type, ssh_string(plain_type.encode()) + reader.since(start))
    reader.uint64()  # serial
    cert_type = reader.uint32()
    if cert_type not in (_USER_CERT, _HOST_CERT):
        raise ValueError(f"{reader.name}: unknown certificate type {cert_type}")
    key_id = reader.text("certificate key id")
    names = WireReader(reader.string(), "certificate principals")
    principals: list[str] = []
    while not names.at_end:
        principals.append(names.text("principal"))
    valid_after, valid_before = reader.uint64(), reader.uint64()
    reader.string()  # critical options
    reader.string()  # extensions
    reader.string()  # reserved
    ca_blob = reader.string()
    if WireReader(ca_blob, "certificate CA key").text("key type") in CERT_TYPES:  # refused before parsing: no nesting
        raise ValueError(f"{reader.name}: the certificate's CA key is itself a certificate")
    signature_key = key_from_blob(ca_blob)
    reader.string()  # the CA's signature, checked by ssh-keygen
    reader.done()
    return Certificate(
        plain, cert_type == _USER_CERT, key_id, tuple(principals), valid_after, valid_before, signature_key
    )
