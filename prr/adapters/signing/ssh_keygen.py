"""The one place prr runs ssh-keygen.

Signing goes through ssh-keygen so private keys, passphrases, ssh-agent and security keys
stay OpenSSH's business; verification uses it for what the in-process check delegates
(certificates, security keys), and `check-novalidate` for the same when only the
signature itself matters (before signing or committing); revocation uses it to read KRLs.
`verify_command` is the line an auditor pastes to check a signature with nothing but OpenSSH."""

from __future__ import annotations

import contextlib
import datetime as dt
import shlex
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from prr.adapters.files import read_capped
from prr.adapters.signing.ssh_pubkey import (
    KEY_FILE_LIMIT,
    PublicKey,
    parse_public_key,
    public_key_of_private_file,
    read_public_key_file,
)
from prr.adapters.signing.sshsig import NAMESPACE, SignatureError, parse_signature
from prr.domain.errors import InputError, ToolError

LITERAL_KEY = "key::"  # git's user.signingkey form: "key::ssh-ed25519 AAAA..."
_TIMEOUT = 60.0  # seconds, for everything but signing (which may wait for a passphrase or a touch)
_CHATTER = frozenset({"Signing data on standard input"})


def sign(message: bytes, key: str, namespace: str = NAMESPACE, notify: Callable[[str], None] | None = None) -> bytes:
    """`ssh-keygen -Y sign` over `message` (on stdin); the armored signature it writes.

    KEY is a private key file, a .pub file whose private key is in ssh-agent, or
    key::ALGORITHM BASE64 (also through ssh-agent). Passphrase and PIN prompts go to the
    terminal; ssh-keygen's request to touch a security key does not (its messages are
    captured for the error line), so NOTIFY is told to ask for the touch instead."""
    with tempfile.TemporaryDirectory(prefix="prr-sign-") as folder:
        key_file = _key_file(key, Path(folder))
        public = _public_half(Path(key_file))
        if notify is not None and public is not None and public.is_security_key:
            notify(f"Confirm user presence: touch your security key ({public.fingerprint}) to sign")
        done = _run(["-Y", "sign", "-f", key_file, "-n", namespace], message, timeout=None)
    if done.returncode != 0:
        raise ToolError(f"ssh-keygen could not sign with {_shown(key)}: {_said(done)}")
    try:
        parse_signature(done.stdout)
    except SignatureError as exc:
        raise ToolError(f"ssh-keygen wrote an unusable signature: {exc}") from None
    return done.stdout


def verify(
    message: bytes,
    signature: bytes,
    principal: str,
    allowed_signers: Path,
    namespace: str = NAMESPACE,
    revoked: Path | None = None,
    at: dt.datetime | None = None,
) -> tuple[bool, str]:
    """`ssh-keygen -Y verify` over `message` (on stdin); whether it accepted, and what it said.

    With `at`, keys and certificates are judged valid or not at that time, not now."""
    for path in (allowed_signers, revoked):
        if path is not None and not path.is_file():
            raise InputError(f"{path}: no such file")
    with tempfile.TemporaryDirectory(prefix="prr-verify-") as folder:
        signature_file = Path(folder) / "signature.sig"
        signature_file.write_bytes(signature)
        args = _verify_args(str(allowed_signers), principal, namespace, str(signature_file), revoked, at)
        done = _run(args, message, timeout=_TIMEOUT)
    return done.returncode == 0, _said(done)


def check_novalidate(message: bytes, signature: bytes, namespace: str = NAMESPACE) -> tuple[bool, str]:
    """`ssh-keygen -Y check-novalidate`: whether `signature` signs `message` (on stdin) in
    `namespace`, whoever made it; and what ssh-keygen said. No allowed_signers file: this
    is the cryptographic check alone, for the signatures `sshsig` delegates."""
    with tempfile.TemporaryDirectory(prefix="prr-check-") as folder:
        signature_file = Path(folder) / "signature.sig"
        signature_file.write_bytes(signature)
        done = _run(["-Y", "check-novalidate", "-n", namespace, "-s", str(signature_file)], message, timeout=_TIMEOUT)
    return done.returncode == 0, _said(done)


def verify_command(
    record_path: str,
    signature_path: str,
    principal: str,
    allowed_signers: str,
    namespace: str = NAMESPACE,
    revoked: str | None = None,
    at: dt.datetime | None = None,
) -> str:
    """The shell command that checks one signature with plain ssh-keygen, every argument quoted."""
    args = ["ssh-keygen", *_verify_args(allowed_signers, principal, namespace, signature_path, revoked, at)]
    return " ".join(shlex.quote(arg) for arg in args) + " < " + shlex.quote(record_path)


def check_krl(krl: Path) -> None:
    """InputError unless ssh-keygen can read `krl` as a key revocation list."""
    done = _run(["-Q", "-l", "-f", str(krl)], b"", timeout=_TIMEOUT)
    if done.returncode != 0:
        raise InputError(f"{krl}: not a usable key revocation list: {_said(done)}")


def krl_revokes(krl: Path, key: PublicKey) -> bool:
    """Whether the KRL revokes `key` (`ssh-keygen -Q`: exit 1 and REVOKED when it does)."""
    with tempfile.TemporaryDirectory(prefix="prr-krl-") as folder:
        key_file = Path(folder) / "key.pub"
        key_file.write_text(key.openssh() + "\n", encoding="ascii")
        done = _run(["-Q", "-f", str(krl), str(key_file)], b"", timeout=_TIMEOUT)
    if done.returncode == 0:
        return False
    if done.returncode == 1 and b": REVOKED" in done.stdout:
        return True
    raise ToolError(f"ssh-keygen could not check {key.fingerprint} against {krl}: {_said(done)}")


def _verify_args(
    allowed_signers: str,
    principal: str,
    namespace: str,
    signature: str,
    revoked: Path | str | None,
    at: dt.datetime | None,
) -> list[str]:
    args = ["-Y", "verify", "-f", allowed_signers, "-I", principal, "-n", namespace, "-s", signature]
    if revoked is not None:
        args += ["-r", str(revoked)]
    if at is not None:
        args.append(f"-Overify-time={at.astimezone(dt.UTC):%Y%m%d%H%M%SZ}")
    return args


def _key_file(key: str, folder: Path) -> str:
    if key.startswith(LITERAL_KEY):
        try:
            public = parse_public_key(key.removeprefix(LITERAL_KEY))
        except ValueError as exc:
            raise InputError(f"signing key {_shown(key)}: {exc}") from None
        path = folder / "signing-key.pub"
        path.write_text(public.openssh() + "\n", encoding="ascii")
        return str(path)
    path = Path(key).expanduser()
    if not path.is_file():
        raise InputError(f"{key}: no such key file; {_KEY_HELP}")
    _check_key_file(path, key)
    return str(path)


_KEY_HELP = "give a private key, a .pub file whose key is in ssh-agent, or key::TYPE BASE64"


def _check_key_file(path: Path, shown: str) -> None:
    """InputError for what ssh-keygen would refuse with a misleading message: a file that
    is no SSH key ("Couldn't load public key ... No such file"), or a private key others
    may read ("UNPROTECTED PRIVATE KEY FILE")."""
    text = read_capped(path, KEY_FILE_LIMIT, shown).decode("ascii", "replace")
    if text.startswith("-----BEGIN ") and "PRIVATE KEY-----" in text.split("\n", 1)[0]:
        mode = path.stat().st_mode
        if mode & 0o077:
            raise InputError(
                f"{shown}: others can read this private key (mode {stat.S_IMODE(mode):04o}), so ssh-keygen refuses it: "
                f"chmod 600 {shlex.quote(str(path))}"
            )
        return
    try:
        parse_public_key(text.strip().splitlines()[0] if text.strip() else "")
    except ValueError:
        raise InputError(f"{shown}: not an SSH key (neither a private key nor a public one); {_KEY_HELP}") from None


def _public_half(key_file: Path) -> PublicKey | None:
    """The public key of the key ssh-keygen is given, where it shows without ssh-keygen or
    a passphrase: a .pub file, the .pub beside a private key, or the public part an
    OpenSSH private key file keeps in the clear. None when none says (ssh-keygen then
    signs all the same; only the touch request is not announced)."""
    public = key_file if key_file.name.endswith(".pub") else key_file.with_name(key_file.name + ".pub")
    if public.is_file():  # never a FIFO: opening one would wait
        with contextlib.suppress(InputError):  # not a public key: the private key may say
            return read_public_key_file(public)
    if public != key_file and key_file.is_file():
        return public_key_of_private_file(key_file)
    return None


def _shown(key: str) -> str:
    """The key as named in messages: a literal key by its type only."""
    return key.split(maxsplit=1)[0] + " ..." if key.startswith(LITERAL_KEY) else key


def _run(args: list[str], stdin: bytes, timeout: float | None) -> subprocess.CompletedProcess[bytes]:
    program = shutil.which("ssh-keygen")
    if program is None:
        raise ToolError("ssh-keygen not found on PATH: install OpenSSH to sign and verify review records")
    try:
        done = subprocess.run([program, *args], input=stdin, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ToolError(f"ssh-keygen {' '.join(args[:2])} did not finish within {timeout:.0f} s") from None
    except OSError as exc:
        raise ToolError(f"cannot run {program}: {exc.strerror or exc}") from None
    if done.returncode < 0:
        raise ToolError(f"ssh-keygen {' '.join(args[:2])} was killed by signal {-done.returncode}")
    return done


def _said(done: subprocess.CompletedProcess[bytes]) -> str:
    """ssh-keygen's own words, one line: its messages without the routine chatter."""
    text = (done.stdout + b"\n" + done.stderr).decode("utf-8", "replace")
    lines = [line.strip() for line in text.splitlines() if line.strip() and line.strip() not in _CHATTER]
    return "; ".join(lines) or f"exit status {done.returncode}"
