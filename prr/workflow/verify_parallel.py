"""Examine many record folders on every core: `prr verify` over a thousand records.

Reading a record, re-scoring it and checking its signatures is pure CPU work, so it is
shared out: one worker forked per other core (`map_forked`: plain forks, no pool, no
helper thread). Forked workers inherit what this process loaded before (the caller
examines one folder first: the pack, scorer and keys it names, the rest likely name too)
and the blobs already read from git: they never talk to git themselves. Parent and
workers take chunks of folders from one pipe until none is left, so a core busy with
something else slows nobody down; a chunk whose worker failed is examined again here,
where any error is raised as in one process.

One process is used for few folders, where forking is not the safe default (only Linux),
on one core, and inside a process that is itself a worker (`prr rollup` runs verify in
its own workers)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from prr.adapters.cores import usable_cores
from prr.workflow.forked import map_forked

T = TypeVar("T")

PARALLEL_FROM = 50  # fewer folders: starting processes costs more than it saves
CHUNK = 10  # folders per chunk: small enough that all processes finish together, large enough to pickle in bulk


def examine_all(examine: Callable[[str], T], names: Sequence[str], forkable: Callable[[str], bool]) -> list[T]:
    """examine(name) for every name, in NAMES' order. A name FORKABLE refuses is examined
    in this process (examining it may need the parent's git process)."""
    with _collector_paused():
        return _examine_all(examine, names, forkable)


def _examine_all(examine: Callable[[str], T], names: Sequence[str], forkable: Callable[[str], bool]) -> list[T]:
    shared = [index for index, name in enumerate(names) if forkable(name)]
    workers = _workers(len(shared))
    if workers == 0:
        return [examine(name) for name in names]
    alone = set(range(len(names))).difference(shared)
    results: dict[int, T] = {index: examine(names[index]) for index in sorted(alone)}
    chunks = [shared[start : start + CHUNK] for start in range(0, len(shared), CHUNK)]
    for chunk, found in zip(chunks, _share_out(_Job(examine, names, chunks), workers), strict=True):
        results.update(zip(chunk, found, strict=True))
    return [results[index] for index in range(len(names))]


@dataclass(frozen=True)
class _Job:
    examine: Callable[[str], Any]
    names: Sequence[str]
    chunks: list[list[int]]  # indexes into names

    def run(self, number: int) -> list[Any]:
        return [self.examine(self.names[index]) for index in self.chunks[number]]


def _share_out(job: _Job, workers: int) -> list[list[Any]]:
    """Each chunk's results, in order, from this process and WORKERS forked ones."""
    return map_forked(range(len(job.chunks)), job.run, workers + 1)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Examined records are trees of frozen values, and what examining drops has no cycles:
    reference counting frees it all. The collector would only walk the records kept, over
    and over (about a tenth of the CPU over 1,000 records); workers forked meanwhile inherit
    the pause. What was made meanwhile is frozen when the collector resumes, or its first
    run would walk all of it once more (about 80 ms)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _workers(count: int) -> int:
    """How many processes to fork besides this one (0: work alone)."""
    if count < PARALLEL_FROM or not sys.platform.startswith("linux"):
        return 0
    multiprocessing = sys.modules.get("multiprocessing")  # a worker of a pool has it loaded; no need to load it
    if multiprocessing is not None and multiprocessing.parent_process() is not None:
        return 0
    return max(0, min(usable_cores() - 1, -(-count // CHUNK) - 1))  # at least a chunk for each process
