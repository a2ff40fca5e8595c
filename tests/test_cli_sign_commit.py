"""The whole path from the command line: review, sign with two keys, commit, verify with
prr and with plain ssh-keygen; signing with git's own key and with ssh-agent."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Run
from gitrepos import git, make_repo
from records import SERVICE_FILES, allowed, answers_file, keys
from signing.sshkeys import ssh_keygen, string

Prr = Callable[..., Run]
TWO = ("alice@example.com", "bob@example.com")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", SERVICE_FILES)


def test_record_signed_by_two_keys_committed_and_verified_by_prr_and_ssh_keygen(
    repo: Path, tmp_path: Path, prr: Prr
) -> None:
    answers = answers_file(tmp_path, tier=1, signers=TWO)
    reviewed = prr("review", str(repo), "--no-tui", "--answers", str(answers), "--commit")
    assert reviewed.code == 0, reviewed.err
    record = Path(reviewed.out.splitlines()[-1])
    keyring = keys(tmp_path, *TWO)
    for principal, key in keyring.items():
        signed = prr("sign", str(record), "--key", str(key.private), "--principal", principal, "--commit")
        assert signed.code == 0, signed.err
        assert signed.out.splitlines()[-1] == str(record.parent / "signatures" / f"{principal}.sig")
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "log", "--format=%s", "-3").splitlines() == [f"prr: review record {record.parent.name}"] * 3
    allowed_signers = allowed(tmp_path, keyring)
    verified = prr("verify", str(repo), "--allowed-signers", str(allowed_signers))
    assert verified.code == 0, verified.out
    committed = git(repo, "show", f"HEAD:.prr/records/{record.parent.name}/record.toml").encode()
    for principal in TWO:
        signature = tmp_path / f"{principal}.sig"
        signature.write_text(git(repo, "show", f"HEAD:.prr/records/{record.parent.name}/signatures/{principal}.sig"))
        done = ssh_keygen("-Y", "verify", "-f", allowed_signers, "-I", principal, "-n", "prr-record-v1@prr",
                          "-s", signature, stdin=committed, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert prr("check", str(repo), "--allowed-signers", str(allowed_signers)).code == 0


def test_committing_leaves_the_users_staged_changes_staged_and_out_of_the_commit(
    repo: Path, tmp_path: Path, prr: Prr
) -> None:
    (repo / "src" / "app.py").write_text("print('work in progress')\n")
    (repo / "notes.txt").write_text("staged\n")
    git(repo, "add", "src/app.py", "notes.txt")
    staged = git(repo, "diff", "--cached")
    answers = answers_file(tmp_path, tier=3)
    record = Path(prr("review", str(repo), "--no-tui", "--answers", str(answers)).out.splitlines()[-1])
    committed = prr("commit", str(record))
    assert committed.code == 0, committed.err
    assert git(repo, "diff", "--cached") == staged
    files = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert files == [".prr/.gitattributes", f".prr/records/{record.parent.name}/record.toml"]


def test_sign_uses_gits_own_ssh_signing_key_and_email(repo: Path, tmp_path: Path, prr: Prr) -> None:
    key = keys(tmp_path, "carol@example.com")["carol@example.com"]
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingkey", str(key.public))  # a .pub: the private key is beside it
    git(repo, "config", "user.email", "carol@example.com")
    record = Path(prr("review", str(repo), "--no-tui", "--answers", str(answers_file(tmp_path, 3))).out.split()[-1])
    signed = prr("sign", str(record), cwd=repo)
    assert signed.code == 0, signed.err
    assert (record.parent / "signatures" / "carol@example.com.sig").is_file()


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[dict[str, str]]:
    socket = tmp_path / "agent.sock"
    process = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if socket.exists():
                break
            subprocess.run(["sleep", "0.05"], check=True)
        yield {"SSH_AUTH_SOCK": str(socket)}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)


def test_sign_with_a_key_held_by_ssh_agent(repo: Path, tmp_path: Path, prr: Prr, agent: dict[str, str]) -> None:
    key = keys(tmp_path, "dave@example.com")["dave@example.com"]
    subprocess.run(["ssh-add", "-q", str(key.private)], env=os.environ | agent, check=True, capture_output=True)
    key.private.rename(tmp_path / "elsewhere")  # only the agent has it now
    record = Path(prr("review", str(repo), "--no-tui", "--answers", str(answers_file(tmp_path, 3))).out.split()[-1])
    os.environ.update(agent)
    try:
        signed = prr("sign", str(record), "--key", str(key.public), "--principal", "dave@example.com")
    finally:
        del os.environ["SSH_AUTH_SOCK"]
    assert signed.code == 0, signed.err


def test_signing_an_undeclared_principal_is_refused(repo: Path, tmp_path: Path, prr: Prr) -> None:
    answers = answers_file(tmp_path, tier=3, signers=("alice@example.com",))
    record = Path(prr("review", str(repo), "--no-tui", "--answers", str(answers)).out.split()[-1])
    key = keys(tmp_path, "eve@example.com")["eve@example.com"]
    result = prr("sign", str(record), "--key", str(key.private), "--principal", "eve@example.com")
    assert result.code == 2
    assert result.err.strip() == (
        f"prr: eve@example.com is not a declared signer of record {record.parent.name} (declared: alice@example.com)"
    )
    assert not (record.parent / "signatures").exists()


def test_sign_without_a_key_says_how_to_give_one(repo: Path, tmp_path: Path, prr: Prr) -> None:
    record = Path(prr("review", str(repo), "--no-tui", "--answers", str(answers_file(tmp_path, 3))).out.split()[-1])
    result = prr("sign", str(record), "--principal", "x@example.com", cwd=repo)
    assert result.code == 2
    assert "no signing key: pass --key KEY" in result.err


@pytest.mark.parametrize("given", ["the .pub", "the key with its .pub beside it"])
def test_signing_with_a_security_key_asks_for_the_touch_ssh_keygen_keeps_quiet_about(
    repo: Path, tmp_path: Path, prr: Prr, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    # No FIDO authenticator here: the key's public half is enough for prr to know it is
    # one, and ssh-keygen then fails to use it, as it would without the token.
    blob = string(b"sk-ssh-ed25519@openssh.com") + string(bytes(range(32))) + string(b"ssh:")
    public = tmp_path / "id_ed25519_sk.pub"
    public.write_text(f"sk-ssh-ed25519@openssh.com {base64.b64encode(blob).decode()} fido\n")
    security_key = public
    if given != "the .pub":
        security_key = tmp_path / "id_ed25519_sk"
        security_key.write_text(  # a key handle: useless without the token
            "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
        )
        security_key.chmod(0o600)
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    record = Path(prr("review", str(repo), "--no-tui", "--answers", str(answers_file(tmp_path, 3))).out.split()[-1])
    result = prr("sign", str(record), "--key", str(security_key), "--principal", "frank@example.com")
    fingerprint = ssh_keygen("-l", "-E", "sha256", "-f", public).stdout.decode().split()[1]
    first, *rest = result.err.splitlines()
    assert first == f"Confirm user presence: touch your security key ({fingerprint}) to sign"
    assert result.code != 0 and rest and rest[-1].startswith(f"prr: ssh-keygen could not sign with {security_key}")
    plain = keys(tmp_path, "grace@example.com")["grace@example.com"]
    signed = prr("sign", str(record), "--key", str(plain.private), "--principal", "grace@example.com")
    assert signed.code == 0 and signed.err == ""  # an ordinary key needs no touch


@pytest.mark.parametrize(
    ("content", "mode", "said"),
    [
        ("principal ssh-ed25519 AAAA\n", 0o600, "not an SSH key"),
        ("", 0o600, "not an SSH key"),
        (None, 0o644, "others can read this private key (mode 0644), so ssh-keygen refuses it: chmod 600"),
    ],
)
def test_a_key_file_ssh_keygen_would_refuse_is_one_line_and_exit_2(
    repo: Path, tmp_path: Path, prr: Prr, content: str | None, mode: int, said: str
) -> None:
    record = Path(prr("review", str(repo), "--no-tui", "--answers", str(answers_file(tmp_path, 3))).out.split()[-1])
    key = keys(tmp_path, "heidi@example.com")["heidi@example.com"].private
    if content is not None:
        key.write_text(content)
    key.chmod(mode)
    result = prr("sign", str(record), "--key", str(key), "--principal", "heidi@example.com")
    assert result.code == 2
    [line] = result.err.splitlines()
    assert line.startswith(f"prr: {key}: ") and said in line
    assert not (record.parent / "signatures").exists()


def test_an_empty_principal_is_refused_not_replaced_by_gits_email(repo: Path, tmp_path: Path, prr: Prr) -> None:
    record = Path(prr("review", str(repo), "--no-tui", "--answers", str(answers_file(tmp_path, 3))).out.split()[-1])
    key = keys(tmp_path, "ivan@example.com")["ivan@example.com"].private
    result = prr("sign", str(record), "--key", str(key), "--principal", "")
    assert result.code == 2
    assert "who is signing?" in result.err


def test_the_printed_ssh_keygen_commands_work_from_the_repository_top_whatever_folder_prr_ran_in(
    repo: Path, tmp_path: Path, prr: Prr
) -> None:
    answers = answers_file(tmp_path, tier=1, signers=TWO)
    record = Path(prr("review", str(repo), "--no-tui", "--answers", str(answers)).out.splitlines()[-1])
    keyring = keys(tmp_path, *TWO)
    for principal, key in keyring.items():
        assert prr("sign", str(record), "--key", str(key.private), "--principal", principal, "--commit").code == 0
    trust = tmp_path / "trust files"  # a space: every path must be shell-quoted
    trust.mkdir()
    allowed(tmp_path, keyring).rename(trust / "allowed_signers")
    revoked = keys(trust, "mallory@example.com")["mallory@example.com"].public  # revokes nobody who signed
    src = repo / "src"
    given = ("--allowed-signers", "../../trust files/allowed_signers", "--revoked", os.path.relpath(revoked, src))
    verified = prr("verify", "..", *given, cwd=src)
    assert verified.code == 0, verified.out + verified.err
    commands = [line.strip() for line in verified.out.splitlines() if line.strip().startswith("ssh-keygen -Y verify")]
    assert len(commands) == 2
    for command in commands:
        assert f" -f '{trust / 'allowed_signers'}' " in command and f" -r '{revoked}' " in command
        done = subprocess.run(command, shell=True, cwd=repo, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr)
