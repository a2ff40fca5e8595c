"""Turning what went wrong into a `FetchError` kind and a short, scrubbed message."""

from __future__ import annotations

import ssl
from collections.abc import Iterable

import httpx

from prr.domain.redaction import scrub

_MESSAGE_LIMIT = 300


class Failure(Exception):
    """A request ended without a response; becomes a FetchError."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def one_line(text: str, secrets: Iterable[str]) -> str:
    """`text` scrubbed, on one line and cut to a length a report can show."""
    line = " ".join(scrub(text, secrets).split())
    if len(line) > _MESSAGE_LIMIT:
        line = line[: _MESSAGE_LIMIT - 1] + "…"
    return line


def _causes(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _is_tls(exc: BaseException) -> bool:
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError | ssl.CertificateError):
            return True
        text = str(cause)
        if "CERTIFICATE_VERIFY_FAILED" in text or "[SSL" in text:
            return True
    return False


def describe(exc: BaseException) -> str:
    """The first non-empty message along the exception's chain (httpx often wraps an empty one)."""
    for cause in _causes(exc):
        text = str(cause)
        if text:
            return text
    return type(exc).__name__


def classify(exc: httpx.HTTPError) -> tuple[str, str]:
    """(kind, message) for an httpx failure."""
    text = describe(exc)
    if isinstance(exc, httpx.TimeoutException):
        phase = {
            httpx.ConnectTimeout: "connecting",
            httpx.ReadTimeout: "waiting for data",
            httpx.WriteTimeout: "sending the request",
            httpx.PoolTimeout: "waiting for a free connection",
        }.get(type(exc), "")
        return "timeout", f"timed out {phase}".strip()
    if isinstance(exc, httpx.ConnectError | httpx.ProxyError) and _is_tls(exc):
        return "tls", f"TLS handshake failed: {text}"
    if isinstance(exc, httpx.ProxyError):
        return "connect", f"proxy failed: {text}"
    if isinstance(exc, httpx.ConnectError):
        return "connect", f"cannot connect: {text}"
    if isinstance(exc, httpx.NetworkError):
        return "connect", f"connection lost: {text}"
    return "protocol", f"{type(exc).__name__}: {text}"
