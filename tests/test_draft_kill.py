"""kill -9 while the draft is being written: the draft on disk always parses and is one of
the versions written, and the next prr resumes from it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO_ROOT
from gitrepos import make_repo

from prr.domain.answers import Answer, AnswerKind
from prr.domain.draft import Draft
from prr.format.draft_toml import loads
from prr.workflow.drafts import DraftSession
from prr.workflow.probing import probe_repository

ITEM = "runbooks.present"
BASE = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
SAVES = 30
KILLS = 20
PACK = """\
id: tiny
version: "1"
title: Tiny
description: One item.
scorer: gate
sections:
  - id: runbooks
    title: Runbooks
    items:
      - id: runbooks.present
        title: A runbook exists
        why: Pages need a plan written down.
        how: Write one.
        required: [0, 1, 2, 3]
"""
# Saves version 0, says so, then saves versions 1..30, each with its own note and time.
WRITER = f"""\
import datetime as dt, sys
from pathlib import Path
from prr.domain.answers import Answer, AnswerKind
from prr.workflow.drafts import DraftSession
from prr.workflow.probing import probe_repository
folder, pack = Path(sys.argv[1]), sys.argv[2]
version = 0
session = DraftSession.open(
    folder,
    probe_repository(folder, pack_ref=pack, tier=1),
    clock=lambda: dt.datetime(2026, 6, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=version),
)
session.set_answer({ITEM!r}, Answer(AnswerKind.PASS, note="save 0"))
session.save()
print("writing", flush=True)
for version in range(1, {SAVES} + 1):
    session.set_answer({ITEM!r}, Answer(AnswerKind.PASS, note=f"save {{version}}"))
    session.save()
print("done", flush=True)
"""


def version(baseline: Draft, number: int) -> Draft:
    return dataclasses.replace(
        baseline,
        answers={ITEM: Answer(AnswerKind.PASS, note=f"save {number}")},
        updated=BASE + dt.timedelta(seconds=number),
    )


def start_writer(repo: Path, pack: Path) -> subprocess.Popen[str]:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(repo), str(pack)],
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline() == "writing\n"
    return writer


def test_a_sigkill_during_draft_writes_always_leaves_a_draft_that_parses(tmp_path: Path) -> None:
    pack = tmp_path / "tiny.yaml"
    pack.write_text(PACK)
    repo = make_repo(tmp_path / "svc", {"README.md": "# svc\n"})
    draft_path = repo / ".prr" / "draft.toml"

    writer = start_writer(repo, pack)
    started = time.monotonic()
    assert writer.stdout is not None
    assert writer.stdout.readline() == "done\n"
    span = time.monotonic() - started  # how long 30 saves take here
    assert writer.wait(timeout=60) == 0
    baseline = dataclasses.replace(loads(draft_path.read_bytes(), "draft"), answers={}, updated=BASE)
    versions = {number: version(baseline, number) for number in range(SAVES + 1)}
    assert loads(draft_path.read_bytes(), "draft") == versions[SAVES]

    chance = random.Random()
    found = []
    for _ in range(KILLS):
        writer = start_writer(repo, pack)
        delay = chance.uniform(0, span)
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=60)
        stored = loads(draft_path.read_bytes(), f"draft after a kill {delay:.4f}s into the writes")
        matching = [number for number, expected in versions.items() if stored == expected]
        assert matching, f"killed {delay:.4f}s into the writes, the draft is none of the versions: {stored}"
        found.extend(matching)
    assert any(number < SAVES for number in found), "no kill landed before the last save: the test proved nothing"

    report = probe_repository(repo, pack_ref=str(pack), tier=1)
    with DraftSession.open(repo, report, clock=lambda: BASE) as resumed:
        assert resumed.draft.answers == versions[found[-1]].answers
        assert list(draft_path.parent.glob(".draft.toml.*.tmp")) == []  # what the killed writers left is gone
