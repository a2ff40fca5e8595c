"""Run independent tasks on several cores by forking: the probes of a large review are
pure functions of blobs already in memory, so forked workers need nothing sent to them.

The parent and its children take task numbers from one pipe (heaviest first, as the
caller orders them), so a slow task never holds the others back; a child writes its
results to an unlinked temporary file, so it never waits for the parent to read. A task
whose result does not come back (a child killed, a result that cannot be pickled) is
run again by the parent: forking only ever costs time, never an answer."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")
_NUMBER = 4  # bytes per task number in the pipe (reads this small are never split)


def may_fork() -> bool:
    """Whether this process can fork safely: it can fork at all, and has no other thread
    (a fork copies the calling thread only, and a lock another thread held would never be
    released in the child; the app runs probes from a worker thread)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def map_forked(tasks: Sequence[Task], work: Callable[[Task], Result], workers: int) -> list[Result]:
    """[work(task) for task in tasks], on up to `workers` processes; in this one alone
    when it may not fork (`may_fork`)."""
    if workers < 2 or len(tasks) < 2 or not may_fork():
        return [work(task) for task in tasks]
    numbers, feed = os.pipe()
    os.write(feed, b"".join(n.to_bytes(_NUMBER, "big") for n in range(len(tasks))))
    os.close(feed)
    results: dict[int, Result] = {}
    children: list[tuple[int, IO[bytes]]] = []
    with contextlib.ExitStack() as stack:
        stack.callback(os.close, numbers)
        stack.callback(_reap, children)
        sys.stdout.flush()
        sys.stderr.flush()
        thaw = _freeze()
        stack.callback(thaw)
        for _ in range(min(workers, len(tasks)) - 1):
            out = stack.enter_context(tempfile.TemporaryFile())
            try:
                pid = os.fork()
            except OSError:  # no more processes: the parent does the rest
                break
            if pid == 0:
                _child(numbers, tasks, work, out)
            children.append((pid, out))
        thaw()
        for n in _taken(numbers):
            results[n] = work(tasks[n])
        while children:
            pid, out = children.pop()
            os.waitpid(pid, 0)
            results |= _results(out)
    return [results[n] if n in results else work(tasks[n]) for n in range(len(tasks))]


def _freeze() -> Callable[[], None]:
    """Keep the objects made so far out of the collector's walks, so that the children
    share them rather than copy every page a walk touches; returns what undoes it (nothing
    when someone else froze them)."""
    if gc.get_freeze_count():
        return lambda: None
    gc.freeze()
    return gc.unfreeze


def _reap(children: list[tuple[int, IO[bytes]]]) -> None:
    """Children still listed when the parent stops early (an interrupt) are not wanted."""
    for pid, _ in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _child(numbers: int, tasks: Sequence[Task], work: Callable[[Task], Result], out: IO[bytes]) -> None:
    """Work until the pipe is empty, then leave without running the parent's exit code."""
    code = 0
    try:
        for n in _taken(numbers):
            pickle.dump((n, work(tasks[n])), out, pickle.HIGHEST_PROTOCOL)
    except BaseException:  # whatever went wrong, the parent redoes the task
        code = 1
    finally:
        with contextlib.suppress(BaseException):
            out.flush()
        os._exit(code)


def _taken(numbers: int) -> Iterator[int]:
    while number := os.read(numbers, _NUMBER):
        yield int.from_bytes(number, "big")


def _results(out: IO[bytes]) -> dict[int, Any]:
    """What a child wrote, up to the first damaged result."""
    out.seek(0)
    found: dict[int, Any] = {}
    with contextlib.suppress(Exception):
        while True:
            n, result = pickle.load(out)
            found[n] = result
    return found
