"""The ssh-keygen adapter: signing with every kind of key reference, delegated verification,
and the command an auditor pastes."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from prr.adapters.signing import ssh_keygen
from prr.adapters.signing.sshsig import NAMESPACE, Check, parse_signature, verify_signature
from prr.domain.errors import InputError, ToolError

from .sshkeys import KeyRing, write_allowed

MESSAGE = b'[record]\nverdict = "ready"\n'


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyRing:
    return KeyRing(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private ssh-agent for this test; SSH_AUTH_SOCK points at it."""
    socket = tmp_path / "agent.sock"
    process = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(socket)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 10
        while not socket.exists():
            assert process.poll() is None and time.monotonic() < deadline, "ssh-agent did not start"
            time.sleep(0.02)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(socket))
        yield socket
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stderr is not None
        process.stderr.close()


def public_only(key_public: Path, folder: Path) -> Path:
    """A copy of the .pub file in a folder without its private key."""
    folder.mkdir()
    return Path(shutil.copy(key_public, folder / key_public.name))


# Signing -------------------------------------------------------------------------------------


def test_sign_with_a_private_key_file(keys: KeyRing) -> None:
    key = keys("ecdsa-p384")
    signature = ssh_keygen.sign(MESSAGE, str(key.private))
    sig = parse_signature(signature)
    assert sig.namespace == NAMESPACE
    assert sig.public_key == key.key
    assert verify_signature(sig, MESSAGE).check is Check.VALID


def test_sign_with_a_public_key_whose_private_key_is_in_ssh_agent(keys: KeyRing, agent: Path, tmp_path: Path) -> None:
    key = keys("ed25519")
    subprocess.run(["ssh-add", "-q", str(key.private)], check=True, capture_output=True)
    signature = ssh_keygen.sign(MESSAGE, str(public_only(key.public, tmp_path / "pub")))
    assert verify_signature(parse_signature(signature), MESSAGE).check is Check.VALID


def test_sign_with_a_literal_key_as_git_writes_it(keys: KeyRing, agent: Path) -> None:
    key = keys("rsa")
    subprocess.run(["ssh-add", "-q", str(key.private)], check=True, capture_output=True)
    signature = ssh_keygen.sign(MESSAGE, f"key::{key.public.read_text().strip()}")
    sig = parse_signature(signature)
    assert sig.public_key == key.key
    assert sig.signature_algorithm == "rsa-sha2-512"
    assert verify_signature(sig, MESSAGE).check is Check.VALID


def test_a_key_that_cannot_sign_gives_ssh_keygens_own_words(
    keys: KeyRing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    lonely = public_only(keys("ed25519").public, tmp_path / "pub")
    with pytest.raises(
        ToolError, match=f'ssh-keygen could not sign with {lonely}: No private key found for public key "{lonely}"'
    ):
        ssh_keygen.sign(MESSAGE, str(lonely))


def test_a_literal_key_not_in_the_agent_names_only_its_type(keys: KeyRing, agent: Path) -> None:
    with pytest.raises(ToolError, match=r"could not sign with key::ssh-ed25519 \.\.\.: "):
        ssh_keygen.sign(MESSAGE, f"key::{keys('ed25519').key.openssh()}")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("/no/such/key", "/no/such/key: no such key file; give a private key, a .pub file"),
        ("key::ssh-ed25519 AAAA!", "signing key key::ssh-ed25519 ...: key data is not valid base64"),
        ("key::", "signing key key:: ...: expected a public key"),
    ],
)
def test_a_bad_key_reference_is_an_input_error(key: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        ssh_keygen.sign(MESSAGE, key)
    assert caught.value.lines()[0].startswith(message)


def test_without_ssh_keygen_on_path_signing_and_verifying_are_tool_errors(
    keys: KeyRing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = keys("ed25519")
    allowed = write_allowed(tmp_path / "allowed", key.line("alice"))
    signature = ssh_keygen.sign(MESSAGE, str(key.private))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ToolError, match="ssh-keygen not found on PATH"):
        ssh_keygen.sign(MESSAGE, str(key.private))
    with pytest.raises(ToolError, match="ssh-keygen not found on PATH"):
        ssh_keygen.verify(MESSAGE, signature, "alice", allowed)


# Verifying -----------------------------------------------------------------------------------


@pytest.fixture
def signed(keys: KeyRing, tmp_path: Path) -> tuple[bytes, Path]:
    key = keys("ed25519")
    allowed = write_allowed(tmp_path / "allowed_signers", key.line("alice@example.com"))
    return ssh_keygen.sign(MESSAGE, str(key.private)), allowed


def test_verify_accepts_a_good_signature_and_reports_ssh_keygens_words(signed: tuple[bytes, Path]) -> None:
    signature, allowed = signed
    ok, said = ssh_keygen.verify(MESSAGE, signature, "alice@example.com", allowed)
    assert ok
    assert said.startswith(f'Good "{NAMESPACE}" signature for alice@example.com with ED25519 key SHA256:')


@pytest.mark.parametrize(
    ("message", "principal", "namespace"),
    [
        (MESSAGE + b"\n", "alice@example.com", NAMESPACE),
        (MESSAGE, "bob@example.com", NAMESPACE),
        (MESSAGE, "alice@example.com", "file"),
    ],
)
def test_verify_refuses_with_ssh_keygens_words(
    signed: tuple[bytes, Path], message: bytes, principal: str, namespace: str
) -> None:
    signature, allowed = signed
    ok, said = ssh_keygen.verify(message, signature, principal, allowed, namespace)
    assert not ok
    assert "Could not verify signature" in said


def test_verify_checks_validity_at_the_given_time(keys: KeyRing, tmp_path: Path) -> None:
    key = keys("ed25519")
    allowed = write_allowed(tmp_path / "allowed", key.line("alice", 'valid-before="20200101Z"'))
    signature = ssh_keygen.sign(MESSAGE, str(key.private))
    assert ssh_keygen.verify(MESSAGE, signature, "alice", allowed, at=dt.datetime(2019, 6, 1, tzinfo=dt.UTC))[0]
    assert not ssh_keygen.verify(MESSAGE, signature, "alice", allowed)[0]  # now is after 2020


def test_verify_honours_revoked_keys(keys: KeyRing, tmp_path: Path) -> None:
    key = keys("ed25519")
    allowed = write_allowed(tmp_path / "allowed", key.line("alice"))
    revoked = tmp_path / "revoked"
    revoked.write_text(key.public.read_text())
    signature = ssh_keygen.sign(MESSAGE, str(key.private))
    assert not ssh_keygen.verify(MESSAGE, signature, "alice", allowed, revoked=revoked)[0]


def test_verify_with_a_missing_file_is_an_input_error(signed: tuple[bytes, Path], tmp_path: Path) -> None:
    signature, allowed = signed
    with pytest.raises(InputError, match="no such file"):
        ssh_keygen.verify(MESSAGE, signature, "alice@example.com", tmp_path / "missing")
    with pytest.raises(InputError, match="no such file"):
        ssh_keygen.verify(MESSAGE, signature, "alice@example.com", allowed, revoked=tmp_path / "missing")


# The auditor's command -----------------------------------------------------------------------


def test_the_auditors_command_runs_as_printed(keys: KeyRing, tmp_path: Path) -> None:
    key = keys("ed25519")
    folder = tmp_path / "records" / "2026 Q4 $(touch pwned)"
    folder.mkdir(parents=True)
    record = folder / "record.toml"
    record.write_bytes(MESSAGE)
    signature = folder / "o'brien@example.com.sig"
    signature.write_bytes(ssh_keygen.sign(MESSAGE, str(key.private)))
    allowed = write_allowed(tmp_path / "allowed signers", key.line("o'brien@example.com", 'valid-before="20200101Z"'))
    revoked = tmp_path / "revoked keys"
    revoked.write_text("")
    at = dt.datetime(2019, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
    command = ssh_keygen.verify_command(
        str(record), str(signature), "o'brien@example.com", str(allowed), revoked=str(revoked), at=at
    )
    assert command.startswith("ssh-keygen -Y verify -f ")
    assert "-Overify-time=20191231235959Z" in command
    assert command.endswith(" < " + f"'{record}'")
    done = subprocess.run(["sh", "-c", command], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Good" in done.stdout
    assert not (tmp_path / "pwned").exists()
    record.write_bytes(MESSAGE + b"\n")
    assert subprocess.run(["sh", "-c", command], capture_output=True, check=False).returncode != 0


def test_the_auditors_command_without_options_is_the_plain_verify_line() -> None:
    command = ssh_keygen.verify_command("r/record.toml", "r/signatures/alice.sig", "alice", "allowed_signers")
    assert command == (
        f"ssh-keygen -Y verify -f allowed_signers -I alice -n {NAMESPACE} -s r/signatures/alice.sig < r/record.toml"
    )
