"""links-resolve: once per review, every runbook and dashboard link must answer 2xx."""

from __future__ import annotations

from prr.domain.findings import Evidence, Outcome
from prr.probes.endpoint import ENDPOINT_PROBES
from prr.probes.registry import PROBES

from .fakes import FakeFetcher, context, failure, one, reply

RUNBOOK = "https://wiki.example.com/runbooks/orders"
DASHBOARD = "https://grafana.example.com/d/abc/orders"
OLD = "https://wiki.example.com/old-page"


def test_links_resolve_runs_once_per_review_not_per_endpoint():
    assert ENDPOINT_PROBES["links-resolve"].per_endpoint is False
    assert all(p.per_endpoint for i, p in ENDPOINT_PROBES.items() if i != "links-resolve")


def test_no_links_is_not_applicable():
    fetcher = FakeFetcher()
    found = one("links-resolve", fetcher, context())
    assert found.outcome is Outcome.NOT_APPLICABLE
    assert found.message == "the repository names no runbook or dashboard links"
    assert fetcher.calls == []


def test_all_links_answering_2xx_pass_with_evidence_for_each():
    fetcher = FakeFetcher({RUNBOOK: reply(200, "runbook"), DASHBOARD: reply(200, "dash")})
    found = one("links-resolve", fetcher, context(links=(RUNBOOK, DASHBOARD)))
    assert found.outcome is Outcome.PASS
    assert found.message == "all 2 links answer 2xx"
    assert [(e.url, e.status) for e in found.evidence] == [(RUNBOOK, 200), (DASHBOARD, 200)]
    assert sorted(fetcher.urls()) == sorted([RUNBOOK, DASHBOARD])


def test_a_link_that_answers_2xx_after_redirects_is_fine():
    moved = reply(200, "new home", url="https://wiki.example.com/runbooks/orders-v2", redirects=(RUNBOOK,))
    found = one("links-resolve", FakeFetcher({RUNBOOK: moved}), context(links=(RUNBOOK,)))
    assert found.outcome is Outcome.PASS
    assert found.evidence[0].url == "https://wiki.example.com/runbooks/orders-v2"


def test_links_not_answering_2xx_fail_listing_each_with_its_status():
    fetcher = FakeFetcher({RUNBOOK: reply(200), OLD: reply(404), DASHBOARD: reply(403)})
    found = one("links-resolve", fetcher, context(links=(RUNBOOK, OLD, DASHBOARD)))
    assert found.outcome is Outcome.FAIL
    assert found.message == f"2 of 3 links do not answer 2xx: {OLD} (HTTP 404), {DASHBOARD} (HTTP 403)"
    assert found.remediation == PROBES["links-resolve"].remediation


def test_links_that_could_not_be_fetched_are_unknown_an_error_not_a_fail():
    fetcher = FakeFetcher({RUNBOOK: reply(200), DASHBOARD: failure("connect", "name resolution failed")})
    found = one("links-resolve", fetcher, context(links=(RUNBOOK, DASHBOARD)))
    assert found.outcome is Outcome.ERROR
    assert found.message == f"could not check 1 of 2 links: {DASHBOARD} (connect)"
    assert found.evidence[1] == Evidence(url=DASHBOARD)


def test_dead_links_fail_and_unreachable_ones_are_named_too():
    fetcher = FakeFetcher({OLD: reply(410), DASHBOARD: failure("timeout", "timed out")})
    found = one("links-resolve", fetcher, context(links=(OLD, DASHBOARD)))
    assert found.outcome is Outcome.FAIL
    assert (
        found.message
        == f"1 of 2 links do not answer 2xx: {OLD} (HTTP 410); 1 could not be checked: {DASHBOARD} (timeout)"
    )


def test_more_than_20_dead_links_list_20_and_count_the_rest():
    links = tuple(f"https://wiki.example.com/page-{i:02d}" for i in range(23))
    fetcher = FakeFetcher({link: reply(404) for link in links})
    found = one("links-resolve", fetcher, context(links=links))
    listed = ", ".join(f"{link} (HTTP 404)" for link in links[:20])
    assert found.message == f"23 of 23 links do not answer 2xx: {listed} and 3 more"


def test_a_link_named_twice_is_fetched_once():
    fetcher = FakeFetcher({RUNBOOK: reply(200)})
    found = one("links-resolve", fetcher, context(links=(RUNBOOK, RUNBOOK)))
    assert found.message == f"the one link answers 2xx: {RUNBOOK}"
    assert fetcher.urls() == [RUNBOOK]
