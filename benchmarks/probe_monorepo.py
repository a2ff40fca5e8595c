"""`prr probe` on a synthetic monorepo, against the floor and repolinter, in one run.

- floor: `git ls-tree -r` plus `git cat-file --batch` over every blob (reading the whole
  commit once, with no analysis at all);
- repolinter (npm), with file-existence and content rules equivalent to prr's probes;
- prr cold (empty cache), whole monorepo and one service folder;
- prr warm, after a commit that changes one file (the cache keeps unchanged results);
- peak memory of each prr run.

Targets (issue 3, 2-core machine): full run <= 2 s and >= 10x faster than repolinter;
warm re-run after one changed file <= 0.5 s; peak memory <= 300 MiB.

Run: python benchmarks/probe_monorepo.py [--services 2000] [--repo PATH] [--skip-repolinter]
Needs npm on PATH for repolinter (installed into a cache folder on first use).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from make_monorepo import fast_import
from report import compile_prr, write_section

REPOLINTER_VERSION = "0.12.0"
SERVICE = "services/svc-0042"


def _exists(*globs: str) -> dict:
    return {"level": "error", "rule": {"type": "file-existence", "options": {"globsAny": list(globs)}}}


def _contains(glob: str, content: str, negate: bool = False) -> dict:
    kind = "file-not-contents" if negate else "file-contents"
    return {"level": "error", "rule": {"type": kind, "options": {"globsAll": [glob], "content": content, "flags": "i"}}}


# repolinter rules equivalent to what prr's probes check, as far as repolinter can say it.
RULESET = {
    "version": 2,
    "axioms": {},
    "rules": {
        "codeowners": _exists("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"),
        "security-policy": _exists("SECURITY.md", ".github/SECURITY.md"),
        "runbooks": _contains("services/*/runbooks/*.md", "Diagnos"),
        "runbook-placeholders": _contains("services/*/runbooks/*.md", "TODO|TBD", negate=True),
        "alerts-have-runbooks": _contains("services/*/alerts/*.yaml", "runbook_url"),
        "dashboards": _contains("services/*/dashboards/*.json", '"uid"'),
        "slos": _contains("services/*/slo/*.yaml", "target:"),
        "readiness-probes": _contains("services/*/k8s/deployment.yaml", "readinessProbe"),
        "resource-limits": _contains("services/*/k8s/deployment.yaml", "limits"),
        "pdbs": _exists("services/*/k8s/pdb.yaml"),
        "load-tests": _contains("services/*/loadtest/*.js", "thresholds"),
        "catalog": _contains("services/*/catalog-info.yaml", "lifecycle"),
        "secrets": _contains("**/*.yaml", "BEGIN [A-Z ]*PRIVATE KEY", negate=True),
    },
}


def timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Wall seconds, exit code and peak RSS (MiB) of one command."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, os.waitstatus_to_exitcode(status), usage.ru_maxrss // 1024


def floor(repo: Path) -> float:
    start = time.perf_counter()
    listing = subprocess.run(["git", "ls-tree", "-r", "HEAD"], cwd=repo, capture_output=True, check=True).stdout
    oids = b"".join(line.split()[2] + b"\n" for line in listing.splitlines())
    subprocess.run(["git", "cat-file", "--batch"], cwd=repo, input=oids, capture_output=True, check=True)
    return time.perf_counter() - start


def repolinter(repo: Path, folder: Path) -> float | None:
    binary = folder / "node_modules" / ".bin" / "repolinter"
    if not binary.exists():
        if not shutil.which("npm"):
            return None
        package = f"repolinter@{REPOLINTER_VERSION}"
        install = ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder), package]
        subprocess.run(install, check=True, capture_output=True)
    ruleset = folder / "ruleset.json"
    ruleset.write_text(json.dumps(RULESET))
    seconds, _, _ = timed([str(binary), "lint", str(repo), "-r", str(ruleset)], cwd=repo)
    return seconds


def change_one_file(repo: Path) -> None:
    path = repo / SERVICE / "runbooks" / "runbook.md"
    path.write_text(path.read_text() + "\nEscalate to the platform team after 30 minutes.\n")
    who = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@x"}
    subprocess.run(["git", "commit", "-q", "-am", "one change"], cwd=repo, check=True, env=os.environ | who)


def _verdicts(cold: tuple[float, int, int], warm: tuple[float, int, int], lint: float | None) -> list[str]:
    peak = max(cold[2], warm[2])
    lines = [
        f"- cold run {cold[0]:.2f} s (target <= 2 s): {_met(cold[0] <= 2)}",
        f"- warm re-run after one change {warm[0]:.2f} s (target <= 0.5 s): {_met(warm[0] <= 0.5)}",
        f"- peak memory {peak} MiB (target <= 300 MiB): {_met(peak <= 300)}",
    ]
    if lint is not None:
        lines.append(f"- repolinter / prr = {lint / cold[0]:.1f}x (target >= 10x): {_met(lint / cold[0] >= 10)}")
    return lines


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def main() -> None:
    compile_prr()
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument(
        "--repo", type=Path, help="reuse a monorepo made by make_monorepo.py (it gets one commit added)"
    )
    parser.add_argument("--skip-repolinter", action="store_true")
    parser.add_argument("--npm-cache", type=Path, default=Path(tempfile.gettempdir()) / "prr-bench-repolinter")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="prr-bench-"))
    repo = args.repo or work / "monorepo"
    if args.repo is None:
        fast_import(repo, args.services, 50, seed=7)
    files = len(subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, check=True).stdout.splitlines())
    prr = [sys.executable, "-m", "prr", "probe", "--format", "json"]
    env = os.environ | {"PRR_CACHE_DIR": str(work / "cache")}
    rows = []
    floor_s = floor(repo)
    rows.append(("floor: ls-tree -r + cat-file --batch of every blob", floor_s, None, None))
    full = timed([*prr, str(repo)], repo, env)
    rows.append(("prr probe, whole monorepo, cold cache", full[0], full[2], full[1]))
    service = timed([*prr, str(repo / SERVICE)], repo, env | {"PRR_CACHE_DIR": str(work / "cache-service")})
    rows.append((f"prr probe {SERVICE}, cold cache", service[0], service[2], service[1]))
    change_one_file(repo)
    warm = timed([*prr, str(repo)], repo, env)
    rows.append(("prr probe, whole monorepo, warm after one changed file", warm[0], warm[2], warm[1]))
    warm_service = timed([*prr, str(repo / SERVICE)], repo, env | {"PRR_CACHE_DIR": str(work / "cache-service")})
    rows.append(
        (f"prr probe {SERVICE}, warm after one changed file", warm_service[0], warm_service[2], warm_service[1])
    )
    lint = None if args.skip_repolinter else repolinter(repo, args.npm_cache)
    if lint is not None:
        rows.append((f"repolinter {REPOLINTER_VERSION}, equivalent rules", lint, None, None))
    table = ["| run | wall | x floor | peak RSS | exit |", "|---|---|---|---|---|"]
    for name, sec, rss, code in rows:
        memory = f"{rss} MiB" if rss else ""
        table.append(f"| {name} | {sec:.2f} s | {sec / floor_s:.1f} | {memory} | {'' if code is None else code} |")
    verdicts = ["Targets (issue 3), whole monorepo reviewed as one service:"]
    verdicts += _verdicts(full, warm, lint)
    verdicts += ["", f"One service folder of the monorepo ({SERVICE}; repolinter still lints the whole tree):"]
    verdicts += _verdicts(service, warm_service, lint)
    body = (
        "## `prr probe` on a synthetic monorepo (`benchmarks/probe_monorepo.py`)\n\n"
        f"{args.services} services, {files:,} files, launch pack at tier 1. Each row is one run; the\n"
        "floor reads every blob of the commit once with git alone.\n\n"
        + "\n".join(table)
        + "\n\n"
        + "\n".join(verdicts)
    )
    write_section("probe-monorepo", body)
    print(body)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
