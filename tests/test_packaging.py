"""`pip install .` gives a working prr with the built-in packs and scorers inside the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO_ROOT


def test_wheel_carries_the_builtin_packs_and_scorers_and_works_from_anywhere(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), "."],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("prr-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "prr/_builtin/checklists/launch.yaml",
        "prr/_builtin/checklists/migration.yaml",
        "prr/_builtin/checklists/design-review.yaml",
        "prr/_builtin/scorers/gate.py",
        "prr/_builtin/scorers/weighted.py",
        "prr/_builtin/scorers/levels.py",
        "prr/schemas/checklist.schema.json",
    } <= names
    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(installed))
    where = subprocess.run(
        [sys.executable, "-c", "import prr.adapters.builtin as b; print(b.checklists_dir())"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()) == installed / "prr" / "_builtin" / "checklists"
    listing = subprocess.run(
        [sys.executable, "-m", "prr", "checklists", "list"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert [line.split()[0] for line in listing.stdout.splitlines()[1:]] == ["design-review", "launch", "migration"]
