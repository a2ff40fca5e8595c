"""The files of the demo service "checkout-api", as text.

Written to look like a real team's repository, so the probes judge it as they would one:
ownership, SLOs, alerts, a dashboard, a runbook and Kubernetes manifests are in place;
one alert has no runbook link, and there is no error budget policy, no disaster-recovery
plan, no load test and no progressive delivery. Every metric the SLO, alert and dashboard
expressions name is one `prr.demo.server` exposes."""

from __future__ import annotations

import json

SERVICE = "checkout-api"

README = """\
# checkout-api

checkout-api turns a customer's basket into a paid order. It reserves stock, charges the
payment provider and writes the order to Postgres. The storefront calls it; nothing else
should.

This repository is the example service of `prr demo`. Some readiness evidence is in
place, some is missing on purpose, so the review shows what a real first review looks
like.

## Layout

    src/checkout_api/    the service (Python, served on port 8080)
    migrations/          Alembic migrations for the orders database
    deploy/              Kubernetes manifests
    monitoring/          alert rules, Alertmanager routing, the Grafana dashboard
    slo/                 service level objectives (Sloth)
    runbooks/            what on-call does when an alert fires
    docs/                operational documents

## Running it locally

    pip install -e . && checkout-api --port 8080

Health: `GET /healthz` (liveness) and `GET /readyz` (readiness). Metrics: `GET /metrics`.
"""

SECURITY = """\
# Security policy

Please report a suspected vulnerability in checkout-api privately, by email to
security@acme.example, and do not open a public issue. Include the affected endpoint,
the steps to reproduce it and the impact you expect.

We acknowledge every report within two working days and keep you informed until the fix
ships. Only the version running in production receives security fixes.
"""

CODEOWNERS = """\
# The checkout team reviews every change; platform also reviews the deployment.
*           @acme/checkout
/deploy/    @acme/checkout @acme/platform
"""

CATALOG_INFO = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout-api
  description: Turns a basket into a paid order.
  annotations:
    pagerduty.com/service-id: P7CHK01
    backstage.io/techdocs-ref: dir:.
  tags: [python, payments]
spec:
  type: service
  lifecycle: production
  owner: group:acme/checkout
  system: storefront
"""

APP = '''\
"""checkout-api: HTTP entry points. Health and metrics are served next to the API."""

from __future__ import annotations

import os

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("http_requests", "HTTP requests served.", ["route", "code"])
LATENCY = Histogram("http_request_duration_seconds", "Time to answer a request.", ["route"])
POOL_IN_USE = Gauge("db_pool_connections_in_use", "Postgres connections checked out.")
POOL_MAX = Gauge("db_pool_connections_max", "Size of the Postgres connection pool.")

DATABASE_URL = os.environ["DATABASE_URL"]  # from the checkout-api-db Secret


def healthz() -> tuple[int, dict[str, str]]:
    """Liveness: the process answers. Never checks dependencies, so a database outage
    takes pods out of rotation (readyz) instead of restarting them all."""
    return 200, {"status": "pass"}
'''

MIGRATION = '''\
"""Create the orders table.

Revision ID: 20250301_orders
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "20250301_orders"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("basket_id", sa.String(64), nullable=False, unique=True),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("orders")
'''

RUNBOOK = """\
# checkout-api runbook

checkout-api turns a basket into a paid order: it reserves stock, charges the payment
provider and writes the order to Postgres. When it fails, customers cannot pay, so treat
every page as customer-facing. The dashboard "checkout-api" shows traffic, errors,
latency and the database pool side by side; open it first.

## Diagnosis

Start with the error ratio and the latency panels. If both rise together, the database or
the payment provider is usually slow; if only errors rise, a release is the usual cause.
Compare the start of the problem with the last deployment in the release channel.

### High error rate

More than two percent of requests fail. Check the `code` label on the error panel: 502
and 504 answers point at the payment provider, 500 answers at our own code. Read the
logs of one failing pod for the exception and the order id.

### High latency

The slowest requests take longer than one and a half seconds. Look at the database pool
panel: a pool near its limit means queries queue behind each other. Check the payment
provider's status page before anything else.

## Mitigation

If a release started the problem, roll it back as described in docs/rollback.md and
confirm the error ratio falls within ten minutes. If the payment provider is failing,
switch the provider flag to the secondary provider and tell the payments channel. If the
database pool is exhausted, scale the deployment down to reduce connections, never up.

## Escalation

Page the secondary on-call after fifteen minutes without progress, and the checkout
engineering manager when customers have been unable to pay for thirty minutes.
"""

ROLLBACK = """\
# Rolling back checkout-api

Every release is a new image tag; the Deployment keeps its last ten revisions, so a
rollback takes under a minute and needs no new build.

1. Find the revision before the bad release:

       kubectl -n checkout rollout history deployment/checkout-api

2. Roll back to it and wait for the rollout to finish:

       kubectl -n checkout rollout undo deployment/checkout-api --to-revision=N
       kubectl -n checkout rollout status deployment/checkout-api

3. Confirm success on the dashboard: the error ratio is back under 0.1% and p99 latency
   under 500 ms within ten minutes. Post the outcome in the release channel.

Database migrations are not rolled back by this. Run `alembic downgrade -1` only after
the previous image is serving, and only when the migration note says it is safe.
"""

ALERT_RULES = """\
groups:
  - name: checkout-api
    rules:
      - alert: CheckoutHighErrorRate
        expr: |
          sum(rate(http_requests_total{job="checkout-api",code=~"5.."}[5m]))
            / sum(rate(http_requests_total{job="checkout-api"}[5m])) > 0.02
        for: 5m
        labels:
          severity: critical
          team: checkout
        annotations:
          summary: More than 2% of checkout requests fail
          runbook_url: runbooks/checkout-api.md#high-error-rate

      - alert: CheckoutHighLatency
        expr: |
          histogram_quantile(0.99,
            sum by (le) (rate(http_request_duration_seconds_bucket{job="checkout-api"}[5m]))) > 1.5
        for: 10m
        labels:
          severity: warning
          team: checkout
        annotations:
          summary: The slowest 1% of checkout requests take over 1.5 s
          runbook_url: runbooks/checkout-api.md#high-latency

      # Added after the March pool incident; its runbook section is still to be written.
      - alert: CheckoutDatabasePoolExhausted
        expr: |
          max(db_pool_connections_in_use{job="checkout-api"}
            / db_pool_connections_max{job="checkout-api"}) > 0.9
        for: 5m
        labels:
          severity: warning
          team: checkout
        annotations:
          summary: The Postgres connection pool is over 90% used
"""

ALERTMANAGER = """\
route:
  receiver: checkout-pager
  group_by: [alertname]
  routes:
    - matchers: ['severity="warning"']
      receiver: checkout-chat
receivers:
  - name: checkout-pager
    pagerduty_configs:
      - routing_key_file: /etc/alertmanager/secrets/pagerduty-checkout
  - name: checkout-chat
    slack_configs:
      - channel: "#checkout-alerts"
        api_url_file: /etc/alertmanager/secrets/slack-webhook
"""

_JOB = '{job="checkout-api"}'
_PANELS = (
    ("Requests per second", f"sum by (route) (rate(http_requests_total{_JOB}[5m]))", "reqps"),
    (
        "Error ratio (5xx)",
        'sum(rate(http_requests_total{job="checkout-api",code=~"5.."}[5m]))'
        f" / sum(rate(http_requests_total{_JOB}[5m]))",
        "percentunit",
    ),
    (
        "Latency p99",
        f"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{_JOB}[5m])))",
        "s",
    ),
    (
        "Database pool utilisation",
        f"db_pool_connections_in_use{_JOB} / db_pool_connections_max{_JOB}",
        "percentunit",
    ),
    ("CPU", f"sum(rate(process_cpu_seconds_total{_JOB}[5m]))", "short"),
)


def _dashboard() -> str:
    panels = [
        {
            "id": index + 1,
            "type": "timeseries",
            "title": title,
            "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
            "datasource": {"type": "prometheus", "uid": "prometheus"},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "targets": [{"refId": "A", "expr": expr}],
        }
        for index, (title, expr, unit) in enumerate(_PANELS)
    ]
    model = {
        "uid": "checkout-api",
        "title": "checkout-api",
        "tags": ["checkout"],
        "schemaVersion": 39,
        "time": {"from": "now-6h", "to": "now"},
        "panels": panels,
    }
    return json.dumps(model, indent=2) + "\n"


SLOS = """\
version: "prometheus/v1"
service: "checkout-api"
labels:
  owner: team-checkout
  tier: "1"
slos:
  - name: requests-availability
    objective: 99.9
    description: Checkout requests answer without a server error.
    sli:
      events:
        error_query: 'sum(rate(http_requests_total{job="checkout-api",code=~"5.."}[{{.window}}]))'
        total_query: 'sum(rate(http_requests_total{job="checkout-api"}[{{.window}}]))'
    alerting:
      name: CheckoutAvailabilityBudgetBurn
      page_alert:
        labels: {severity: critical}
      ticket_alert:
        labels: {severity: warning}

  - name: requests-latency
    objective: 99
    description: Checkout requests answer within 500 ms.
    sli:
      events:
        error_query: >-
          sum(rate(http_request_duration_seconds_count{job="checkout-api"}[{{.window}}]))
          - sum(rate(http_request_duration_seconds_bucket{job="checkout-api",le="0.5"}[{{.window}}]))
        total_query: 'sum(rate(http_request_duration_seconds_count{job="checkout-api"}[{{.window}}]))'
    alerting:
      name: CheckoutLatencyBudgetBurn
      page_alert:
        labels: {severity: critical}
      ticket_alert:
        labels: {severity: warning}
"""

_LABELS = "app.kubernetes.io/name: checkout-api"

DEPLOYMENT = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout-api
  namespace: checkout
  labels: {{{_LABELS}}}
spec:
  replicas: 3
  revisionHistoryLimit: 10
  strategy:
    type: RollingUpdate
    rollingUpdate: {{maxSurge: 25%, maxUnavailable: 0}}
  selector:
    matchLabels: {{{_LABELS}}}
  template:
    metadata:
      labels: {{{_LABELS}}}
    spec:
      terminationGracePeriodSeconds: 30
      containers:
        - name: api
          image: registry.acme.example/checkout-api:1.14.2
          ports:
            - {{name: http, containerPort: 8080}}
          env:
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef: {{name: checkout-api-db, key: url}}
          readinessProbe:
            httpGet: {{path: /readyz, port: http}}
            periodSeconds: 5
          livenessProbe:
            httpGet: {{path: /healthz, port: http}}
            periodSeconds: 10
            failureThreshold: 6
          resources:
            requests: {{cpu: 250m, memory: 256Mi}}
            limits: {{memory: 512Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: checkout-api
  namespace: checkout
spec:
  selector: {{{_LABELS}}}
  ports:
    - {{name: http, port: 80, targetPort: http}}
"""

AUTOSCALING = f"""\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: checkout-api
  namespace: checkout
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: checkout-api}}
  minReplicas: 3
  maxReplicas: 12
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {{type: Utilization, averageUtilization: 70}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: checkout-api
  namespace: checkout
spec:
  minAvailable: 2
  selector:
    matchLabels: {{{_LABELS}}}
"""

BACKUP_SCHEDULE = """\
# Nightly snapshot of the orders database volume, kept for 30 days.
apiVersion: velero.io/v1
kind: Schedule
metadata:
  name: checkout-orders-nightly
  namespace: velero
spec:
  schedule: "0 3 * * *"
  template:
    includedNamespaces: [checkout]
    snapshotVolumes: true
    ttl: 720h0m0s
"""


def _config(endpoint: str) -> str:
    return (
        "# What prr reviews this service against.\n"
        "[service]\n"
        f'name = "{SERVICE}"\n'
        "tier = 1\n"
        'owner = "team-checkout"\n'
        'checklist = "launch"\n'
        f"endpoints = [{json.dumps(endpoint)}]\n"
    )


def files(endpoint: str) -> dict[str, str]:
    """Path -> text of every file of the demo repository, for the service at ENDPOINT."""
    return {
        ".prr/config.toml": _config(endpoint),
        "README.md": README,
        "SECURITY.md": SECURITY,
        "CODEOWNERS": CODEOWNERS,
        "catalog-info.yaml": CATALOG_INFO,
        "src/checkout_api/__init__.py": '"""checkout-api: basket in, paid order out."""\n',
        "src/checkout_api/app.py": APP,
        "migrations/versions/20250301_orders.py": MIGRATION,
        "runbooks/checkout-api.md": RUNBOOK,
        "docs/rollback.md": ROLLBACK,
        "monitoring/alerts.yaml": ALERT_RULES,
        "monitoring/alertmanager.yaml": ALERTMANAGER,
        "monitoring/dashboards/checkout-api.json": _dashboard(),
        "slo/checkout-api.yaml": SLOS,
        "deploy/deployment.yaml": DEPLOYMENT,
        "deploy/autoscaling.yaml": AUTOSCALING,
        "deploy/backup-schedule.yaml": BACKUP_SCHEDULE,
    }
