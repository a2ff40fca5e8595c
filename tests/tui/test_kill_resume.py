"""Nothing is lost: kill -9 the app a second after the last answer and start again, and
the review resumes with every answer; meanwhile a second prr on the same service is
refused with one line on stderr, and the draft is left intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO_ROOT

from .conftest import SMALL_PACK

DRIVER = Path(__file__).with_name("headless.py")
AUTOSAVE_PROMISE = 1.0  # seconds: answers older than this survive a kill -9 (docs/drafts.md)
MARGIN = 0.5  # for a busy machine


def driver(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.Popen(
        [sys.executable, str(DRIVER), *args], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def test_killed_mid_review_the_app_resumes_with_every_answer_and_a_second_prr_is_refused(service: Path) -> None:
    first = driver("answer", str(service), str(SMALL_PACK), "down", "p", "down", "down", "down", "f")
    try:
        assert first.stdout is not None
        line = first.stdout.readline()
        assert line == "ANSWERED\n", line + (first.stderr.read() if first.stderr and first.poll() is not None else "")
        answered = time.monotonic()

        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        second = subprocess.run(
            [sys.executable, "-m", "prr", "review", str(service)], cwd=service, env=env, capture_output=True,
            text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 2
        assert second.stdout == ""
        assert second.stderr.count("\n") == 1
        assert f"another prr (pid {first.pid}) is editing this review; close it first" in second.stderr

        time.sleep(max(0.0, answered + AUTOSAVE_PROMISE + MARGIN - time.monotonic()))
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(10)

    shown = driver("show", str(service), str(SMALL_PACK))
    out, err = shown.communicate(timeout=60)
    assert shown.returncode == 0, err
    resumed = json.loads(out.splitlines()[-1])
    assert resumed["answers"] == {"ownership.oncall": "pass", "operations.rollback": "fail"}
    assert resumed["resumed"] and resumed["resumed"][0].startswith("resuming the draft started on commit")
