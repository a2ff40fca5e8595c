"""How fast the review app paints, and how fast an answer updates the verdict.

Targets (issue 6):
- time to the first interactive frame with the launch pack <= 1.3x a hello-world Textual
  app measured in the same run (both started as real processes on a pseudo-terminal,
  timed until their first screen reaches the terminal);
- answering an item updates the verdict in <= 50 ms with a 500-item pack: the time from the
  answer until the verdict bar, the tree and the item panel hold the new state (Textual
  paints them on its next frame). Baseline, in the same run: the session alone recording
  the answer and scoring the 500 items, so the ratio shows what the screen adds.

Run: python benchmarks/tui.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import pty
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import compile_prr, write_section

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HELLO = """\
from textual.app import App
from textual.widgets import Static


class Hello(App):
    def compose(self):
        yield Static("Hello, world")


Hello().run()
"""
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.test",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.test",
}


def first_seen(argv: list[str], marker: bytes, timeout: float = 30.0) -> float:
    """Seconds from starting ARGV on a pseudo-terminal until MARKER is written to it."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40", PYTHONPATH=str(ROOT))
        os.execve(argv[0], argv, env)
    started, seen = time.monotonic(), b""
    try:
        while time.monotonic() - started < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
                if marker in seen:
                    return time.monotonic() - started
        raise SystemExit(f"{argv}: {marker!r} never appeared")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def service(folder: Path) -> Path:
    repo = folder / "svc"
    (repo / ".prr").mkdir(parents=True)
    (repo / "src.py").write_text("print('service')\n")
    (repo / ".prr" / "config.toml").write_text('[service]\nname = "bench"\ntier = 1\nchecklist = "launch"\n')
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "service"]):
        subprocess.run(["git", *args], cwd=repo, env=os.environ | GIT_ENV, check=True, capture_output=True)
    return repo


def first_frames(repo: Path, repeat: int, folder: Path) -> tuple[float, float, float]:
    """Medians: hello world's first frame, prr's first frame, prr's review screen with the pack."""
    hello = folder / "hello.py"
    hello.write_text(HELLO)
    hello_times, prr_times, review_times = [], [], []
    prr = [sys.executable, "-m", "prr", "review", str(repo)]
    for _ in range(repeat):
        hello_times.append(first_seen([sys.executable, str(hello)], b"Hello"))
        prr_times.append(first_seen(prr, b"Opening"))
        review_times.append(first_seen(prr, b"decided"))
    return statistics.median(hello_times), statistics.median(prr_times), statistics.median(review_times)


def big_pack(path: Path, sections: int = 10, per_section: int = 50) -> Path:
    lines = ["format: 1", "id: big", 'version: "1.0.0"', "title: Big", "description: 500 items.", "scorer: gate"]
    lines.append("sections:")
    for s in range(sections):
        lines += [f"  - id: s{s}", f"    title: Section {s}", "    items:"]
        for i in range(per_section):
            lines += [f"      - id: s{s}.item{i}", f"        title: Item {i} of section {s}", "        why: Why."]
            lines += ["        how: How.", "        required: [0, 1, 2, 3]", f"        tags: [t{i % 7}]"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def answer_times(repo: Path, pack: Path, answers: int) -> tuple[float, float]:
    """Median seconds for (an answer until the widgets hold the new verdict, the session alone)."""
    from prr.cli.app_cmd import opener
    from prr.domain.answers import Answer, AnswerKind
    from prr.tui.app import ReviewApp
    from prr.tui.review_screen import ReviewScreen

    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    app = ReviewApp(opener(repo, pack=str(pack), clock=lambda: now))
    async with app.run_test(size=(120, 40)) as pilot:
        while not (isinstance(app.screen, ReviewScreen) and app.screen.session.probed):
            await pilot.pause(0.05)
        screen = app.screen
        await pilot.pause(0.5)
        answer, idle = [], []
        ids = list(screen.states)
        for n, item_id in enumerate(ids[:answers]):
            started = time.perf_counter()
            screen.save(item_id, Answer(AnswerKind.PASS if n % 2 else AnswerKind.FAIL))
            answer.append(time.perf_counter() - started)
            await pilot.pause()
        decided = str(screen.query_one("#verdict").content)  # type: ignore[attr-defined]
        if f"{answers}/500 decided" not in decided:
            raise SystemExit(f"the verdict bar did not follow the answers: {decided}")
        for n, item_id in enumerate(ids[answers : 2 * answers]):
            started = time.perf_counter()
            screen.session.answer(item_id, Answer(AnswerKind.PASS if n % 2 else AnswerKind.FAIL))
            idle.append(time.perf_counter() - started)
    return statistics.median(answer), statistics.median(idle)


def main() -> None:
    compile_prr()
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--answers", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prr-bench-tui-") as scratch:
        folder = Path(scratch)
        repo = service(folder)
        hello_s, prr_s, review_s = first_frames(repo, args.repeat, folder)
        (repo / ".prr" / "draft.toml").unlink(missing_ok=True)
        answer_s, idle_s = asyncio.run(answer_times(repo, big_pack(folder / "big.yaml"), args.answers))
    frame_ratio = prr_s / hello_s
    body = (
        "## The review app (issue 6)\n\n"
        f"First frame: both programs started {args.repeat} times on a pseudo-terminal (120x40), median time until "
        "their first screen reaches the terminal. Answering: the median over "
        f"{args.answers} answers on a 500-item pack, from the answer until the verdict bar, tree and item "
        "hold the new state (painted on the next frame); the baseline is the session alone recording the "
        "answer and scoring the pack.\n\n"
        "| what | time | ratio | target |\n|---|---|---|---|\n"
        f"| hello-world Textual app, first frame | {hello_s * 1000:.0f} ms | 1.00x | |\n"
        f"| `prr review` with the launch pack, first frame | {prr_s * 1000:.0f} ms | {frame_ratio:.2f}x | "
        f"<= 1.3x: {'met' if frame_ratio <= 1.3 else 'missed'} |\n"
        f"| `prr review`: the review screen with the launch pack's items (session opened after the first paint) "
        f"| {review_s * 1000:.0f} ms | {review_s / hello_s:.2f}x | |\n"
        f"| the session records the answer and scores 500 items (baseline) | {idle_s * 1000:.1f} ms | 1.00x | |\n"
        f"| answer an item, verdict updated (500 items) | {answer_s * 1000:.1f} ms | {answer_s / idle_s:.1f}x | "
        f"<= 50 ms: {'met' if answer_s <= 0.05 else 'missed'} |"
    )
    write_section("tui", body)
    print(body)


if __name__ == "__main__":
    main()
