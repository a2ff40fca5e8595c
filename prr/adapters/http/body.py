"""Reading a body decoded a bounded slice at a time, so a gzip bomb stops at the cap."""

from __future__ import annotations

import zlib

import httpx

from prr.adapters.http.failures import Failure

_CODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}


class Decoder:
    """Undoes one Content-Encoding, never producing more than `limit` bytes per call."""

    def __init__(self, coding: str) -> None:
        self._deflate = coding == "deflate"
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16 if coding == "gzip" else zlib.MAX_WBITS)
        self._first = True
        self.tail = b""

    def decode(self, data: bytes, limit: int) -> bytes:
        if self.tail:
            data = self.tail + data
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error:
            if not (self._deflate and self._first):
                raise
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send
            out = self._zlib.decompress(data, limit)
        self._first = False
        self.tail = self._zlib.unconsumed_tail
        return out

    def flush(self) -> bytes:
        return self._zlib.flush()


def decoder_for(content_encoding: str | None) -> Decoder | None:
    """A decoder for the response's Content-Encoding; ValueError for what cannot be undone."""
    if not content_encoding:
        return None
    codings = [c.strip().lower() for c in content_encoding.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) > 1 or codings[0] not in _CODINGS:
        raise ValueError(f"unsupported Content-Encoding {content_encoding.strip()[:40]!r}")
    return Decoder(_CODINGS[codings[0]])


async def read_capped(response: httpx.Response, decoder: Decoder | None, cap: int) -> tuple[bytes, bool]:
    """The decoded body, at most `cap` bytes, and whether it went on past the cap."""
    body = bytearray()
    try:
        async for raw in response.aiter_raw():
            data = raw
            while True:
                room = cap - len(body)
                chunk = decoder.decode(data, room + 1) if decoder is not None else data
                data = b""
                if len(chunk) > room:
                    body += chunk[:room]
                    return bytes(body), True
                body += chunk
                if decoder is None or not decoder.tail:
                    break
        if decoder is not None:
            rest = decoder.flush()
            room = cap - len(body)
            if len(rest) > room:
                body += rest[:room]
                return bytes(body), True
            body += rest
    except zlib.error as exc:
        raise Failure("protocol", f"the body could not be decoded: {exc}") from None
    return bytes(body), False
