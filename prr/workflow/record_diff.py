"""What changed between two review records: `prr diff OLD NEW` and the report's "since the
previous review".

Pure: two parsed records and the principals who have a signature file for each go in, a
`RecordDiff` comes out. Nothing is judged here (a diff is information, not a verdict), and
derived text is left out where the fact behind it is already shown: an item's `reason` is
the owner's words only for a `na` answer (elsewhere it follows from the answer, the waiver
or the probes, which are compared themselves), so it is compared only between two `na`s."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from prr.domain.findings import Finding
from prr.domain.record import Record, RecordAnswer, RecordItem, Signer, VerdictRef, WaiverRef
from prr.domain.redaction import redact_url


@dataclass(frozen=True)
class Change:
    """One value, before and after."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class EvidenceChange:
    """One difference in what a probe found for an item. `kind` is one of `added` and
    `removed` (the probe itself), `outcome`, `message`, `blob` (a repository path's blob id),
    `status` and `digest` (a URL's answer); `subject` names the path or URL, "" for the
    probe itself. A path or URL that appears or disappears has `""` on that side."""

    probe: str
    kind: str
    subject: str
    old: str
    new: str


@dataclass(frozen=True)
class ItemDiff:
    id: str
    changes: tuple[Change, ...]  # answer, state, requirement, note, reason
    links_added: tuple[str, ...] = ()
    links_removed: tuple[str, ...] = ()
    evidence: tuple[EvidenceChange, ...] = ()

    def change(self, name: str) -> Change | None:
        return next((c for c in self.changes if c.field == name), None)


@dataclass(frozen=True)
class WaiverDiff:
    """A waiver added (`old` None), removed (`new` None) or changed, by item."""

    item: str
    old: WaiverRef | None
    new: WaiverRef | None


@dataclass(frozen=True)
class VerdictDiff:
    old: VerdictRef
    new: VerdictRef
    changes: tuple[Change, ...]  # ready, score, level, scorer
    blockers_added: tuple[str, ...]
    blockers_removed: tuple[str, ...]


@dataclass(frozen=True)
class SignerDiff:
    signed_added: tuple[str, ...]  # principals with a signature file only in the new record
    signed_removed: tuple[str, ...]
    declared_added: tuple[Signer, ...]
    declared_removed: tuple[Signer, ...]
    roles_changed: tuple[Change, ...]  # field: the principal

    @property
    def empty(self) -> bool:
        return not (self.signed_added or self.signed_removed or self.declared_added or self.declared_removed
                    or self.roles_changed)  # fmt: skip


@dataclass(frozen=True)
class RecordDiff:
    old: Record
    new: Record
    facts: tuple[Change, ...]  # service, tier, owner, checklist, service folder, commit
    verdict: VerdictDiff
    items_added: tuple[str, ...]
    items_removed: tuple[str, ...]
    items_changed: tuple[ItemDiff, ...]
    waivers: tuple[WaiverDiff, ...]
    signers: SignerDiff

    @property
    def empty(self) -> bool:
        """True when nothing a reviewer would care about changed (the commit may have)."""
        return not (
            [f for f in self.facts if f.field != "commit"]
            or self.verdict.changes
            or self.verdict.blockers_added
            or self.verdict.blockers_removed
            or self.items_added
            or self.items_removed
            or self.items_changed
            or self.waivers
            or not self.signers.empty
        )


def diff_records(
    old: Record, new: Record, old_signed: Iterable[str] = (), new_signed: Iterable[str] = ()
) -> RecordDiff:
    """The differences from OLD to NEW; `*_signed` are the principals with a signature file."""
    old_items = {item.id: item for item in old.items}
    new_items = {item.id: item for item in new.items}
    changed = [_item_diff(old_items[i], new_items[i]) for i in new_items if i in old_items]
    return RecordDiff(
        old=old,
        new=new,
        facts=_facts(old, new),
        verdict=_verdict_diff(old.verdict, new.verdict),
        items_added=tuple(i for i in new_items if i not in old_items),
        items_removed=tuple(i for i in old_items if i not in new_items),
        items_changed=tuple(d for d in changed if d.changes or d.links_added or d.links_removed or d.evidence),
        waivers=_waiver_diffs(old.waivers, new.waivers),
        signers=_signer_diff(old.signers, new.signers, set(old_signed), set(new_signed)),
    )


def _changes(pairs: Iterable[tuple[str, object, object]]) -> tuple[Change, ...]:
    return tuple(Change(name, _str(a), _str(b)) for name, a, b in pairs if a != b)


def _str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _facts(old: Record, new: Record) -> tuple[Change, ...]:
    return _changes(
        [
            ("service", old.service.name, new.service.name),
            ("tier", old.service.tier, new.service.tier),
            ("owner", old.service.owner, new.service.owner),
            ("checklist", f"{old.checklist.id} {old.checklist.version}", f"{new.checklist.id} {new.checklist.version}"),
            ("service_folder", old.subject.service_folder, new.subject.service_folder),
            ("commit", old.subject.commit, new.subject.commit),
        ]
    )


def _verdict_diff(old: VerdictRef, new: VerdictRef) -> VerdictDiff:
    old_blockers = [b.item for b in old.blockers]
    new_blockers = [b.item for b in new.blockers]
    return VerdictDiff(
        old=old,
        new=new,
        changes=_changes(
            [
                ("ready", old.ready, new.ready),
                ("score", old.score, new.score),
                ("level", old.level, new.level),
                ("scorer", f"{old.scorer} {old.scorer_version}", f"{new.scorer} {new.scorer_version}"),
            ]
        ),
        blockers_added=tuple(b for b in new_blockers if b not in old_blockers),
        blockers_removed=tuple(b for b in old_blockers if b not in new_blockers),
    )


def _item_diff(old: RecordItem, new: RecordItem) -> ItemDiff:
    pairs: list[tuple[str, object, object]] = [
        ("answer", str(old.answer), str(new.answer)),
        ("state", str(old.state), str(new.state)),
        ("requirement", str(old.requirement), str(new.requirement)),
        ("note", old.note, new.note),
    ]
    if str(old.answer) == str(new.answer) == RecordAnswer.NOT_APPLICABLE.value:
        pairs.append(("reason", old.reason, new.reason))  # the owner's words only for `na`
    return ItemDiff(
        id=new.id,
        changes=_changes(pairs),
        links_added=tuple(_shown(link) for link in new.links if link not in old.links),
        links_removed=tuple(_shown(link) for link in old.links if link not in new.links),
        evidence=evidence_changes(old.findings, new.findings),
    )


def evidence_changes(old: tuple[Finding, ...], new: tuple[Finding, ...]) -> tuple[EvidenceChange, ...]:
    """Per probe (in the new findings' order, then probes that are gone): whether it ran,
    its outcomes, the blob of each repository path and the status and digest of each URL.
    A changed message is listed only when nothing else about that probe changed."""
    old_by, new_by = _by_probe(old), _by_probe(new)
    out: list[EvidenceChange] = []
    for probe in [*new_by, *(p for p in old_by if p not in new_by)]:
        before, after = old_by.get(probe), new_by.get(probe)
        if before is None or after is None:
            kind = "added" if before is None else "removed"
            out.append(EvidenceChange(probe, kind, "", _outcomes(before or []), _outcomes(after or [])))
            continue
        found = _probe_changes(probe, before, after)
        if not found and [f.message for f in before] != [f.message for f in after]:
            found.append(EvidenceChange(probe, "message", "", _messages(before), _messages(after)))
        out += found
    return tuple(out)


def _by_probe(findings: tuple[Finding, ...]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.probe].append(finding)
    return dict(grouped)


def _outcomes(findings: list[Finding]) -> str:
    return ", ".join(str(f.outcome) for f in findings)


def _messages(findings: list[Finding]) -> str:
    return "; ".join(f.message for f in findings)


def _probe_changes(probe: str, before: list[Finding], after: list[Finding]) -> list[EvidenceChange]:
    out = []
    if _outcomes(before) != _outcomes(after):
        out.append(EvidenceChange(probe, "outcome", "", _outcomes(before), _outcomes(after)))
    old_blobs, new_blobs = _blobs(before), _blobs(after)
    for path in sorted(old_blobs.keys() | new_blobs.keys()):
        if old_blobs.get(path) != new_blobs.get(path):
            out.append(EvidenceChange(probe, "blob", path, old_blobs.get(path, ""), new_blobs.get(path, "")))
    old_urls, new_urls = _answers(before), _answers(after)
    for url in sorted(old_urls.keys() | new_urls.keys()):
        (old_status, old_digest), (new_status, new_digest) = old_urls.get(url, ("", "")), new_urls.get(url, ("", ""))
        if old_status != new_status or url not in old_urls or url not in new_urls:
            out.append(EvidenceChange(probe, "status", url, old_status, new_status))
        if old_digest != new_digest and url in old_urls and url in new_urls:
            out.append(EvidenceChange(probe, "digest", url, old_digest, new_digest))
    return out


def _blobs(findings: list[Finding]) -> dict[str, str]:
    return {e.path: e.blob or "" for f in findings for e in f.evidence if e.path and not e.url}


def _answers(findings: list[Finding]) -> dict[str, tuple[str, str]]:
    return {_shown(e.url): (_str(e.status), e.digest or "") for f in findings for e in f.evidence if e.url}


def _shown(link: str) -> str:
    """A record is untrusted input: a URL in it is shown without user info or secrets."""
    return redact_url(link) if "://" in link else link


def _waiver_diffs(old: tuple[WaiverRef, ...], new: tuple[WaiverRef, ...]) -> tuple[WaiverDiff, ...]:
    before, after = {w.item: w for w in old}, {w.item: w for w in new}
    out = [WaiverDiff(item, before.get(item), waiver) for item, waiver in after.items() if before.get(item) != waiver]
    out += [WaiverDiff(item, waiver, None) for item, waiver in before.items() if item not in after]
    return tuple(out)


def _signer_diff(
    old: tuple[Signer, ...], new: tuple[Signer, ...], old_signed: set[str], new_signed: set[str]
) -> SignerDiff:
    before, after = {s.principal: s for s in old}, {s.principal: s for s in new}
    return SignerDiff(
        signed_added=tuple(sorted(new_signed - old_signed)),
        signed_removed=tuple(sorted(old_signed - new_signed)),
        declared_added=tuple(s for p, s in after.items() if p not in before),
        declared_removed=tuple(s for p, s in before.items() if p not in after),
        roles_changed=tuple(
            Change(p, before[p].role, s.role) for p, s in after.items() if p in before and before[p].role != s.role
        ),
    )
