"""`.prr/config.toml`: the service facts a review starts from.

[service]
name = "payments-api"
tier = 1
owner = "team-payments"
checklist = "launch"          # a built-in pack name
endpoints = ["https://payments.example.com"]
signoff = 3                   # optional: distinct signers a record needs; may only raise the pack's
max_file_bytes = 4194304      # optional: the largest committed file the probes read (default 1 MiB)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import tomli_w

from prr.domain.checklist import TIERS
from prr.domain.errors import InputError, Problem
from prr.format.toml_document import read_toml

CONFIG_PATH = ".prr/config.toml"
_KEYS = {"name", "tier", "owner", "checklist", "endpoints", "signoff", "max_file_bytes"}
MAX_SIGNOFF = 20
FILE_BYTES = (64 * 1024, 64 * 1024 * 1024)  # max_file_bytes: 64 KiB to 64 MiB (a file is read whole, in memory)
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class ServiceConfig:
    name: str = ""
    tier: int | None = None
    owner: str = ""
    checklist: str | None = None
    endpoints: tuple[str, ...] = field(default_factory=tuple)
    signoff: int | None = None  # distinct signers a record needs; never lowers the pack's number
    max_file_bytes: int | None = None  # the largest committed file the probes read; None: the default cap


def parse_config(source: str, data: bytes) -> ServiceConfig:
    """The config in `data`; InputError naming `source` for anything prr cannot use."""
    document = read_toml(data, source)
    stray = [key for key in document if key != "service"]
    if stray:  # `[servce]`, or `signoff = 3` above `[service]`: a setting that would silently not apply
        text = data.decode("utf-8")
        raise InputError(
            problems=[
                Problem(source, _line_of(text, key), 1, f"unknown table or key {key!r} (prr reads only [service])")
                for key in stray
            ]
        )
    service = document.get("service", {})
    if not isinstance(service, dict):
        raise InputError(problems=[Problem(source, 1, 1, "[service] must be a table")])
    found = _problems(service)
    if found:
        text = data.decode("utf-8")
        raise InputError(problems=[Problem(source, *_service_key_at(text, message), message) for message in found])
    return ServiceConfig(
        name=service.get("name", ""),
        tier=service.get("tier"),
        owner=service.get("owner", ""),
        checklist=service.get("checklist"),
        endpoints=tuple(service.get("endpoints", [])),
        signoff=service.get("signoff"),
        max_file_bytes=service.get("max_file_bytes"),
    )


def _service_key_at(text: str, message: str) -> tuple[int, int]:
    """Where the `[service]` key a problem message names (`service.KEY ...` or `unknown key
    service.KEY`) is set, as (line, column); (1, 1) when it is not written plainly."""
    named = re.search(r"service\.(\w+)", message)
    if named is None:
        return 1, 1
    in_service = False
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"\s*\[", line):
            in_service = re.match(r"\s*\[\s*service\s*\]", line) is not None
        elif in_service and (found := re.match(rf"(\s*){named[1]}\s*=", line)):
            return number, len(found[1]) + 1
    return 1, 1


def _line_of(text: str, key: str) -> int:
    """The line where a top-level KEY is set or its table opens (1 when not found plainly,
    for a quoted or dotted spelling)."""
    written = re.compile(rf"\s*(\[\[?\s*{re.escape(key)}\s*[.\]]|{re.escape(key)}\s*[.=])")
    return next((number for number, line in enumerate(text.splitlines(), 1) if written.match(line)), 1)


def dumps(config: ServiceConfig) -> bytes:
    """The `[service]` table as UTF-8 TOML, keys in the documented order; an unset tier
    or checklist is left out. Raises ValueError when `config` holds something
    `parse_config` would refuse: the caller checks user input first (`problems`)."""
    found = problems(config)
    if found:
        raise ValueError("; ".join(found))
    return tomli_w.dumps({"service": _table(config)}).encode("utf-8")


def problems(config: ServiceConfig) -> list[str]:
    """What `parse_config` would refuse in `config` once written, one message each."""
    table = _table(config)
    found = _problems(table)
    if not isinstance(config.endpoints, tuple):  # what the reader gives; a list would not read back equal
        found.append("service.endpoints must be a tuple of URLs")
    for key, value in table.items():
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and _SURROGATE.search(text) for text in texts):
            found.append(f"service.{key} holds a lone surrogate, which UTF-8 cannot encode")
    return found


def _table(config: ServiceConfig) -> dict[str, Any]:
    """`config` as a `[service]` table, keys in the documented order; None means unset."""
    endpoints = config.endpoints
    table = {
        "name": config.name,
        "tier": config.tier,
        "owner": config.owner,
        "checklist": config.checklist,
        "endpoints": list(endpoints) if isinstance(endpoints, tuple) else endpoints,
        "signoff": config.signoff,
        "max_file_bytes": config.max_file_bytes,
    }
    optional = ("tier", "checklist", "signoff", "max_file_bytes")
    return {key: value for key, value in table.items() if value is not None or key not in optional}


def _problems(service: Mapping[str, Any]) -> list[str]:
    """What is wrong with the values of a `[service]` table."""
    found = [f"unknown key service.{key} (known: {', '.join(sorted(_KEYS))})" for key in sorted(set(service) - _KEYS)]
    tier = service.get("tier")
    if tier is not None and (isinstance(tier, bool) or not isinstance(tier, int) or tier not in TIERS):
        found.append(f"service.tier must be 0, 1, 2 or 3, got {tier!r}")
    for key in ("name", "owner", "checklist"):
        if key in service and not isinstance(service[key], str):
            found.append(f"service.{key} must be text")
    signoff = service.get("signoff")
    if signoff is not None and (
        isinstance(signoff, bool) or not isinstance(signoff, int) or not 1 <= signoff <= MAX_SIGNOFF
    ):
        found.append(f"service.signoff must be a whole number from 1 to {MAX_SIGNOFF}, got {signoff!r}")
    cap = service.get("max_file_bytes")
    low, high = FILE_BYTES
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or not low <= cap <= high):
        found.append(f"service.max_file_bytes must be a whole number of bytes from {low:,} to {high:,}, got {cap!r}")
    endpoints = service.get("endpoints", [])
    if not isinstance(endpoints, list) or not all(isinstance(e, str) for e in endpoints):
        found.append("service.endpoints must be a list of URLs")
    return found
