"""Metric names read from PromQL, for checking the live service exposes them."""

from __future__ import annotations

import pytest

from prr.probes.promql_names import metric_names


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("up", {"up"}),
        ('sum(rate(http_requests_total{code=~"5..",job="api"}[5m])) by (job)', {"http_requests_total"}),
        (
            "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5",
            {"http_request_duration_seconds_bucket"},
        ),
        ("a_total / ignoring(instance) group_left(team) b_info", {"a_total", "b_info"}),
        ("rate(x[5m] offset 1h) and on(pod) y == bool 1", {"x", "y"}),
        ('label_replace(up, "dst", "$1", "src", "(.*)")', {"up"}),
        ("job:request_errors:rate5m > 0.05", {"job:request_errors:rate5m"}),
    ],
)
def test_metric_names_are_the_identifiers_an_expression_reads(expression: str, names: set[str]) -> None:
    assert metric_names(expression) == names
