"""allowed_signers: read as OpenSSH reads it, every bad line reported, decisions as ssh-keygen's."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prr.adapters.signing import ssh_keygen
from prr.adapters.signing.allowed_signers import (
    AllowedSigner,
    Authorization,
    authorize,
    match_pattern_list,
    parse_allowed_signers,
    principals_for,
    read_allowed_signers,
)
from prr.adapters.signing.sshsig import NAMESPACE, parse_signature
from prr.domain.errors import InputError

from .sshkeys import Key, KeyRing, certify, make_key, sign, write_allowed
from .sshkeys import ssh_keygen as run_ssh_keygen

MESSAGE = b'[record]\nverdict = "ready"\n'
JUNE = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyRing:
    return KeyRing(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def tokyo_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC+9 for prr and for the ssh-keygen it starts."""
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def agree(
    tmp_path: Path, key: Key, lines: list[str], principal: str, at: dt.datetime, namespace: str = NAMESPACE
) -> bool:
    """authorize()'s answer, after checking that `ssh-keygen -Y verify` gives the same one."""
    allowed = write_allowed(tmp_path / "allowed_signers", *lines)
    signature = sign(key, MESSAGE, namespace)
    by_keygen, said = ssh_keygen.verify(MESSAGE, signature, principal, allowed, namespace, at=at)
    public_key = parse_signature(signature).public_key
    by_prr = authorize(read_allowed_signers(allowed), principal, public_key, namespace, at)
    assert by_prr.allowed == by_keygen, (by_prr, said)
    return by_prr.allowed


# Reading --------------------------------------------------------------------------------------


def test_every_option_quoting_and_comments_are_read(keys: KeyRing) -> None:
    alice, bob, ca, dave, erin = (keys("ed25519", name).key for name in ("alice", "bob", "ca", "dave", "erin"))
    text = (
        "# team signers\n"
        "\n"
        f"alice@example.com {alice.openssh()}   alice's laptop\n"
        '"bob@example.com,carol@example.com" '
        f'NAMESPACES="prr-*,file",Valid-After="20260101Z",valid-before="202701011230Z" {bob.openssh()}\n'
        f'*@example.com cert-authority,namespaces="prr-record-v1@prr" {ca.openssh()}\n'
        f'dave namespaces="a\\"b" {dave.openssh()}\n'
        "   # an indented comment\n"
        f'erin\tvalid-after="20260101000000z"\t{erin.openssh()}\r\n'
        f'"two words" {alice.openssh()}\n'
    )
    signers = parse_allowed_signers(text, "team")
    assert signers == [
        AllowedSigner("alice@example.com", alice, False, None, None, None, 3, "team"),
        AllowedSigner(
            "bob@example.com,carol@example.com",
            bob,
            False,
            "prr-*,file",
            utc("2026-01-01T00:00"),
            utc("2027-01-01T12:30"),
            4,
            "team",
        ),
        AllowedSigner("*@example.com", ca, True, "prr-record-v1@prr", None, None, 5, "team"),
        AllowedSigner("dave", dave, False, 'a"b', None, None, 6, "team"),
        AllowedSigner("erin", erin, False, None, utc("2026-01-01T00:00"), None, 8, "team"),
        AllowedSigner("two words", alice, False, None, None, None, 9, "team"),
    ]


def test_a_time_without_z_is_local_time_as_in_openssh(keys: KeyRing, tmp_path: Path, tokyo_time: None) -> None:
    key = keys("ed25519", "alice")
    line = key.line("alice", 'valid-after="20270101"')
    (signer,) = parse_allowed_signers(line, "team")
    assert signer.valid_after == utc("2026-12-31T15:00")
    assert not agree(tmp_path, key, [line], "alice", utc("2026-12-31T14:59:59"))
    assert agree(tmp_path, key, [line], "alice", utc("2026-12-31T15:00:00"))


KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("alice", 6, "missing key"),
        (f'alice foo="x" {KEY}', 7, "unknown option 'foo'"),
        (f"alice bogus {KEY}", 7, "unknown option 'bogus'"),
        (f"alice namespaces=prr {KEY}", 18, 'the value of namespaces must be in double quotes: namespaces="..."'),
        (f'alice namespaces="a",Namespaces="b" {KEY}', 22, "namespaces given twice"),
        (f'alice valid-after="2027" {KEY}', 7, "invalid valid-after time '2027'"),
        (f'alice valid-before="20271301" {KEY}', 7, "invalid valid-before time '20271301'"),
        (f'alice valid-after="19700101Z" {KEY}', 7, "invalid valid-after time"),
        (f'alice valid-after="20270101Z",valid-before="20260101Z" {KEY}', 31, "valid-before is not after valid-after"),
        (f'"alice {KEY}', 1, "unterminated quote in the principals"),
        (f'"alice"x {KEY}', 8, "expected a space after the quoted principals"),
        (f'al"ice {KEY}', 3, "quote inside the principals"),
        (f'"" {KEY}', 1, "empty principals"),
        (f'alice cert-authority="yes" {KEY}', 7, "cert-authority takes no value"),
        (f'alice namespaces="x {KEY}', 7, "unterminated quote in the options"),
        (f"alice cert-authority, {KEY}", 21, "options end with a comma"),
        (f"alice ,cert-authority {KEY}", 7, "empty option (a stray comma?)"),
        (f'alice namespaces="x"y {KEY}', 21, "expected ',' between options"),
        ("alice cert-authority", 21, "missing key after the options"),
        ("alice ssh-dss AAAAB3NzaC1kc3M=", 7, "unsupported key type 'ssh-dss'"),
        ("alice ssh-ed25519 AAAA!", 7, "key data is not valid base64"),
        ("alice ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", 7, "public key is truncated"),
        (f"alice {KEY[:11]}", 7, "expected a public key"),
        ("alice \r ", 7, "expected a public key"),
    ],
)
def test_a_bad_line_is_reported_at_its_line_and_column(line: str, column: int, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_allowed_signers(f"# first line\n{line}\n", "allowed_signers")
    (reported,) = caught.value.lines()
    assert reported.startswith(f"allowed_signers:2:{column}: {message}"), reported


def test_every_bad_line_is_reported_at_once(keys: KeyRing) -> None:
    good = keys("ed25519", "alice").line("alice")
    text = f"bogus\n{good}\nalice ssh-dss AAAA\n{good}\nalice namespaces=x {KEY}\n"
    with pytest.raises(InputError) as caught:
        parse_allowed_signers(text, "team")
    assert [line.split(": ")[0] for line in caught.value.lines()] == ["team:1:6", "team:3:7", "team:5:18"]


def test_a_file_that_cannot_be_read_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_allowed_signers(tmp_path / "missing")
    binary = tmp_path / "binary"
    binary.write_bytes(b"alice \xff\n")
    with pytest.raises(InputError, match=f"{binary}: not UTF-8 text"):
        read_allowed_signers(binary)


_SYNTAX = ['"', "\\", ",", "=", " ", "\t", "#", "*", "!", "\r", '"x"', '"20270101"']
_WORDS = ["alice", "cert-authority", "namespaces", "valid-after", "valid-before", "ssh-ed25519", KEY.split()[1], KEY]
_TOKENS = st.sampled_from(_SYNTAX + _WORDS)


@settings(max_examples=400, deadline=None)
@given(lines=st.lists(st.lists(_TOKENS, max_size=12).map("".join), max_size=4))
def test_any_text_parses_or_gives_input_error_lines(lines: list[str]) -> None:
    try:
        parse_allowed_signers("\n".join(lines), "fuzz")
    except InputError as exc:
        assert all(line.startswith("fuzz:") for line in exc.lines())


# Deciding -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        ("2025-12-31T23:59:59", False),
        ("2026-01-01T00:00:00", True),  # valid-after is inclusive
        ("2026-06-01T12:00:00", True),
        ("2027-01-01T00:00:00", True),  # so is valid-before
        ("2027-01-01T00:00:01", False),
    ],
)
def test_validity_is_checked_at_the_given_time_as_ssh_keygen_does(
    keys: KeyRing, tmp_path: Path, at: str, allowed: bool
) -> None:
    key = keys("ed25519", "alice")
    line = key.line("alice", 'valid-after="20260101Z",valid-before="20270101Z"')
    assert agree(tmp_path, key, [line], "alice", utc(at)) is allowed


def test_validity_refusals_say_which_limit_and_which_line(keys: KeyRing) -> None:
    key = keys("ed25519", "alice")
    signers = parse_allowed_signers(
        "# keys\n" + key.line("alice", 'valid-after="20260101Z",valid-before="20270101Z"'), "allowed_signers"
    )
    early = authorize(signers, "alice", key.key, NAMESPACE, utc("2025-06-01T00:00"))
    assert early.reason == "key not valid before 2026-01-01T00:00:00Z (allowed_signers:2)"
    assert early.line == 2
    late = authorize(signers, "alice", key.key, NAMESPACE, utc("2027-06-01T00:00"))
    assert late.reason == "key expired at 2027-01-01T00:00:00Z (allowed_signers:2)"
    assert authorize(signers, "alice", key.key, NAMESPACE, JUNE).allowed


@pytest.mark.parametrize(
    ("namespaces", "allowed"),
    [
        ("prr-record-v1@prr", True),
        ("prr-*", True),
        ("file,prr-record-v?@prr", True),
        ("file,git", False),
        ("*,!prr-*", False),
        ("!prr-*,*", False),
        ("PRR-RECORD-V1@PRR", False),  # namespaces are case-sensitive
    ],
)
def test_namespaces_are_pattern_lists(keys: KeyRing, tmp_path: Path, namespaces: str, allowed: bool) -> None:
    key = keys("ed25519", "alice")
    assert agree(tmp_path, key, [key.line("alice", f'namespaces="{namespaces}"')], "alice", JUNE) is allowed


def test_a_refused_namespace_says_so(keys: KeyRing) -> None:
    key = keys("ed25519", "alice")
    signers = parse_allowed_signers(key.line("alice", 'namespaces="file"'), "team")
    decision = authorize(signers, "alice", key.key, NAMESPACE, JUNE)
    assert decision.reason == f"namespace {NAMESPACE} not allowed for this key (team:1)"


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        ("alice@example.com", True),
        ("bob@example.com", True),
        ("mallory@example.com", False),  # the negation wins wherever it is in the list
        ("alice@example.org", False),
        ("alice@EXAMPLE.com", False),  # principals are case-sensitive
        ("carol@eu.example.net", True),
        ("carol@example.net", False),
    ],
)
def test_principal_patterns_with_wildcards_and_negation(
    keys: KeyRing, tmp_path: Path, principal: str, allowed: bool
) -> None:
    key = keys("ed25519", "alice")
    line = key.line("*@example.com,!mallory@*,carol@??.example.net")
    assert agree(tmp_path, key, [line], principal, JUNE) is allowed


def test_a_principal_not_listed_for_the_key_is_told_so(keys: KeyRing) -> None:
    alice, bob = keys("ed25519", "alice"), keys("ed25519", "bob")
    signers = parse_allowed_signers(f"{alice.line('alice')}\n{bob.line('bob')}\n", "team")
    decision = authorize(signers, "alice", bob.key, NAMESPACE, JUNE)
    assert decision == Authorization(False, f"alice is not allowed to sign with {bob.key.fingerprint} (team)", None)


def test_a_key_listed_under_two_principals_signs_for_both(keys: KeyRing, tmp_path: Path) -> None:
    key = keys("ed25519", "alice")
    lines = [key.line("alice@example.com"), key.line("alice.ops@example.com")]
    assert agree(tmp_path, key, lines, "alice@example.com", JUNE)
    assert agree(tmp_path, key, lines, "alice.ops@example.com", JUNE)
    signers = parse_allowed_signers("\n".join(lines), "team")
    assert authorize(signers, "alice.ops@example.com", key.key, NAMESPACE, JUNE).line == 2
    assert principals_for(signers, key.key, NAMESPACE, JUNE) == ["alice@example.com", "alice.ops@example.com"]
    signature = tmp_path / "record.sig"
    signature.write_bytes(sign(key, MESSAGE, NAMESPACE))
    found = run_ssh_keygen("-Y", "find-principals", "-f", tmp_path / "allowed_signers", "-s", signature)
    assert found.stdout.decode().split() == ["alice@example.com"]  # ssh-keygen stops at the first line


def test_the_first_line_that_allows_wins_and_the_first_refusal_explains(keys: KeyRing, tmp_path: Path) -> None:
    key = keys("ed25519", "alice")
    lines = [key.line("alice", 'namespaces="file"'), key.line("alice", 'valid-before="20200101Z"'), key.line("alice")]
    assert agree(tmp_path, key, lines, "alice", JUNE)
    signers = parse_allowed_signers("\n".join(lines), "team")
    assert authorize(signers, "alice", key.key, NAMESPACE, JUNE).line == 3
    refused = authorize(signers[:2], "alice", key.key, NAMESPACE, JUNE)
    assert (refused.line, refused.reason) == (1, f"namespace {NAMESPACE} not allowed for this key (team:1)")


def test_principals_for_leaves_out_lines_that_do_not_allow(keys: KeyRing) -> None:
    key = keys("ed25519", "alice")
    text = "\n".join(
        [key.line("alice"), key.line("ops", 'namespaces="file"'), key.line("old", 'valid-before="20200101Z"')]
    )
    assert principals_for(parse_allowed_signers(text, "team"), key.key, NAMESPACE, JUNE) == ["alice"]


# Certificates ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certified(keys: KeyRing, tmp_path_factory: pytest.TempPathFactory) -> tuple[Key, Key]:
    """A CA and a user certificate for alice@example.com and alice, valid 2026-01-01 to 2027-01-01."""
    ca = keys("ed25519", "ca")
    user = make_key(tmp_path_factory.mktemp("cert"), "alice")
    return ca, certify(
        ca, user, "alice@example.com,alice", validity="20260101000000Z:20270101000000Z", identity="alice-id"
    )


@pytest.mark.parametrize(
    ("pattern", "principal", "at", "allowed"),
    [
        ("*@example.com", "alice@example.com", "2026-06-01T00:00:00", True),
        ("*", "alice", "2026-06-01T00:00:00", True),
        ("*@example.com", "bob@example.com", "2026-06-01T00:00:00", False),  # not in the certificate
        ("*@example.com", "alice", "2026-06-01T00:00:00", False),  # not in the line's patterns
        ("*@example.com", "alice@example.com", "2025-12-31T23:59:59", False),  # before the certificate
        ("*@example.com", "alice@example.com", "2026-12-31T23:59:59", True),
        ("*@example.com", "alice@example.com", "2027-01-01T00:00:00", False),  # valid-before is exclusive
    ],
)
def test_a_cert_authority_line_admits_its_certificates(
    certified: tuple[Key, Key], tmp_path: Path, pattern: str, principal: str, at: str, allowed: bool
) -> None:
    ca, cert = certified
    assert agree(tmp_path, cert, [ca.line(pattern, "cert-authority")], principal, utc(at)) is allowed


def test_certificate_refusals_name_the_certificate(certified: tuple[Key, Key]) -> None:
    ca, cert = certified
    signers = parse_allowed_signers(ca.line("*", "cert-authority"), "team")
    assert authorize(signers, "bob", cert.key, NAMESPACE, JUNE).reason == (
        "certificate 'alice-id' does not name bob as a principal (team:1)"
    )
    assert authorize(signers, "alice", cert.key, NAMESPACE, utc("2028-01-01T00:00")).reason == (
        "certificate 'alice-id' not valid at 2028-01-01T00:00:00Z "
        "(valid from 2026-01-01T00:00:00Z to 2027-01-01T00:00:00Z) (team:1)"
    )


def test_a_certificate_is_not_its_plain_key_nor_another_cas(
    keys: KeyRing, certified: tuple[Key, Key], tmp_path: Path
) -> None:
    ca, cert = certified
    plain = Key(cert.private, cert.private.with_name("alice.pub"))
    other_ca = keys("ed25519", "other-ca")
    assert not agree(tmp_path, cert, [plain.line("alice")], "alice", JUNE)
    assert not agree(tmp_path, cert, [other_ca.line("*", "cert-authority")], "alice", JUNE)
    assert not agree(tmp_path, plain, [ca.line("*", "cert-authority")], "alice", JUNE)


def test_a_host_certificate_cannot_sign(keys: KeyRing, tmp_path: Path) -> None:
    ca = keys("ed25519", "ca")
    host = certify(ca, make_key(tmp_path / "host", "host"), "alice", host=True)
    assert not agree(tmp_path, host, [ca.line("*", "cert-authority")], "alice", dt.datetime.now(dt.UTC))
    signers = parse_allowed_signers(ca.line("*", "cert-authority"), "team")
    assert "is a host certificate" in authorize(signers, "alice", host.key, NAMESPACE, dt.datetime.now(dt.UTC)).reason


def test_principals_for_a_certificate_are_its_principals_the_line_allows(certified: tuple[Key, Key]) -> None:
    ca, cert = certified
    signers = parse_allowed_signers(ca.line("*@example.com", "cert-authority"), "team")
    assert principals_for(signers, cert.key, NAMESPACE, JUNE) == ["alice@example.com"]
    assert principals_for(signers, cert.key, NAMESPACE, utc("2028-01-01T00:00")) == []


# Patterns --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "value", "matches"),
    [
        ("alice", "alice", True),
        ("alice", "alicia", False),
        ("a*", "alice", True),
        ("*e", "alice", True),
        ("a?ice", "alice", True),
        ("a?ice", "aice", False),
        ("*", "", True),
        ("a*b*c", "aXXbYYbZc", True),
        ("a*b*c", "aXXbYYbZ", False),
        ("bob,alice", "alice", True),
        ("*,!alice", "alice", False),
        ("!alice,*", "alice", False),
        ("!alice", "bob", False),  # a negation alone admits nobody
        ("a,", "a", True),
        ("a,,", "a", True),
        ("a[bc]", "ab", False),  # no character classes in OpenSSH patterns
        ("a[bc]", "a[bc]", True),
        pytest.param("a" * 1022 + ",*", "x", True, id="a 1022-character sub-pattern"),
        pytest.param("a" * 1023 + ",*", "x", False, id="a 1023-character sub-pattern fails the list"),
    ],
)
def test_match_pattern_list_is_openssh_s(tmp_path: Path, patterns: str, value: str, matches: bool) -> None:
    assert match_pattern_list(patterns, value) is matches
    if value:  # ssh-keygen -Y match-principals applies the same function to an allowed_signers line
        write_allowed(tmp_path / "allowed", f"{patterns} {KEY}")
        found = run_ssh_keygen("-Y", "match-principals", "-I", value, "-f", tmp_path / "allowed", check=False)
        assert (found.returncode == 0) is matches


def test_match_pattern_list_answers_hostile_patterns() -> None:
    """Backtracking on many stars must not explode (speed is measured in benchmarks/, not here)."""
    assert not match_pattern_list("*a*a*a*a*a*a*a*a*a*b", "a" * 500)
