"""Files prr keeps in a service's `.prr/` folder besides the records themselves."""

from __future__ import annotations

from pathlib import Path

from prr.adapters.atomic import write_atomic
from prr.adapters.source_tree import PRR_FOLDER
from prr.domain.errors import InputError

ATTRIBUTES = ".gitattributes"
ATTRIBUTES_TEXT = b"""\
# Written by prr. Review records are signed byte for byte: git must never convert their
# line endings (core.autocrlf, eol), or every signature would break on checkout.
* -text
"""


def ensure_attributes(service_dir: Path) -> Path:
    """Write `.prr/.gitattributes` (`* -text`) unless it already says so; its path."""
    path = service_dir / PRR_FOLDER / ATTRIBUTES
    if path.is_symlink():
        raise InputError(f"{path}: is a symbolic link; prr never writes through links in {PRR_FOLDER}/")
    existing = path.read_bytes() if path.is_file() else b""
    if any(line.split() == [b"*", b"-text"] for line in existing.splitlines()):
        return path
    separator = b"\n" if existing and not existing.endswith(b"\n") else b""
    write_atomic(path, existing + separator + ATTRIBUTES_TEXT)
    return path
