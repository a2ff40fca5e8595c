"""security-headers, security-txt and api-description: what a web-facing service publishes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import yaml

from prr.domain.findings import Finding, Outcome
from prr.probes.endpoint._shared import (
    evidence,
    fetch_failed,
    fetch_root,
    finding,
    is_json_type,
    media_type,
    ok,
    one_line,
    shown_at,
    utc,
)
from prr.probes.endpoint_api import EndpointContext, EndpointProbe, Fetcher, FetchError, Params, Response, join

SECURITY_HEADERS = "security-headers"
SECURITY_TXT = "security-txt"
API_DESCRIPTION = "api-description"

# ---------------------------------------------------------------------------------------
# security-headers


def csp_directives(policy: str) -> dict[str, str]:
    """Directive name (lower case) -> value, over every policy in the header (a
    comma-joined header carries several; any of them may set a directive)."""
    directives: dict[str, str] = {}
    for one_policy in policy.split(","):
        for directive in one_policy.split(";"):
            name, _, value = directive.strip().partition(" ")
            if name:
                directives.setdefault(name.lower(), value.strip())
    return directives


def missing_headers(headers: Mapping[str, str]) -> list[str]:
    missing: list[str] = []
    if headers.get("x-content-type-options", "").strip().lower() != "nosniff":
        missing.append("X-Content-Type-Options: nosniff")
    csp = headers.get("content-security-policy", "").strip()
    frame_options = headers.get("x-frame-options", "").strip().upper()
    if "frame-ancestors" not in csp_directives(csp) and frame_options not in ("DENY", "SAMEORIGIN"):
        missing.append("frame protection (CSP frame-ancestors or X-Frame-Options DENY/SAMEORIGIN)")
    if not csp:
        missing.append("Content-Security-Policy")
    if not headers.get("referrer-policy", "").strip():
        missing.append("Referrer-Policy")
    return missing


async def security_headers(fetcher: Fetcher, context: EndpointContext, params: Params) -> list[Finding]:
    got = await fetch_root(fetcher, context.endpoint)
    if isinstance(got, FetchError):
        return [fetch_failed(SECURITY_HEADERS, shown_at(context.endpoint, "/"), got)]
    missing = missing_headers(got.headers)
    if missing:
        message = f"{got.url}: missing {', '.join(missing)}"
        return [finding(SECURITY_HEADERS, Outcome.FAIL, message, [evidence(got)])]
    message = f"{got.url} sends nosniff, frame protection, a Content-Security-Policy and a Referrer-Policy"
    return [finding(SECURITY_HEADERS, Outcome.PASS, message, [evidence(got)])]


# ---------------------------------------------------------------------------------------
# security-txt (RFC 9116)

SECURITY_TXT_PATH = "/.well-known/security.txt"


def security_txt_fields(text: str) -> dict[str, list[str]]:
    """Field name (lower case) -> values, in order. Comments are skipped; a cleartext
    OpenPGP signature's dash-escaping is undone and its armour headers ignored."""
    fields: dict[str, list[str]] = {}
    in_armour_header = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("-----BEGIN PGP SIGNED MESSAGE"):
            in_armour_header = True
            continue
        if line.startswith("-----BEGIN PGP SIGNATURE"):
            break
        if in_armour_header:
            in_armour_header = bool(line)  # "Hash: ..." lines until the blank line
            continue
        if line.startswith("- "):
            line = line[2:]
        if not line or line.startswith("#"):
            continue
        name, colon, value = line.partition(":")
        if colon and name and " " not in name:
            fields.setdefault(name.lower(), []).append(value.strip())
    return fields


def parse_expires(value: str) -> dt.datetime | None:
    """An RFC 3339 date-time ("2026-12-31T23:59:59Z"); one without an offset is read as UTC."""
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return utc(moment)


async def security_txt(fetcher: Fetcher, context: EndpointContext, params: Params) -> list[Finding]:
    url = shown_at(context.endpoint, SECURITY_TXT_PATH)
    got = await fetcher.get(join(context.endpoint, SECURITY_TXT_PATH), accept="text/plain")
    if isinstance(got, FetchError):
        return [fetch_failed(SECURITY_TXT, url, got)]
    proof = [evidence(got)]
    if got.status == 404:
        return [finding(SECURITY_TXT, Outcome.FAIL, f"no security.txt at {url} (HTTP 404)", proof)]
    if not ok(got.status):
        return [finding(SECURITY_TXT, Outcome.FAIL, f"{got.url} answered HTTP {got.status}", proof)]
    media, _ = media_type(got)
    if media != "text/plain":
        served = one_line(media, 80) or "no Content-Type"
        return [finding(SECURITY_TXT, Outcome.FAIL, f"{got.url}: served as {served}, not text/plain", proof)]
    fields = security_txt_fields(got.body.decode("utf-8", errors="replace"))
    problems: list[str] = []
    if not any(fields.get("contact", [])):
        problems.append("no Contact:")
    expires = fields.get("expires", [])
    expiry: dt.datetime | None = None
    if not expires:
        problems.append("no Expires:")
    elif len(expires) > 1:
        problems.append(f"Expires: appears {len(expires)} times (RFC 9116 allows one)")
    elif (expiry := parse_expires(expires[0])) is None:
        problems.append("Expires: is not an RFC 3339 date-time")
    elif expiry <= utc(context.now):
        problems.append(f"Expires: {expiry.astimezone(dt.UTC):%Y-%m-%d} has passed")
    if problems:
        return [finding(SECURITY_TXT, Outcome.FAIL, f"{got.url}: {', '.join(problems)}", proof)]
    assert expiry is not None
    contacts = len(fields["contact"])
    message = f"{got.url}: {contacts} Contact: field(s), expires {expiry.astimezone(dt.UTC):%Y-%m-%d}"
    return [finding(SECURITY_TXT, Outcome.PASS, message, proof)]


# ---------------------------------------------------------------------------------------
# api-description

API_ACCEPT = (
    "application/vnd.oai.openapi+json, application/json, "
    "application/vnd.oai.openapi;q=0.9, application/yaml;q=0.9, text/yaml;q=0.9, */*;q=0.1"
)
_YAML_TYPES = frozenset(
    {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "application/vnd.oai.openapi"}
)
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(response: Response) -> tuple[Any, str]:
    """(the parsed document, or None; why it did not parse)."""
    media, _ = media_type(response)
    if media in _YAML_TYPES or media.endswith("+yaml"):
        try:
            return yaml.load(response.body, Loader=_SafeLoader), ""  # a safe loader
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            return None, "not valid YAML" + (f" (line {mark.line + 1})" if mark is not None else "")
        except RecursionError:
            return None, "not valid YAML (nested too deeply)"
    try:
        return json.loads(response.body), ""
    except json.JSONDecodeError as exc:
        kind = "JSON" if is_json_type(media) else f"JSON (served as {one_line(media, 80) or 'no Content-Type'})"
        return None, f"not valid {kind} (line {exc.lineno} column {exc.colno})"
    except (ValueError, RecursionError):
        return None, "not valid JSON"


def api_problems(document: Any) -> tuple[str, list[str]]:
    """(the description's kind, "OpenAPI 3.1.0" say; what it lacks)."""
    if not isinstance(document, dict):
        return "", ["not an OpenAPI or Swagger document (not a mapping)"]
    problems: list[str] = []
    openapi, swagger = document.get("openapi"), document.get("swagger")
    version = "" if isinstance(openapi, bool) or not isinstance(openapi, str | int | float) else str(openapi)
    if version.startswith("3."):  # YAML reads an unquoted 3.0 as a number
        kind = "OpenAPI " + one_line(version, 20)
    elif str(swagger) == "2.0":
        kind = "Swagger 2.0"
    else:
        kind = ""
        problems.append("no openapi: 3.x or swagger: 2.0")
    info = document.get("info")
    title = info.get("title") if isinstance(info, dict) else None
    if not (isinstance(title, str) and title.strip()):
        problems.append("no info.title")
    paths = document.get("paths")
    if not (isinstance(paths, dict) and paths):
        problems.append("no paths")
    return kind, problems


async def api_description(fetcher: Fetcher, context: EndpointContext, params: Params) -> list[Finding]:
    path = str(params["path"])
    url = shown_at(context.endpoint, path)
    got = await fetcher.get(join(context.endpoint, path), accept=API_ACCEPT)
    if isinstance(got, FetchError):
        return [fetch_failed(API_DESCRIPTION, url, got)]
    proof = [evidence(got)]
    if got.status == 404:
        return [finding(API_DESCRIPTION, Outcome.NOT_APPLICABLE, f"no API description at {url}", proof)]
    if not ok(got.status):
        return [finding(API_DESCRIPTION, Outcome.FAIL, f"{got.url} answered HTTP {got.status}", proof)]
    if got.truncated:
        message = f"{got.url}: the API description was cut off after {len(got.body)} bytes (the body cap); not checked"
        return [finding(API_DESCRIPTION, Outcome.ERROR, message, proof)]
    document, unparsed = _load(got)
    if unparsed:
        return [finding(API_DESCRIPTION, Outcome.FAIL, f"{got.url}: {unparsed}", proof)]
    kind, problems = api_problems(document)
    if problems:
        return [finding(API_DESCRIPTION, Outcome.FAIL, f"{got.url}: {', '.join(problems)}", proof)]
    count = len(document["paths"])
    message = f"{got.url}: {kind} with a title and {count} path{'s' if count != 1 else ''}"
    return [finding(API_DESCRIPTION, Outcome.PASS, message, proof)]


PROBES: tuple[EndpointProbe, ...] = (
    EndpointProbe(SECURITY_HEADERS, security_headers),
    EndpointProbe(SECURITY_TXT, security_txt),
    EndpointProbe(API_DESCRIPTION, api_description),
)
