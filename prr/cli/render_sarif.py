"""SARIF 2.1.0 for `prr probe` and `prr check`, shaped for GitHub code scanning.

Code scanning rejects a whole file for one result without a file location, and shows a
result only on a line, so every result gets a file and a line here; docs/ci.md says how
each field is chosen."""

from __future__ import annotations

import hashlib
import posixpath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from prr import __version__
from prr.domain.checklist import Requirement
from prr.domain.findings import Finding, Outcome
from prr.domain.text import printable
from prr.format.service_config import CONFIG_PATH

if TYPE_CHECKING:  # `prr check` should not pay for importing the probes
    from prr.workflow.gate import GateResult
    from prr.workflow.probing import ItemEvidence, ProbeReport

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "prrFinding/v1"  # our own key: code scanning matches results across commits by it
CHECK_RULE = "prr.review-record"
MAX_LOCATIONS = 10  # code scanning reads no more
Json = dict[str, Any]


def probe_sarif(report: ProbeReport) -> Json:
    """Asked items that name a probe become rules; failed and could-not-run findings
    become results."""
    probed = [ev for ev in report.items if ev.item.probes]
    fallback = posixpath.join(report.prefix, CONFIG_PATH)
    results = [
        _probe_result(index, ev, finding, fallback)
        for index, ev in enumerate(probed)
        for finding in ev.findings
        if finding.outcome in (Outcome.FAIL, Outcome.ERROR)
    ]
    run = _run("probe", report.prefix, [_item_rule(ev) for ev in probed], results)
    top = report.top.as_uri()
    run["originalUriBaseIds"] = {SRCROOT: {"uri": top + "/"}}
    run["versionControlProvenance"] = [
        {"repositoryUri": top, "revisionId": report.commit, "mappedTo": {"uriBaseId": SRCROOT}}
    ]
    run["invocations"] = [
        {
            "executionSuccessful": not any(f.outcome is Outcome.ERROR for ev in probed for f in ev.findings),
            "toolExecutionNotifications": [{"level": "note", "message": {"text": note}} for note in report.notes],
        }
    ]
    run["properties"] = {
        "commit": report.commit,
        "serviceFolder": report.prefix,
        "checklist": {"id": report.pack.id, "version": report.pack.version},
        "tier": report.tier,
    }
    return _log(run)


def check_sarif(result: GateResult) -> Json:
    """One rule, the gate; one result per reason it failed, on the record it is about
    (or on the service's config when there is no record)."""
    rule = {
        "id": CHECK_RULE,
        "name": "ReviewRecordCoversTheCode",
        "shortDescription": {"text": "A valid, ready, unexpired review record covers the code"},
        "fullDescription": {
            "text": "Deploys wait for a production-readiness review that reviewers signed, that found the "
            "service ready, and that still describes the code at this commit."
        },
        "help": {
            "text": "Review the service (prr review), have the reviewers sign the record (prr sign) and "
            "commit it (prr commit); see docs/signing.md."
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["production-readiness"]},
    }
    results = []
    if not result.passed:
        decided = result.decided_by
        path = decided.path if decided else posixpath.join(result.service, CONFIG_PATH)
        if decided is not None and decided.failures:
            reasons = [(f"invalid: {failure}", failure) for failure in decided.failures]
        else:  # one line whose words before the first colon name the kind: stale, expired...
            reasons = [(result.reason, result.reason.split(":")[0])]
        results = [
            {
                "ruleId": CHECK_RULE,
                "ruleIndex": 0,
                "level": "error",
                "message": {"text": text},
                "locations": [_location(path, None)],
                "partialFingerprints": {FINGERPRINT: _digest(CHECK_RULE, path, kind)},
            }
            for text, kind in reasons
        ]
    run = _run("check", result.service, [rule], results)
    run["properties"] = {
        "passed": result.passed,
        "reason": result.reason,
        "commit": result.commit,
        "serviceFolder": result.service,
        "checklist": result.checklist,
        "tier": result.tier,
    }
    return _log(run)


def _item_rule(ev: ItemEvidence) -> Json:
    item = ev.item
    return {
        "id": item.id,
        "shortDescription": {"text": item.title},
        "fullDescription": {"text": item.why},
        "help": {"text": item.how},
        "defaultConfiguration": {"level": _level(ev.requirement, Outcome.FAIL)},
        "properties": {"tags": list(item.tags), "section": item.section, "requirement": ev.requirement.value},
    }


def _probe_result(index: int, ev: ItemEvidence, finding: Finding, fallback: str) -> Json:
    failed = finding.outcome is Outcome.FAIL
    text = f"{finding.probe}: {finding.message}" if failed else f"{finding.probe} could not run: {finding.message}"
    if failed and finding.remediation:
        text += f" Fix: {finding.remediation}"
    places = _places(finding) or [(fallback, None)]
    result: Json = {
        "ruleId": ev.item.id,
        "ruleIndex": index,
        "level": _level(ev.requirement, finding.outcome),
        "message": {"text": printable(text)},  # a probe message may quote a path that is not UTF-8
        "locations": [_location(*places[0])],
        "partialFingerprints": {
            FINGERPRINT: _digest(ev.item.id, finding.probe, finding.outcome.value, places[0][0], finding.message)
        },
        "properties": {"probe": finding.probe, "outcome": finding.outcome.value},
    }
    related = [{"id": n, **_location(*place)} for n, place in enumerate(places[1:MAX_LOCATIONS], start=1)]
    if related:
        result["relatedLocations"] = related
    return result


def _places(finding: Finding) -> list[tuple[str, int | None]]:
    """Where a finding points: its locations, else the files its evidence came from."""
    if finding.locations:
        places = [(loc.path, loc.line) for loc in finding.locations]
    else:
        places = [(ev.path, None) for ev in finding.evidence if ev.path]
    return list(dict.fromkeys(places))


def _level(requirement: Requirement, outcome: Outcome) -> str:
    """A failure is an error where the tier requires the item, a warning where it only
    recommends it; a probe that could not run proved nothing either way, one step lower."""
    required = requirement is Requirement.REQUIRED
    if outcome is Outcome.FAIL:
        return "error" if required else "warning"
    return "warning" if required else "note"


def _location(path: str, line: int | None) -> Json:
    """A repository-relative file and a line; a finding about a whole file points at its
    first line, since code scanning shows results on lines."""
    uri = quote(path.encode("utf-8", "surrogateescape"), safe="/")
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": SRCROOT},
            "region": {"startLine": line or 1},
        }
    }


def _run(command: str, service_folder: str, rules: list[Json], results: list[Json]) -> Json:
    # The id ends with "/" so all of it is code scanning's category: each service folder
    # of a monorepo keeps its own alerts instead of closing another's.
    category = f"prr/{command}/{service_folder}/" if service_folder else f"prr/{command}/"
    return {
        "tool": {"driver": {"name": "prr", "version": __version__, "semanticVersion": __version__, "rules": rules}},
        "automationDetails": {"id": category},
        "results": results,
    }


def _log(run: Json) -> Json:
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _digest(*parts: str) -> str:
    """Stable across runs: the same finding on the same file gives the same value."""
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
