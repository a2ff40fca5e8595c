"""One redaction function for everything that may carry a secret: URLs, headers, text.

Applied before anything reaches a finding, a record, a log line, the screen or an
exception message. Known secret values (from the user's URLs and headers) are also
scrubbed from any text, so a server echoing a token back cannot leak it either."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token", "api-key"}
)
_SECRET_PARAM = re.compile(
    r"token|key|sig|signature|secret|password|passwd|pwd|auth|credential|session|code", re.IGNORECASE
)


def redact_url(url: str) -> str:
    """Drop user info; mask query parameters whose names suggest a secret."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if _SECRET_PARAM.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def remote_address(url: str) -> str | None:
    """A git remote's address fit for a record: `url` without user info (`user:token@`),
    query or fragment; an scp-like address (`git@host:path`) without its user; a path as
    it is. None when it cannot be parsed."""
    if "://" not in url:
        user, at, rest = url.partition("@")
        return rest if at and "/" not in user and ":" in rest else url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: MASK if name.lower() in SECRET_HEADERS else value for name, value in headers.items()}


def secrets_in(urls: Iterable[str], headers: Mapping[str, str]) -> frozenset[str]:
    """The secret values the user handed prr, so they can be scrubbed from any text."""
    found: set[str] = set()
    for url in urls:
        if "@" not in url and "?" not in url:
            continue  # no user info and no query: nothing secret, and nothing to parse
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        if parts.password:
            found.add(parts.password)
        if parts.username and parts.password is not None:
            found.add(parts.username)
        found.update(v for k, v in parse_qsl(parts.query, keep_blank_values=True) if _SECRET_PARAM.search(k))
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS:
            found.add(value)
            found.update(value.split())  # "Bearer <token>": the token alone is secret too
    return frozenset(s for s in found if len(s) >= 4 and s.lower() not in {"bearer", "basic", "token"})


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every known secret value replaced by the mask, longest first."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
