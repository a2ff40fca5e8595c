"""Examine many record folders on every core: `prr verify` over a thousand records.

Reading a record, re-scoring it and checking its signatures is pure CPU work, so it is
shared out. This process examines the first folder itself, loading the pack, scorer and
keys it names (the rest likely name the same), then forks one worker per other core.
Forked workers inherit all of it, and the blobs already read from git: they never talk to
git themselves. Parent and workers take chunks from one shared counter until none is
left, so a core busy with something else slows nobody down. A worker returns each chunk's
results pickled as soon as it has them; a chunk whose worker failed is examined again
here, where any error is raised as in one process.

One process is used for few folders, where forking is not the safe default (only Linux),
on one core, and inside a process that is itself a worker (`prr rollup` runs verify in
its own workers)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from prr.adapters.cores import usable_cores

T = TypeVar("T")

PARALLEL_FROM = 50  # fewer folders: starting processes costs more than it saves
CHUNK = 20  # folders per chunk: small enough to balance, large enough that results pickle in bulk


def examine_all(examine: Callable[[str], T], names: Sequence[str], forkable: Callable[[str], bool]) -> list[T]:
    """examine(name) for every name, in NAMES' order. A name FORKABLE refuses is examined
    in this process (examining it may need the parent's git process)."""
    shared = {index for index, name in enumerate(names) if forkable(name)}
    workers = _workers(len(shared))
    if workers == 0:
        return [examine(name) for name in names]
    results: dict[int, T] = {i: examine(name) for i, name in enumerate(names) if i not in shared}
    ordered = sorted(shared)  # the first chunk is one folder, examined before forking (see _share_out)
    chunks = [ordered[:1]] + [ordered[start : start + CHUNK] for start in range(1, len(ordered), CHUNK)]
    for number, found in _share_out(_Job(examine, names, chunks), workers).items():
        results.update(zip(chunks[number], found, strict=True))
    return [results[index] for index in range(len(names))]


@dataclass
class _Job:
    examine: Callable[[str], Any]
    names: Sequence[str]
    chunks: list[list[int]]  # indexes into names
    taken: Any = None  # a multiprocessing.Value: how many chunks have been handed out

    def drain(self) -> dict[int, list[Any]]:
        """Examine chunks until none is left: each chunk's results, by chunk number."""
        done = {}
        while (number := self.take()) is not None:
            done[number] = self.run(number)
        return done

    def run(self, number: int) -> list[Any]:
        return [self.examine(self.names[index]) for index in self.chunks[number]]

    def take(self) -> int | None:
        with self.taken.get_lock():
            number = int(self.taken.value)
            if number == len(self.chunks):
                return None
            self.taken.value = number + 1
        return number


_forked_job: _Job | None = None  # the job a forked worker runs: inherited, never pickled


def _share_out(job: _Job, workers: int) -> dict[int, list[Any]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _forked_job
    context = multiprocessing.get_context("fork")
    job.taken = context.Value("i", 0)
    first = job.take()  # examined here first: the packs, scorers and keys it loads, workers inherit
    done = {first: job.run(first)} if first is not None else {}
    _forked_job = job
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            # one task per chunk, so results come back (and are unpickled) while this process works
            futures = [pool.submit(_take_forked) for _ in job.chunks[1:]]
            try:
                done.update(job.drain())
                for future in futures:
                    if future.exception() is None and (taken := future.result()) is not None:
                        done[taken[0]] = taken[1]
            except BaseException:  # Ctrl-C: stop the workers, and report the interrupt
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        _forked_job = None
    for number in range(len(job.chunks)):
        if number not in done:  # its worker died or raised: here it raises as in one process
            done[number] = job.run(number)
    return done


def _take_forked() -> tuple[int, list[Any]] | None:
    """In a worker: the next chunk's number and results (None when none is left)."""
    assert _forked_job is not None, "run only in a worker forked by _share_out"
    number = _forked_job.take()
    return None if number is None else (number, _forked_job.run(number))


def _workers(count: int) -> int:
    """How many processes to fork besides this one (0: work alone)."""
    if count < PARALLEL_FROM or not sys.platform.startswith("linux"):
        return 0
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        return 0
    return max(0, min(usable_cores() - 1, count // CHUNK - 1))
