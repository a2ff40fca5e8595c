"""What the user said about the live service for one run (kept free of httpx imports)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EndpointSettings:
    urls: tuple[tuple[str, str], ...] = ()  # (url, where it came from)
    headers: Mapping[str, str] = field(default_factory=dict)
    allow_private: bool = False  # loopback and private addresses (tests, the demo)
    concurrency: int = 32  # requests in flight at once, over all hosts
    per_host: int = 16  # and to any one host
