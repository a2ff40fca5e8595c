"""Run the probes a pack asks for over one commit, and gather the evidence per item.

Used by `prr probe` and, later, by the review app: both call `probe_repository`."""

from __future__ import annotations

import dataclasses
import functools
import json
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prr import __version__
from prr.adapters import worktree
from prr.adapters.git_process import GitFailed
from prr.adapters.git_snapshot import GitSnapshot
from prr.adapters.probe_cache import ProbeCache
from prr.adapters.source_tree import source_tree_id
from prr.domain.checklist import Item, Pack, Requirement
from prr.domain.errors import InputError
from prr.domain.findings import Finding, Outcome
from prr.domain.probe_spec import ProbeKind
from prr.domain.text import printable
from prr.format.service_config import CONFIG_PATH, ServiceConfig, parse_config
from prr.probes.api import RepoProbe
from prr.probes.endpoint_api import RepoFacts
from prr.probes.registry import PROBES
from prr.workflow.checklists import open_configured_pack, open_pack
from prr.workflow.endpoint_settings import EndpointSettings
from prr.workflow.forked import map_forked
from prr.workflow.repo_runs import RepoCall, run_calls

DEFAULT_PACK = "launch"
DEFAULT_TIER = 1
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ProbeCall:
    """One probe with one set of parameters; several items may share it."""

    probe: str
    params: Mapping[str, Any]

    @property
    def key(self) -> str:
        return self.probe + json.dumps(self.params, sort_keys=True)


@dataclass(frozen=True)
class ItemEvidence:
    item: Item
    requirement: Requirement
    findings: tuple[Finding, ...]
    waiting: tuple[str, ...]  # probes that did not run, with why ("health-endpoint: needs an endpoint")

    @property
    def outcome(self) -> Outcome | None:
        """What the probes say together: any fail fails; else any error; else pass."""
        outcomes = {f.outcome for f in self.findings}
        for outcome in (Outcome.FAIL, Outcome.ERROR, Outcome.PASS, Outcome.NOT_APPLICABLE):
            if outcome in outcomes:
                return outcome
        return None


@dataclass
class ProbeReport:
    top: Path
    prefix: str
    commit: str
    pack: Pack
    tier: int
    items: list[ItemEvidence] = field(default_factory=list)
    probes_run: int = 0
    probes_cached: int = 0
    notes: list[str] = field(default_factory=list)
    uncommitted: list[str] = field(default_factory=list)
    config: ServiceConfig = field(default_factory=ServiceConfig)
    source_tree: str = ""  # without the service's .prr/ (what a record binds); only when asked
    object_format: str = "sha1"


def probe_repository(
    path: Path,
    ref: str = "HEAD",
    pack_ref: str | None = None,
    tier: int | None = None,
    cache: ProbeCache | None = None,
    progress: Progress | None = None,
    live: EndpointSettings | None = None,
    bind_source_tree: bool = False,
    config_endpoints: bool = True,
    workers: int = 1,
    config: ServiceConfig | None = None,
) -> ProbeReport:
    """Probe one commit for the pack's items. Endpoint probes run when `live` or (unless
    `config_endpoints` is off) the committed config names endpoints; otherwise they are
    listed as waiting. `workers` over 1 runs the repository probes in that many forked
    processes: only for a caller without other threads (the CLI, not the app). `config`
    stands in for the committed `.prr/config.toml` (one the app's first run just saved)."""
    with GitSnapshot.open(path, ref) as snapshot:
        report = _report(snapshot, pack_ref, tier, bind_source_tree, config)
        config, pack, chosen_tier = report.config, report.pack, report.tier
        if config.max_file_bytes is not None:
            snapshot.max_blob_bytes = config.max_file_bytes
        live = live or EndpointSettings()
        if config_endpoints:
            live = _with_config_endpoints(live, config, snapshot.prefix)
        items = pack.asked_items(chosen_tier)
        calls = _calls(items)
        waiting: dict[str, str] = {}
        repo_calls: list[RepoCall] = []
        live_calls: list[ProbeCall] = []
        for call in calls.values():
            if PROBES[call.probe].kind is ProbeKind.ENDPOINT:
                live_calls.append(call)
                if not live.urls:
                    waiting[call.key] = f"{call.probe}: needs an endpoint (--endpoint URL or [service] endpoints)"
            else:
                repo_calls.append(RepoCall(call.key, call.probe, call.params))
        answered = iter(range(1, len(calls) + 1))

        def started(call: RepoCall) -> None:
            if progress:
                progress(next(answered), len(calls), call.probe)

        runs = run_calls(snapshot, repo_calls, cache, _repository_probes, started, workers)
        for key in runs.unavailable:
            waiting[key] = f"{calls[key].probe}: not available in prr {__version__}"
        results = dict(runs.findings)
        report.probes_run, report.probes_cached = runs.run, runs.cached
        if live.urls and live_calls:
            if progress:
                progress(len(calls), len(calls), f"{len(live_calls)} endpoint probes")
            from prr.workflow import repo_facts  # parses YAML: only when endpoints are probed

            facts = repo_facts.gather(snapshot, [f for found in results.values() for f in found])
            results.update(_run_live(live_calls, live, facts))
        for item in items:
            keys = [ProbeCall(use.probe, _params(use.probe, use.params)).key for use in item.probes]
            report.items.append(
                ItemEvidence(
                    item,
                    item.requirement(chosen_tier),
                    tuple(f for key in keys for f in results.get(key, [])),
                    tuple(waiting[key] for key in keys if key in waiting),
                )
            )
        report.notes.extend(runs.notes)
        report.uncommitted = _uncommitted(snapshot, ref, report.items, workers)
        return report


def _repository_probes() -> Mapping[str, RepoProbe]:
    """The probe implementations, each family imported when one of its probes must run:
    `preview` (the app's first screen) and `prr verify` need none of the thirty modules
    they live in, and a warm re-run only the few families it runs again."""
    from prr.probes.repo import REPOSITORY_PROBES

    return REPOSITORY_PROBES


def preview(
    path: Path,
    ref: str = "HEAD",
    pack_ref: str | None = None,
    tier: int | None = None,
    config: ServiceConfig | None = None,
) -> ProbeReport:
    """The report before any probe runs: the commit, config, pack and tier, every asked
    item with no findings yet. The app shows it at once and fills in evidence later."""
    with GitSnapshot.open(path, ref) as snapshot:
        report = _report(snapshot, pack_ref, tier, False, config)
    for item in report.pack.asked_items(report.tier):
        report.items.append(ItemEvidence(item, item.requirement(report.tier), (), ()))
    return report


def _report(
    snapshot: GitSnapshot, pack_ref: str | None, tier: int | None, bind_source_tree: bool, given: ServiceConfig | None
) -> ProbeReport:
    config = given if given is not None else _config(snapshot)
    pack = (
        open_pack(pack_ref)
        if pack_ref
        else open_configured_pack(snapshot.top, snapshot.prefix, config.checklist or DEFAULT_PACK)
    )
    chosen_tier = tier if tier is not None else config.tier if config.tier is not None else DEFAULT_TIER
    report = ProbeReport(snapshot.top, snapshot.prefix, snapshot.commit, pack, chosen_tier, config=config)
    if bind_source_tree:  # a few more git calls that only a record needs
        report.source_tree = source_tree_id(snapshot)
    report.object_format = snapshot.object_format
    return report


def _with_config_endpoints(live: EndpointSettings, config: ServiceConfig, prefix: str) -> EndpointSettings:
    """Endpoints named on the command line win; else those the committed config names."""
    if live.urls or not config.endpoints:
        return live
    source = posixpath.join(prefix, CONFIG_PATH)
    return dataclasses.replace(live, urls=tuple((url, source) for url in config.endpoints))


def _run_live(calls: list[ProbeCall], live: EndpointSettings, facts: RepoFacts) -> dict[str, list[Finding]]:
    # Imported here: httpx and the endpoint probes cost start-up time that a run without
    # endpoints (the common CI case, and every cached re-run) should not pay.
    from prr.workflow.endpoint_probing import run_endpoint_probes

    return run_endpoint_probes([(c.key, c.probe, c.params) for c in calls], live, facts)


def _config(snapshot: GitSnapshot) -> ServiceConfig:
    path = posixpath.join(snapshot.prefix, CONFIG_PATH)
    entry = snapshot.find(path)
    if entry is None:
        return ServiceConfig()
    blob = snapshot.read_entry(entry)
    if blob.data is None:
        raise InputError(f"{path}: {blob.skipped}")
    return parse_config(path, blob.data)


def _params(probe: str, given: Mapping[str, Any]) -> dict[str, Any]:
    return {p.name: p.default for p in PROBES[probe].params} | dict(given)


def _calls(items: tuple[Item, ...]) -> dict[str, ProbeCall]:
    calls: dict[str, ProbeCall] = {}
    for item in items:
        for use in item.probes:
            call = ProbeCall(use.probe, _params(use.probe, use.params))
            calls.setdefault(call.key, call)
    return calls


def _uncommitted(snapshot: GitSnapshot, ref: str, items: list[ItemEvidence], workers: int) -> list[str]:
    """Evidence files whose working-tree copy differs from the reviewed commit. Only when
    that commit is the one checked out: a review of another commit says nothing about the
    working tree, whose files differ from an older commit's without being uncommitted."""
    evidence = {ev.path: ev.blob for i in items for f in i.findings for ev in f.evidence if ev.path and ev.blob}
    if not evidence or not _checked_out(snapshot, ref):
        return []
    spread = functools.partial(map_forked, workers=workers) if workers > 1 else None
    return sorted(printable(p) for p in worktree.changed(snapshot.top, snapshot.git_dir, evidence, spread))


def _checked_out(snapshot: GitSnapshot, ref: str) -> bool:
    """True when the reviewed commit is HEAD's. HEAD itself was resolved on opening; any
    other ref costs one `rev-parse`, and an unborn HEAD has no commit checked out."""
    if ref == "HEAD":
        return True
    try:
        return snapshot.rev_parse("HEAD^{commit}") == snapshot.commit
    except GitFailed:
        return False
