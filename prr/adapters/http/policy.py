"""The bounds every request runs within, so no endpoint can hold a review hostage."""

from __future__ import annotations

from dataclasses import dataclass, field

from prr import __version__


@dataclass(frozen=True)
class FetchPolicy:
    """The bounds every request runs within. Times are in seconds."""

    connect_timeout: float = 3.0
    read_timeout: float = 3.0
    write_timeout: float = 3.0
    pool_timeout: float = 3.0
    deadline: float = 10.0  # the whole request: redirects, retries, headers and body
    max_bytes: int = 1024 * 1024  # decoded body cap, unless `get` asks for another
    follow_redirects: bool = False
    max_redirects: int = 5
    allow_private: bool = False  # loopback, private ranges and 100.64/10
    max_concurrency: int = 32
    per_host: int = 8
    retries: int = 2  # extra attempts on connect errors and 502/503/504
    backoff: float = 0.1  # base of the exponential backoff, with full jitter
    user_agent: str = field(default=f"prr/{__version__}")
