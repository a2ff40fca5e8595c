"""The `prr.rollup/1` JSON document: written by `prr rollup --format json`, read back by
`prr rollup --from-json`, so CI jobs can each scan some repositories and one final job
rolls their files up (docs/rollup.md).

Reading is strict about the fields it uses and names the file and field of the first
problem; fields it does not know are ignored, so a newer prr may add some."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any, TypeVar

from prr.domain.errors import InputError, Problem
from prr.workflow.service_summary import (
    ADOPTION_TIERS,
    Adoption,
    ExpiringWaiver,
    RecordState,
    ServiceSummary,
    Verdict,
)

FORMAT = "prr.rollup/1"
T = TypeVar("T")


def document(services: list[ServiceSummary], figure: Adoption, generated: dt.datetime) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "generated": generated.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "adoption": {
            "tiers": list(ADOPTION_TIERS),
            "services": figure.services,
            "with_slo_dashboard_runbook": figure.complete,
            "share": round(figure.share, 4) if figure.share is not None else None,
        },
        "services": [service_data(s) for s in services],
    }


def service_data(s: ServiceSummary) -> dict[str, Any]:
    return {
        "name": s.name,
        "repository": s.repository,
        "service_folder": s.service_folder,
        "commit": s.commit,
        "tier": s.tier,
        "checklist": s.checklist,
        "verdict": s.verdict.value,
        "last_review": s.last_review.isoformat() if s.last_review else None,
        "record": s.record,
        "record_status": s.record_status.value,
        "expiring_waivers": [
            {"item": w.item, "approver": w.approver, "expires": w.expires.isoformat()} for w in s.expiring_waivers
        ],
        "evidence": {"slo": s.has_slo, "dashboard": s.has_dashboard, "runbook": s.has_runbook},
        "error": s.error or None,
    }


def load(source: str, data: bytes) -> list[ServiceSummary]:
    """The services of one `prr.rollup/1` document; InputError naming SOURCE otherwise."""
    try:
        top = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{source}: not UTF-8 text; expected {FORMAT} JSON") from None
    except json.JSONDecodeError as exc:
        raise InputError(problems=[Problem(source, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")]) from None
    if not isinstance(top, dict) or top.get("format") != FORMAT:
        found = top.get("format") if isinstance(top, dict) else None
        what = f"its format is {found!r}" if found is not None else 'it has no "format" field'
        raise InputError(f"{source}: not a prr rollup result: {what}, expected {FORMAT!r} (prr rollup --format json)")
    services = top.get("services")
    if not isinstance(services, list):
        raise InputError(f'{source}: "services" must be a list')
    return [_service(_Fields(source, f"services[{index}]", entry)) for index, entry in enumerate(services)]


class _Fields:
    """One JSON object, read field by field; every problem names file, path and field."""

    def __init__(self, source: str, where: str, data: object) -> None:
        if not isinstance(data, dict):
            raise InputError(f"{source}: {where}: must be an object")
        self.source, self.where, self.data = source, where, data

    def get(self, key: str, kind: str, check: Callable[[Any], bool], convert: Callable[[Any], T]) -> T:
        if key not in self.data:
            raise InputError(f"{self.source}: {self.where}.{key}: missing")
        value = self.data[key]
        if not check(value):
            raise InputError(f"{self.source}: {self.where}.{key}: must be {kind}, got {json.dumps(value)[:60]}")
        return convert(value)

    def text(self, key: str) -> str:
        return self.get(key, "a string of valid Unicode", _is_text, str)

    def flag(self, key: str) -> bool | None:
        return self.get(key, "true, false or null", lambda v: v is None or isinstance(v, bool), lambda v: v)

    def date(self, key: str, optional: bool = False) -> dt.date | None:
        kind = "a date YYYY-MM-DD" + (" or null" if optional else "")
        return self.get(key, kind, lambda v: (optional and v is None) or _is_date(v), _to_date)


def _service(fields: _Fields) -> ServiceSummary:
    """Fields are read in the order `service_data` writes them, so the first problem named
    is the first in the file."""
    name, repository, folder = fields.text("name"), fields.text("repository"), fields.text("service_folder")
    commit = fields.text("commit")
    tier = fields.get("tier", "0, 1, 2, 3 or null", _is_tier, _same)
    checklist = fields.text("checklist")
    verdict = fields.get("verdict", _one_of(Verdict), lambda v: v in set(Verdict), Verdict)
    last_review = fields.date("last_review", optional=True)
    record = fields.text("record")
    state = fields.get("record_status", _one_of(RecordState), lambda v: v in set(RecordState), RecordState)
    waivers = fields.get("expiring_waivers", "a list", lambda v: isinstance(v, list), _same)
    expiring = tuple(
        _waiver(_Fields(fields.source, f"{fields.where}.expiring_waivers[{index}]", entry))
        for index, entry in enumerate(waivers)
    )
    evidence = _Fields(fields.source, f"{fields.where}.evidence", fields.get("evidence", "an object", _any, _same))
    error = fields.get("error", "a string or null", lambda v: v is None or _is_text(v), lambda v: v or "")
    return ServiceSummary(
        repository=repository,
        service_folder=folder,
        name=name,
        tier=tier,
        checklist=checklist,
        commit=commit,
        verdict=verdict,
        last_review=last_review,
        record=record,
        record_status=state,
        expiring_waivers=expiring,
        has_slo=evidence.flag("slo"),
        has_dashboard=evidence.flag("dashboard"),
        has_runbook=evidence.flag("runbook"),
        error=error,
    )


def _waiver(fields: _Fields) -> ExpiringWaiver:
    expires = fields.date("expires")
    assert expires is not None
    return ExpiringWaiver(fields.text("item"), fields.text("approver"), expires)


def _is_text(value: object) -> bool:
    """A string that can be printed: JSON can spell lone surrogates ("\\ud800"), UTF-8 cannot."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_tier(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3)


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _to_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None


def _one_of(kind: type[Verdict] | type[RecordState]) -> str:
    return "one of " + ", ".join(f'"{member.value}"' for member in kind)


def _any(value: object) -> bool:
    return True


def _same(value: T) -> T:
    return value
