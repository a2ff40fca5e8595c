"""Every declared endpoint probe is implemented, and no finding ever carries a secret from
the endpoint's URL, whatever the probe concluded."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from prr.domain.findings import Outcome
from prr.domain.probe_spec import ProbeKind
from prr.domain.redaction import redact_url
from prr.probes.endpoint import ENDPOINT_PROBES
from prr.probes.endpoint_api import Endpoint
from prr.probes.registry import PROBES

from .fakes import FakeFetcher, certificate, context, failure, reply, run

PASSWORD, TOKEN = "hunter2-Pa55word", "tok-9f8e7d6c5b4a"
SECRET_URL = f"https://deploy:{PASSWORD}@svc.example.com/?access_token={TOKEN}"
SECRET_ENDPOINT = Endpoint(url=SECRET_URL, shown=redact_url(SECRET_URL), source=".prr/config.toml")


def test_every_declared_endpoint_probe_is_implemented_and_nothing_else():
    declared = {spec.id for spec in PROBES.values() if spec.kind is ProbeKind.ENDPOINT}
    assert set(ENDPOINT_PROBES) == declared
    assert all(probe.id == key for key, probe in ENDPOINT_PROBES.items())


def test_the_shown_url_is_redacted_so_the_secret_test_means_something():
    assert PASSWORD not in SECRET_ENDPOINT.shown and TOKEN not in SECRET_ENDPOINT.shown
    assert SECRET_ENDPOINT.shown == "https://***@svc.example.com/?access_token=***"


def _scenarios():
    """(name, replies) that drive every probe to pass, fail and error in turn."""
    metrics = "# TYPE up gauge\nup 1\n"
    health = json.dumps({"status": "fail"})
    openapi = json.dumps({"openapi": "3.0.0", "info": {"title": "t"}, "paths": {"/a": {}}})
    good = {
        "/healthz": reply(200, json.dumps({"status": "pass"}), content_type="application/health+json"),
        "/metrics": reply(200, metrics, content_type="text/plain; version=0.0.4"),
        "/": reply(
            200,
            "",
            {
                "Strict-Transport-Security": "max-age=31536000",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "frame-ancestors 'none'",
                "Referrer-Policy": "no-referrer",
            },
            certificate=certificate(),
        ),
        "/.well-known/security.txt": reply(
            200, "Contact: mailto:s@example.com\nExpires: 2027-01-01T00:00:00Z\n", content_type="text/plain"
        ),
        "/openapi.json": reply(200, openapi, content_type="application/json"),
    }
    bad = {
        "/healthz": reply(200, health, content_type="application/health+json", elapsed_ms=9000),
        "/metrics": reply(200, "x y z\n", content_type="text/plain"),
        "/": reply(200, "", {}, certificate=certificate(days_left=2, names=("elsewhere.example.org",))),
        "/.well-known/security.txt": reply(404),
        "/openapi.json": reply(200, "{", content_type="application/json"),
    }
    broken = {path: failure("tls", "certificate verify failed") for path in good}
    all_404 = {path: reply(404) for path in [*good, "/readyz", "/livez"]}
    return [("good", good), ("bad", bad), ("broken", broken), ("all 404", all_404)]


@pytest.mark.parametrize("probe", sorted(ENDPOINT_PROBES))
@pytest.mark.parametrize(("scenario", "replies"), _scenarios(), ids=lambda v: v if isinstance(v, str) else "")
def test_no_finding_field_ever_carries_a_secret_from_the_endpoint_url(probe, scenario, replies):
    fetcher = FakeFetcher(replies)
    ctx = context(SECRET_ENDPOINT, metric_names={"up", "down_total"})
    findings = run(probe, fetcher, ctx)
    assert findings
    assert all(PASSWORD in url for url in fetcher.urls())  # the fetcher is handed the real URL...
    for found in findings:  # ...and no finding repeats it
        flat = repr(dataclasses.astuple(found))
        assert PASSWORD not in flat, found
        assert TOKEN not in flat, found
        assert "deploy:" not in flat, found


@pytest.mark.parametrize("probe", sorted(ENDPOINT_PROBES))
def test_endpoint_findings_have_no_locations_one_line_and_remediation_only_on_fail(probe):
    for _, replies in _scenarios():
        for found in run(probe, FakeFetcher(replies), context(metric_names={"up"}, links=("https://x.example/",))):
            assert found.probe == probe
            assert found.locations == ()
            assert "\n" not in found.message and found.message
            expected = PROBES[probe].remediation if found.outcome is Outcome.FAIL else ""
            assert found.remediation == expected


def test_endpoint_probes_import_no_http_library_ui_cli_or_git():
    code = "import json, sys, prr.probes.endpoint; print(json.dumps(sorted(sys.modules)))"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    leaked = [m for m in json.loads(done.stdout) if m.split(".")[0] in {"httpx", "textual", "click", "git"}]
    assert leaked == []
