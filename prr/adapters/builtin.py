"""Where the built-in packs and scorers are: inside the installed wheel
(prr/_builtin/, placed there by hatchling's force-include) or, in a source checkout,
the top-level checklists/ and scorers/ folders."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
PREFIX = "builtin:"  # how records and packs name a built-in pack: "builtin:launch"


def _data_dir(name: str) -> Path:
    installed = _PACKAGE / "_builtin" / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


def checklists_dir() -> Path:
    return _data_dir("checklists")


def scorers_dir() -> Path:
    return _data_dir("scorers")


def pack_names() -> list[str]:
    return sorted(path.stem for path in checklists_dir().glob("*.yaml"))


def scorer_names() -> list[str]:
    return sorted(path.stem for path in scorers_dir().glob("*.py") if not path.stem.startswith("_"))
