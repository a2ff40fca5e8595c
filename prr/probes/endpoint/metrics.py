"""metrics-endpoint and slo-metrics-exposed: valid Prometheus or OpenMetrics exposition,
carrying every metric the repository's SLO and alert expressions query.

Both parse with prometheus_client's own parsers and share one fetch per endpoint per run.
A body cut off at the fetcher's cap is checked as far as it was read, and says so."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from prr.domain.findings import Finding, Outcome
from prr.probes.endpoint._shared import (
    evidence,
    fetch_failed,
    fetch_shared,
    finding,
    listing,
    media_type,
    ok,
    one_line,
    shown_at,
)
from prr.probes.endpoint_api import EndpointContext, EndpointProbe, Fetcher, FetchError, Params, Response, join

METRICS = "metrics-endpoint"
SLO_METRICS = "slo-metrics-exposed"
ACCEPT = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
DEFAULT_PATH = "/metrics"
OPENMETRICS = "OpenMetrics"
TEXT = "Prometheus text format"

# The sample names a declared family exposes (or will, once it has children), by type.
_SUFFIXES: dict[str, tuple[str, ...]] = {
    "counter": ("", "_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gaugehistogram": ("_bucket", "_gcount", "_gsum"),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
}


@dataclass
class Exposition:
    """What a metrics response held, or why it could not be read."""

    format: str = ""
    typed_families: int = 0
    families: int = 0
    names: set[str] = field(default_factory=set)  # sample names, and those declared families imply
    problem: str = ""  # why the response is not a valid exposition ("" when it is)


async def _fetch(fetcher: Fetcher, context: EndpointContext, params: Params) -> Response | FetchError:
    path = str(params.get("path") or DEFAULT_PATH)
    return await fetch_shared(fetcher, join(context.endpoint, path), accept=ACCEPT)


def read_exposition(response: Response) -> Exposition:
    if response.status == 404:
        return Exposition(problem=f"no metrics at {response.url} (HTTP 404)")
    if not ok(response.status):
        return Exposition(problem=f"{response.url} answered HTTP {response.status}")
    media, type_params = media_type(response)
    if media == "application/openmetrics-text":
        fmt, parse = OPENMETRICS, parse_openmetrics
    elif media == "text/plain":
        version = type_params.get("version")
        if version not in (None, "0.0.4"):
            return Exposition(
                problem=f"{response.url}: text/plain version {one_line(version, 40)} is not 0.0.4",
            )
        fmt, parse = TEXT, parse_text
    else:
        served = one_line(media, 80) or "no Content-Type"
        return Exposition(
            problem=f"{response.url}: served as {served}, not text/plain; version=0.0.4 or application/openmetrics-text"
        )
    body = _complete_lines(response.body) if response.truncated else response.body
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Exposition(fmt, problem=f"{response.url}: the {fmt} body is not UTF-8")
    if response.truncated and fmt == OPENMETRICS:
        text = _without_last_family(text) + "# EOF\n"
    return _parse(fmt, parse, text, response.url)


def _parse(fmt: str, parse: Callable[[str], Iterable[Any]], text: str, url: str) -> Exposition:
    exposition = Exposition(fmt)
    try:
        for family in parse(text):
            exposition.families += 1
            sample_names = {sample.name for sample in family.samples}
            exposition.names |= sample_names
            if family.type not in ("unknown", "untyped"):
                exposition.names |= {family.name + suffix for suffix in _SUFFIXES.get(family.type, ("",))}
                if sample_names:
                    exposition.typed_families += 1
    except Exception as exc:  # the parsers raise ValueError mostly, but not only
        reason = one_line(str(exc), 200) or type(exc).__name__
        exposition.problem = f"{url}: malformed {fmt}: {reason}"
    return exposition


def _complete_lines(body: bytes) -> bytes:
    """A cut-off body up to its last complete line."""
    end = body.rfind(b"\n")
    return body[: end + 1] if end >= 0 else b""


def _without_last_family(text: str) -> str:
    """A cut-off OpenMetrics body without its last family, which may be incomplete (a
    histogram without its +Inf bucket, say) only because the cap cut it."""
    lines = text.splitlines(keepends=True)
    start, previous_was_sample = 0, True
    for index, line in enumerate(lines):
        is_metadata = line.startswith("# ")
        if is_metadata and previous_was_sample:
            start = index
        previous_was_sample = not is_metadata
    return "".join(lines[:start]) if any(line.startswith("# ") for line in lines) else "".join(lines)


def _truncation_note(response: Response) -> str:
    return f"; body cut off after {len(response.body)} bytes, checked as far as read" if response.truncated else ""


async def metrics_endpoint(fetcher: Fetcher, context: EndpointContext, params: Params) -> list[Finding]:
    got = await _fetch(fetcher, context, params)
    if isinstance(got, FetchError):
        return [fetch_failed(METRICS, shown_at(context.endpoint, str(params.get("path") or DEFAULT_PATH)), got)]
    exposition = read_exposition(got)
    proof = [evidence(got)]
    note = _truncation_note(got)
    if exposition.problem:
        return [finding(METRICS, Outcome.FAIL, exposition.problem + note, proof)]
    if not exposition.typed_families:
        message = f"{got.url}: no metric family with a TYPE line and samples in the {exposition.format}"
        return [finding(METRICS, Outcome.FAIL, message + note, proof)]
    message = (
        f"{got.url} serves {exposition.format}: {exposition.families} metric families, "
        f"{exposition.typed_families} typed with samples"
    )
    return [finding(METRICS, Outcome.PASS, message + note, proof)]


async def slo_metrics_exposed(fetcher: Fetcher, context: EndpointContext, params: Params) -> list[Finding]:
    wanted = context.facts.metric_names
    if not wanted:
        message = "no SLO or alert expression in the repository names a metric"
        return [finding(SLO_METRICS, Outcome.NOT_APPLICABLE, message)]
    got = await _fetch(fetcher, context, params)
    if isinstance(got, FetchError):
        path = str(params.get("path") or DEFAULT_PATH)
        return [fetch_failed(SLO_METRICS, shown_at(context.endpoint, path), got, "could not fetch metrics from")]
    exposition = read_exposition(got)
    proof = [evidence(got)]
    if exposition.problem:  # metrics-endpoint fails for this; here we cannot compare
        return [finding(SLO_METRICS, Outcome.ERROR, f"cannot compare metric names: {exposition.problem}", proof)]
    missing = sorted(wanted - exposition.names)
    count = f"{len(missing)} of {len(wanted)} metrics the SLO and alert expressions use"
    if missing and got.truncated:
        message = (
            f"{got.url}: {count} not seen in the first {len(got.body)} bytes (body cut off; cannot tell): "
            + listing(missing)
        )
        return [finding(SLO_METRICS, Outcome.ERROR, message, proof)]
    if missing:
        return [finding(SLO_METRICS, Outcome.FAIL, f"{got.url} does not expose {count}: {listing(missing)}", proof)]
    message = f"{got.url} exposes all {len(wanted)} metrics the SLO and alert expressions use"
    return [finding(SLO_METRICS, Outcome.PASS, message + _truncation_note(got), proof)]


PROBES: tuple[EndpointProbe, ...] = (
    EndpointProbe(METRICS, metrics_endpoint),
    EndpointProbe(SLO_METRICS, slo_metrics_exposed),
)
