"""Real SSH keys, certificates and signatures for the signing tests, made with ssh-keygen.

A small SSHSIG writer is here too, for signatures ssh-keygen 9.2 will not make
(rsa-sha2-256, SHA-1 ssh-rsa) and for well-formed but tampered structures."""

from __future__ import annotations

import base64
import functools
import hashlib
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from prr.adapters.signing.ssh_pubkey import PublicKey, read_public_key_file

KINDS = {
    "ed25519": ("-t", "ed25519"),
    "ecdsa-p256": ("-t", "ecdsa", "-b", "256"),
    "ecdsa-p384": ("-t", "ecdsa", "-b", "384"),
    "ecdsa-p521": ("-t", "ecdsa", "-b", "521"),
    "rsa": ("-t", "rsa", "-b", "3072"),
}
SIGNATURE_ALGORITHMS = {
    "ed25519": "ssh-ed25519",
    "ecdsa-p256": "ecdsa-sha2-nistp256",
    "ecdsa-p384": "ecdsa-sha2-nistp384",
    "ecdsa-p521": "ecdsa-sha2-nistp521",
    "rsa": "rsa-sha2-512",  # what ssh-keygen -Y sign uses for RSA keys
}
_ECDSA_HASHES = {"nistp256": hashes.SHA256, "nistp384": hashes.SHA384, "nistp521": hashes.SHA512}
_RSA_HASHES = {"rsa-sha2-256": hashes.SHA256, "rsa-sha2-512": hashes.SHA512, "ssh-rsa": hashes.SHA1}


def ssh_keygen(*args: str | Path, stdin: bytes = b"", check: bool = True) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(["ssh-keygen", *map(str, args)], input=stdin, capture_output=True, timeout=60, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"ssh-keygen {args} failed: {done.stderr.decode()}")
    return done


@dataclass(frozen=True)
class Key:
    private: Path
    public: Path

    @property
    def key(self) -> PublicKey:
        return read_public_key_file(self.public)

    @property
    def signing_file(self) -> Path:
        """What `ssh-keygen -Y sign -f` takes: the certificate when there is one, else the private key."""
        return self.public if self.public.name.endswith("-cert.pub") else self.private

    def line(self, principals: str, options: str = "") -> str:
        """An allowed_signers line for this key."""
        return " ".join(part for part in (principals, options, self.key.openssh()) if part)


def make_key(folder: Path, name: str, kind: str = "ed25519") -> Key:
    folder.mkdir(parents=True, exist_ok=True)
    private = folder / name
    ssh_keygen(*KINDS[kind], "-q", "-N", "", "-C", f"{name}@test", "-f", private)
    return Key(private, folder / f"{name}.pub")


class KeyRing:
    """Keys made on first use and kept for the module: RSA key generation is slow."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._keys: dict[str, Key] = {}

    def __call__(self, kind: str = "ed25519", name: str = "") -> Key:
        label = f"{name or 'key'}-{kind}"
        if label not in self._keys:
            self._keys[label] = make_key(self.folder, label, kind)
        return self._keys[label]


def certify(
    ca: Key, key: Key, principals: str, validity: str = "-1d:+52w", identity: str = "cert-id", host: bool = False
) -> Key:
    """A certificate for `key` signed by `ca`; returns the key with the certificate as its public half."""
    extra = ["-h"] if host else []
    args = [*extra, "-s", ca.private, "-I", identity, "-n", principals, "-V", validity, key.public]
    ssh_keygen(*args)
    return Key(key.private, key.public.with_name(f"{key.private.name}-cert.pub"))


def sign(key: Key | Path, message: bytes, namespace: str, *extra: str) -> bytes:
    """`ssh-keygen -Y sign` with the message on stdin."""
    path = key.signing_file if isinstance(key, Key) else key
    return ssh_keygen("-Y", "sign", "-f", path, "-n", namespace, *extra, stdin=message).stdout


def ssh_verify(message: bytes, signature: bytes, allowed: Path, principal: str, namespace: str, *extra: str) -> bool:
    """Plain `ssh-keygen -Y verify`, independent of prr's adapter."""
    signature_file = allowed.with_name(f"{allowed.name}.sig")
    signature_file.write_bytes(signature)
    args = ("-Y", "verify", "-f", allowed, "-I", principal, "-n", namespace, "-s", signature_file, *extra)
    return ssh_keygen(*args, stdin=message, check=False).returncode == 0


def write_allowed(path: Path, *lines: str) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


# SSHSIG, written by hand ---------------------------------------------------------------


def string(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def mpint(number: int) -> bytes:
    data = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return string(b"\0" + data if data and data[0] & 0x80 else data)


def armor(blob: bytes) -> bytes:
    body = base64.b64encode(blob).decode("ascii")
    lines = [body[i : i + 70] for i in range(0, len(body), 70)]
    return ("-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n").encode()


def unarmor(armored: bytes) -> bytes:
    return base64.b64decode("".join(armored.decode("ascii").splitlines()[1:-1]))


def sshsig_blob(
    public_blob: bytes,
    namespace: str,
    hash_algorithm: str,
    inner: bytes,
    *,
    version: int = 1,
    reserved: bytes = b"",
) -> bytes:
    return (
        b"SSHSIG"
        + struct.pack(">I", version)
        + string(public_blob)
        + string(namespace.encode())
        + string(reserved)
        + string(hash_algorithm.encode())
        + string(inner)
    )


def signed_data(message: bytes, namespace: str, hash_algorithm: str) -> bytes:
    digest = hashlib.new(hash_algorithm, message).digest()
    return b"SSHSIG" + string(namespace.encode()) + string(b"") + string(hash_algorithm.encode()) + string(digest)


def python_sign(
    key: Key, message: bytes, namespace: str, hash_algorithm: str = "sha512", rsa_algorithm: str = "rsa-sha2-512"
) -> bytes:
    """An armored SSHSIG made with `cryptography` from the same private key file."""
    private = _private_key(key.private)
    data = signed_data(message, namespace, hash_algorithm)
    public_blob = key.key.blob
    if isinstance(private, ed25519.Ed25519PrivateKey):
        inner = string(b"ssh-ed25519") + string(private.sign(data))
    elif isinstance(private, ec.EllipticCurvePrivateKey):
        curve = key.key.algorithm.removeprefix("ecdsa-sha2-")
        r, s = decode_dss_signature(private.sign(data, ec.ECDSA(_ECDSA_HASHES[curve]())))
        inner = string(key.key.algorithm.encode()) + string(mpint(r) + mpint(s))
    else:
        assert isinstance(private, rsa.RSAPrivateKey)
        value = private.sign(data, padding.PKCS1v15(), _RSA_HASHES[rsa_algorithm]())
        inner = string(rsa_algorithm.encode()) + string(value)
    return armor(sshsig_blob(public_blob, namespace, hash_algorithm, inner))


@functools.cache
def _private_key(path: Path) -> serialization.SSHPrivateKeyTypes:
    """Loaded once per file: loading checks an RSA key, which takes a while."""
    return serialization.load_ssh_private_key(path.read_bytes(), None)
