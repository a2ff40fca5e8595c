"""The HTTP fetcher, against real servers on loopback (tests/endpoint_servers.py).

Every misbehaving server ends, within its deadline, as a Response or a FetchError of the
right kind; the address policy is checked before any connection; TLS is always verified;
and no secret handed to the fetcher shows up in anything it returns or logs."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from prr.adapters.http_fetch import FetchPolicy, HttpFetcher, address_refusal
from prr.probes.endpoint_api import FetchError, Response

if TYPE_CHECKING:
    from endpoint_servers import Servers

pytest_plugins = ("endpoint_servers",)  # the `endpoint_servers` fixture: real servers on loopback

HEALTH_PASS = b'{"status":"pass"}'  # what the healthy server's /healthz says
LOCAL = FetchPolicy(allow_private=True, deadline=2.0)  # the test servers are on loopback
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def no_environment_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def fetch(url: str, policy: FetchPolicy = LOCAL, **options: Any) -> Response | FetchError:
    """One GET through a fresh fetcher, closed afterwards."""
    get_options = {k: options.pop(k) for k in ("accept", "max_bytes") if k in options}

    async def go() -> Response | FetchError:
        async with HttpFetcher(policy, **options) as fetcher:
            return await fetcher.get(url, **get_options)

    return asyncio.run(go())


def fetch_all(urls: Sequence[str], policy: FetchPolicy = LOCAL) -> list[Response | FetchError]:
    async def go() -> list[Response | FetchError]:
        async with HttpFetcher(policy) as fetcher:
            return list(await asyncio.gather(*(fetcher.get(url) for url in urls)))

    return asyncio.run(go())


def timed(run: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def response(result: Response | FetchError) -> Response:
    assert isinstance(result, Response), result
    return result


def error(result: Response | FetchError, kind: str) -> FetchError:
    assert isinstance(result, FetchError), result
    assert result.kind == kind, result
    assert "\n" not in result.message
    return result


def unique_path() -> str:
    return f"/{uuid.uuid4().hex}"


# ----------------------------------------------------------------------------- answers


def test_a_healthy_server_answers_with_status_lower_case_headers_and_body(endpoint_servers: Servers) -> None:
    got = response(fetch(endpoint_servers.url("healthy", "/healthz")))
    assert got.status == 200
    assert got.headers["content-type"] == "application/health+json"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.body == HEALTH_PASS
    assert not got.truncated
    assert got.url == endpoint_servers.url("healthy", "/healthz")
    assert got.certificate is None and got.proxy is None and got.redirects == ()
    assert got.elapsed_ms > 0


def test_a_server_error_is_a_response_not_a_fetch_error(endpoint_servers: Servers) -> None:
    assert response(fetch(endpoint_servers.url("error"), FetchPolicy(allow_private=True, retries=0))).status == 500


def test_the_accept_header_asked_for_is_sent(endpoint_servers: Servers) -> None:
    fetch(endpoint_servers.url("echo", unique_path()), accept="application/openmetrics-text")
    assert endpoint_servers.seen["echo"][-1].headers["accept"] == "application/openmetrics-text"


# --------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize("server", ["drip", "drip_body"])
def test_a_server_dripping_a_byte_a_second_is_cut_off_at_the_deadline(endpoint_servers: Servers, server: str) -> None:
    policy = FetchPolicy(allow_private=True, deadline=1.5, read_timeout=3.0)  # each byte comes in time
    result, elapsed = timed(lambda: fetch(endpoint_servers.url(server), policy))
    assert "deadline" in error(result, "timeout").message
    assert elapsed < 1.5 + 1


def test_a_server_that_never_answers_times_out_reading(endpoint_servers: Servers) -> None:
    policy = FetchPolicy(allow_private=True, deadline=2.0, read_timeout=0.5)
    result, elapsed = timed(lambda: fetch(endpoint_servers.url("silent"), policy))
    error(result, "timeout")
    assert elapsed < 2.0 + 1


def test_a_body_that_never_ends_stops_at_the_cap(endpoint_servers: Servers) -> None:
    result, elapsed = timed(lambda: fetch(endpoint_servers.url("endless"), max_bytes=100_000))
    got = response(result)
    assert got.truncated and len(got.body) == 100_000
    assert elapsed < 2.0 + 1


def test_the_default_cap_is_one_mebibyte(endpoint_servers: Servers) -> None:
    got = response(fetch(endpoint_servers.url("endless")))
    assert got.truncated and len(got.body) == 1024 * 1024


def test_a_gzip_bomb_stops_at_the_cap_on_decoded_bytes(endpoint_servers: Servers) -> None:
    result, elapsed = timed(lambda: fetch(endpoint_servers.url("gzip_bomb"), max_bytes=256 * 1024))
    got = response(result)
    assert got.headers["content-encoding"] == "gzip"
    assert got.truncated and got.body == bytes(256 * 1024)
    assert elapsed < 2.0 + 1


def test_a_body_exactly_at_the_cap_is_whole_and_one_byte_more_is_truncated(endpoint_servers: Servers) -> None:
    url = endpoint_servers.url("healthy", "/healthz")
    whole = response(fetch(url, max_bytes=len(HEALTH_PASS)))
    assert whole.body == HEALTH_PASS and not whole.truncated
    cut = response(fetch(url, max_bytes=len(HEALTH_PASS) - 1))
    assert cut.body == HEALTH_PASS[:-1] and cut.truncated


# --------------------------------------------------------------------------- redirects


def test_redirects_are_not_followed_unless_asked(endpoint_servers: Servers) -> None:
    got = response(fetch(endpoint_servers.url("hops", "/2")))
    assert got.status == 302 and got.headers["location"] == "/1"


def test_followed_redirects_are_listed_in_order(endpoint_servers: Servers) -> None:
    policy = FetchPolicy(allow_private=True, follow_redirects=True)
    got = response(fetch(endpoint_servers.url("hops", "/2"), policy))
    assert got.status == 200 and got.body == b"arrived"
    assert got.url == endpoint_servers.url("hops", "/0")
    assert got.redirects == (endpoint_servers.url("hops", "/2"), endpoint_servers.url("hops", "/1"))


def test_more_redirects_than_allowed_is_a_redirect_error(endpoint_servers: Servers) -> None:
    policy = FetchPolicy(allow_private=True, follow_redirects=True, max_redirects=2)
    assert "more than 2 redirects" in error(fetch(endpoint_servers.url("hops", "/3"), policy), "redirect").message


def test_a_redirect_loop_stops_as_a_redirect_error(endpoint_servers: Servers) -> None:
    policy = FetchPolicy(allow_private=True, follow_redirects=True, deadline=2.0)
    result, elapsed = timed(lambda: fetch(endpoint_servers.url("redirect_loop", "/a"), policy))
    assert "loop" in error(result, "redirect").message
    assert elapsed < 2.0 + 1


def test_a_redirect_to_the_metadata_address_is_refused_even_with_private_addresses_allowed(
    endpoint_servers: Servers,
) -> None:
    policy = FetchPolicy(allow_private=True, follow_redirects=True)
    failure = error(fetch(endpoint_servers.url("redirect_metadata"), policy), "refused-address")
    assert "169.254.169.254" in failure.message and "metadata" in failure.message


def test_secret_headers_are_not_sent_across_a_redirect_to_another_origin(endpoint_servers: Servers) -> None:
    elsewhere = endpoint_servers.url("echo", unique_path()).replace("127.0.0.1", "localhost")
    policy = FetchPolicy(allow_private=True, follow_redirects=True)
    headers = {"Authorization": "Bearer cross-origin-secret", "X-Trace": "kept"}
    got = response(fetch(endpoint_servers.url("echo", f"/redirect?to={elsewhere}"), policy, headers=headers))
    assert got.status == 200
    first, second = endpoint_servers.seen["echo"][-2:]
    assert first.headers["authorization"] == "Bearer cross-origin-secret"
    assert "authorization" not in second.headers and second.headers["x-trace"] == "kept"


# ----------------------------------------------------------------------------- addresses


def test_loopback_is_refused_unless_private_addresses_are_allowed(endpoint_servers: Servers) -> None:
    url = endpoint_servers.url("healthy", unique_path())
    failure = error(fetch(url, FetchPolicy()), "refused-address")
    assert "127.0.0.1" in failure.message and "loopback or private" in failure.message
    assert endpoint_servers.hits("healthy", urlpath(url)) == 0  # refused before connecting


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2/",
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://172.31.255.254/",
        "http://192.168.1.1/",
        "http://[fc00::1]/",
        "http://[fd12:3456::1]/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[::ffff:10.0.0.1]/",
    ],
)
def test_private_ranges_are_refused_by_default(url: str) -> None:
    error(fetch(url, FetchPolicy()), "refused-address")


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.10.20/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://[::ffff:169.254.169.254]/",
        "http://[64:ff9b::a9fe:a9fe]/",
    ],
)
def test_link_local_and_metadata_addresses_are_refused_even_with_private_addresses_allowed(url: str) -> None:
    error(fetch(url, LOCAL), "refused-address")


def test_public_addresses_are_allowed_by_the_address_policy() -> None:
    assert address_refusal("93.184.216.34", allow_private=False) is None
    assert address_refusal("2606:2800:220:1::1", allow_private=False) is None
    assert address_refusal("172.32.0.1", allow_private=False) is None


def test_a_name_is_refused_when_any_address_it_resolves_to_is_refused() -> None:
    async def resolver(host: str) -> list[str]:
        return ["93.184.216.34", "169.254.169.254"]

    failure = error(fetch("http://innocent.example/", LOCAL, resolver=resolver), "refused-address")
    assert "innocent.example resolves to 169.254.169.254" in failure.message


def test_a_name_resolving_to_loopback_is_refused_by_default(endpoint_servers: Servers) -> None:
    url = endpoint_servers.url("healthy", "/healthz").replace("127.0.0.1", "localhost")
    assert "localhost resolves to" in error(fetch(url, FetchPolicy()), "refused-address").message


def test_names_are_resolved_once_per_fetcher_and_ip_literals_never(endpoint_servers: Servers) -> None:
    asked: list[str] = []

    async def resolver(host: str) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    by_name = endpoint_servers.url("healthy", "/healthz").replace("127.0.0.1", "localhost")
    by_address = endpoint_servers.url("healthy", "/healthz")

    async def go() -> list[Response | FetchError]:
        async with HttpFetcher(LOCAL, resolver=resolver) as fetcher:
            return [await fetcher.get(url) for url in (by_name, by_name, by_address, by_address)]

    assert [response(r).status for r in asyncio.run(go())] == [200, 200, 200, 200]
    assert asked == ["localhost"]


# ----------------------------------------------------------------------------------- TLS


def test_a_valid_certificate_is_verified_and_described(endpoint_servers: Servers) -> None:
    got = response(fetch(endpoint_servers.url("tls_valid", "/healthz"), ca_file=endpoint_servers.ca_file))
    assert got.status == 200 and got.body == HEALTH_PASS
    assert got.certificate is not None
    assert got.certificate.subject == "localhost"
    assert got.certificate.names == ("localhost",)
    assert got.certificate.issuer.startswith("Testing CA")
    assert got.certificate.not_after > dt.datetime.now(dt.UTC) + dt.timedelta(days=365)


def test_a_certificate_expiring_in_five_days_says_so(endpoint_servers: Servers) -> None:
    got = response(fetch(endpoint_servers.url("tls_expiring"), ca_file=endpoint_servers.ca_file))
    assert got.certificate is not None
    now = dt.datetime.now(dt.UTC)
    assert now < got.certificate.not_after <= now + dt.timedelta(days=5)
    assert got.certificate.not_after.tzinfo is not None


def test_an_expired_certificate_is_a_tls_error(endpoint_servers: Servers) -> None:
    failure = error(fetch(endpoint_servers.url("tls_expired"), ca_file=endpoint_servers.ca_file), "tls")
    assert "expired" in failure.message


def test_a_certificate_for_another_host_is_a_tls_error(endpoint_servers: Servers) -> None:
    failure = error(fetch(endpoint_servers.url("tls_wrong_host"), ca_file=endpoint_servers.ca_file), "tls")
    assert "mismatch" in failure.message


def test_a_certificate_from_an_untrusted_ca_is_a_tls_error(endpoint_servers: Servers) -> None:
    error(fetch(endpoint_servers.url("tls_valid")), "tls")  # the test CA is not in the default trust store


# ------------------------------------------------------------------------------- secrets


def test_no_secret_from_the_url_or_headers_appears_in_responses_errors_or_logs(
    endpoint_servers: Servers, caplog: pytest.LogCaptureFixture
) -> None:
    password, token, bearer = (f"s3cret-{uuid.uuid4().hex}" for _ in range(3))
    headers = {"Authorization": f"Bearer {bearer}"}
    path = unique_path()

    def url(name: str, policy_path: str = path) -> str:
        base = endpoint_servers.url(name, policy_path)
        return base.replace("://", f"://robot:{password}@") + f"?token={token}&page=2"

    caplog.set_level(logging.DEBUG)
    results: list[Response | FetchError] = []
    deadline = FetchPolicy(allow_private=True, deadline=1.0, read_timeout=0.5, follow_redirects=True)
    for target, policy in [
        (url("echo"), LOCAL),  # echoes the URL and Authorization back in headers and body
        (url("echo").replace(f"robot:{password}@", ""), LOCAL),  # the Bearer header, not Basic from the URL
        (url("silent"), deadline),
        (url("tls_expired"), LOCAL),
        (url("error"), LOCAL),
        (url("redirect_loop", "/a"), deadline),
        (url("healthy"), FetchPolicy()),  # refused address
        (url("healthy").replace("http://", "ftp://"), LOCAL),
    ]:
        results.append(fetch(target, policy, headers=headers, ca_file=endpoint_servers.ca_file))

    basic, bearing = endpoint_servers.seen["echo"][-2:]  # the secrets were sent, and echoed back
    assert basic.headers["authorization"] == "Basic " + base64.b64encode(f"robot:{password}".encode()).decode()
    assert bearing.headers["authorization"] == f"Bearer {bearer}" and token in bearing.target
    echo = response(results[0])
    assert echo.url.startswith("http://***@127.0.0.1") and "token=***" in echo.url and "page=2" in echo.url
    assert echo.headers["set-cookie"] == "***"
    assert response(results[1]).headers["x-echo-authorization"] == "***"
    assert [type(r).__name__ for r in results].count("FetchError") == 5
    for secret in (password, token, bearer):
        for result in results:
            assert secret not in repr(result)
            assert secret.encode() not in getattr(result, "body", b"")
        assert secret not in caplog.text
        assert all(secret not in record.getMessage() for record in caplog.records)
    assert any("HTTP Request" in record.getMessage() for record in caplog.records)  # httpx did log


def test_the_environment_proxy_is_used_and_reported_redacted(
    endpoint_servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = f"proxy-{uuid.uuid4().hex}"
    proxy = endpoint_servers.url("proxy", "").replace("://", f"://proxyuser:{secret}@")
    monkeypatch.setenv("HTTP_PROXY", proxy)
    target = endpoint_servers.url("healthy", "/healthz")
    got = response(fetch(target))
    assert got.body == f"proxied {target}".encode()
    assert got.proxy == endpoint_servers.url("proxy", "").replace("://", "://***@")
    assert secret not in repr(got)


def test_no_proxy_is_reported_when_none_is_configured(endpoint_servers: Servers) -> None:
    assert response(fetch(endpoint_servers.url("healthy", "/healthz"))).proxy is None


# --------------------------------------------------------------------------- concurrency


def test_the_global_limit_bounds_requests_in_flight(endpoint_servers: Servers) -> None:
    urls = [endpoint_servers.url("slow", "/0.2")] * 6
    results, elapsed = timed(lambda: fetch_all(urls, FetchPolicy(allow_private=True, max_concurrency=2)))
    assert all(response(r).status == 200 for r in results)
    assert elapsed >= 0.6


def test_the_per_host_limit_bounds_requests_to_one_host(endpoint_servers: Servers) -> None:
    urls = [endpoint_servers.url("slow", "/0.2")] * 6
    results, elapsed = timed(lambda: fetch_all(urls, FetchPolicy(allow_private=True, per_host=3)))
    assert all(response(r).status == 200 for r in results)
    assert elapsed >= 0.4


def test_without_tight_limits_requests_run_together(endpoint_servers: Servers) -> None:
    urls = [endpoint_servers.url("slow", "/0.2")] * 6
    results, elapsed = timed(lambda: fetch_all(urls))
    assert all(response(r).status == 200 for r in results)
    assert elapsed < 0.6


def test_waiting_for_a_slot_does_not_count_against_the_deadline(endpoint_servers: Servers) -> None:
    urls = [endpoint_servers.url("slow", "/0.3")] * 4
    results = fetch_all(urls, FetchPolicy(allow_private=True, max_concurrency=1, deadline=0.6))
    assert all(response(r).status == 200 for r in results)


# ------------------------------------------------------------------------------- retries


def test_a_get_failing_503_twice_is_retried_to_success(endpoint_servers: Servers) -> None:
    path = unique_path()
    got = response(fetch(endpoint_servers.url("flaky", path)))
    assert got.status == 200 and got.body == b"ok"
    assert endpoint_servers.hits("flaky", path) == 3


def test_retries_are_bounded(endpoint_servers: Servers) -> None:
    path = unique_path()
    got = response(fetch(endpoint_servers.url("flaky", path), FetchPolicy(allow_private=True, retries=1)))
    assert got.status == 503
    assert endpoint_servers.hits("flaky", path) == 2


def test_retries_never_outlast_the_deadline(endpoint_servers: Servers) -> None:
    path = unique_path()
    policy = FetchPolicy(allow_private=True, deadline=1.0, backoff=30.0)
    result, elapsed = timed(lambda: fetch(endpoint_servers.url("flaky", path), policy))
    assert elapsed < 1.0 + 1
    assert response(result).status in (503, 200)


def test_a_server_error_other_than_502_503_504_is_not_retried(endpoint_servers: Servers) -> None:
    path = unique_path()
    assert response(fetch(endpoint_servers.url("error", path))).status == 500
    assert endpoint_servers.hits("error", path) == 1


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


def test_a_refused_connection_is_a_connect_error(closed_port: int) -> None:
    result, elapsed = timed(lambda: fetch(f"http://127.0.0.1:{closed_port}/"))
    error(result, "connect")
    assert elapsed < 2.0 + 1


# ------------------------------------------------------------------------------- the rest


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/file", "http:///no-host", "not a url at all"])
def test_urls_that_cannot_be_fetched_are_protocol_errors(url: str) -> None:
    error(fetch(url), "protocol")


def test_cancellation_is_the_one_thing_that_leaves_get(endpoint_servers: Servers) -> None:
    async def go() -> None:
        async with HttpFetcher(LOCAL) as fetcher:
            task = asyncio.create_task(fetcher.get(endpoint_servers.url("silent")))
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(go())


def test_a_client_handed_in_is_used_and_left_open(endpoint_servers: Servers) -> None:
    async def go() -> tuple[Response | FetchError, bool]:
        async with httpx.AsyncClient() as client:
            fetcher = HttpFetcher(LOCAL, client=client)
            result = await fetcher.get(endpoint_servers.url("healthy", "/healthz"))
            await fetcher.aclose()
            return result, client.is_closed

    result, closed = asyncio.run(go())
    assert response(result).status == 200
    assert not closed
