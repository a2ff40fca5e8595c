"""`prr check`: the CI gate. It passes only when a valid, approved, unexpired record
covers the source tree at the ref, for the service's checklist at its tier (a review at
a more critical tier covers a less critical one: it asked more).

The repository under review is not trusted to relax its own policy. CI pins the tier
with `--tier` and the pack with `--checklist`, as it names the allowed_signers file; unpinned, the tier is the config's
at the ref, or the config's at the reviewed commit when that one is stricter: a commit
touching only `.prr/` does not make a review stale, so it must not lower the bar either.
Among the valid records of the code the newest decides, so a later "not ready"
overrules an earlier "ready"; and a waiver that has lapsed since no longer holds."""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass, replace
from pathlib import Path

from prr.adapters import builtin
from prr.adapters.git_objects import GitObjects
from prr.domain.errors import InputError
from prr.domain.record import Record, Requirement, WaiverRef
from prr.domain.verification import RecordStatus, Verification
from prr.format.service_config import CONFIG_PATH, ServiceConfig
from prr.workflow.verifying import VerifyOptions, committed_config, session

DEFAULT_CHECKLIST = "launch"
DEFAULT_TIER = 1  # what docs/service-config.md promises when the config names no tier
RENEW = "review again or renew the waiver"


@dataclass(frozen=True)
class TierRule:
    """The least strict tier a record may be at, and where that rule came from."""

    tier: int
    source: str  # "--tier", or which config says so
    pinned: bool = False  # given with --tier, from outside the repository


@dataclass(frozen=True)
class GateResult:
    passed: bool
    reason: str  # one line: why it passed, or the first thing to fix
    commit: str
    service: str
    checklist: str  # the id of the pack a record must be made with
    tier: int  # the least strict tier a record may be at (of the record that decided, else the strictest asked)
    tier_from: str  # where that tier came from: "--tier", or which config says so
    tier_pinned: bool  # given with --tier, from outside the repository
    decided_by: Verification | None  # the record the reason is about
    considered: tuple[Verification, ...]
    superseded: tuple[Verification, ...] = ()  # older ready records the newer deciding one overrules


def check(path: Path, options: VerifyOptions, tier: int | None = None, pack_ref: str | None = None) -> GateResult:
    """The gate at `options.ref`; `tier` (0-3) and `pack_ref` (a built-in pack's name, or
    the trusted copy of a pack file) pin the tier and the pack from outside the repository."""
    pinned = None
    if pack_ref is not None:
        pinned, pack_file = pinned_pack(pack_ref)
        options = replace(options, checklist=pack_file or options.checklist)
    with session(path, options) as opened:
        config = committed_config(opened.objects, opened.commit, opened.service)
        checklist = pinned or _required_pack(opened.objects, opened.commit, opened.service, config, options)
        results = [opened.checker.check(name, files) for name, files in sorted(opened.folders().items())]
        rules = _TierRules(opened.objects, opened.service, config, options.ref, tier)
        required = {r.path: rules.for_record(r) for r in results}
        now = opened.checker.now
    same_pack = [r for r in results if r.head is None or r.head.checklist.id == checklist]
    relevant = sorted((r for r in same_pack if _tier_covers(r, required[r.path])), key=_age, reverse=True)
    valid = [r for r in relevant if r.status is RecordStatus.VALID]
    decided = valid[0] if valid else relevant[0] if relevant else None
    if decided is None:  # held to the strictest rule any record of this code was held to
        rule = min([rules.at_ref, *(required[r.path] for r in same_pack if _of_this_code(r))], key=lambda t: t.tier)
        where = opened.service or "this repository"
        passed, reason = (
            False,
            f"no review record of {where} for checklist {checklist} at tier {rule.tier}: run prr review",
        )
    else:
        rule = required[decided.path]
        passed, reason = _decision(decided, now)
    superseded = () if passed else tuple(r for r in valid[1:] if _ready(r))
    return GateResult(
        passed,
        reason,
        opened.commit,
        opened.service,
        checklist,
        rule.tier,
        rule.source,
        rule.pinned,
        decided,
        tuple(results),
        superseded,
    )


def _decision(decided: Verification, now: dt.datetime) -> tuple[bool, str]:
    """Whether the record that decides lets the code through, and the one line why."""
    if decided.status is not RecordStatus.VALID:
        return False, _why_not(decided)
    record = decided.record
    assert record is not None  # a valid record was read
    if not record.verdict.ready:
        blockers = ", ".join(b.item for b in record.verdict.blockers)
        return False, f"not ready: the review of {record.created:%Y-%m-%d} has blockers: {blockers}"
    lapsed = _lapsed_waivers(record, now)
    if lapsed:
        first, more = lapsed[0], f" (and {len(lapsed) - 1} more)" if len(lapsed) > 1 else ""
        return False, f"waiver for {first.item} lapsed on {first.expires:%Y-%m-%d}{more}: {RENEW}"
    signers = ", ".join(s.principal for s in decided.signatures if s.valid)
    return True, f"ready: {record.id} of {record.created:%Y-%m-%d}, signed by {signers}"


def _lapsed_waivers(record: Record, now: dt.datetime) -> list[WaiverRef]:
    """Waivers of required items past their expiry day (a waiver holds through it, UTC)."""
    required = {item.id for item in record.items if item.requirement == Requirement.REQUIRED}
    today = now.astimezone(dt.UTC).date()
    return sorted((w for w in record.waivers if w.item in required and w.expires < today), key=lambda w: w.expires)


def _why_not(result: Verification) -> str:
    """Why a record that is not valid does not cover the code: the first thing to fix."""
    head = result.head
    if head is None or result.failures:
        more = f" (and {len(result.failures) - 1} more)" if len(result.failures) > 1 else ""
        return f"invalid: {result.path}: {result.failures[0] if result.failures else 'unreadable'}{more}"
    reviewed = f"the review of {head.created:%Y-%m-%d}"
    if result.expired:
        return f"expired: {reviewed} expired on {head.expires:%Y-%m-%d}; review again"
    count = len(result.changed)
    return f"stale: {count} file{'s' if count != 1 else ''} changed since {reviewed}"


def _ready(result: Verification) -> bool:
    return result.head is not None and result.head.verdict.ready


def _age(result: Verification) -> tuple[bool, dt.datetime, str]:
    """Sorts oldest first: by creation time, then id; an unreadable record before all."""
    head = result.head
    if head is None:
        return False, dt.datetime.min.replace(tzinfo=dt.UTC), result.path
    return True, head.created, head.id


def _tier_covers(result: Verification, rule: TierRule) -> bool:
    """A record at the rule's tier or a more critical one (lower number); an unreadable
    record is reported, not skipped."""
    return result.head is None or result.head.service.tier <= rule.tier


def _of_this_code(result: Verification) -> bool:
    """Intact and made for the code at the ref: it would cover, were its tier enough."""
    return result.head is not None and not result.failures and not result.changed


class _TierRules:
    """The tier each record is held to: the pinned one; else the config's at the ref
    (its documented default when it names none), or the config's at the record's
    reviewed commit when that is stricter."""

    def __init__(self, objects: GitObjects, service: str, config: ServiceConfig, ref: str, pinned: int | None):
        self.objects, self.service, self.ref = objects, service, ref
        self.config_path = posixpath.join(service, CONFIG_PATH)
        self._then: dict[str, int | None] = {}  # a reviewed commit's configured tier
        if pinned is not None:
            self.at_ref = TierRule(pinned, "--tier", pinned=True)
        elif config.tier is None:
            self.at_ref = TierRule(DEFAULT_TIER, f"the default: {self.config_path} at {ref} names no tier")
        else:
            self.at_ref = TierRule(config.tier, f"{self.config_path} at {ref}")

    def for_record(self, result: Verification) -> TierRule:
        if self.at_ref.pinned or result.head is None or result.failures:
            return self.at_ref  # an invalid record covers nothing: its reviewed commit may not even exist
        commit = result.head.subject.commit
        then = self._tier_at(commit)
        if then is None or then >= self.at_ref.tier:
            return self.at_ref
        where = f"{self.config_path} at the reviewed commit {commit[:12]}"
        return TierRule(then, f"{where}, stricter than tier {self.at_ref.tier} at {self.ref}")

    def _tier_at(self, commit: str) -> int | None:
        if commit not in self._then:
            try:
                tier = committed_config(self.objects, commit, self.service).tier
                self._then[commit] = DEFAULT_TIER if tier is None else tier
            except InputError:  # an unreadable config then sets no rule; the ref's holds
                self._then[commit] = None
        return self._then[commit]


def pinned_pack(ref: str) -> tuple[str, Path | None]:
    """The id of the pack REF names (a built-in name, or a pack file), and the file, which
    also verifies records made with that pack."""
    from prr.workflow.checklists import open_pack  # YAML and the pack schema: only when a pack is pinned

    pack = open_pack(ref)
    built_in = bool(pack.sources) and pack.sources[0].name.startswith(builtin.PREFIX)
    return pack.id, None if built_in else Path(ref)


def _required_pack(
    objects: GitObjects, commit: str, service: str, config: ServiceConfig, options: VerifyOptions
) -> str:
    """The id of the pack the config names: a built-in pack's name, or the id in the pack
    file committed at the ref (else in the --checklist FILE given). A record made with
    another pack does not cover the service."""
    named = config.checklist or DEFAULT_CHECKLIST
    if named in builtin.pack_names():
        return named
    committed = _committed_pack_id(objects, commit, service, named)
    if committed is not None:
        return committed
    if options.checklist is not None:
        from prr.workflow.checklists import open_pack  # YAML and the pack schema: only for a pack file

        return open_pack(str(options.checklist)).id
    raise InputError(
        f"{posixpath.join(service, CONFIG_PATH)}: service.checklist names {named}, which is neither a built-in "
        f"pack nor a file committed at {options.ref}: commit the pack, or name it with --checklist FILE"
    )


def _committed_pack_id(objects: GitObjects, commit: str, service: str, named: str) -> str | None:
    """The id of the pack file NAMED, as committed at COMMIT: the path from the service
    folder, else from the repository top. None when neither is a committed file."""
    if posixpath.isabs(named) or "\\" in named:
        return None
    for path in dict.fromkeys([posixpath.normpath(posixpath.join(service, named)), posixpath.normpath(named)]):
        found = None if path.startswith("..") else objects.lookup(commit, path)
        if found is not None and found[0] in ("100644", "100755"):
            return _pack_id(path, objects.blob(found[1], path))
    return None


def _pack_id(path: str, data: bytes) -> str:
    """The pack's id, its top level read as a pack (problems name PATH, line and column);
    whether the record matches the pack's bytes is verification's part."""
    from prr.format import strict_yaml
    from prr.format.pack_schema import read_pack
    from prr.format.typed import Reader
    from prr.probes.registry import PROBES

    reader = Reader()
    raw = read_pack(strict_yaml.parse(path, data), PROBES, reader)
    if reader.problems or raw is None:  # (a top level that is not a pack, or has no id, is a problem)
        raise InputError(problems=reader.problems)
    return str(raw.fields["id"].value)
