"""A record is immutable once signed or committed: `prr sign` and `prr commit` (and every
`--commit`, which goes through the same workflow functions) refuse a record whose bytes
are no longer those its signatures cover or those committed at HEAD, and change nothing."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from gitrepos import git
from records import allowed, keys, reviewed_repo
from signing.sshkeys import certify, make_key, sign

from prr.adapters.signing.sshsig import NAMESPACE

Prr = Callable[..., Run]
ALICE, BOB = "alice@example.com", "bob@example.com"
TWO = (ALICE, BOB)
MISMATCH = "signature does not match the message (changed, or signed by another key)"


def state(repo: Path) -> tuple[dict[str, bytes], bytes, str]:
    """Every file of the working tree, the index and HEAD: what a refusal must leave as it was."""
    files = {
        str(path.relative_to(repo)): path.read_bytes()
        for path in sorted(repo.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(repo).parts
    }
    return files, (repo / ".git" / "index").read_bytes(), git(repo, "rev-parse", "HEAD")


def edit(record: Path) -> None:
    """What the audit did: change the verdict's score in place."""
    data = record.read_bytes()
    assert b"score = 100" in data
    record.write_bytes(data.replace(b"score = 100", b"score = 99", 1))


def sign_as(prr: Prr, record: Path, principal: str, key: Path, *extra: str) -> Run:
    return prr("sign", str(record), "--key", str(key), "--principal", principal, *extra)


def relative(record: Path, repo: Path) -> str:
    return record.relative_to(repo).as_posix()


def test_signing_a_record_edited_after_someone_signed_it_is_refused_and_changes_nothing(
    tmp_path: Path, prr: Prr
) -> None:
    repo, record = reviewed_repo(tmp_path, signers=TWO)
    keyring = keys(tmp_path, *TWO)
    assert sign_as(prr, record, ALICE, keyring[ALICE].private).code == 0
    edit(record)
    before = state(repo)
    result = sign_as(prr, record, BOB, keyring[BOB].private, "--commit")
    assert result.code == 2
    alice_sig = relative(record.parent / "signatures" / f"{ALICE}.sig", repo)
    assert result.err.splitlines() == [
        f"prr: {record}: changed since {ALICE} signed it ({alice_sig}: {MISMATCH}); a signed record never changes: "
        "undo the edit, or start a new review (prr review)"
    ]
    assert state(repo) == before


def test_committing_a_record_edited_after_someone_signed_it_is_refused_and_changes_nothing(
    tmp_path: Path, prr: Prr
) -> None:
    repo, record = reviewed_repo(tmp_path, signers=TWO)
    keyring = keys(tmp_path, *TWO)
    for principal, key in keyring.items():
        assert sign_as(prr, record, principal, key.private).code == 0
    edit(record)
    before = state(repo)
    result = prr("commit", str(record))
    assert result.code == 2
    assert result.err.startswith(f"prr: {record}: changed since {ALICE} signed it")
    assert len(result.err.splitlines()) == 1
    assert state(repo) == before


def test_a_signed_committed_record_edited_afterwards_is_refused_until_the_printed_git_command_restores_it(
    tmp_path: Path, prr: Prr
) -> None:
    repo, record = reviewed_repo(tmp_path, signers=TWO)
    keyring = keys(tmp_path, *TWO)
    assert sign_as(prr, record, ALICE, keyring[ALICE].private, "--commit").code == 0
    edit(record)
    before = state(repo)
    restore = f"git -C {shlex.quote(str(repo))} checkout HEAD -- {relative(record, repo)}"
    for result in (sign_as(prr, record, BOB, keyring[BOB].private, "--commit"), prr("commit", str(record))):
        assert result.code == 2
        assert result.err.startswith(f"prr: {record}: changed since {ALICE} signed it")
        assert result.err.rstrip().endswith(f"restore it with {restore}, or start a new review (prr review)")
        assert state(repo) == before
    subprocess.run(restore, shell=True, cwd=tmp_path, check=True, capture_output=True)
    assert sign_as(prr, record, BOB, keyring[BOB].private, "--commit").code == 0
    assert prr("verify", str(repo), "--allowed-signers", str(allowed(tmp_path, keyring))).code == 0


def test_a_committed_unsigned_record_edited_afterwards_is_not_signed_or_committed(tmp_path: Path, prr: Prr) -> None:
    repo, record = reviewed_repo(tmp_path, signers=TWO)
    keyring = keys(tmp_path, *TWO)
    assert prr("commit", str(record)).code == 0  # committed before anyone signed
    edit(record)
    before = state(repo)
    for result in (sign_as(prr, record, ALICE, keyring[ALICE].private), prr("commit", str(record))):
        assert result.code == 2
        assert result.err.startswith(
            f"prr: {record}: differs from the record committed at HEAD; a committed record never changes: "
            f"restore it with git -C {shlex.quote(str(repo))} checkout HEAD -- {relative(record, repo)}"
        )
        assert state(repo) == before


def test_a_signature_over_other_bytes_blocks_signing_and_committing(tmp_path: Path, prr: Prr) -> None:
    repo, record = reviewed_repo(tmp_path)
    keyring = keys(tmp_path, ALICE, BOB)
    folder = record.parent / "signatures"
    folder.mkdir()
    (folder / f"{ALICE}.sig").write_bytes(sign(keyring[ALICE], record.read_bytes() + b"\n", NAMESPACE))
    before = state(repo)
    for result in (sign_as(prr, record, BOB, keyring[BOB].private, "--commit"), prr("commit", str(record))):
        assert result.code == 2
        assert f"changed since {ALICE} signed it ({relative(folder, repo)}/{ALICE}.sig: {MISMATCH})" in result.err
        assert state(repo) == before


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (lambda key, data: b"hello\n", "the first line must be -----BEGIN SSH SIGNATURE-----"),
        (lambda key, data: sign(key, data, "git"), f"made for namespace 'git', not '{NAMESPACE}'"),
    ],
    ids=["not a signature", "another namespace"],
)
def test_a_signature_file_that_is_no_prr_signature_blocks_signing_and_committing(
    tmp_path: Path, prr: Prr, signature: Callable[..., bytes], reason: str
) -> None:
    repo, record = reviewed_repo(tmp_path)
    keyring = keys(tmp_path, ALICE, BOB)
    bad = record.parent / "signatures" / f"{ALICE}.sig"
    bad.parent.mkdir()
    bad.write_bytes(signature(keyring[ALICE], record.read_bytes()))
    before = state(repo)
    for result in (sign_as(prr, record, BOB, keyring[BOB].private, "--commit"), prr("commit", str(record))):
        assert result.code == 2
        assert result.err.splitlines() == [
            f"prr: {bad}: not a usable signature by {ALICE} ({reason}); remove it (or restore it from git), "
            "then try again"
        ]
        assert state(repo) == before


def test_a_certificate_signature_is_checked_by_ssh_keygen_before_anyone_else_signs(tmp_path: Path, prr: Prr) -> None:
    repo, record = reviewed_repo(tmp_path, signers=TWO)
    ca = make_key(tmp_path / "keys", "ca")
    certificate = certify(ca, make_key(tmp_path / "keys", "alice-cert"), ALICE)
    bob = keys(tmp_path, BOB)[BOB]
    assert sign_as(prr, record, ALICE, certificate.public).code == 0  # a certificate: sshsig delegates it
    assert sign_as(prr, record, BOB, bob.private).code == 0
    edit(record)
    (record.parent / "signatures" / f"{BOB}.sig").unlink()
    before = state(repo)
    result = sign_as(prr, record, BOB, bob.private)
    assert result.code == 2
    assert f"changed since {ALICE} signed it" in result.err and "ssh-keygen refused it: " in result.err
    assert state(repo) == before
