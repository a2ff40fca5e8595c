"""Who may sign: the allowed_signers file (and revoked keys) verification trusts.

Trust comes from outside the repository: anyone who can push could add themselves to a
file inside it. So the file is the one the auditor names (`--allowed-signers`), else
git's own `gpg.ssh.allowedSignersFile`; a file inside the repository is read (from git
objects at the ref, like the records) only when asked for explicitly, and every result
then says the trust is weaker."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from prr.adapters.git_objects import GitObjects
from prr.adapters.signing.allowed_signers import AllowedSigner, parse_allowed_signers, read_allowed_signers
from prr.adapters.signing.revoked_keys import RevokedKeys
from prr.domain.errors import InputError

IN_REPOSITORY_NOTE = "trust comes from an allowed_signers file inside the repository: anyone who can push can change it"


@dataclass(frozen=True)
class Trust:
    signers: list[AllowedSigner]
    path: Path  # a file ssh-keygen can read (a private copy for an in-repository file)
    shown: str  # how to name it to the user
    command_path: str  # how to name it in an `ssh-keygen -Y verify` command an auditor runs
    revoked: RevokedKeys | None
    weaker: bool  # read from the repository under review


def load_trust(
    objects: GitObjects,
    commit: str,
    allowed_signers: Path | None,
    revoked: Path | None,
    repository_signers: str | None,
    scratch: Path,
) -> Trust:
    """The trust for a verification run; `scratch` is a private folder for copies."""
    revoked_keys = RevokedKeys.read(revoked) if revoked is not None else None
    if repository_signers is not None:
        if allowed_signers is not None:
            raise InputError("give either --allowed-signers or --repository-signers, not both")
        return _from_repository(objects, commit, repository_signers, revoked_keys, scratch)
    path = allowed_signers or _from_git_config(objects)
    if path is None:
        raise InputError(
            "no allowed_signers file: pass --allowed-signers FILE (OpenSSH format, kept outside the repository), "
            "or set git config gpg.ssh.allowedSignersFile"
        )
    if not path.is_file():
        raise InputError(f"{path}: no such allowed_signers file")
    if _inside(path, objects.top):
        inside = path.resolve().relative_to(objects.top.resolve())
        raise InputError(
            f"{path}: this allowed_signers file is inside the repository under review, where anyone who can push "
            f"can add themselves; keep it outside, or use --repository-signers {inside} "
            "to trust the committed copy (reported as weaker)"
        )
    # Named absolutely in the printed commands: they run from the repository top, not from here.
    return Trust(read_allowed_signers(path), path, str(path), str(path.resolve()), revoked_keys, weaker=False)


def _from_git_config(objects: GitObjects) -> Path | None:
    value = objects.config("gpg.ssh.allowedSignersFile")
    return Path(value).expanduser() if value else None


def _from_repository(
    objects: GitObjects, commit: str, relative: str, revoked: RevokedKeys | None, scratch: Path
) -> Trust:
    path = relative.strip("/")
    found = objects.lookup(commit, path)
    shown = f"{path} (committed at {commit[:12]})"
    if found is None or found[0] not in ("100644", "100755"):
        raise InputError(f"{path}: no such file committed at {commit[:12]}")
    data = objects.blob(found[1], path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; expected an allowed_signers file") from None
    signers = parse_allowed_signers(text, path)
    copy = Path(tempfile.mkstemp(prefix="allowed_signers.", dir=scratch)[1])
    copy.write_bytes(data)
    return Trust(signers, copy, shown, path, revoked, weaker=True)


def _inside(path: Path, top: Path) -> bool:
    return path.resolve().is_relative_to(top.resolve())
