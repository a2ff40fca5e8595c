"""How fast `prr verify` checks a repository full of signed review records.

Target (issue 5): `prr verify` over 1,000 signed records in at most 1 s wall time.
Baseline, in the same run: one `ssh-keygen -Y verify` process per record (per signature),
which is what an auditor without prr would run — it checks only the signatures, none of
the bindings prr also checks (source tree, checklist bytes, verdict, sign-off policy).

Setup (not timed): a git repository with one reviewed commit and N records of it, each a
real record written by prr's own writer and signed with ssh-keygen, committed (its objects
loose, as just committed); and a fresh clone of it (objects packed), as an auditor gets.
prr's modules are compiled once before timing, as `pip install` compiles them: bytecode
written to a private cache, however PYTHONDONTWRITEBYTECODE is set. Nothing else is
warmed: every run verifies every record from scratch.

Run: python benchmarks/verify_records.py [--records 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import compile_prr, write_section

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prr.adapters.signing import ssh_keygen  # noqa: E402
from prr.format.record_toml import dumps, loads  # noqa: E402
from prr.workflow.review import review  # noqa: E402

PRINCIPAL = "alice@example.com"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.test",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.test",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=os.environ | GIT_ENV, check=True, capture_output=True)


def build(folder: Path, count: int) -> tuple[Path, Path, Path]:
    """(repository, allowed_signers, key) with COUNT signed, committed records."""
    repo = folder / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / ".prr").mkdir()
    (repo / "src" / "app.py").write_text("print('service')\n")
    (repo / ".prr" / "config.toml").write_text('[service]\nname = "bench"\ntier = 3\nchecklist = "launch"\n')
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "service")
    answers = folder / "answers.yaml"
    answers.write_text("checklist: launch\ntier: 3\nanswers: {}\n")
    first = review(repo, answers, now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    template = loads(first.path.read_bytes(), str(first.path))
    shutil.rmtree(first.path.parent)
    key = folder / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    allowed = folder / "allowed_signers"
    allowed.write_text(f"{PRINCIPAL} {(folder / 'key.pub').read_text()}")
    records = repo / ".prr" / "records"
    for index in range(count):
        record = dataclasses.replace(template, id=f"20261101-bench-{index:05d}")
        data = dumps(record)
        target = records / record.id / "record.toml"
        target.parent.mkdir(parents=True)
        target.write_bytes(data)
        (target.parent / "signatures").mkdir()
        (target.parent / "signatures" / f"{PRINCIPAL}.sig").write_bytes(ssh_keygen.sign(data, str(key)))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "records")
    return repo, allowed, key


def prr_env(scratch: Path) -> dict[str, str]:
    """prr from this checkout, its bytecode cached under SCRATCH."""
    env = os.environ | {"PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": str(scratch / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def time_prr(repo: Path, allowed: Path, count: int, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one `prr verify`; CPU counts its workers and git processes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "prr", "verify", str(repo), "--allowed-signers", str(allowed), "--format", "json"],
        capture_output=True,
        env=env,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or done.stdout.count(b'"status": "valid"') != count:
        raise SystemExit(f"prr verify did not find {count} valid records: {done.stderr.decode()[-500:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu


def row(name: str, runs: list[tuple[float, float]], baseline: float) -> str:
    """One table row: median and fastest wall time, median CPU, ratio to the baseline."""
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    return f"| {name} | {wall:.2f} s | {min(w for w, _ in runs):.2f} s | {cpu:.2f} s | {wall / baseline:.2f}x |\n"


def time_ssh_keygen(repo: Path, allowed: Path) -> float:
    started = time.perf_counter()
    for folder in sorted((repo / ".prr" / "records").iterdir()):
        record = (folder / "record.toml").read_bytes()
        signature = folder / "signatures" / f"{PRINCIPAL}.sig"
        args = ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", PRINCIPAL, "-n", ssh_keygen.NAMESPACE,
                "-s", str(signature)]  # fmt: skip
        if subprocess.run(args, input=record, capture_output=True).returncode != 0:
            raise SystemExit(f"ssh-keygen refused {signature}")
    return time.perf_counter() - started


def main() -> None:
    compile_prr()
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prr-bench-verify-") as scratch:
        print(f"signing {args.records} records (setup, not timed)...", flush=True)
        repo, allowed, _ = build(Path(scratch), args.records)
        clone = Path(scratch) / "clone"
        git(repo, "clone", "-q", "--no-local", str(repo), str(clone))
        env = prr_env(Path(scratch))
        time_prr(repo, allowed, args.records, env)  # compiles prr's modules (not timed)
        runs: dict[str, list[tuple[float, float]]] = {"repo": [], "clone": []}
        baseline_times = []
        for _ in range(args.repeat):
            runs["repo"].append(time_prr(repo, allowed, args.records, env))
            runs["clone"].append(time_prr(clone, allowed, args.records, env))
            baseline_times.append(time_ssh_keygen(repo, allowed))
    base_s = statistics.median(baseline_times)
    median, fastest = statistics.median(w for w, _ in runs["repo"]), min(w for w, _ in runs["repo"])
    verdict = "meets" if median <= 1.0 else "misses"
    table = (
        "| what | wall, median | wall, fastest run | CPU, median | median ratio to baseline |\n|---|---|---|---|---|\n"
        + row("`prr verify` (whole command, including start-up)", runs["repo"], base_s)
        + row("the same on a fresh clone (git objects packed)", runs["clone"], base_s)
        + f"| `ssh-keygen -Y verify` per record (baseline) | {base_s:.2f} s | {min(baseline_times):.2f} s | | 1.00x |\n"
    )
    body = (
        "## `prr verify` over signed records (issue 5)\n\n"
        f"{args.records:,} signed records in one repository, {args.repeat} runs, {os.cpu_count()} cores. prr checks "
        "every signature in-process and every binding (source tree, checklist bytes, items, verdict re-scored, "
        "sign-off policy); the baseline checks only the signatures, one `ssh-keygen -Y verify` process each. CPU "
        "is that of prr, its worker processes and git: about the wall time when the workers got no second core.\n\n"
        f"{table}\n"
        f"Target: at most 1 s wall for 1,000 records — {verdict} it here ({median:.2f} s median, {fastest:.2f} s in "
        f"the fastest run, for {args.records:,})."
    )
    write_section("verify-records", body)
    print(body)


if __name__ == "__main__":
    main()
