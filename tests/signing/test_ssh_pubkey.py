"""SSH public keys: parsed strictly, fingerprinted exactly as ssh-keygen does."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from prr.adapters.signing.ssh_pubkey import (
    key_from_blob,
    parse_public_key,
    public_key_of_private,
    read_public_key_file,
)
from prr.domain.errors import InputError

from .sshkeys import KINDS, KeyRing, certify, make_key, mpint, ssh_keygen, string


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyRing:
    return KeyRing(tmp_path_factory.mktemp("keys"))


def keygen_fingerprint(path: Path) -> str:
    return ssh_keygen("-l", "-E", "sha256", "-f", path).stdout.decode().split()[1]


def text_of(blob: bytes, algorithm: str) -> str:
    return f"{algorithm} {base64.b64encode(blob).decode()}"


@pytest.mark.parametrize("kind", KINDS)
def test_fingerprint_and_openssh_form_are_ssh_keygens(keys: KeyRing, kind: str) -> None:
    key = keys(kind)
    parsed = read_public_key_file(key.public)
    assert parsed.fingerprint == keygen_fingerprint(key.public)
    assert parsed.openssh() == " ".join(key.public.read_text().split()[:2])
    assert not parsed.is_certificate
    assert not parsed.is_security_key


def test_certificate_is_decoded_and_fingerprinted_as_its_key(keys: KeyRing, tmp_path: Path) -> None:
    ca = keys("ed25519", "ca")
    user = make_key(tmp_path, "user", "ecdsa-p256")
    cert = certify(ca, user, "alice@example.com,bob@example.com", validity="20260101:20270101", identity="alice-id")
    parsed = read_public_key_file(cert.public)
    assert parsed.algorithm == "ecdsa-sha2-nistp256-cert-v01@openssh.com"
    assert parsed.is_certificate
    assert parsed.fingerprint == keygen_fingerprint(cert.public) == keygen_fingerprint(user.public)
    assert parsed.plain == read_public_key_file(user.public)
    certificate = parsed.certificate
    assert certificate is not None
    assert certificate.principals == ("alice@example.com", "bob@example.com")
    assert certificate.key_id == "alice-id"
    assert certificate.is_user
    assert certificate.signature_key == read_public_key_file(ca.public)


def test_host_certificate_is_not_a_user_certificate(keys: KeyRing, tmp_path: Path) -> None:
    host = certify(keys("ed25519", "ca"), make_key(tmp_path, "host"), "host.example.com", host=True)
    certificate = read_public_key_file(host.public).certificate
    assert certificate is not None
    assert not certificate.is_user


@pytest.mark.parametrize("algorithm", ["sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"])
def test_security_key_is_recognised_and_fingerprinted_as_ssh_keygen_does(tmp_path: Path, algorithm: str) -> None:
    if algorithm.startswith("sk-ssh-ed25519"):
        fields = string(bytes(range(32)))
    else:
        fields = string(b"nistp256") + string(_p256_point())
    blob = string(algorithm.encode()) + fields + string(b"ssh:")
    path = tmp_path / "sk.pub"
    path.write_text(text_of(blob, algorithm) + " fido\n")
    key = read_public_key_file(path)
    assert key.is_security_key
    assert key.fingerprint == keygen_fingerprint(path)


def _p256_point() -> bytes:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    return public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def test_the_same_key_is_equal_however_it_was_read(keys: KeyRing) -> None:
    key = keys("ed25519")
    from_file = read_public_key_file(key.public)
    assert parse_public_key(key.public.read_text() + "  ") == from_file
    assert key_from_blob(from_file.blob) == from_file
    assert hash(from_file) == hash(key_from_blob(from_file.blob))


ED25519 = string(b"ssh-ed25519") + string(bytes(32))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "expected a public key"),
        ("ssh-ed25519", "expected a public key"),
        ("ssh-dss AAAAB3NzaC1kc3M=", "unsupported key type 'ssh-dss'"),
        ("ssh-ed25519 AAAA!AAA", "not valid base64"),
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", "truncated"),
        ("ssh-ed25519 QQ==", "truncated"),
        (text_of(ED25519, "ssh-rsa"), "key type ssh-rsa does not match the key data (ssh-ed25519)"),
        (text_of(ED25519 + b"\0", "ssh-ed25519"), "1 trailing byte"),
        (text_of(string(b"ssh-ed25519") + string(bytes(31)), "ssh-ed25519"), "Ed25519 key is 32 bytes"),
        (text_of(string(b"ssh-rsa") + mpint(65537) + mpint((1 << 767) | 1), "ssh-rsa"), "RSA key is 768 bits"),
        (
            text_of(string(b"ssh-rsa") + string(b"\0\x01\0\x01") + mpint((1 << 2047) | 1), "ssh-rsa"),
            "superfluous leading zero",
        ),
        (text_of(string(b"ssh-rsa") + string(b"\x81") + mpint((1 << 2047) | 1), "ssh-rsa"), "negative"),
        (
            text_of(
                string(b"ecdsa-sha2-nistp256") + string(b"nistp384") + string(b"\4" + bytes(64)), "ecdsa-sha2-nistp256"
            ),
            "curve name does not match",
        ),
        (
            text_of(
                string(b"ecdsa-sha2-nistp256") + string(b"nistp256") + string(b"\2" + bytes(32)), "ecdsa-sha2-nistp256"
            ),
            "not an uncompressed nistp256 point",
        ),
    ],
)
def test_malformed_keys_are_refused_with_a_reason(text: str, expected: str) -> None:
    with pytest.raises(ValueError, match=re.escape(expected)):
        parse_public_key(text)


def test_non_canonical_base64_is_refused(keys: KeyRing) -> None:
    text = keys("ecdsa-p256").key.openssh()
    assert text.endswith("=") and not text.endswith("==")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    padding_bits_set = alphabet[alphabet.index(text[-2]) + 1]  # same bytes, a non-zero padding bit
    assert base64.b64decode(text.split()[1][:-2] + padding_bits_set + "=") == keys("ecdsa-p256").key.blob
    with pytest.raises(ValueError, match="canonical"):
        parse_public_key(text[:-2] + padding_bits_set + "=")


def test_a_certificate_whose_ca_is_a_certificate_is_refused(keys: KeyRing, tmp_path: Path) -> None:
    cert = read_public_key_file(certify(keys("ed25519", "ca"), make_key(tmp_path, "user"), "alice").public)
    blob = bytearray(cert.blob)
    ca_blob = cert.certificate.signature_key.blob if cert.certificate else b""
    start = bytes(blob).index(string(ca_blob))
    forged = bytes(blob[:start]) + string(cert.blob) + bytes(blob[start + 4 + len(ca_blob) :])
    with pytest.raises(ValueError, match="CA key is itself a certificate"):
        key_from_blob(forged)


def test_key_file_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pub"
    with pytest.raises(InputError, match=f"{missing}: no such file"):
        read_public_key_file(missing)
    garbage = tmp_path / "garbage.pub"
    garbage.write_text("# my key\n\n  ssh-ed25519 not-base64\n")
    with pytest.raises(InputError) as caught:
        read_public_key_file(garbage)
    assert caught.value.lines() == [f"{garbage}:3:3: key data is not valid base64"]
    two = tmp_path / "two.pub"
    two.write_text(text_of(ED25519, "ssh-ed25519") + "\n" + text_of(ED25519, "ssh-ed25519") + "\n")
    with pytest.raises(InputError, match="expected one public key, found 2 keys"):
        read_public_key_file(two)
    binary = tmp_path / "id_ed25519"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(InputError, match="not UTF-8"):
        read_public_key_file(binary)


@pytest.mark.parametrize("kind", KINDS)
def test_a_private_key_file_shows_its_public_key_without_the_passphrase(tmp_path: Path, kind: str) -> None:
    key = make_key(tmp_path, "plain", kind)
    assert public_key_of_private(key.private.read_text()) == read_public_key_file(key.public)
    locked = tmp_path / "locked"
    ssh_keygen(*KINDS[kind], "-q", "-N", "a passphrase", "-f", locked)
    assert public_key_of_private(locked.read_text()) == read_public_key_file(tmp_path / "locked.pub")


@pytest.mark.parametrize(
    "text",
    [
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64!\n-----END OPENSSH PRIVATE KEY-----",
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        + base64.b64encode(b"openssh-key-v1\0" + string(b"none")).decode()
        + "\n-----END OPENSSH PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
    ],
    ids=["a public key", "bad base64", "truncated", "PEM"],
)
def test_other_files_show_no_public_key(text: str) -> None:
    assert public_key_of_private(text) is None
