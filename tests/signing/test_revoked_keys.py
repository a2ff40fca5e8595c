"""Revoked keys: a plain list or a KRL, deciding as `ssh-keygen -Y verify -r` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from prr.adapters.signing.revoked_keys import RevokedKeys
from prr.adapters.signing.sshsig import NAMESPACE
from prr.domain.errors import InputError, ToolError

from .sshkeys import Key, KeyRing, certify, make_key, sign, ssh_keygen, ssh_verify, write_allowed

MESSAGE = b'[record]\nverdict = "ready"\n'


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyRing:
    return KeyRing(tmp_path_factory.mktemp("keys"))


def agree(revoked: RevokedKeys, key: Key, tmp_path: Path, allowed_line: str) -> bool:
    """RevokedKeys' answer, after checking that ssh-keygen -Y verify -r refuses exactly the revoked."""
    allowed = write_allowed(tmp_path / "allowed_signers", allowed_line)
    accepted = ssh_verify(
        MESSAGE, sign(key, MESSAGE, NAMESPACE), allowed, "alice", NAMESPACE, "-r", str(revoked.source)
    )
    answer = revoked.revoked(key.key)
    assert accepted is not answer
    return answer


def test_a_plain_list_revokes_the_keys_it_lists(keys: KeyRing, tmp_path: Path) -> None:
    alice, bob = keys("ed25519", "alice"), keys("ecdsa-p256", "bob")
    listed = tmp_path / "revoked_keys"
    listed.write_text(f"# revoked 2026-05: laptop lost\n\n  {alice.public.read_text()}\n")
    revoked = RevokedKeys.read(listed)
    assert revoked.source == listed
    assert agree(revoked, alice, tmp_path, alice.line("alice"))
    assert not agree(revoked, bob, tmp_path, bob.line("alice"))


def test_a_listed_key_revokes_its_certificates_and_a_listed_ca_the_certificates_it_signed(
    keys: KeyRing, tmp_path: Path
) -> None:
    ca, other_ca = keys("ed25519", "ca"), keys("ed25519", "other-ca")
    alice = make_key(tmp_path / "alice", "alice")
    cert = certify(ca, alice, "alice")
    trusted = ca.line("alice", "cert-authority")
    (tmp_path / "key-listed").write_text(alice.public.read_text())
    (tmp_path / "ca-listed").write_text(ca.public.read_text())
    (tmp_path / "other-ca-listed").write_text(other_ca.public.read_text())
    assert agree(RevokedKeys.read(tmp_path / "key-listed"), cert, tmp_path, trusted)
    assert agree(RevokedKeys.read(tmp_path / "ca-listed"), cert, tmp_path, trusted)
    assert not agree(RevokedKeys.read(tmp_path / "other-ca-listed"), cert, tmp_path, trusted)


def test_a_krl_is_asked_of_ssh_keygen(keys: KeyRing, tmp_path: Path) -> None:
    alice, bob = keys("ed25519", "alice"), keys("rsa", "bob")
    krl = tmp_path / "revoked.krl"
    ssh_keygen("-k", "-f", krl, alice.public)
    revoked = RevokedKeys.read(krl)
    assert agree(revoked, alice, tmp_path, alice.line("alice"))
    assert not agree(revoked, bob, tmp_path, bob.line("alice"))


def test_a_krl_revokes_certificates_by_key_or_by_ca_and_key_id(keys: KeyRing, tmp_path: Path) -> None:
    ca = keys("ed25519", "ca")
    alice = make_key(tmp_path / "alice", "alice")
    cert = certify(ca, alice, "alice", identity="alice-laptop")
    trusted = ca.line("alice", "cert-authority")
    by_key = tmp_path / "by-key.krl"
    ssh_keygen("-k", "-f", by_key, alice.public)
    by_id = tmp_path / "by-id.krl"
    (tmp_path / "spec").write_text("id: alice-laptop\n")
    ssh_keygen("-k", "-s", ca.public, "-f", by_id, tmp_path / "spec")
    other_id = tmp_path / "other-id.krl"
    (tmp_path / "other-spec").write_text("id: bob-laptop\n")
    ssh_keygen("-k", "-s", ca.public, "-f", other_id, tmp_path / "other-spec")
    assert agree(RevokedKeys.read(by_key), cert, tmp_path, trusted)
    assert agree(RevokedKeys.read(by_id), cert, tmp_path, trusted)
    assert not agree(RevokedKeys.read(other_id), cert, tmp_path, trusted)


def test_krl_answers_are_kept_per_key(keys: KeyRing, tmp_path: Path) -> None:
    alice, bob = keys("ed25519", "alice"), keys("ed25519", "bob")
    krl = tmp_path / "revoked.krl"
    ssh_keygen("-k", "-f", krl, alice.public)
    revoked = RevokedKeys.read(krl)
    assert revoked.revoked(alice.key)
    krl.unlink()  # from here on only a kept answer can say anything
    assert revoked.revoked(alice.key)
    with pytest.raises(ToolError, match="ssh-keygen could not check"):
        revoked.revoked(bob.key)


def test_bad_revocation_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        RevokedKeys.read(tmp_path / "missing")
    truncated = tmp_path / "truncated.krl"
    truncated.write_bytes(b"SSHKRL\n\0\0\0\0\1")
    with pytest.raises(InputError, match=f"{truncated}: not a usable key revocation list: .*KRL"):
        RevokedKeys.read(truncated)
    listed = tmp_path / "revoked_keys"
    listed.write_text("# keys\n\tssh-ed25519 AAAA!\n")
    with pytest.raises(InputError) as caught:
        RevokedKeys.read(listed)
    assert caught.value.lines() == [f"{listed}:2:2: key data is not valid base64"]
    binary = tmp_path / "binary"
    binary.write_bytes(b"\x00\xff\xfe")
    with pytest.raises(InputError, match="neither a KRL nor a text list of public keys"):
        RevokedKeys.read(binary)
