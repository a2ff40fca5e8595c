"""The demo service's live side: health, readiness and metrics on 127.0.0.1, in-process.

A ThreadingHTTPServer on an ephemeral port in a daemon thread, so `prr demo` needs no
container and no free well-known port, and an interrupted demo never keeps the process
alive. The metrics carry every name the demo's SLO, alert and dashboard expressions
query, so the endpoint probes have something real to agree with."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

HEALTH = json.dumps({"status": "pass"}).encode()
READY = json.dumps({"status": "pass", "checks": {"postgres:connections": [{"status": "pass"}]}}).encode()
NOT_FOUND = json.dumps({"title": "Not Found", "status": 404}).encode()
METRICS = b"""\
# HELP http_requests_total HTTP requests served.
# TYPE http_requests_total counter
http_requests_total{job="checkout-api",route="/orders",code="201"} 48213
http_requests_total{job="checkout-api",route="/orders",code="409"} 112
http_requests_total{job="checkout-api",route="/orders",code="502"} 9
# HELP http_request_duration_seconds Time to answer a request.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{job="checkout-api",route="/orders",le="0.1"} 30511
http_request_duration_seconds_bucket{job="checkout-api",route="/orders",le="0.25"} 44870
http_request_duration_seconds_bucket{job="checkout-api",route="/orders",le="0.5"} 47902
http_request_duration_seconds_bucket{job="checkout-api",route="/orders",le="1.0"} 48290
http_request_duration_seconds_bucket{job="checkout-api",route="/orders",le="+Inf"} 48334
http_request_duration_seconds_sum{job="checkout-api",route="/orders"} 6391.7
http_request_duration_seconds_count{job="checkout-api",route="/orders"} 48334
# HELP db_pool_connections_in_use Postgres connections checked out.
# TYPE db_pool_connections_in_use gauge
db_pool_connections_in_use{job="checkout-api"} 7
# HELP db_pool_connections_max Size of the Postgres connection pool.
# TYPE db_pool_connections_max gauge
db_pool_connections_max{job="checkout-api"} 20
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total{job="checkout-api"} 1843.22
"""
_ROUTES = {
    "/healthz": ("application/health+json", HEALTH),
    "/readyz": ("application/health+json", READY),
    "/metrics": ("text/plain; version=0.0.4; charset=utf-8", METRICS),
}
_MISSING = ("application/problem+json", NOT_FOUND)
# What an ingress in front of a real service would add to every answer.
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class _Handler(BaseHTTPRequestHandler):
    def version_string(self) -> str:
        return "checkout-api/1.14.2"

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        path = self.path.partition("?")[0]
        status, (media, content) = (200, _ROUTES[path]) if path in _ROUTES else (404, _MISSING)
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(content)))
        for name, value in _SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(content)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: request lines on stderr would scribble over the review app."""


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-answer is normal for a demo; socketserver's default
        prints a traceback, which would spill over the review app's screen."""


class DemoServer:
    """`with DemoServer() as server:` serves on `server.url` until the block ends."""

    def __init__(self) -> None:
        self._server = _QuietServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="prr-demo-server", daemon=True)
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"

    def __enter__(self) -> DemoServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
