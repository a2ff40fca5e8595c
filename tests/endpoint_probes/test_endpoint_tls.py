"""tls-valid, tls-expiry and hsts: HTTPS only, from one GET of the endpoint's root."""

from __future__ import annotations

import asyncio

import pytest

from prr.domain.findings import Evidence, Outcome
from prr.probes.endpoint import ENDPOINT_PROBES
from prr.probes.endpoint_api import Endpoint
from prr.probes.registry import PROBES

from .fakes import FakeFetcher, certificate, context, failure, one, params, reply

ROOT = "https://svc.example.com/"
HTTP = Endpoint(url="http://svc.example.com", shown="http://svc.example.com", source="--endpoint")


def served(days_left: float = 200, hsts: str | None = "max-age=31536000; includeSubDomains", **cert):
    headers = {"Strict-Transport-Security": hsts} if hsts is not None else {}
    return reply(200, "<html></html>", headers, content_type="text/html", certificate=certificate(days_left, **cert))


@pytest.mark.parametrize("probe", ["tls-valid", "tls-expiry", "hsts"])
def test_tls_probes_are_not_applicable_to_a_plain_http_endpoint(probe):
    fetcher = FakeFetcher()
    found = one(probe, fetcher, context(HTTP))
    assert found.outcome is Outcome.NOT_APPLICABLE
    assert found.message == "not HTTPS: http://svc.example.com"
    assert fetcher.calls == []


# tls-valid ------------------------------------------------------------------------------


def test_a_verified_certificate_naming_the_host_passes_naming_subject_issuer_and_expiry():
    fetcher = FakeFetcher({"/": served()})
    found = one("tls-valid", fetcher)
    assert found.outcome is Outcome.PASS
    assert found.message == (
        "https://svc.example.com/: certificate verifies for svc.example.com: subject CN=svc.example.com, "
        "issued by CN=R11,O=Let's Encrypt,C=US, expires 2026-08-03 12:00 UTC"
    )
    assert fetcher.urls() == [ROOT]
    assert found.evidence[0].url == ROOT and found.evidence[0].status == 200


def test_a_wildcard_certificate_covers_a_host_one_label_below_it():
    found = one("tls-valid", FakeFetcher({"/": served(names=("*.example.com",))}))
    assert found.outcome is Outcome.PASS


def test_a_wildcard_does_not_cover_a_host_two_labels_below_it():
    deep = Endpoint("https://a.svc.example.com", "https://a.svc.example.com", "--endpoint")
    found = one("tls-valid", FakeFetcher({"/": served(names=("*.example.com",))}), context(deep))
    assert found.outcome is Outcome.FAIL
    assert (
        found.message
        == "https://a.svc.example.com/: certificate names (*.example.com) do not include a.svc.example.com"
    )


def test_a_certificate_not_naming_the_host_fails():
    found = one("tls-valid", FakeFetcher({"/": served(names=("other.example.org", "www.example.org"))}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/: certificate names (other.example.org, www.example.org) "
        "do not include svc.example.com"
    )
    assert found.remediation == PROBES["tls-valid"].remediation


def test_a_tls_fetch_error_is_the_answer_and_fails_tls_valid():
    fetcher = FakeFetcher(
        {"/": failure("tls", "certificate verify failed: self-signed certificate in certificate chain")}
    )
    found = one("tls-valid", fetcher)
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/: certificate did not verify: "
        "certificate verify failed: self-signed certificate in certificate chain"
    )
    assert found.evidence == (Evidence(url=ROOT),)
    assert found.remediation == PROBES["tls-valid"].remediation


def test_any_other_fetch_error_is_an_error_for_tls_valid():
    found = one("tls-valid", FakeFetcher({"/": failure("timeout", "connect timed out")}))
    assert found.outcome is Outcome.ERROR
    assert found.message == "could not fetch https://svc.example.com/: timeout: connect timed out"


def test_a_response_without_a_certificate_is_an_error_not_a_verdict():
    found = one("tls-valid", FakeFetcher({"/": reply(200, "hi", content_type="text/plain")}))
    assert found.outcome is Outcome.ERROR
    assert found.message == (
        "https://svc.example.com/: no certificate was reported for the connection (redirected off HTTPS?)"
    )


# tls-expiry -----------------------------------------------------------------------------


def test_a_certificate_with_4_days_left_fails_with_the_default_critical_7():
    found = one("tls-expiry", FakeFetcher({"/": served(days_left=4)}))
    assert found.outcome is Outcome.FAIL
    assert (
        found.message == "https://svc.example.com/: certificate expires in 4 days, on 2026-01-19 (critical threshold 7)"
    )
    assert found.remediation == PROBES["tls-expiry"].remediation


def test_a_certificate_inside_the_warn_window_passes_with_a_warning():
    found = one("tls-expiry", FakeFetcher({"/": served(days_left=20)}))
    assert found.outcome is Outcome.PASS
    assert found.message == (
        "https://svc.example.com/: WARNING: certificate expires in 20 days, on 2026-02-04 (warn threshold 30)"
    )
    assert found.remediation == ""


def test_a_certificate_far_from_expiry_passes():
    found = one("tls-expiry", FakeFetcher({"/": served(days_left=200)}))
    assert found.outcome is Outcome.PASS
    assert found.message == "https://svc.example.com/: certificate expires in 200 days, on 2026-08-03"


def test_an_expired_certificate_fails():
    found = one("tls-expiry", FakeFetcher({"/": served(days_left=-3)}))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/: certificate expired on 2026-01-12 (3 days ago)"


def test_the_expiry_thresholds_are_params():
    fetcher = FakeFetcher({"/": served(days_left=20)})
    assert one("tls-expiry", fetcher, critical_days=21).outcome is Outcome.FAIL
    found = one("tls-expiry", fetcher, warn_days=14)
    assert found.outcome is Outcome.PASS and "WARNING" not in found.message


def test_days_left_are_whole_days_counted_down():
    assert "expires in 6 days" in one("tls-expiry", FakeFetcher({"/": served(days_left=6.9)})).message
    assert one("tls-expiry", FakeFetcher({"/": served(days_left=7)})).outcome is Outcome.PASS


def test_a_tls_failure_leaves_the_expiry_unreadable_an_error():
    found = one("tls-expiry", FakeFetcher({"/": failure("tls", "certificate has expired")}))
    assert found.outcome is Outcome.ERROR
    assert (
        found.message == "cannot read the certificate expiry of https://svc.example.com/: tls: certificate has expired"
    )
    assert found.remediation == ""


# hsts -----------------------------------------------------------------------------------


def test_hsts_of_a_year_passes():
    found = one("hsts", FakeFetcher({"/": served()}))
    assert found.outcome is Outcome.PASS
    assert found.message == (
        "https://svc.example.com/: Strict-Transport-Security max-age=31536000 (365 days); includeSubDomains"
    )


def test_hsts_of_exactly_180_days_passes():
    found = one("hsts", FakeFetcher({"/": served(hsts='max-age="15552000"')}))
    assert found.outcome is Outcome.PASS
    assert found.message == "https://svc.example.com/: Strict-Transport-Security max-age=15552000 (180 days)"


def test_missing_hsts_fails():
    found = one("hsts", FakeFetcher({"/": served(hsts=None)}))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/: no Strict-Transport-Security header"
    assert found.remediation == PROBES["hsts"].remediation


def test_hsts_shorter_than_180_days_fails():
    found = one("hsts", FakeFetcher({"/": served(hsts="max-age=86400")}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/: Strict-Transport-Security max-age=86400 (1 day) is under 180 days (15552000)"
    )


def test_hsts_without_a_valid_max_age_fails():
    found = one("hsts", FakeFetcher({"/": served(hsts="includeSubDomains; max-age=forever")}))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/: Strict-Transport-Security has no valid max-age"


def test_hsts_fetch_error_is_an_error():
    found = one("hsts", FakeFetcher({"/": failure("connect", "connection refused")}))
    assert found.outcome is Outcome.ERROR


# one root fetch per run -----------------------------------------------------------------


def test_the_root_is_fetched_once_for_all_the_probes_that_read_it():
    fetcher = FakeFetcher({"/": served()})
    ctx = context()
    ids = ["tls-valid", "tls-expiry", "hsts", "security-headers"]

    async def all_of_them():
        return await asyncio.gather(*(ENDPOINT_PROBES[i].run(fetcher, ctx, params(i)) for i in ids))

    results = asyncio.run(all_of_them())
    assert [findings[0].probe for findings in results] == ids
    assert fetcher.urls() == [ROOT]
