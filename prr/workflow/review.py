"""Reviews as code: an answers file in, a review record out, with the same probes,
answers and scorer as the app. `prr review PATH --no-tui --template | --answers FILE`."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from prr import __version__
from prr.adapters import builtin
from prr.adapters.atomic import write_atomic
from prr.adapters.files import read_capped
from prr.adapters.git_objects import GitObjects
from prr.domain.answers import Answer, AnswerKind
from prr.domain.errors import InputError, ToolError
from prr.domain.findings import Outcome
from prr.domain.record import (
    ChecklistRef,
    ChecklistSource,
    Record,
    RecordItem,
    ServiceRef,
    Signer,
    Subject,
    VerdictRef,
    WaiverRef,
)
from prr.domain.redaction import redact_url, remote_address
from prr.domain.scoring import assess
from prr.domain.status import ItemOutcome, ItemStatus
from prr.domain.text import printable
from prr.format.answers_file import AnswersHeader, parse_answers, peek
from prr.format.answers_template import render_template
from prr.format.record_toml import dumps, storable, text_problem
from prr.format.service_config import CONFIG_PATH
from prr.workflow.endpoint_settings import EndpointSettings
from prr.workflow.probing import ItemEvidence, ProbeReport, probe_repository
from prr.workflow.prr_folder import ensure_attributes
from prr.workflow.scorers import evaluate

RECORDS = ".prr/records"
RECORD_LIFETIME = dt.timedelta(days=180)
MAX_ANSWERS_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Written:
    path: Path
    record: Record


def template(
    path: Path,
    ref: str = "HEAD",
    pack_ref: str | None = None,
    tier: int | None = None,
    live: EndpointSettings | None = None,
) -> str:
    """An answers file for the pack and tier, pre-filled with what the probes proved."""
    report = probe_repository(path, ref, pack_ref, tier, live=live)
    return render_template(report.pack, report.tier, {ev.item.id: _probes_say(ev) for ev in report.items if ev.outcome})


def _probes_say(ev: ItemEvidence) -> str:
    """ "pass", or "fail: <why>" from the first failing probe, for the template's comment."""
    failing = next((f for f in ev.findings if f.outcome is Outcome.FAIL), None)
    if failing is not None:
        return f"fail: {failing.probe}: {failing.message}"
    return ev.outcome.value if ev.outcome else ""


def review(
    path: Path,
    answers_path: Path,
    ref: str = "HEAD",
    pack_ref: str | None = None,
    now: dt.datetime | None = None,
    live: EndpointSettings | None = None,
) -> Written:
    """Run the probes, apply the answers, score and write the record atomically; a record
    is written once, so an existing one is never replaced. The pack is `pack_ref` (a name
    or file), else the one the answers file names by id: the service config's pack (or the
    default) when the id is its, else the built-in pack of that name."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    shown = str(answers_path)
    data = read_capped(answers_path, MAX_ANSWERS_BYTES, shown)
    header = peek(shown, data)
    report = _probe(path, ref, pack_ref, header, live)
    answers = parse_answers(shown, data, report.pack, report.tier, moment.date(), _pack_origin(report, pack_ref))
    return write_record(report, answers.answers, answers.signers, shown, moment)


def _probe(
    path: Path, ref: str, pack_ref: str | None, header: AnswersHeader, live: EndpointSettings | None
) -> ProbeReport:
    """Probe for the pack the review is against. The configured pack comes first, so an id
    it shares with a built-in pack means the configured one; probing again happens only
    when the file names another built-in pack than the one configured."""
    report = probe_repository(path, ref, pack_ref, header.tier, bind_source_tree=True, live=live)
    named = header.checklist
    if pack_ref is None and named not in (None, report.pack.id) and named in builtin.pack_names():
        report = probe_repository(path, ref, named, header.tier, bind_source_tree=True, live=live)
    return report


def _pack_origin(report: ProbeReport, pack_ref: str | None) -> str:
    """Where the reviewed pack was chosen, for a `checklist` that names another."""
    if pack_ref is not None:
        return f"given by --checklist {pack_ref}"
    config = posixpath.join(report.prefix, CONFIG_PATH)
    if report.config.checklist:
        return f"named by {config}: checklist = {report.config.checklist!r}"
    return f"the default: {config} names no checklist"


def write_record(
    report: ProbeReport, answers: dict[str, Answer], signers: tuple[Signer, ...], source: str, moment: dt.datetime
) -> Written:
    """Score the answers over the report's evidence and write the record, once, atomically.
    The report must be bound to its source tree (`probe_repository(bind_source_tree=True)`);
    `source` names where the answers came from, for messages."""
    if not report.source_tree:
        raise ValueError("write_record needs a report bound to its source tree")
    moment = moment.astimezone(dt.UTC).replace(microsecond=0)
    outcomes = {ev.item.id: ItemOutcome(ev.item.id, answers.get(ev.item.id), ev.findings) for ev in report.items}
    contradictions = _contradictions(report.items, answers, source)
    verdict = evaluate(report.pack, report.tier, outcomes, moment)
    statuses = {a.item.id: a.status for a in assess(report.pack, report.tier, outcomes, moment)}
    record = Record(
        format="prr.record/1",
        id=_record_id(report, moment),
        created=moment,
        expires=moment + RECORD_LIFETIME,
        prr_version=__version__,
        subject=Subject(
            repository=repository_address(report.top),
            commit=report.commit,
            source_tree=report.source_tree,
            object_format=report.object_format,
            service_folder=report.prefix,
        ),
        checklist=ChecklistRef(
            id=report.pack.id,
            version=report.pack.version,
            sha256=report.pack.sources[0].sha256,
            sources=tuple(ChecklistSource(s.name, s.sha256) for s in report.pack.sources),
        ),
        service=ServiceRef(name=service_name(report), tier=report.tier, owner=report.config.owner),
        verdict=VerdictRef.from_verdict(verdict),
        signers=signers,
        items=tuple(
            _item(ev, answers.get(ev.item.id), statuses[ev.item.id], ev.item.id in contradictions)
            for ev in report.items
        ),
        waivers=tuple(
            WaiverRef(item_id, a.waiver.reason, a.waiver.approver, a.waiver.expires)
            for item_id, a in answers.items()
            if a.kind is AnswerKind.WAIVED and a.waiver is not None
        ),
    )
    folder = report.top / report.prefix / RECORDS / record.id
    target = folder / "record.toml"
    if target.exists():
        raise InputError(
            f"{target}: a record with this id exists (one per service, commit and day); records are written once: "
            "sign that one (prr sign RECORD), or remove it if it is not committed and review again"
        )
    data = _record_bytes(record, report, source)
    ensure_attributes(report.top / report.prefix)
    write_atomic(target, data)
    return Written(target, record)


def _record_bytes(record: Record, report: ProbeReport, source: str) -> bytes:
    """The record's bytes, or one clear error. Answers are checked as they are read, so
    text the record refuses here is the service's name or owner (bad input: the config, or
    the folder name standing in for a name it does not give), or a fault of prr's own."""
    try:
        return dumps(record)
    except ValueError as exc:
        first = str(exc).splitlines()[0]
        if first.startswith("service."):
            key = first.partition(":")[0].removeprefix("service.")
            config = posixpath.join(report.prefix, CONFIG_PATH)
            raise InputError(f"{config}: {first}; set {key} under [service] to one line of plain text") from None
        raise ToolError(f"cannot write the record for {source}: {first}") from None


def repository_address(top: Path) -> str:
    """Where the repository lives, for an auditor: the `origin` remote without credentials,
    else the checkout's folder name."""
    with GitObjects.open(top) as objects:
        url = objects.config("remote.origin.url")
    address = remote_address(url) if url else None
    return address if address and text_problem(address) is None else printable(top.name)


def _contradictions(items: list[ItemEvidence], answers: dict[str, Answer], source: str) -> set[str]:
    """Items answered pass or na although a probe failed: allowed with a note saying why,
    and marked in the record."""
    found = set()
    problems = []
    for ev in items:
        answer = answers.get(ev.item.id)
        if answer is None or answer.kind not in (AnswerKind.PASS, AnswerKind.NOT_APPLICABLE):
            continue
        failing = [f for f in ev.findings if f.outcome is Outcome.FAIL]
        if failing:
            found.add(ev.item.id)
            if not answer.note.strip():
                problems.append(
                    f"{source}: {ev.item.id}: answered {answer.kind.value} but probe {failing[0].probe} failed "
                    f"({failing[0].message}); add a note saying why the answer stands"
                )
    if problems:
        raise InputError("\n".join(problems))
    return found


def _item(ev: ItemEvidence, answer: Answer | None, status: ItemStatus, contradicts: bool) -> RecordItem:
    return RecordItem(
        id=ev.item.id,
        requirement=ev.requirement.value,
        answer=answer.kind.value if answer else "unanswered",
        state=status.state.value,
        note=answer.note if answer else "",
        reason=status.reason,
        contradicts_probe=contradicts,
        links=tuple(redact_url(link) for link in answer.links) if answer else (),
        findings=tuple(map(storable, ev.findings)),
    )


def service_name(report: ProbeReport) -> str:
    """The config's name, else the service folder's, else the repository's."""
    return report.config.name or (report.prefix.rsplit("/", 1)[-1] if report.prefix else report.top.name)


def _slug(name: str) -> str:
    """A name safe as one path segment of the record folder."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "service"


def _record_id(report: ProbeReport, moment: dt.datetime) -> str:
    return f"{moment:%Y%m%d}-{_slug(service_name(report))}-{report.commit[:8]}"
