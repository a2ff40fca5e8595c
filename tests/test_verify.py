"""`prr verify`: records and signatures read from git objects, every failure named."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from gitrepos import git, make_repo
from records import NOW, SERVICE_FILES, allowed, commit_all, keys, reviewed_repo, sign_all
from records import answers_file as answers_file_for
from signing.sshkeys import sign as ssh_sign
from signing.sshkeys import ssh_keygen

from prr.domain.verification import RecordStatus
from prr.workflow.review import review
from prr.workflow.signing import sign
from prr.workflow.verifying import VerifyOptions, verify

Prr = Callable[..., Run]
TWO = ("alice@example.com", "bob@example.com")


@pytest.fixture
def signed(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A tier-1 record signed by two people and committed: (repo, record, allowed_signers)."""
    repo, record = reviewed_repo(tmp_path)
    keyring = keys(tmp_path, *TWO)
    sign_all(record, keyring)
    commit_all(repo)
    return repo, record, allowed(tmp_path, keyring)


def verified(repo: Path, allowed_signers: Path, **options: object):
    report = verify(repo, VerifyOptions(allowed_signers=allowed_signers, **options))  # type: ignore[arg-type]
    assert len(report.results) == 1
    return report.results[0]


def tamper(repo: Path, record: Path, change: Callable[[bytes], bytes]) -> None:
    record.write_bytes(change(record.read_bytes()))
    commit_all(repo, "tamper")


def test_a_record_signed_by_two_keys_verifies_with_prr_and_with_plain_ssh_keygen(
    signed: tuple[Path, Path, Path], prr: Prr
) -> None:
    repo, record, allowed_signers = signed
    result = prr("verify", str(repo), "--allowed-signers", str(allowed_signers))
    assert result.code == 0, result.out + result.err
    assert "1 valid" in result.out
    commands = [line.strip() for line in result.out.splitlines() if line.strip().startswith("ssh-keygen -Y verify")]
    assert len(commands) == 2
    for principal in TWO:
        signature = record.parent / "signatures" / f"{principal}.sig"
        done = ssh_keygen("-Y", "verify", "-f", allowed_signers, "-I", principal, "-n", "prr-record-v1@prr",
                          "-s", signature, stdin=record.read_bytes(), check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
    for command in commands:  # the printed commands work as they are, from the repository top
        assert subprocess.run(command, shell=True, cwd=repo, capture_output=True).returncode == 0, command


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("a flipped byte", lambda data: data[:200] + bytes([data[200] ^ 1]) + data[201:]),
        ("CRLF line endings", lambda data: data.replace(b"\n", b"\r\n")),
        ("an added newline", lambda data: data + b"\n"),
    ],
)
def test_any_change_to_the_signed_bytes_invalidates_every_signature(
    signed: tuple[Path, Path, Path], name: str, change: Callable[[bytes], bytes]
) -> None:
    repo, record, allowed_signers = signed
    tamper(repo, record, change)
    result = verified(repo, allowed_signers)
    assert result.status is RecordStatus.INVALID
    assert [s.valid for s in result.signatures] == [False, False] or result.record is None


def test_a_signature_in_another_namespace_is_refused(tmp_path: Path) -> None:
    repo, record = reviewed_repo(tmp_path, tier=3)
    keyring = keys(tmp_path, "alice@example.com")
    folder = record.parent / "signatures"
    folder.mkdir()
    (folder / "alice@example.com.sig").write_bytes(ssh_sign(keyring["alice@example.com"], record.read_bytes(), "git"))
    commit_all(repo)
    result = verified(repo, allowed(tmp_path, keyring))
    assert result.status is RecordStatus.INVALID
    assert "namespace is 'git', expected 'prr-record-v1@prr'" in result.signatures[0].reason


def test_a_signer_missing_from_allowed_signers_is_refused(tmp_path: Path) -> None:
    repo, record = reviewed_repo(tmp_path, tier=3)
    keyring = keys(tmp_path, "alice@example.com", "mallory@example.com")
    sign_all(record, keyring)
    commit_all(repo)
    only_alice = allowed(tmp_path, {"alice@example.com": keyring["alice@example.com"]})
    result = verified(repo, only_alice)
    assert result.status is RecordStatus.INVALID
    assert [s.principal for s in result.signatures if not s.valid] == ["mallory@example.com"]
    assert "mallory@example.com is not allowed to sign" in result.signatures[1].reason


def test_a_key_no_longer_valid_at_the_records_time_is_refused(tmp_path: Path) -> None:
    repo, record = reviewed_repo(tmp_path, tier=3)
    keyring = keys(tmp_path, "alice@example.com")
    sign_all(record, keyring)
    commit_all(repo)
    result = verified(repo, allowed(tmp_path, keyring, 'valid-before="20261001Z"'))
    assert result.status is RecordStatus.INVALID
    assert "valid" in result.signatures[0].reason and "2026-10-01" in result.signatures[0].reason


def test_a_revoked_key_is_refused(tmp_path: Path) -> None:
    repo, record = reviewed_repo(tmp_path, tier=3)
    keyring = keys(tmp_path, "alice@example.com")
    sign_all(record, keyring)
    commit_all(repo)
    revoked = tmp_path / "revoked_keys"
    revoked.write_text(keyring["alice@example.com"].public.read_text())
    result = verified(repo, allowed(tmp_path, keyring), revoked=revoked)
    assert result.status is RecordStatus.INVALID
    assert "revoked" in result.signatures[0].reason


def test_an_expired_record_fails_verification(signed: tuple[Path, Path, Path]) -> None:
    repo, _, allowed_signers = signed
    result = verified(repo, allowed_signers, now=NOW + dt.timedelta(days=400))
    assert result.status is RecordStatus.EXPIRED
    report = verify(repo, VerifyOptions(allowed_signers=allowed_signers, now=NOW + dt.timedelta(days=400)))
    assert not report.all_valid


def test_one_key_under_two_principals_counts_as_one_signer(tmp_path: Path) -> None:
    repo, record = reviewed_repo(tmp_path, tier=1)
    key = keys(tmp_path, "alice@example.com")["alice@example.com"]
    sign_all(record, {"alice@example.com": key, "alice.laptop@example.com": key})
    commit_all(repo)
    result = verified(repo, allowed(tmp_path, {"alice@example.com": key, "alice.laptop@example.com": key}))
    assert all(s.valid for s in result.signatures)
    assert result.failures == ("signed by 1 distinct signer; tier 1 needs 2",)


def test_an_unsigned_record_is_not_valid(tmp_path: Path) -> None:
    repo, _ = reviewed_repo(tmp_path, tier=3)
    commit_all(repo)
    result = verified(repo, allowed(tmp_path, keys(tmp_path, "alice@example.com")))
    assert result.failures == ("not signed: tier 3 needs 1 distinct signer",)


def test_a_record_copied_to_another_service_is_a_replay(tmp_path: Path) -> None:
    repo, record = reviewed_repo(tmp_path, tier=3)
    keyring = keys(tmp_path, "alice@example.com")
    sign_all(record, keyring)
    copy = repo / "services" / "other" / ".prr" / "records" / record.parent.name
    copy.parent.mkdir(parents=True)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "record")
    shutil.copytree(record.parent, copy)
    commit_all(repo, "replay")
    report = verify(repo / "services" / "other", VerifyOptions(allowed_signers=allowed(tmp_path, keyring)))
    assert report.results[0].failures == ("record is for service folder '' but is kept in services/other",)


def test_a_code_change_after_the_review_makes_it_stale_but_prr_files_do_not(
    signed: tuple[Path, Path, Path],
) -> None:
    repo, _, allowed_signers = signed
    (repo / ".prr" / "notes.md").write_text("meeting notes\n")
    commit_all(repo, "only .prr")
    assert verified(repo, allowed_signers).status is RecordStatus.VALID
    (repo / "src" / "app.py").write_text("print('changed')\n")
    commit_all(repo, "code")
    result = verified(repo, allowed_signers)
    assert result.status is RecordStatus.STALE
    assert result.changed == ("src/app.py",)


def test_records_are_read_from_the_commit_not_the_working_tree(signed: tuple[Path, Path, Path]) -> None:
    repo, record, allowed_signers = signed
    record.write_bytes(record.read_bytes() + b"# edited on disk\n")  # uncommitted
    assert verified(repo, allowed_signers).status is RecordStatus.VALID


def test_a_record_folder_removed_since_is_found_in_the_tree_at_the_ref(
    signed: tuple[Path, Path, Path], prr: Prr
) -> None:
    repo, record, allowed_signers = signed
    git(repo, "rm", "-rq", ".prr/records")
    git(repo, "commit", "-qm", "remove the record")
    folder = record.parent.relative_to(repo)
    for path in (str(folder), str(folder / "record.toml")):
        result = prr("verify", path, "--ref", "HEAD~1", "--allowed-signers", str(allowed_signers), cwd=repo)
        assert result.code == 0, result.err
        assert f"{folder}/record.toml: valid" in result.out


def test_a_path_neither_in_the_working_tree_nor_at_the_ref_is_one_clear_line(
    signed: tuple[Path, Path, Path], prr: Prr
) -> None:
    repo, _, allowed_signers = signed
    result = prr("verify", ".prr/records/nope", "--ref", "HEAD", "--allowed-signers", str(allowed_signers), cwd=repo)
    assert result.code == 2
    head = git(repo, "rev-parse", "HEAD")[:12]
    assert result.err.splitlines() == [
        f"prr: .prr/records/nope: no such file or folder, in the working tree or at HEAD ({head})"
    ]


def test_a_missing_path_outside_any_repository_is_named_itself(tmp_path: Path, prr: Prr) -> None:
    result = prr("verify", str(tmp_path / "nope"))
    assert result.code == 2
    assert result.err.splitlines() == [f"prr: {tmp_path / 'nope'}: no such file or folder"]


def test_an_allowed_signers_file_inside_the_repository_needs_asking_and_is_reported_weaker(
    signed: tuple[Path, Path, Path], prr: Prr
) -> None:
    repo, _, allowed_signers = signed
    inside = repo / "allowed_signers"
    inside.write_text(allowed_signers.read_text())
    refused = prr("verify", str(repo), "--allowed-signers", str(inside))
    assert refused.code == 2
    assert "inside the repository under review" in refused.err and "--repository-signers allowed_signers" in refused.err
    commit_all(repo, "signers in repo")
    weaker = prr("verify", str(repo), "--repository-signers", "allowed_signers")
    assert weaker.code == 0, weaker.err
    assert "weaker" in weaker.out


def test_without_any_allowed_signers_verify_says_what_to_pass(signed: tuple[Path, Path, Path], prr: Prr) -> None:
    repo, _, _ = signed
    result = prr("verify", str(repo))
    assert result.code == 2
    assert result.err.strip() == (
        "prr: no allowed_signers file: pass --allowed-signers FILE (OpenSSH format, kept outside the repository), "
        "or set git config gpg.ssh.allowedSignersFile"
    )


def test_signing_twice_as_the_same_principal_is_refused(signed: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, record, _ = signed
    key = tmp_path / "keys" / "alice"
    with pytest.raises(Exception, match="already signed this record"):
        sign(record, str(key), "alice@example.com")


SMALL_PACK = """\
id: small
version: "1"
title: Small
description: One manual item.
scorer: gate
signoff: {0: 1, 1: 1, 2: 1, 3: 1}
sections:
  - id: ops
    title: Operations
    items:
      - id: ops.game-day
        title: The team rehearsed an outage
        why: A plan never practised fails when it is needed.
        how: Run a game day and write down what broke.
        required: [0, 1, 2, 3]
"""


def test_a_changed_checklist_invalidates_the_record(tmp_path: Path) -> None:
    pack = tmp_path / "small.yaml"
    pack.write_text(SMALL_PACK)
    repo = make_repo(tmp_path / "repo", SERVICE_FILES)
    answers = tmp_path / "answers.yaml"
    answers.write_text("checklist: small\ntier: 1\nanswers:\n  ops.game-day: {answer: pass}\n")
    record = review(repo, answers, pack_ref=str(pack), now=NOW).path
    keyring = keys(tmp_path, "alice@example.com")
    sign_all(record, keyring)
    commit_all(repo)
    trusted = allowed(tmp_path, keyring)
    assert verified(repo, trusted, checklist=pack).status is RecordStatus.VALID
    pack.write_text(SMALL_PACK.replace("title: Small", "title: Small, edited"))
    result = verified(repo, trusted, checklist=pack)
    assert result.status is RecordStatus.INVALID
    assert result.failures[0].startswith("checklist small 1 changed since the review")


def test_a_record_of_a_pack_that_is_not_built_in_needs_the_pack_file(tmp_path: Path) -> None:
    pack = tmp_path / "small.yaml"
    pack.write_text(SMALL_PACK)
    repo = make_repo(tmp_path / "repo", SERVICE_FILES)
    answers = tmp_path / "answers.yaml"
    answers.write_text("checklist: small\ntier: 1\nanswers: {}\n")
    review(repo, answers, pack_ref=str(pack), now=NOW)
    commit_all(repo)
    result = verified(repo, allowed(tmp_path, keys(tmp_path, "alice@example.com")))
    assert result.failures[0] == f"checklist {str(pack)!r} is not built in: name its file with --checklist FILE"


def test_the_service_config_may_raise_the_number_of_signers_but_never_lower_it(tmp_path: Path) -> None:
    repo, record = reviewed_repo(tmp_path, tier=3)  # the launch pack asks 1 signer at tier 3
    config = repo / ".prr" / "config.toml"
    config.write_text(config.read_text() + "signoff = 2\n")
    commit_all(repo, "two signers for us")
    record.unlink()
    again = review(repo, answers_file_for(tmp_path, 3), now=NOW).path
    keyring = keys(tmp_path, "alice@example.com")
    sign_all(again, keyring)
    commit_all(repo)
    result = verify(repo, VerifyOptions(allowed_signers=allowed(tmp_path, keyring))).results
    assert [r.failures for r in result] == [("signed by 1 distinct signer; tier 3 needs 2",)]


def test_an_unreadable_service_config_at_the_reviewed_commit_is_noted_and_sets_no_policy(tmp_path: Path) -> None:
    repo, record = reviewed_repo(tmp_path, tier=3)
    reviewed = git(repo, "rev-parse", "HEAD").strip()
    config = repo / ".prr" / "config.toml"
    config.write_text(config.read_text() + "\n[servce]\nsignoff = 2\n")  # a typo: nothing under .prr/ is source
    git(repo, "commit", "-qam", "a broken config")
    broken = git(repo, "rev-parse", "HEAD").strip()
    record.write_bytes(record.read_bytes().replace(reviewed.encode(), broken.encode()))  # reviewed there instead
    keyring = keys(tmp_path, "alice@example.com")
    sign_all(record, keyring)
    commit_all(repo)
    [result] = verify(repo, VerifyOptions(allowed_signers=allowed(tmp_path, keyring))).results
    assert result.status is RecordStatus.VALID  # the launch pack's one signer at tier 3
    assert result.notes == (
        "the service config at the reviewed commit is unreadable (.prr/config.toml:7:1: unknown table or key "
        "'servce' (prr reads only [service])): the pack's sign-off applies",
    )


def test_in_a_monorepo_only_the_services_own_files_and_its_evidence_make_its_review_stale(tmp_path: Path) -> None:
    codeowners = {".github/CODEOWNERS": "/services/api/ @acme/payments\n"}
    repo, record = reviewed_repo(tmp_path, tier=3, service="services/api", shared=codeowners)
    keyring = keys(tmp_path, "alice@example.com")
    sign_all(record, keyring)
    commit_all(repo)
    trusted = allowed(tmp_path, keyring)
    (repo / "services" / "web").mkdir(parents=True)
    (repo / "services" / "web" / "app.js").write_text("console.log('another team')\n")
    commit_all(repo, "another service")
    assert (
        verify(repo / "services" / "api", VerifyOptions(allowed_signers=trusted)).results[0].status
        is RecordStatus.VALID
    )
    (repo / "services" / "api" / "src" / "app.py").write_text("print('v2')\n")
    commit_all(repo, "this service")
    stale = verify(repo / "services" / "api", VerifyOptions(allowed_signers=trusted)).results[0]
    assert stale.status is RecordStatus.STALE
    assert stale.changed == ("services/api/src/app.py",)
    (repo / ".github" / "CODEOWNERS").write_text("/services/api/ @acme/someone-else\n")
    commit_all(repo, "ownership evidence changed")
    stale = verify(repo / "services" / "api", VerifyOptions(allowed_signers=trusted)).results[0]
    assert stale.changed == ("services/api/src/app.py", ".github/CODEOWNERS")
