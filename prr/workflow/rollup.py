"""`prr rollup`: the organisation's scorecard over many services.

Local repositories are scanned in parallel, one process per core: probing is CPU work in
Python plus short git processes, so threads would share one core. Results collected by CI
jobs elsewhere (`--from-json`) are merged in, so an organisation with more repositories
than one machine can scan uses the CI fleet it already has (docs/rollup.md).

A repository that cannot be scanned becomes a row saying why, never the end of the run:
one broken repository out of thousands must not hide the other rows."""

from __future__ import annotations

import datetime as dt
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from prr.adapters.cores import usable_cores
from prr.adapters.files import read_capped
from prr.adapters.signing.allowed_signers import read_allowed_signers
from prr.adapters.signing.revoked_keys import RevokedKeys
from prr.domain.errors import InputError, PrrError
from prr.workflow import rollup_json
from prr.workflow.service_summary import Adoption, ServiceSummary, SummaryOptions, adoption, summarize

MAX_RESULT_BYTES = 256 * 1024 * 1024  # a merged result of 100,000 services is about 60 MiB
MAX_CHUNK = 4  # paths per task: few enough that no worker idles long while another finishes
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Rollup:
    services: tuple[ServiceSummary, ...]  # most critical tier first, then by name; failed scans last
    adoption: Adoption
    generated: dt.datetime

    @property
    def all_failed(self) -> bool:
        return bool(self.services) and all(s.error for s in self.services)


def rollup(
    paths: Sequence[Path],
    results: Sequence[Path] = (),
    options: SummaryOptions | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> Rollup:
    """Scan PATHS and merge the services of the RESULTS files. Bad input (a results file,
    the trust files) raises InputError before any repository is scanned."""
    options = options or SummaryOptions()
    _check_trust(options)
    services = [service for path in results for service in load_results(path)]
    services += scan(paths, options, jobs, progress)
    services.sort(key=_order)
    return Rollup(tuple(services), adoption(services), options.now or dt.datetime.now(dt.UTC))


def load_results(path: Path) -> list[ServiceSummary]:
    data = read_capped(path, MAX_RESULT_BYTES)
    if len(data) > MAX_RESULT_BYTES:
        raise InputError(f"{path}: over {MAX_RESULT_BYTES:,} bytes; split the rollup into smaller results")
    return rollup_json.load(str(path), data)


def scan(
    paths: Sequence[Path], options: SummaryOptions, jobs: int | None = None, progress: Progress | None = None
) -> list[ServiceSummary]:
    """One summary per path, in PATHS' order. With one path or one job there is no pool:
    starting processes would cost more than it saves."""
    workers = max(1, min(jobs or usable_cores(), len(paths)))
    if workers == 1:
        found = []
        for index, path in enumerate(paths, start=1):
            found.append(summarize_or_fail(path, options))
            if progress:
                progress(index, len(paths))
        return found
    size = max(1, min(MAX_CHUNK, len(paths) // (workers * 16)))
    chunks = [list(paths[start : start + size]) for start in range(0, len(paths), size)]
    by_chunk: dict[int, list[ServiceSummary]] = {}
    with ProcessPoolExecutor(max_workers=workers, initializer=_quiet_on_interrupt) as pool:
        pending: dict[Future[list[ServiceSummary]], int] = {
            pool.submit(summarize_all, chunk, options): index for index, chunk in enumerate(chunks)
        }
        try:
            done = 0
            for future in as_completed(pending):
                index = pending[future]
                by_chunk[index] = _chunk_result(future, chunks[index])
                done += len(chunks[index])
                if progress:
                    progress(done, len(paths))
        except BaseException:  # Ctrl-C: do not start the rest; the caller reports the interrupt
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return [summary for index in range(len(chunks)) for summary in by_chunk[index]]


def _quiet_on_interrupt() -> None:
    """Ctrl-C reaches the workers too (the whole process group): a worker then ends at
    once and says nothing, and the parent alone reports the interrupt. What a worker
    leaves half done is a cache entry, and the cache writes atomically."""
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))  # the exit code of an interrupted prr


def summarize_all(paths: list[Path], options: SummaryOptions) -> list[ServiceSummary]:
    """A worker's task (module level, so it pickles)."""
    return [summarize_or_fail(path, options) for path in paths]


def summarize_or_fail(path: Path, options: SummaryOptions) -> ServiceSummary:
    try:
        return summarize(path, options)
    except PrrError as exc:
        return ServiceSummary.failed(str(path), "; ".join(exc.lines()))
    except Exception as exc:  # a prr bug or an unforeseen git state costs one row, shown with its type
        return ServiceSummary.failed(str(path), f"{type(exc).__name__}: {exc}")


def _chunk_result(future: Future[list[ServiceSummary]], chunk: list[Path]) -> list[ServiceSummary]:
    try:
        return future.result()
    except BrokenProcessPool:  # a worker was killed (out of memory, a signal): its paths say so
        return [ServiceSummary.failed(str(path), "the worker process scanning it died") for path in chunk]


def _check_trust(options: SummaryOptions) -> None:
    """Read the trust files once, up front: a typo in --allowed-signers is one usage error,
    not the same error on every row."""
    if options.allowed_signers is not None:
        if not options.allowed_signers.is_file():
            raise InputError(f"{options.allowed_signers}: no such allowed_signers file")
        read_allowed_signers(options.allowed_signers)
    if options.revoked is not None:
        if not options.verifies:
            raise InputError("--revoked needs --allowed-signers or --repository-signers: records are not verified")
        RevokedKeys.read(options.revoked)


def _order(s: ServiceSummary) -> tuple[bool, int, str, str, str]:
    return (bool(s.error), s.tier if s.tier is not None else 4, s.name, s.repository, s.service_folder)
