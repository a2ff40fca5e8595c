"""Run independent tasks on several cores by forking: the probes of a large review are
pure functions of blobs already in memory, so forked workers need nothing sent to them.

The parent and its children take task numbers from one pipe (heaviest first, as the
caller orders them), so a slow task never holds the others back. A child writes its
results to an unlinked temporary file, so it never waits for the parent to read; the
parent reads what is ready between its own tasks, so unpickling a thousand results is
not left to do alone at the end. A task whose result does not come back (a child
killed, a result that cannot be pickled) is run again by the parent: forking only ever
costs time, never an answer."""

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
from dataclasses import dataclass
from typing import Any, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")
_NUMBER = 4  # bytes per task number in the pipe (reads this small are never split)
_LENGTH = 8  # bytes of a result frame's length


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
    children: list[_Child] = []
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
                _child(numbers, tasks, work, out.fileno())
            children.append(_Child(pid, out.fileno()))
        thaw()
        for n in _taken(numbers):
            results[n] = work(tasks[n])
            for child in children:  # what is ready now, rather than all of it at the end
                results |= child.collect()
        while children:
            child = children.pop()
            os.waitpid(child.pid, 0)
            results |= child.collect()
    return [results[n] if n in results else work(tasks[n]) for n in range(len(tasks))]


@dataclass
class _Child:
    """A forked worker and how far the parent has read the results it writes."""

    pid: int
    out: int  # the file descriptor of its results: frames of an 8-byte length and a pickle
    read_to: int = 0
    damaged: bool = False

    def collect(self) -> dict[int, Any]:
        """The results written whole since the last call, up to the first damaged one; a
        frame still being written waits for the next call."""
        found: dict[int, Any] = {}
        while not self.damaged:
            head = os.pread(self.out, _LENGTH, self.read_to)
            if len(head) < _LENGTH:
                break
            size = int.from_bytes(head, "big")
            frame = os.pread(self.out, size, self.read_to + _LENGTH)
            if len(frame) < size:
                break
            try:
                n, result = pickle.loads(frame)
            except Exception:  # a worker killed while writing: the parent redoes what is missing
                self.damaged = True
                break
            found[n] = result
            self.read_to += _LENGTH + size
        return found


def _freeze() -> Callable[[], None]:
    """Keep the objects made so far out of the collector's walks, so that the children
    share them rather than copy every page a walk touches; returns what undoes it (nothing
    when someone else froze them)."""
    if gc.get_freeze_count():
        return lambda: None
    gc.freeze()
    return gc.unfreeze


def _reap(children: list[_Child]) -> None:
    """Children still listed when the parent stops early (an interrupt) are not wanted."""
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGTERM)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(child.pid, 0)


def _child(numbers: int, tasks: Sequence[Task], work: Callable[[Task], Result], out: int) -> None:
    """Work until the pipe is empty, then leave without running the parent's exit code."""
    code = 0
    try:
        for n in _taken(numbers):
            frame = pickle.dumps((n, work(tasks[n])), pickle.HIGHEST_PROTOCOL)
            _write_all(out, len(frame).to_bytes(_LENGTH, "big") + frame)
    except BaseException:  # whatever went wrong, the parent redoes the task
        code = 1
    finally:
        os._exit(code)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _taken(numbers: int) -> Iterator[int]:
    while number := os.read(numbers, _NUMBER):
        yield int.from_bytes(number, "big")
