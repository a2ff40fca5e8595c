"""`prr verify` on a record that no longer parses: still invalid, but each signature is
checked against the raw bytes, so the auditor learns whether they changed since signing."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from conftest import Run
from records import allowed, commit_all, keys, reviewed_repo, sign_all
from signing.sshkeys import sign as ssh_sign

from prr.domain.verification import RecordStatus
from prr.workflow.verifying import VerifyOptions, verify

Prr = Callable[..., Run]
TWO = ("alice@example.com", "bob@example.com")
NAMESPACE = "prr-record-v1@prr"


def out_of_range(data: bytes) -> bytes:
    """The record with a score the format refuses: it no longer parses."""
    assert b"\nscore = 100\n" in data
    return data.replace(b"\nscore = 100\n", b"\nscore = 101\n")


def commands(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip().startswith("ssh-keygen -Y verify")]


def test_a_record_changed_after_signing_so_it_no_longer_parses_lists_every_signature_as_not_over_its_bytes(
    tmp_path: Path, prr: Prr
) -> None:
    repo, record = reviewed_repo(tmp_path)
    keyring = keys(tmp_path, *TWO)
    sign_all(record, keyring)
    record.write_bytes(out_of_range(record.read_bytes()))
    commit_all(repo)
    result = prr("verify", str(repo), "--allowed-signers", str(allowed(tmp_path, keyring)))
    assert result.code == 1, result.err
    assert "verdict.score: must be between 0 and 100, got 101" in result.out
    for principal in TWO:
        assert f"signatures/{principal}.sig: signature does not match the message" in result.out
    printed = commands(result.out)
    assert len(printed) == 2
    for command in printed:  # plain ssh-keygen agrees: these are not the signed bytes
        assert subprocess.run(command, shell=True, cwd=repo, capture_output=True).returncode != 0, command


def test_an_unparseable_record_signed_as_it_is_says_the_bytes_are_as_signed_and_stays_invalid(
    tmp_path: Path, prr: Prr
) -> None:
    repo, record = reviewed_repo(tmp_path, tier=3)
    keyring = keys(tmp_path, "alice@example.com")
    broken = out_of_range(record.read_bytes())
    record.write_bytes(broken)
    folder = record.parent / "signatures"
    folder.mkdir()
    (folder / "alice@example.com.sig").write_bytes(ssh_sign(keyring["alice@example.com"], broken, NAMESPACE))
    commit_all(repo)
    allowed_signers = allowed(tmp_path, keyring)
    [result] = verify(repo, VerifyOptions(allowed_signers=allowed_signers)).results
    assert result.status is RecordStatus.INVALID and result.head is None
    [signature] = result.signatures
    assert not signature.valid
    assert signature.reason.startswith("alice@example.com signed exactly these bytes with SHA256:")
    assert "signer checked at verification time: an unreadable record has no trusted time" in signature.reason
    shown = prr("verify", str(repo), "--allowed-signers", str(allowed_signers), "--format", "json")
    assert shown.code == 1, shown.err
    [listed] = json.loads(shown.out)["records"][0]["signatures"]
    assert subprocess.run(listed["ssh_keygen"], shell=True, cwd=repo, capture_output=True).returncode == 0


def test_an_unparseable_record_signed_as_it_is_by_someone_not_allowed_says_both(tmp_path: Path) -> None:
    repo, record = reviewed_repo(tmp_path, tier=3)
    keyring = keys(tmp_path, "alice@example.com", "mallory@example.com")
    sign_all(record, keyring)
    broken = out_of_range(record.read_bytes())
    record.write_bytes(broken)
    mallory = record.parent / "signatures" / "mallory@example.com.sig"
    mallory.write_bytes(ssh_sign(keyring["mallory@example.com"], broken, NAMESPACE))
    commit_all(repo)
    only_alice = allowed(tmp_path, {"alice@example.com": keyring["alice@example.com"]})
    [result] = verify(repo, VerifyOptions(allowed_signers=only_alice)).results
    alice, mallory_result = result.signatures
    assert "signature does not match the message" in alice.reason
    assert mallory_result.reason.startswith("mallory@example.com signed exactly these bytes with SHA256:")
    assert "but mallory@example.com is not allowed to sign" in mallory_result.reason
    assert f"signature {mallory_result.path}: {mallory_result.reason}" in result.failures
