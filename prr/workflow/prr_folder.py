"""Files prr keeps in a service's `.prr/` folder besides the records themselves."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from prr.adapters.atomic import write_atomic
from prr.adapters.source_tree import PRR_FOLDER
from prr.domain.errors import InputError

ATTRIBUTES = ".gitattributes"
ATTRIBUTES_HEADER = b"""\
# Written by prr. Review records are signed byte for byte: git must never convert their
# line endings (core.autocrlf, eol), or every signature would break on checkout.
"""


def ensure_attributes(service_dir: Path) -> Path:
    """Write `.prr/.gitattributes` (`* -text`) unless it already says so; its path."""
    return ensure_lines(service_dir / PRR_FOLDER / ATTRIBUTES, [b"* -text"], ATTRIBUTES_HEADER)


def ensure_lines(path: Path, lines: Sequence[bytes], header: bytes) -> Path:
    """Make sure the `.prr/` file at `path` has each of `lines` (word for word), adding
    only the missing ones to what the team wrote, `header` first in a new file. Never
    read or written through a symbolic link: it could point out of the repository."""
    if path.is_symlink():
        raise InputError(f"{path}: is a symbolic link; prr never writes through links in {PRR_FOLDER}/")
    try:
        existing = path.read_bytes()
    except FileNotFoundError:
        existing = b""
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    present = {tuple(line.split()) for line in existing.splitlines()}
    missing = [line for line in lines if tuple(line.split()) not in present]
    if not missing:
        return path
    if not existing:
        existing = header
    elif not existing.endswith(b"\n"):
        existing += b"\n"
    write_atomic(path, existing + b"".join(line + b"\n" for line in missing))
    return path
