"""Reading user-named files with a size cap and one-line errors."""

from __future__ import annotations

from pathlib import Path

from prr.domain.errors import InputError


def read_capped(path: Path, limit: int, shown: str | None = None) -> bytes:
    """Read at most `limit` + 1 bytes, so a huge file is refused without reading it all.

    The caller decides what over-long means; the extra byte lets it tell."""
    name = shown or str(path)
    try:
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder, expected a file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
