"""Where the user's own prr settings live: `$XDG_CONFIG_HOME/prr` (else `~/.config/prr`)."""

from __future__ import annotations

import os
from pathlib import Path


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "prr"
