"""Tasks shared by forked workers: the results are the serial results, in order, however
the work is split and whatever happens to a worker."""

from __future__ import annotations

import os
import pickle
import threading
from pathlib import Path

import pytest
from gitrepos import make_repo

from prr.adapters.git_snapshot import GitSnapshot
from prr.workflow import forked
from prr.workflow.forked import map_forked


@pytest.mark.usefixtures("forking")
def test_results_come_back_in_order_from_every_worker() -> None:
    parent = os.getpid()
    found = map_forked(list(range(40)), lambda n: (n * n, os.getpid() == parent), workers=3)
    assert [square for square, _ in found] == [n * n for n in range(40)]


def test_one_worker_or_one_task_runs_in_this_process() -> None:
    parent = os.getpid()
    assert map_forked([1, 2, 3], lambda n: os.getpid(), workers=1) == [parent] * 3
    assert map_forked([1], lambda n: os.getpid(), workers=4) == [parent]


@pytest.mark.usefixtures("forking")
def test_a_task_whose_worker_dies_is_run_again_here() -> None:
    parent = os.getpid()

    def work(n: int) -> int:
        if os.getpid() != parent:
            os._exit(9)  # every forked worker dies on its first task
        return n + 1

    assert map_forked(list(range(10)), work, workers=2) == list(range(1, 11))


@pytest.mark.usefixtures("forking")
def test_a_result_that_cannot_travel_is_computed_here() -> None:
    found = map_forked(list(range(6)), lambda n: lambda: n, workers=2)  # a lambda cannot be pickled
    assert [make() for make in found] == list(range(6))


@pytest.mark.usefixtures("forking")
def test_an_error_in_a_task_is_raised_as_it_would_be_without_workers() -> None:
    def work(n: int) -> int:
        if n == 3:
            raise ValueError("task 3")
        return n

    with pytest.raises(ValueError, match="task 3"):
        map_forked(list(range(6)), work, workers=2)


def test_a_process_with_other_threads_does_not_fork() -> None:
    parent = os.getpid()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert map_forked([1, 2, 3], lambda n: os.getpid(), workers=4) == [parent] * 3
    finally:
        stop.set()
        other.join()


@pytest.mark.usefixtures("forking")
def test_a_worker_reads_through_git_processes_of_its_own(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {f"f{n}.txt": f"{n}\n" for n in range(6)})
    with GitSnapshot.open(repo) as snapshot:
        assert snapshot.read("f0.txt").data == b"0\n"  # the parent's cat-file process is running
        paths = [f"f{n}.txt" for n in range(1, 5)]
        # A worker starts its own cat-file rather than read a reply meant for the parent.
        assert map_forked(paths, lambda path: snapshot.read(path).data, workers=2) == [
            f"{n}\n".encode() for n in range(1, 5)
        ]
        assert snapshot.read("f5.txt").data == b"5\n"  # and the parent's still answers the parent


def test_the_parent_reads_only_whole_results_and_stops_at_a_damaged_one(tmp_path: Path) -> None:
    def frame(n: int, result: object) -> bytes:
        data = pickle.dumps((n, result))
        return len(data).to_bytes(8, "big") + data

    with open(tmp_path / "results", "w+b", buffering=0) as out:
        child = forked._Child(pid=0, out=out.fileno())
        second = frame(2, "two")
        out.write(frame(1, "one") + second[:5])  # the worker is still writing the second
        assert child.collect() == {1: "one"}
        out.write(second[5:])
        assert child.collect() == {2: "two"}
        assert child.collect() == {}
        out.write((4).to_bytes(8, "big") + b"junk" + frame(3, "three"))  # killed mid-pickle, say
        assert child.collect() == {}
        assert child.collect() == {}  # nothing after a damaged result is trusted
