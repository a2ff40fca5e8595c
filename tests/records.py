"""Review records made the real way, for the signing, verification and gate tests: a git
repository, `review()` with an answers file, `sign()` with keys made by ssh-keygen."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from gitrepos import git, make_repo
from signing.sshkeys import Key, make_key, write_allowed

from prr.workflow.checklists import open_pack
from prr.workflow.review import review
from prr.workflow.signing import sign

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
SERVICE_FILES = {
    "src/app.py": "print('payments')\n",
    ".prr/config.toml": '[service]\nname = "payments"\ntier = 1\nowner = "team-payments"\nchecklist = "launch"\n',
}


def answers_file(folder: Path, tier: int = 1, ready: bool = True, signers: tuple[str, ...] = ()) -> Path:
    """Every item the launch pack asks at `tier` answered pass (or left open when not ready)."""
    items = [item.id for item in open_pack("launch").asked_items(tier)]
    lines = ["checklist: launch", f"tier: {tier}"]
    if signers:
        lines.append("signers:")
        lines += [f"  - {{principal: {json.dumps(p)}, role: reviewer}}" for p in signers]
    lines.append("answers:")
    answered = items if ready else items[1:]
    lines += [f"  {item}: {{answer: pass, note: checked in the readiness meeting}}" for item in answered]
    path = folder / "answers.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def reviewed_repo(
    tmp_path: Path,
    tier: int = 1,
    ready: bool = True,
    signers: tuple[str, ...] = (),
    service: str = "",
    shared: dict[str, str] | None = None,
) -> tuple[Path, Path]:
    """A committed service (plus SHARED files at the repository top) and an uncommitted
    record of it: (repository, record.toml)."""
    prefix = f"{service}/" if service else ""
    files = {f"{prefix}{name}": text.replace("tier = 1", f"tier = {tier}") for name, text in SERVICE_FILES.items()}
    files |= shared or {}
    repo = make_repo(tmp_path / "repo", files)
    written = review(repo / service if service else repo, answers_file(tmp_path, tier, ready, signers), now=NOW)
    return repo, written.path


def keys(tmp_path: Path, *names: str, kind: str = "ed25519") -> dict[str, Key]:
    return {name: make_key(tmp_path / "keys", name.split("@")[0], kind) for name in names}


def allowed(tmp_path: Path, keyring: dict[str, Key], options: str = "") -> Path:
    """An allowed_signers file outside the repository naming each principal with its key."""
    return write_allowed(tmp_path / "allowed_signers", *(k.line(p, options) for p, k in keyring.items()))


def sign_all(record: Path, keyring: dict[str, Key]) -> None:
    for principal, key in keyring.items():
        sign(record, str(key.private), principal)


def commit_all(repo: Path, message: str = "record") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
