"""The secret values the user handed over, and the log filter that keeps them out of what
httpx and httpcore log (httpx logs every request URL, query tokens included; httpcore's
traces, on requests through a proxy, carry response headers)."""

from __future__ import annotations

import base64
import logging
import threading
from collections import Counter
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from prr.domain.redaction import scrub


class SecretRegistry:
    """The secret values of every live fetcher and in-flight request, for the log filter."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._snapshot: tuple[str, ...] = ()

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            self._counts.update(secrets)
            self._snapshot = tuple(sorted(self._counts, key=len, reverse=True))

    def remove(self, secrets: Iterable[str]) -> None:
        with self._lock:
            self._counts.subtract(secrets)
            self._counts = +self._counts
            self._snapshot = tuple(sorted(self._counts, key=len, reverse=True))

    def current(self) -> tuple[str, ...]:
        return self._snapshot


LIVE_SECRETS = SecretRegistry()


class _ScrubFilter(logging.Filter):
    """Scrubs the live secrets from a third-party log record before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = LIVE_SECRETS.current()
        if secrets:
            message = record.getMessage()
            cleaned = scrub(message, secrets)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


_THIRD_PARTY_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
_FILTER = _ScrubFilter()
for _name in _THIRD_PARTY_LOGGERS:
    logging.getLogger(_name).addFilter(_FILTER)


def userinfo_secrets(urls: Iterable[str]) -> frozenset[str]:
    """What `secrets_in` leaves out of URL user info: a user name alone (often a token) and
    the Basic credentials httpx derives from it, which a server may echo back."""
    found = set()
    for url in urls:
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        if parts.username is None:
            continue
        if len(parts.username) >= 4:
            found.add(parts.username)
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        found.add(base64.b64encode(pair.encode()).decode("ascii"))
    return frozenset(found)
