"""Write one benchmark's results into docs/performance.md, replacing its previous section;
and compile prr's bytecode first, as an installed prr has it."""

from __future__ import annotations

import compileall
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE_MD = ROOT / "docs" / "performance.md"
HEADER = (
    "# Performance\n\n"
    "Measured by the scripts in `benchmarks/` (see benchmarks/README.md). Each compares prr\n"
    "against a baseline measured in the same run, so the ratios hold on shared, noisy machines;\n"
    "absolute times are shown for context only.\n"
)


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section between this benchmark's markers."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    stamp = f"_{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, {platform.machine()}_"
    section = f"{start}\n{body.rstrip()}\n\n{stamp}\n{end}"
    text = PERFORMANCE_MD.read_text() if PERFORMANCE_MD.exists() else HEADER
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    PERFORMANCE_MD.write_text(text)


def compile_prr() -> None:
    """Bring prr's .pyc files up to date: pip writes them when it installs prr, but with
    PYTHONDONTWRITEBYTECODE set (as on some CI machines) a changed source would be compiled
    again by every timed prr process, and start-up measured at its worst."""
    for folder in ("prr", "scorers"):
        compileall.compile_dir(ROOT / folder, quiet=1)
