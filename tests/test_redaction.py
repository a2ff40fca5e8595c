"""Secrets never leave prr: URLs, headers and any text are redacted by one function set."""

from __future__ import annotations

from prr.domain.redaction import MASK, redact_headers, redact_url, scrub, secrets_in


def test_user_info_is_dropped_from_urls() -> None:
    assert redact_url("https://alice:s3cr3t@api.example.test/healthz") == f"https://{MASK}@api.example.test/healthz"


def test_secret_query_parameters_are_masked_and_others_kept() -> None:
    url = "https://x.test/m?token=abc123&X-Amz-Signature=ff00&api_key=k&page=2"
    assert redact_url(url) == f"https://x.test/m?token={MASK}&X-Amz-Signature={MASK}&api_key={MASK}&page=2"


def test_authorization_and_cookie_headers_are_masked() -> None:
    headers = {"Authorization": "Bearer t0k", "Cookie": "s=1", "Accept": "text/plain"}
    assert redact_headers(headers) == {"Authorization": MASK, "Cookie": MASK, "Accept": "text/plain"}


def test_known_secrets_are_scrubbed_from_any_text() -> None:
    secrets = secrets_in(
        ["https://bobby:hunter22@x.test/?access_token=tok-9f8e7d"], {"Authorization": "Bearer eyJhbGciOi.payload"}
    )
    assert secrets == {"bobby", "hunter22", "tok-9f8e7d", "Bearer eyJhbGciOi.payload", "eyJhbGciOi.payload"}
    echoed = "server said: Bearer eyJhbGciOi.payload / tok-9f8e7d / hunter22"
    assert scrub(echoed, secrets) == f"server said: {MASK} / {MASK} / {MASK}"


def test_an_unparseable_url_is_not_echoed() -> None:
    assert redact_url("http://[::1") == "<unparseable URL>"
