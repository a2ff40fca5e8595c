"""The files prr keeps in `.prr/` next to records (prr/workflow/prr_folder.py): only what
is missing is added to what the team wrote, and never through a symbolic link."""

from __future__ import annotations

from pathlib import Path

import pytest

from prr.domain.errors import InputError
from prr.workflow.prr_folder import ensure_attributes, ensure_lines


def test_a_new_file_gets_the_header_and_the_lines(tmp_path: Path) -> None:
    path = ensure_lines(tmp_path / ".gitignore", [b"draft.toml", b"draft.lock"], b"# header\n")
    assert path.read_bytes() == b"# header\ndraft.toml\ndraft.lock\n"


def test_only_missing_lines_are_added_to_what_the_team_wrote(tmp_path: Path) -> None:
    path = tmp_path / ".gitignore"
    path.write_bytes(b"notes/\n  draft.toml  ")
    ensure_lines(path, [b"draft.toml", b"draft.lock"], b"# header\n")
    assert path.read_bytes() == b"notes/\n  draft.toml  \ndraft.lock\n"


def test_a_file_that_already_says_it_is_left_byte_for_byte(tmp_path: Path) -> None:
    folder = tmp_path / ".prr"
    folder.mkdir()
    (folder / ".gitattributes").write_bytes(b"*   -text\r\n")
    ensure_attributes(tmp_path)
    assert (folder / ".gitattributes").read_bytes() == b"*   -text\r\n"


@pytest.mark.parametrize("name", [".gitignore", ".gitattributes"])
def test_a_symbolic_link_is_refused_and_its_target_neither_read_nor_changed(tmp_path: Path, name: str) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"secret\n")
    folder = tmp_path / "repo" / ".prr"
    folder.mkdir(parents=True)
    (folder / name).symlink_to(outside)
    with pytest.raises(InputError, match="symbolic link"):
        ensure_lines(folder / name, [b"x"], b"")
    assert outside.read_bytes() == b"secret\n"
    assert (folder / name).is_symlink()
