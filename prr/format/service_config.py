"""`.prr/config.toml`: the service facts a review starts from.

[service]
name = "payments-api"
tier = 1
owner = "team-payments"
checklist = "launch"          # a built-in pack name
endpoints = ["https://payments.example.com"]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

from prr.domain.checklist import TIERS
from prr.domain.errors import InputError, Problem

CONFIG_PATH = ".prr/config.toml"
_KEYS = {"name", "tier", "owner", "checklist", "endpoints"}
_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class ServiceConfig:
    name: str = ""
    tier: int | None = None
    owner: str = ""
    checklist: str | None = None
    endpoints: tuple[str, ...] = field(default_factory=tuple)


def parse_config(source: str, data: bytes) -> ServiceConfig:
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(problems=[Problem(source, 1, 1, "file is not valid UTF-8")]) from None
    except tomllib.TOMLDecodeError as exc:
        found = _AT.search(str(exc))
        line, column = (int(found[1]), int(found[2])) if found else (1, 1)
        message = _AT.sub("", str(exc)).strip()
        raise InputError(problems=[Problem(source, line, column, f"invalid TOML: {message}")]) from None
    service = document.get("service", {})
    problems = []

    def bad(message: str) -> None:
        problems.append(Problem(source, 1, 1, message))

    if not isinstance(service, dict):
        bad("[service] must be a table")
        service = {}
    for key in sorted(set(service) - _KEYS):
        bad(f"unknown key service.{key} (known: {', '.join(sorted(_KEYS))})")
    tier = service.get("tier")
    if tier is not None and (isinstance(tier, bool) or not isinstance(tier, int) or tier not in TIERS):
        bad(f"service.tier must be 0, 1, 2 or 3, got {tier!r}")
        tier = None
    for key in ("name", "owner", "checklist"):
        if key in service and not isinstance(service[key], str):
            bad(f"service.{key} must be text")
    endpoints = service.get("endpoints", [])
    if not isinstance(endpoints, list) or not all(isinstance(e, str) for e in endpoints):
        bad("service.endpoints must be a list of URLs")
        endpoints = []
    if problems:
        raise InputError(problems=problems)
    return ServiceConfig(
        name=service.get("name", ""),
        tier=tier,
        owner=service.get("owner", ""),
        checklist=service.get("checklist"),
        endpoints=tuple(endpoints),
    )
