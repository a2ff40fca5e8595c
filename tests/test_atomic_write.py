"""Atomic writes leave files as a plain write would, and fail in one line naming the file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from prr.adapters.atomic import temporary_pattern, write_atomic
from prr.domain.errors import InputError


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_umasks_permissions_not_a_temporarys(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "record.toml"
    write_atomic(target, b"x = 1\n")
    assert (target.read_bytes(), mode(target)) == (b"x = 1\n", 0o644)
    assert list(tmp_path.glob(temporary_pattern(target.name))) == []


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "run.sh"
    target.write_bytes(b"old\n")
    target.chmod(0o750)
    write_atomic(target, b"new\n")
    assert (target.read_bytes(), mode(target)) == (b"new\n", 0o750)


def test_a_folder_that_is_a_file_is_one_input_error_naming_the_target(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    target = tmp_path / "afile" / "report.md"
    with pytest.raises(InputError) as caught:
        write_atomic(target, b"report\n")
    [line] = caught.value.lines()
    assert line.startswith(f"{target}: cannot write it: ")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
def test_a_folder_without_write_permission_is_one_input_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(InputError, match="Permission denied"):
        write_atomic(locked / "report.md", b"report\n")
