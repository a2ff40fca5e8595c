"""Write the demo service's files and commit them, the same bytes and commit every time.

git runs with a fixed demo identity and date and without the user's or the system's git
configuration, so neither their name, their signing setup, their hooks nor their line
ending conversion ends up in (or breaks) the demo commit."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from prr.demo.content import SERVICE, files
from prr.domain.errors import ToolError

_WHEN = "2025-03-03T09:00:00Z"
_WHO = ("Checkout Team", "checkout-team@acme.example")
_ENV = {
    "GIT_AUTHOR_NAME": _WHO[0],
    "GIT_AUTHOR_EMAIL": _WHO[1],
    "GIT_AUTHOR_DATE": _WHEN,
    "GIT_COMMITTER_NAME": _WHO[0],
    "GIT_COMMITTER_EMAIL": _WHO[1],
    "GIT_COMMITTER_DATE": _WHEN,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
}
_CONFIG = ("commit.gpgsign=false", "core.hooksPath=/dev/null", "core.autocrlf=false", "core.fileMode=true")
MESSAGE = "checkout-api: service, deployment, monitoring and runbook"


def build_demo_repository(folder: Path, endpoint: str) -> Path:
    """Create FOLDER/checkout-api as a git repository with one commit of the demo files,
    whose `.prr/config.toml` names ENDPOINT; return its path."""
    root = folder / SERVICE
    root.mkdir(parents=True)
    for name, text in files(endpoint).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    _git(root, "init", "--quiet", "--initial-branch=main")
    _git(root, "add", "--all")
    _git(root, "commit", "--quiet", "--no-verify", "--message", MESSAGE)
    return root


def _environment() -> dict[str, str]:
    """The caller's environment without its GIT_* variables (a GIT_DIR or GIT_INDEX_FILE
    would point the commit at another repository), plus the demo's own."""
    kept = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    return kept | _ENV


def _git(root: Path, *args: str) -> None:
    settings = [arg for setting in _CONFIG for arg in ("-c", setting)]
    try:
        subprocess.run(
            ["git", *settings, *args],
            cwd=root,
            env=_environment(),
            check=True,
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        raise ToolError("git is not installed: the demo repository needs it") from None
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or exc.stdout or "").strip().splitlines()
        reason = detail[-1] if detail else f"exit code {exc.returncode}"
        raise ToolError(f"git {args[0]} failed in {root}: {reason}") from None
