"""One service's line on the organisation's scorecard (`prr rollup`), and the adoption
figure over many such lines.

A line says what an engineering manager asks about a service without opening its
repository: its tier, what its newest review decided and whether that record still
holds, which waivers lapse soon, and whether it has the three things every critical
service needs before anything else: an SLO, a dashboard and a runbook. The lines are
plain, picklable data: a worker process builds them, a CI job writes them as JSON, and
another machine reads them back (prr.workflow.rollup_json)."""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from prr.adapters.git_objects import GitObjects
from prr.adapters.probe_cache import ProbeCache
from prr.domain.errors import InputError
from prr.domain.findings import Outcome
from prr.domain.record import Record
from prr.domain.text import printable
from prr.format.record_toml import loads
from prr.workflow.history import EXPIRING_WITHIN
from prr.workflow.probing import ProbeReport, probe_repository
from prr.workflow.record_location import RECORD_FILE, RECORDS, scope
from prr.workflow.verifying import MAX_RECORD_BYTES, VerifyOptions, verify

# The probe whose outcome decides each evidence flag. By probe, not by item, so the rule
# holds for any pack that runs these probes (launch asks all three at tiers 0-2).
EVIDENCE_PROBES = {"slo": "slo-defined", "dashboard": "dashboards-valid", "runbook": "runbook-present"}
ADOPTION_TIERS = (0, 1)


class Verdict(StrEnum):
    READY = "ready"
    NOT_READY = "not_ready"
    NO_REVIEW = "no_review"  # no record of the service for its checklist
    UNKNOWN = "unknown"  # the newest record is unreadable, or the service could not be scanned


class RecordState(StrEnum):
    """The newest record's status: `prr verify`'s four when trust was given, else
    `unverified` (read, not checked); `none` without a record."""

    VALID = "valid"
    STALE = "stale"
    EXPIRED = "expired"
    INVALID = "invalid"
    UNVERIFIED = "unverified"
    NONE = "none"
    UNKNOWN = "unknown"  # the service could not be scanned


@dataclass(frozen=True)
class ExpiringWaiver:
    item: str
    approver: str
    expires: dt.date


@dataclass(frozen=True)
class ServiceSummary:
    repository: str  # the repository top as the scanning machine saw it, or the PATH given when the scan failed
    service_folder: str  # "" for the whole repository
    name: str
    tier: int | None  # None only when the scan failed
    checklist: str
    commit: str
    verdict: Verdict
    last_review: dt.date | None  # the newest record's creation date (UTC)
    record: str  # the newest record's id, "" when none
    record_status: RecordState
    expiring_waivers: tuple[ExpiringWaiver, ...] = ()
    has_slo: bool | None = None  # None: unknown (the probe could not run, or the pack does not run it)
    has_dashboard: bool | None = None
    has_runbook: bool | None = None
    error: str = ""  # why the service could not be scanned; every other field is then empty

    @classmethod
    def failed(cls, path: str, error: str) -> ServiceSummary:
        """A row for a service that could not be scanned; ERROR without PATH repeated."""
        path = printable(path)
        error = error.removeprefix(f"{path}: ")
        name = path.rstrip("/").rsplit("/", 1)[-1] or path
        return cls(path, "", name, None, "", "", Verdict.UNKNOWN, None, "", RecordState.UNKNOWN, error=error)

    @property
    def has_all_evidence(self) -> bool:
        """An SLO, a dashboard and a runbook, each proven by its probe (unknown is not yes)."""
        return self.has_slo is True and self.has_dashboard is True and self.has_runbook is True


@dataclass(frozen=True)
class Adoption:
    """The share of tier 0-1 services with an SLO, a dashboard and a runbook."""

    services: int  # tier 0-1 services scanned
    complete: int  # of those, with all three

    @property
    def share(self) -> float | None:
        """None when there is no tier 0-1 service: a share of nothing is not 0%."""
        return self.complete / self.services if self.services else None


def adoption(services: list[ServiceSummary]) -> Adoption:
    """Counted over scanned services only: a failed scan has no known tier."""
    critical = [s for s in services if not s.error and s.tier in ADOPTION_TIERS]
    return Adoption(len(critical), sum(s.has_all_evidence for s in critical))


@dataclass(frozen=True)
class SummaryOptions:
    """What every worker needs to summarise a service; plain values, so it pickles."""

    ref: str = "HEAD"
    allowed_signers: Path | None = None  # with neither this nor repository_signers, records are not verified
    revoked: Path | None = None
    repository_signers: str | None = None
    cache_dir: Path | None = None  # the probe cache; None runs every probe
    now: dt.datetime | None = None

    @property
    def verifies(self) -> bool:
        return self.allowed_signers is not None or self.repository_signers is not None


def summarize(path: Path, options: SummaryOptions) -> ServiceSummary:
    """Probe the service at PATH (repository probes) and read its newest record for the
    checklist the probes used. Raises PrrError for what makes the service unscannable."""
    now = (options.now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    cache = ProbeCache(options.cache_dir) if options.cache_dir is not None else None
    report = probe_repository(path, options.ref, cache=cache, config_endpoints=False)  # the scorecard is offline
    record, state = _newest_record(path, report.commit, report.pack.id, options, now)
    verdict = Verdict.NO_REVIEW if state is RecordState.NONE else Verdict.UNKNOWN
    if record is not None:
        verdict = Verdict.READY if record.verdict.ready else Verdict.NOT_READY
    return ServiceSummary(
        repository=printable(str(report.top)),
        service_folder=printable(report.prefix),
        name=printable(report.config.name or (report.prefix.rsplit("/", 1)[-1] if report.prefix else report.top.name)),
        tier=report.tier,
        checklist=report.pack.id,
        commit=report.commit,
        verdict=verdict,
        last_review=record.created.date() if record else None,
        record=record.id if record else "",
        record_status=state,
        expiring_waivers=expiring_waivers(record, now) if record else (),
        has_slo=evidence(report, EVIDENCE_PROBES["slo"]),
        has_dashboard=evidence(report, EVIDENCE_PROBES["dashboard"]),
        has_runbook=evidence(report, EVIDENCE_PROBES["runbook"]),
    )


def evidence(report: ProbeReport, probe: str) -> bool | None:
    """Yes when the probe passed, with `prr probe`'s rule for combining findings (any
    failing finding makes it no); no when it failed or found nothing it applies to;
    unknown when it could not run or the pack did not run it at this tier."""
    outcomes = {f.outcome for ev in report.items for f in ev.findings if f.probe == probe}
    if Outcome.FAIL in outcomes:
        return False
    if Outcome.ERROR in outcomes:
        return None
    if Outcome.PASS in outcomes:
        return True
    return False if outcomes else None


def expiring_waivers(record: Record, now: dt.datetime) -> tuple[ExpiringWaiver, ...]:
    """The record's waivers lapsing within 30 days (as `prr log` lists them)."""
    today, horizon = now.date(), (now + EXPIRING_WITHIN).date()
    return tuple(ExpiringWaiver(w.item, w.approver, w.expires) for w in record.waivers if today <= w.expires <= horizon)


def _newest_record(
    path: Path, commit: str, checklist: str, options: SummaryOptions, now: dt.datetime
) -> tuple[Record | None, RecordState]:
    """The newest record for CHECKLIST at COMMIT (the one probed, even if the ref moved
    since) and its state; (None, INVALID) when only unreadable records are there (they
    might have been for this checklist)."""
    if options.verifies:
        verify_options = VerifyOptions(
            commit, options.allowed_signers, options.revoked, options.repository_signers, now=now
        )
        results = verify(path, verify_options).results
        unreadable = any(v.head is None for v in results)
        verified = [(v.head, v) for v in results if v.head is not None and v.head.checklist.id == checklist]
        if verified:  # chosen by its head: only that record is read whole
            _, newest = max(verified, key=lambda pair: (pair[0].created, pair[0].id))
            return newest.record, RecordState(newest.status.value)
    else:
        records = _committed_records(path, commit)
        unreadable = None in records
        readable = [r for r in records if r is not None and r.checklist.id == checklist]
        if readable:
            return max(readable, key=lambda r: (r.created, r.id)), RecordState.UNVERIFIED
    return None, RecordState.INVALID if unreadable else RecordState.NONE


def _committed_records(path: Path, commit: str) -> list[Record | None]:
    """Every record committed at COMMIT for the service at PATH, read but not verified
    (None for one that does not parse): without an allowed_signers file there is
    nothing to check signatures against, and a rollup must not fail for that."""
    with GitObjects.open(path) as objects:
        service, _ = scope(objects.prefix)
        base = posixpath.join(service, RECORDS)
        files = [f for f in objects.files(commit, base) if f.path.count("/") == base.count("/") + 2]
        files = [f for f in files if f.path.endswith(f"/{RECORD_FILE}")]
        records: list[Record | None] = []
        for file in files:
            try:
                records.append(loads(objects.blob(file.oid, file.path, MAX_RECORD_BYTES), file.path))
            except InputError:
                records.append(None)  # shown as an invalid record: `prr verify` names what is wrong
        return records
