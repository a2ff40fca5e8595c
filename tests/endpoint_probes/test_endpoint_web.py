"""security-headers, security-txt and api-description."""

from __future__ import annotations

import json

from prr.domain.findings import Outcome
from prr.probes.registry import PROBES

from .fakes import FakeFetcher, failure, one, reply

# security-headers -----------------------------------------------------------------------

GOOD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def page(headers):
    return reply(200, "<html></html>", headers, content_type="text/html")


def test_security_headers_pass_with_nosniff_frame_ancestors_csp_and_referrer_policy():
    fetcher = FakeFetcher({"/": page(GOOD_HEADERS)})
    found = one("security-headers", fetcher)
    assert found.outcome is Outcome.PASS
    assert found.message == (
        "https://svc.example.com/ sends nosniff, frame protection, a Content-Security-Policy and a Referrer-Policy"
    )
    assert fetcher.urls() == ["https://svc.example.com/"]


def test_x_frame_options_deny_or_sameorigin_is_frame_protection_without_frame_ancestors():
    for value in ("DENY", "sameorigin"):
        headers = GOOD_HEADERS | {"Content-Security-Policy": "default-src 'self'", "X-Frame-Options": value}
        assert one("security-headers", FakeFetcher({"/": page(headers)})).outcome is Outcome.PASS


def test_security_headers_fail_listing_every_missing_one():
    found = one("security-headers", FakeFetcher({"/": page({})}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/: missing X-Content-Type-Options: nosniff, "
        "frame protection (CSP frame-ancestors or X-Frame-Options DENY/SAMEORIGIN), "
        "Content-Security-Policy, Referrer-Policy"
    )
    assert found.remediation == PROBES["security-headers"].remediation


def test_a_csp_without_frame_ancestors_and_x_frame_options_allow_from_lacks_frame_protection():
    headers = GOOD_HEADERS | {"Content-Security-Policy": "default-src 'self'", "X-Frame-Options": "ALLOW-FROM x"}
    found = one("security-headers", FakeFetcher({"/": page(headers)}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/: missing frame protection (CSP frame-ancestors or X-Frame-Options DENY/SAMEORIGIN)"
    )


def test_x_content_type_options_must_say_nosniff():
    found = one("security-headers", FakeFetcher({"/": page(GOOD_HEADERS | {"X-Content-Type-Options": "sniff"})}))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/: missing X-Content-Type-Options: nosniff"


def test_frame_ancestors_alone_still_needs_a_referrer_policy():
    headers = {k: v for k, v in GOOD_HEADERS.items() if k != "Referrer-Policy"}
    found = one("security-headers", FakeFetcher({"/": page(headers)}))
    assert found.message == "https://svc.example.com/: missing Referrer-Policy"


def test_security_headers_fetch_error_is_an_error():
    found = one("security-headers", FakeFetcher({"/": failure("connect", "connection refused")}))
    assert found.outcome is Outcome.ERROR
    assert found.message == "could not fetch https://svc.example.com/: connect: connection refused"


# security-txt ---------------------------------------------------------------------------

SECURITY_TXT = """\
# Our security policy
Contact: mailto:security@example.com
Contact: https://example.com/security
Expires: 2026-12-31T23:59:59.000Z
Preferred-Languages: en
"""


def txt(body: str = SECURITY_TXT, status: int = 200, content_type: str = "text/plain; charset=utf-8"):
    return {"/.well-known/security.txt": reply(status, body, content_type=content_type)}


def test_security_txt_with_contact_and_future_expires_passes():
    fetcher = FakeFetcher(txt())
    found = one("security-txt", fetcher)
    assert found.outcome is Outcome.PASS
    assert found.message == "https://svc.example.com/.well-known/security.txt: 2 Contact: field(s), expires 2026-12-31"
    assert fetcher.urls() == ["https://svc.example.com/.well-known/security.txt"]


def test_security_txt_404_fails():
    found = one("security-txt", FakeFetcher(txt("nope", status=404)))
    assert found.outcome is Outcome.FAIL
    assert found.message == "no security.txt at https://svc.example.com/.well-known/security.txt (HTTP 404)"
    assert found.remediation == PROBES["security-txt"].remediation


def test_security_txt_served_as_html_fails():
    found = one("security-txt", FakeFetcher(txt("<html>Contact: x</html>", content_type="text/html")))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/.well-known/security.txt: served as text/html, not text/plain"


def test_security_txt_without_contact_fails():
    found = one("security-txt", FakeFetcher(txt("Expires: 2026-12-31T23:59:59Z\n")))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/.well-known/security.txt: no Contact:"


def test_security_txt_without_expires_fails():
    found = one("security-txt", FakeFetcher(txt("Contact: mailto:security@example.com\n")))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/.well-known/security.txt: no Expires:"


def test_security_txt_with_a_past_expires_fails():
    body = "Contact: mailto:security@example.com\nExpires: 2025-06-30T00:00:00+02:00\n"
    found = one("security-txt", FakeFetcher(txt(body)))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/.well-known/security.txt: Expires: 2025-06-29 has passed"


def test_security_txt_with_an_unparseable_expires_fails():
    body = "Contact: mailto:security@example.com\nExpires: next year\n"
    found = one("security-txt", FakeFetcher(txt(body)))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/.well-known/security.txt: Expires: is not an RFC 3339 date-time"


def test_security_txt_with_two_expires_fails():
    body = "Contact: mailto:s@example.com\nExpires: 2026-12-31T00:00:00Z\nExpires: 2027-12-31T00:00:00Z\n"
    found = one("security-txt", FakeFetcher(txt(body)))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/.well-known/security.txt: Expires: appears 2 times (RFC 9116 allows one)"
    )


def test_security_txt_missing_both_names_both():
    found = one("security-txt", FakeFetcher(txt("# nothing here\n")))
    assert found.message == "https://svc.example.com/.well-known/security.txt: no Contact:, no Expires:"


def test_a_signed_security_txt_is_read_inside_its_signature():
    body = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"
        "Contact: mailto:security@example.com\n"
        "Expires: 2026-12-31T23:59:59Z\n"
        "- -----not a field\n"
        "-----BEGIN PGP SIGNATURE-----\n\nContact: junk\n-----END PGP SIGNATURE-----\n"
    )
    found = one("security-txt", FakeFetcher(txt(body)))
    assert found.outcome is Outcome.PASS
    assert found.message == "https://svc.example.com/.well-known/security.txt: 1 Contact: field(s), expires 2026-12-31"


def test_security_txt_fetch_error_is_an_error():
    found = one("security-txt", FakeFetcher({"/.well-known/security.txt": failure("timeout", "timed out")}))
    assert found.outcome is Outcome.ERROR
    assert found.message == "could not fetch https://svc.example.com/.well-known/security.txt: timeout: timed out"


# api-description ------------------------------------------------------------------------

OPENAPI = {"openapi": "3.1.0", "info": {"title": "Orders", "version": "1"}, "paths": {"/orders": {}, "/health": {}}}


def api(document, content_type: str = "application/json", status: int = 200, path: str = "/openapi.json"):
    body = document if isinstance(document, str) else json.dumps(document)
    return {path: reply(status, body, content_type=content_type)}


def test_an_openapi_3_document_with_a_title_and_paths_passes():
    fetcher = FakeFetcher(api(OPENAPI))
    found = one("api-description", fetcher)
    assert found.outcome is Outcome.PASS
    assert found.message == "https://svc.example.com/openapi.json: OpenAPI 3.1.0 with a title and 2 paths"
    assert fetcher.urls() == ["https://svc.example.com/openapi.json"]


def test_a_swagger_2_document_passes():
    document = {"swagger": "2.0", "info": {"title": "Legacy"}, "paths": {"/x": {}}}
    found = one("api-description", FakeFetcher(api(document)))
    assert found.outcome is Outcome.PASS
    assert found.message == "https://svc.example.com/openapi.json: Swagger 2.0 with a title and 1 path"


def test_yaml_is_read_when_the_content_type_says_yaml_even_with_an_unquoted_version():
    document = "openapi: 3.0\ninfo:\n  title: Orders\npaths:\n  /orders: {}\n"
    found = one(
        "api-description", FakeFetcher(api(document, "application/yaml", path="/openapi.yaml")), path="/openapi.yaml"
    )
    assert found.outcome is Outcome.PASS
    assert found.message == "https://svc.example.com/openapi.yaml: OpenAPI 3.0 with a title and 1 path"


def test_yaml_served_as_json_fails_as_not_json():
    document = "openapi: 3.0.3\ninfo:\n  title: Orders\npaths:\n  /orders: {}\n"
    found = one("api-description", FakeFetcher(api(document)))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/openapi.json: not valid JSON (line 1 column 1)"


def test_yaml_is_parsed_safely_so_python_tags_are_rejected():
    document = "openapi: !!python/object/apply:os.system ['echo hi']\n"
    found = one("api-description", FakeFetcher(api(document, "application/yaml")))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/openapi.json: not valid YAML (line 1)"


def test_a_description_without_paths_fails():
    found = one("api-description", FakeFetcher(api(OPENAPI | {"paths": {}})))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/openapi.json: no paths"
    assert found.remediation == PROBES["api-description"].remediation


def test_a_description_without_a_title_or_version_fails_naming_both():
    found = one("api-description", FakeFetcher(api({"info": {"title": " "}, "paths": {"/a": {}}})))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/openapi.json: no openapi: 3.x or swagger: 2.0, no info.title"


def test_openapi_2_or_4_is_not_accepted():
    found = one("api-description", FakeFetcher(api(OPENAPI | {"openapi": "2.0"})))
    assert found.message == "https://svc.example.com/openapi.json: no openapi: 3.x or swagger: 2.0"


def test_a_json_document_that_is_not_a_mapping_fails():
    found = one("api-description", FakeFetcher(api([1, 2])))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/openapi.json: not an OpenAPI or Swagger document (not a mapping)"


def test_no_api_description_at_the_path_is_not_applicable():
    found = one("api-description", FakeFetcher(api("not found", "text/plain", status=404)))
    assert found.outcome is Outcome.NOT_APPLICABLE
    assert found.message == "no API description at https://svc.example.com/openapi.json"


def test_the_api_description_path_is_a_param():
    fetcher = FakeFetcher(api(OPENAPI, path="/v3/api-docs"))
    assert one("api-description", fetcher, path="/v3/api-docs").outcome is Outcome.PASS
    assert fetcher.urls() == ["https://svc.example.com/v3/api-docs"]


def test_a_server_error_for_the_api_description_fails():
    found = one("api-description", FakeFetcher(api("oops", "text/plain", status=500)))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/openapi.json answered HTTP 500"


def test_an_api_description_cut_off_at_the_cap_is_an_error():
    fetcher = FakeFetcher(
        {"/openapi.json": reply(200, '{"openapi": "3.0.0", "pa', content_type="application/json", truncated=True)}
    )
    found = one("api-description", fetcher)
    assert found.outcome is Outcome.ERROR
    assert found.message == (
        "https://svc.example.com/openapi.json: "
        "the API description was cut off after 24 bytes (the body cap); not checked"
    )


def test_api_description_fetch_error_is_an_error():
    found = one("api-description", FakeFetcher({"/openapi.json": failure("too-large", "body over 10 MiB")}))
    assert found.outcome is Outcome.ERROR
    assert found.message == "could not fetch https://svc.example.com/openapi.json: too-large: body over 10 MiB"
