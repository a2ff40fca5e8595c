"""metrics-endpoint and slo-metrics-exposed: a valid exposition, carrying the SLO metrics."""

from __future__ import annotations

import asyncio

from prr.domain.findings import Outcome
from prr.probes.endpoint import ENDPOINT_PROBES
from prr.probes.registry import PROBES

from .fakes import FakeFetcher, context, failure, one, params, reply

METRICS = "metrics-endpoint"
SLO = "slo-metrics-exposed"
ACCEPT = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
TEXT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OM_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"

TEXT = """\
# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{code="200"} 1027
http_requests_total{code="500"} 3
# HELP request_seconds Request latency.
# TYPE request_seconds histogram
request_seconds_bucket{le="0.1"} 900
request_seconds_bucket{le="+Inf"} 1030
request_seconds_count 1030
request_seconds_sum 53.2
# TYPE queue_depth gauge
queue_depth 4
build_info{version="1.2.3"} 1
"""

OPENMETRICS = """\
# TYPE http_requests counter
# HELP http_requests Requests served.
http_requests_total{code="200"} 1027
http_requests_created{code="200"} 1.7e9
# TYPE queue_depth gauge
queue_depth 4
# EOF
"""


def text(body: str = TEXT, **kwargs):
    return reply(200, body, content_type=TEXT_TYPE, **kwargs)


def openmetrics(body: str = OPENMETRICS, **kwargs):
    return reply(200, body, content_type=OM_TYPE, **kwargs)


# metrics-endpoint -----------------------------------------------------------------------


def test_prometheus_text_with_typed_families_passes():
    fetcher = FakeFetcher({"/metrics": text()})
    found = one(METRICS, fetcher)
    assert found.outcome is Outcome.PASS
    assert found.message == (
        "https://svc.example.com/metrics serves Prometheus text format: 4 metric families, 3 typed with samples"
    )
    assert [(e.url, e.status) for e in found.evidence] == [("https://svc.example.com/metrics", 200)]
    assert found.remediation == ""


def test_metrics_are_fetched_from_the_path_param_with_the_exposition_accept_header():
    fetcher = FakeFetcher({"/admin/metrics": text()})
    assert one(METRICS, fetcher, path="/admin/metrics").outcome is Outcome.PASS
    assert [(c.url, c.accept) for c in fetcher.calls] == [("https://svc.example.com/admin/metrics", ACCEPT)]


def test_openmetrics_ending_in_eof_passes():
    found = one(METRICS, FakeFetcher({"/metrics": openmetrics()}))
    assert found.outcome is Outcome.PASS
    assert (
        found.message == "https://svc.example.com/metrics serves OpenMetrics: 2 metric families, 2 typed with samples"
    )


def test_openmetrics_without_the_final_eof_fails():
    found = one(METRICS, FakeFetcher({"/metrics": openmetrics(OPENMETRICS.replace("# EOF\n", ""))}))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/metrics: malformed OpenMetrics: Missing # EOF at end"
    assert found.remediation == PROBES[METRICS].remediation


def test_text_plain_without_a_version_is_read_as_the_0_0_4_text_format():
    found = one(METRICS, FakeFetcher({"/metrics": reply(200, TEXT, content_type="text/plain")}))
    assert found.outcome is Outcome.PASS


def test_text_plain_with_another_version_fails():
    found = one(METRICS, FakeFetcher({"/metrics": reply(200, TEXT, content_type="text/plain; version=1.0.0")}))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/metrics: text/plain version 1.0.0 is not 0.0.4"


def test_a_content_type_that_is_not_an_exposition_format_fails():
    found = one(METRICS, FakeFetcher({"/metrics": reply(200, TEXT, content_type="text/html; charset=utf-8")}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/metrics: served as text/html, "
        "not text/plain; version=0.0.4 or application/openmetrics-text"
    )


def test_a_missing_content_type_fails():
    found = one(METRICS, FakeFetcher({"/metrics": reply(200, TEXT)}))
    assert found.outcome is Outcome.FAIL
    assert found.message.startswith("https://svc.example.com/metrics: served as no Content-Type, not text/plain")


def test_samples_without_any_type_line_fail():
    found = one(METRICS, FakeFetcher({"/metrics": text("up 1\nbuild_info 1\n")}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/metrics: no metric family with a TYPE line and samples in the Prometheus text format"
    )


def test_type_lines_without_samples_fail():
    found = one(METRICS, FakeFetcher({"/metrics": text("# TYPE lonely_total counter\n# TYPE idle gauge\n")}))
    assert found.outcome is Outcome.FAIL
    assert "no metric family with a TYPE line and samples" in found.message


def test_a_malformed_text_body_fails_with_the_parsers_message_on_one_line():
    found = one(METRICS, FakeFetcher({"/metrics": text("# TYPE x gauge\nx not-a-number\n")}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/metrics: malformed Prometheus text format: "
        "could not convert string to float: 'not-a-number'"
    )
    assert "\n" not in found.message


def test_a_body_that_is_not_utf8_fails():
    found = one(METRICS, FakeFetcher({"/metrics": text(b"# TYPE x gauge\nx 1 \xff\xfe\n")}))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/metrics: the Prometheus text format body is not UTF-8"


def test_404_fails_no_metrics():
    found = one(METRICS, FakeFetcher({"/metrics": reply(404, "nope", content_type="text/plain")}))
    assert found.outcome is Outcome.FAIL
    assert found.message == "no metrics at https://svc.example.com/metrics (HTTP 404)"


def test_a_non_2xx_answer_fails():
    found = one(METRICS, FakeFetcher({"/metrics": reply(503, "", content_type="text/plain")}))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/metrics answered HTTP 503"


def test_a_fetch_error_is_an_error():
    found = one(METRICS, FakeFetcher({"/metrics": failure("timeout", "read timed out after 10 s")}))
    assert found.outcome is Outcome.ERROR
    assert found.message == "could not fetch https://svc.example.com/metrics: timeout: read timed out after 10 s"


def test_a_truncated_text_body_is_checked_as_far_as_read_and_says_so():
    cut = TEXT.encode()[: TEXT.index("request_seconds_count") + 9]  # mid-line
    found = one(METRICS, FakeFetcher({"/metrics": text(cut, truncated=True)}))
    assert found.outcome is Outcome.PASS
    assert found.message == (
        "https://svc.example.com/metrics serves Prometheus text format: 2 metric families, 2 typed with samples; "
        f"body cut off after {len(cut)} bytes, checked as far as read"
    )


def test_a_truncated_openmetrics_body_is_not_failed_for_the_eof_or_histogram_the_cap_cut_off():
    body = (
        "# TYPE queue_depth gauge\nqueue_depth 4\n"
        "# TYPE request_seconds histogram\n"
        'request_seconds_bucket{le="0.1"} 900\n'
        'request_seconds_bucket{le="1"} 9'
    )
    found = one(METRICS, FakeFetcher({"/metrics": openmetrics(body, truncated=True)}))
    assert found.outcome is Outcome.PASS
    assert found.message == (
        "https://svc.example.com/metrics serves OpenMetrics: 1 metric families, 1 typed with samples; "
        f"body cut off after {len(body)} bytes, checked as far as read"
    )


def test_a_truncated_body_that_is_malformed_as_far_as_read_still_fails_and_says_it_was_cut():
    found = one(METRICS, FakeFetcher({"/metrics": text("# TYPE x gauge\nx nan-ish\ny 1", truncated=True)}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/metrics: malformed Prometheus text format: could not convert string to float: "
        "'nan-ish'; body cut off after 28 bytes, checked as far as read"
    )


# slo-metrics-exposed --------------------------------------------------------------------


def test_slo_metrics_are_not_applicable_when_no_expression_names_a_metric():
    fetcher = FakeFetcher()
    found = one(SLO, fetcher, context())
    assert found.outcome is Outcome.NOT_APPLICABLE
    assert found.message == "no SLO or alert expression in the repository names a metric"
    assert fetcher.calls == []


def test_slo_metrics_pass_when_every_name_is_exposed_counting_histogram_suffixes():
    names = {
        "http_requests_total",
        "request_seconds_bucket",
        "request_seconds_count",
        "request_seconds_sum",
        "queue_depth",
    }
    fetcher = FakeFetcher({"/metrics": text()})
    found = one(SLO, fetcher, context(metric_names=names))
    assert found.outcome is Outcome.PASS
    assert found.message == "https://svc.example.com/metrics exposes all 5 metrics the SLO and alert expressions use"
    assert [(c.url, c.accept) for c in fetcher.calls] == [("https://svc.example.com/metrics", ACCEPT)]


def test_slo_metrics_count_names_a_declared_family_implies_before_it_has_samples():
    body = "# TYPE errors_total counter\n# TYPE latency_seconds histogram\n# TYPE up gauge\nup 1\n"
    names = {"errors_total", "latency_seconds_bucket", "latency_seconds_count", "up"}
    found = one(SLO, FakeFetcher({"/metrics": text(body)}), context(metric_names=names))
    assert found.outcome is Outcome.PASS


def test_slo_metrics_read_openmetrics_counters_with_total_and_created():
    names = {"http_requests_total", "http_requests_created", "queue_depth"}
    found = one(SLO, FakeFetcher({"/metrics": openmetrics()}), context(metric_names=names))
    assert found.outcome is Outcome.PASS


def test_slo_metrics_fail_listing_the_missing_names_sorted():
    names = {"queue_depth", "zeta_errors_total", "alpha_latency_seconds_bucket", "request_seconds"}
    found = one(SLO, FakeFetcher({"/metrics": text()}), context(metric_names=names))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/metrics does not expose 3 of 4 metrics the SLO and alert expressions use: "
        "alpha_latency_seconds_bucket, request_seconds, zeta_errors_total"
    )
    assert found.remediation == PROBES[SLO].remediation


def test_slo_metrics_list_at_most_20_missing_names_and_count_the_rest():
    names = {f"missing_{i:02d}_total" for i in range(25)}
    found = one(SLO, FakeFetcher({"/metrics": text()}), context(metric_names=names))
    assert found.outcome is Outcome.FAIL
    listed = ", ".join(f"missing_{i:02d}_total" for i in range(20))
    assert found.message == (
        "https://svc.example.com/metrics does not expose 25 of 25 metrics the SLO and alert expressions use: "
        f"{listed} and 5 more"
    )


def test_slo_metrics_are_an_error_when_the_metrics_cannot_be_read():
    fetcher = FakeFetcher({"/metrics": reply(404, "nope", content_type="text/plain")})
    found = one(SLO, fetcher, context(metric_names={"up"}))
    assert found.outcome is Outcome.ERROR
    assert found.message == "cannot compare metric names: no metrics at https://svc.example.com/metrics (HTTP 404)"


def test_slo_metrics_are_an_error_when_the_fetch_fails():
    fetcher = FakeFetcher({"/metrics": failure("connect", "connection refused")})
    found = one(SLO, fetcher, context(metric_names={"up"}))
    assert found.outcome is Outcome.ERROR
    assert found.message == "could not fetch metrics from https://svc.example.com/metrics: connect: connection refused"


def test_slo_metrics_missing_from_a_truncated_body_are_an_error_not_a_fail():
    fetcher = FakeFetcher({"/metrics": text("# TYPE up gauge\nup 1\n", truncated=True)})
    found = one(SLO, fetcher, context(metric_names={"up", "late_metric_total"}))
    assert found.outcome is Outcome.ERROR
    assert found.message == (
        "https://svc.example.com/metrics: 1 of 2 metrics the SLO and alert expressions use not seen in the first "
        "21 bytes (body cut off; cannot tell): late_metric_total"
    )


def test_slo_metrics_all_seen_in_a_truncated_body_pass():
    fetcher = FakeFetcher({"/metrics": text("# TYPE up gauge\nup 1\n", truncated=True)})
    assert one(SLO, fetcher, context(metric_names={"up"})).outcome is Outcome.PASS


# one fetch per endpoint per run ---------------------------------------------------------


def test_both_metrics_probes_share_one_fetch_when_run_concurrently():
    fetcher = FakeFetcher({"/metrics": text()})
    ctx = context(metric_names={"queue_depth"})

    async def both():
        return await asyncio.gather(
            ENDPOINT_PROBES[METRICS].run(fetcher, ctx, params(METRICS)),
            ENDPOINT_PROBES[SLO].run(fetcher, ctx, params(SLO)),
        )

    metrics, slo = asyncio.run(both())
    assert [f.outcome for f in metrics + slo] == [Outcome.PASS, Outcome.PASS]
    assert fetcher.urls() == ["https://svc.example.com/metrics"]


def test_both_metrics_probes_share_one_fetch_when_run_one_after_the_other():
    fetcher = FakeFetcher({"/metrics": text()})
    ctx = context(metric_names={"queue_depth"})

    async def in_turn():
        first = await ENDPOINT_PROBES[METRICS].run(fetcher, ctx, params(METRICS))
        second = await ENDPOINT_PROBES[SLO].run(fetcher, ctx, params(SLO))
        return first + second

    assert [f.outcome for f in asyncio.run(in_turn())] == [Outcome.PASS, Outcome.PASS]
    assert len(fetcher.calls) == 1


def test_another_fetcher_is_another_run_and_fetches_again():
    first, second = FakeFetcher({"/metrics": text()}), FakeFetcher({"/metrics": openmetrics()})
    assert "Prometheus text format" in one(METRICS, first).message
    assert "OpenMetrics" in one(METRICS, second).message
    assert len(first.calls) == len(second.calls) == 1


def test_a_fetcher_that_cannot_be_weakly_referenced_still_works_without_sharing():
    class SlottedFetcher(FakeFetcher):
        __slots__ = ()
        __hash__ = None  # unhashable, like an eq dataclass

    fetcher = SlottedFetcher({"/metrics": text()})
    ctx = context(metric_names={"queue_depth"})

    async def in_turn():
        first = await ENDPOINT_PROBES[METRICS].run(fetcher, ctx, params(METRICS))
        return first + await ENDPOINT_PROBES[SLO].run(fetcher, ctx, params(SLO))

    assert [f.outcome for f in asyncio.run(in_turn())] == [Outcome.PASS, Outcome.PASS]
    assert len(fetcher.calls) == 2
