"""Generate many small service repositories, as an organisation has them: one per service,
each with source, manifests, alerts and docs, a `.prr/config.toml` with a tier, and a
seeded mix of the evidence `prr rollup` counts (an SLO spec, a dashboard, a runbook).
Every fifth service also has a committed review record.

Each repository is written with `git fast-import` (no working-tree churn) and checked out;
the service files come from make_monorepo.py's generator. Which services have which
evidence is returned, so a benchmark can check the adoption figure prr reports.

Run: python benchmarks/make_services.py DEST [--services 500] [--files-per-service 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from make_monorepo import ENV, service_files

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prr.workflow.review import review  # noqa: E402

EVIDENCE = {"slo": "slo/availability.yaml", "dashboard": "dashboards/overview.json", "runbook": "runbooks/runbook.md"}
RUNBOOK = (
    "# {name} runbook\n\nThis runbook covers the alerts for {name}.\n\n## HighErrorRate\n\n### Diagnosis\n\n"
    + "Check the error dashboard, recent deploys and the dependency status page. " * 6
    + "\n\n### Mitigation\n\n"
    + "Roll back the last release with `kubectl rollout undo`, scale out, or shed load at the gateway. " * 4
    + "\n"
)
RECORD_EVERY = 5


@dataclass(frozen=True)
class Service:
    path: Path
    tier: int
    has: frozenset[str]  # which of EVIDENCE it has

    @property
    def counts_for_adoption(self) -> bool:
        return self.tier in (0, 1)

    @property
    def complete(self) -> bool:
        return self.has == frozenset(EVIDENCE)


def make_services(dest: Path, count: int, per_service: int = 30, seed: int = 11) -> list[Service]:
    rng = random.Random(seed)
    dest.mkdir(parents=True)
    made = []
    for number in range(count):
        name = f"svc-{number:04d}"
        tier = rng.choice([0, 1, 1, 2, 2, 3])
        has = frozenset(kind for kind, share in (("slo", 0.7), ("dashboard", 0.8), ("runbook", 0.75))
                        if rng.random() < share)  # fmt: skip
        files = service_files(name, rng, per_service)
        for kind, path in EVIDENCE.items():
            if kind not in has:
                files.pop(path)
        if "runbook" in has:
            files[EVIDENCE["runbook"]] = RUNBOOK.format(name=name)
        files["CODEOWNERS"] = f"* @org/team-{number % 40:02d}\n"
        files[".prr/config.toml"] = (
            f'[service]\nname = "{name}"\ntier = {tier}\nowner = "team-{number % 40:02d}"\nchecklist = "launch"\n'
        )
        path = dest / name
        _fast_import(path, files)
        if number % RECORD_EVERY == 0:
            _add_record(path, tier)
        made.append(Service(path, tier, has))
    return made


def _fast_import(repo: Path, files: dict[str, str]) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    stream = [b"commit refs/heads/main\n", b"committer bench <bench@example.test> 1767225600 +0000\n",
              b"data 8\nservice\n"]  # fmt: skip
    for path, text in sorted(files.items()):
        data = text.encode()
        stream.append(f"M 100644 inline {path}\n".encode() + b"data %d\n" % len(data) + data + b"\n")
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(stream), env=os.environ | ENV, check=True
    )
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True)


def _add_record(repo: Path, tier: int) -> None:
    """An unsigned record made the real way (probes, answers, scorer), committed."""
    answers = repo.parent / f"{repo.name}.answers.yaml"
    answers.write_text(f"checklist: launch\ntier: {tier}\nanswers: {{}}\n")
    review(repo, answers, now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    answers.unlink()
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "review record"], cwd=repo, env=os.environ | ENV, check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dest", type=Path)
    parser.add_argument("--services", type=int, default=500)
    parser.add_argument("--files-per-service", type=int, default=30)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.dest.exists():
        raise SystemExit(f"{args.dest} exists; choose a new folder")
    made = make_services(args.dest, args.services, args.files_per_service, args.seed)
    critical = [s for s in made if s.counts_for_adoption]
    print(f"{len(made)} repositories under {args.dest}; {sum(s.complete for s in critical)} of {len(critical)} "
          "tier 0-1 services have an SLO, a dashboard and a runbook")  # fmt: skip


if __name__ == "__main__":
    main()
