"""How fast `prr checklists lint` refuses hostile and malformed packs.

Target (issue 2): each malformed pack fails in under a second, with exit code 2.
Baseline, in the same run: `prr --version`, i.e. the cost of starting Python and prr at
all; the ratio shows what the refusal itself costs on top of start-up.

Run: python benchmarks/lint_malformed.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import compile_prr, write_section

ITEM = """\
      - id: ops.item-{n}
        title: Item {n} holds
        why: Because item {n} matters to the people on call.
        how: Do the thing item {n} describes and commit the evidence.
        required: [0, 1]
"""


def cases(folder: Path) -> dict[str, Path]:
    head = 'id: big\nversion: "1"\ntitle: Big\ndescription: Big.\nscorer: gate\nsections:\n'
    head += "  - id: ops\n    title: Ops\n    items:\n"
    files = {
        "alias bomb (9 levels of 9 aliases)": "\n".join(
            ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
            + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
        ),
        "nesting 100,000 deep": "id: " + "[" * 100_000 + "]" * 100_000,
        "file over the 1 MiB cap": "# " + "x" * (2 * 1024 * 1024),
        "python tag": "id: !!python/object/apply:os.system [touch /tmp/prr-pwned]\n",
        "1,500 items, every one with an error": head
        + "".join(ITEM.format(n=n) + "        weight: -1\n" for n in range(1500)),
        "largest valid pack under the cap (about 4,000 items)": head + "".join(ITEM.format(n=n) for n in range(4000)),
    }
    paths = {}
    for index, (name, text) in enumerate(files.items()):
        path = folder / f"case{index}.yaml"
        path.write_text(text)
        paths[name] = path
    return paths


def timed(args: list[str], repeat: int) -> tuple[float, int]:
    times, code = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        code = subprocess.run(args, capture_output=True).returncode
        times.append(time.perf_counter() - start)
    return statistics.median(times), code


def main() -> None:
    compile_prr()
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    prr = [sys.executable, "-m", "prr"]
    baseline, _ = timed([*prr, "--version"], repeat)
    rows = [f"| `prr --version` (baseline) | {baseline * 1000:.0f} ms | 1.00 | 0 | |"]
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in cases(Path(tmp)).items():
            seconds, code = timed([*prr, "checklists", "lint", str(path)], repeat)
            expected = 0 if name.startswith("largest valid") else 2
            ok = "yes" if seconds < 1.0 and code == expected else "**no**"
            worst = max(worst, seconds)
            rows.append(f"| {name} | {seconds * 1000:.0f} ms | {seconds / baseline:.2f} | {code} | {ok} |")
    body = (
        "## Refusing malformed packs (`benchmarks/lint_malformed.py`)\n\n"
        f"Median of {repeat} runs of `prr checklists lint FILE` per case. Target: under 1 s each, exit 2\n"
        "(exit 0 for the valid pack).\n\n"
        "| case | median wall | x baseline | exit | under 1 s |\n|---|---|---|---|---|\n" + "\n".join(rows)
    )
    write_section("lint-malformed", body)
    print(body)
    sys.exit(0 if worst < 1.0 else 1)


if __name__ == "__main__":
    main()
