"""`prr verify` over many records on every core gives exactly what one process gives."""

from __future__ import annotations

import dataclasses
import gc
import json
import multiprocessing
import os
import pickle
from pathlib import Path

import pytest
from conftest import Run
from records import allowed, commit_all, keys, reviewed_repo

from prr.adapters.signing import ssh_keygen
from prr.cli.render_verify import render_json, render_text
from prr.format.record_toml import dumps, loads
from prr.workflow import verify_parallel
from prr.workflow.verifying import Checker, VerifyOptions, session, verify

RECORDS = 60  # over verify_parallel.PARALLEL_FROM
SHARED = RECORDS - 1  # the folders shared out: the first is examined before, while git reads the rest
PRINCIPAL = "alice@example.com"
BROKEN = 17  # the one record whose bytes change after signing


pytestmark = pytest.mark.usefixtures("forking")  # (conftest): these tests are about forked workers


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A repository with RECORDS tier-3 records of one commit, each signed once, one of
    them changed after signing: (repository, allowed_signers)."""
    tmp_path = tmp_path_factory.mktemp("many")
    repo, first = reviewed_repo(tmp_path, tier=3)
    template = loads(first.read_bytes(), str(first))
    keyring = keys(tmp_path, PRINCIPAL)
    folder = first.parent.parent
    for index in range(RECORDS):
        record = dataclasses.replace(template, id=f"20261101-payments-{index:04d}")
        data = dumps(record)
        target = folder / record.id / "record.toml"
        (target.parent / "signatures").mkdir(parents=True)
        (target.parent / "signatures" / f"{PRINCIPAL}.sig").write_bytes(
            ssh_keygen.sign(data, str(keyring[PRINCIPAL].private))
        )
        target.write_bytes(data.replace(b'owner = "', b'owner = "x') if index == BROKEN else data)
    for leftover in first.parent.iterdir():  # the review's own record, unsigned
        leftover.unlink()
    first.parent.rmdir()
    commit_all(repo)
    return repo, allowed(tmp_path, keyring)


def outputs(repo: Path, allowed_signers: Path) -> tuple[str, str]:
    report = verify(repo, VerifyOptions(allowed_signers=allowed_signers))
    return render_text(report), json.dumps(render_json(report), indent=2, ensure_ascii=False)


def test_many_records_in_parallel_read_exactly_as_in_one_process(
    many: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, allowed_signers = many
    monkeypatch.setattr(verify_parallel, "PARALLEL_FROM", RECORDS + 1)
    alone = outputs(repo, allowed_signers)
    monkeypatch.setattr(verify_parallel, "PARALLEL_FROM", SHARED)
    monkeypatch.setattr(verify_parallel, "usable_cores", lambda: 3)
    shared = []
    share_out = verify_parallel._share_out
    monkeypatch.setattr(
        verify_parallel, "_share_out", lambda job, workers: shared.append(workers) or share_out(job, workers)
    )
    together = outputs(repo, allowed_signers)
    assert shared == [2]
    assert together == alone
    text = alone[0]
    assert f"{RECORDS - 1} valid, 1 invalid" in text
    broken = text.split(f"20261101-payments-{BROKEN:04d}/record.toml: invalid", 1)[1].split("\n\n", 1)[0]
    assert "signature does not match the message" in broken


def test_a_record_examined_elsewhere_comes_back_as_its_head_and_is_read_whole_when_asked(
    many: tuple[Path, Path],
) -> None:
    repo, allowed_signers = many
    with session(repo, VerifyOptions(allowed_signers=allowed_signers)) as opened:
        name, files = sorted(opened.folders().items())[0]
        here = opened.checker.examine(name, files)
        sent = pickle.loads(pickle.dumps(here, pickle.HIGHEST_PROTOCOL))  # what a worker hands back
        assert here.record is not None and sent.record is None and sent.head == here.head == here.record.head()
        verified = opened.checker.finish(sent)
        assert verified == opened.checker.finish(here)
        assert verified.record == here.record  # read again from the blob, on first use


def test_many_records_read_whole_alike_in_parallel_and_in_one_process(
    many: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, allowed_signers = many
    options = VerifyOptions(allowed_signers=allowed_signers)
    monkeypatch.setattr(verify_parallel, "PARALLEL_FROM", RECORDS + 1)
    alone = verify(repo, options).results
    monkeypatch.setattr(verify_parallel, "PARALLEL_FROM", SHARED)
    monkeypatch.setattr(verify_parallel, "usable_cores", lambda: 2)
    together = verify(repo, options).results
    assert [v.head for v in together] == [v.head for v in alone]
    assert [v.record for v in together] == [v.record for v in alone]
    assert all(v.record is not None and v.head == v.record.head() for v in together)


def test_a_worker_that_dies_costs_nothing_but_time(many: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, allowed_signers = many
    monkeypatch.setattr(verify_parallel, "PARALLEL_FROM", RECORDS + 1)
    alone = outputs(repo, allowed_signers)
    parent = os.getpid()
    examine = Checker.examine

    def dies_in_a_worker(self: Checker, name: str, files: list) -> object:
        if os.getpid() != parent and name.endswith("0042"):
            os._exit(1)
        return examine(self, name, files)

    monkeypatch.setattr(Checker, "examine", dies_in_a_worker)
    monkeypatch.setattr(verify_parallel, "PARALLEL_FROM", SHARED)
    monkeypatch.setattr(verify_parallel, "usable_cores", lambda: 2)
    assert outputs(repo, allowed_signers) == alone


def test_the_command_prints_what_one_process_finds(
    many: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, prr: object
) -> None:
    repo, allowed_signers = many
    monkeypatch.setattr(verify_parallel, "PARALLEL_FROM", RECORDS + 1)
    text, _ = outputs(repo, allowed_signers)
    done: Run = prr("verify", str(repo), "--allowed-signers", str(allowed_signers))  # type: ignore[operator]
    assert done.code == 1
    assert done.out.rstrip("\n") == text


def test_examine_all_keeps_the_order_and_uses_other_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify_parallel, "usable_cores", lambda: 2)
    names = [f"{index:03d}" for index in range(100)]
    parent, worked = os.getpid(), multiprocessing.get_context("fork").Event()

    def examine(name: str) -> tuple[str, int]:
        if os.getpid() != parent:
            worked.set()
        elif int(name) >= 2 * verify_parallel.CHUNK:  # past the first chunk: wait till the worker takes one
            worked.wait(timeout=10)
        return name, os.getpid()

    found = verify_parallel.examine_all(examine, names, lambda name: name != "007")
    assert [name for name, _ in found] == names
    assert found[7][1] == parent  # refused by forkable: examined here
    assert {pid for _, pid in found} - {parent}


def test_examining_pauses_the_collector_and_restores_it_after() -> None:
    seen = []
    names = [str(index) for index in range(3)]
    frozen = gc.get_freeze_count()
    try:
        found = verify_parallel.examine_all(lambda name: seen.append(gc.isenabled()) or [name], names, lambda n: False)
        assert seen == [False, False, False]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(found)  # what was kept is not walked when the collector resumes
    finally:
        gc.unfreeze()

    def fails(name: str) -> None:
        raise RuntimeError(name)

    with pytest.raises(RuntimeError):
        verify_parallel.examine_all(fails, names, lambda name: False)
    assert gc.isenabled()
    gc.disable()
    try:
        verify_parallel.examine_all(lambda name: None, names, lambda name: False)
        assert not gc.isenabled()  # a caller's own pause is left as it was
    finally:
        gc.enable()
