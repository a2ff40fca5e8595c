"""Every probe prr knows, by id. Packs may only name probes declared here.

Declarations come first so packs, lint and docs agree on ids before the probes that
answer them land; the repository and endpoint probe modules attach to these ids."""

from __future__ import annotations

from types import MappingProxyType

from prr.domain.probe_spec import Param, ParamType, ProbeCatalog, ProbeKind, ProbeSpec, Shape

S, INT, B, L = ParamType.STR, ParamType.INT, ParamType.BOOL, ParamType.STR_LIST
REPO, LIVE = ProbeKind.REPOSITORY, ProbeKind.ENDPOINT

RUNBOOK_PATHS = ("runbooks", "docs/runbooks", "RUNBOOK.md", "docs/runbook.md", "docs/operations")
GOLDEN_SIGNALS = ("latency", "traffic", "errors", "saturation")

# What path parameters must look like: a repository path the probes can reach (one
# that climbs out of the service folder matches nothing), or an HTTP path on the endpoint.
IN_SERVICE = Shape(r"(?!(?:.*[/\\])?\.\.(?:[/\\]|$)).+", "a path inside the service folder (no '..' step)")
URL_PATH = Shape(r"/\S*", "a URL path starting with '/' (no spaces)")

_SPECS: tuple[ProbeSpec, ...] = (
    # ownership
    ProbeSpec(
        "codeowners-present",
        "Is there a CODEOWNERS file, where GitHub or GitLab reads it, covering the service folder?",
        REPO,
        "Add CODEOWNERS (root, .github/ or docs/, or .gitlab/) with a rule matching the service folder.",
    ),
    ProbeSpec(
        "catalog-entry",
        "Does a catalog entry (Backstage catalog-info.yaml, opslevel.yml, cortex.yaml) name an owner and lifecycle?",
        REPO,
        "Add catalog-info.yaml with spec.owner (a group) and spec.lifecycle.",
        (Param("require_lifecycle", B, True, "fail when spec.lifecycle is missing"),),
    ),
    ProbeSpec(
        "oncall-declared",
        "Does the catalog entry name the on-call rotation (PagerDuty or Opsgenie annotation)?",
        REPO,
        "Annotate catalog-info.yaml with pagerduty.com/service-id or opsgenie.com/team.",
    ),
    # runbooks
    ProbeSpec(
        "runbook-present",
        "Is there a real runbook: prose beyond links, diagnosis and mitigation sections, no TODO placeholders?",
        REPO,
        "Write a runbook under runbooks/ with sections on diagnosis and mitigation.",
        (
            Param(
                "paths",
                L,
                list(RUNBOOK_PATHS),
                "files or folders searched for runbooks",
                shape=IN_SERVICE,
                non_empty=True,
            ),
            Param("min_words", INT, 80, "prose words required beyond links and headings", minimum=1),
            Param("sections", L, ["diagnos", "mitigat"], "heading stems every runbook must contain", non_empty=True),
        ),
    ),
    ProbeSpec(
        "rollback-documented",
        "Does a runbook or doc describe how to roll back a release?",
        REPO,
        "Add a 'Rollback' section to the runbook with the exact commands and how to confirm success.",
        (
            Param(
                "paths",
                L,
                [*list(RUNBOOK_PATHS), "docs"],
                "files or folders searched",
                shape=IN_SERVICE,
                non_empty=True,
            ),
        ),
    ),
    # alerting
    ProbeSpec(
        "alerts-have-runbooks",
        "Does every alert rule carry a runbook link that resolves?",
        REPO,
        "Add a runbook_url annotation to each alert rule, pointing at an existing file and heading.",
        (Param("annotation", S, "runbook_url", "annotation that holds the runbook link"),),
    ),
    ProbeSpec(
        "alert-rules-sound",
        "Do alert rules parse and have an expression, a `for` duration, a known severity and a summary?",
        REPO,
        "Give each rule expr, for, labels.severity and annotations.summary or description.",
        (Param("severities", L, ["critical", "warning", "info"], "allowed severity labels", non_empty=True),),
    ),
    ProbeSpec(
        "alerts-page-a-human",
        "Does some alert route to a pager (Alertmanager receiver with PagerDuty or Opsgenie)?",
        REPO,
        "Route critical alerts to a PagerDuty or Opsgenie receiver in the Alertmanager config.",
    ),
    # dashboards
    ProbeSpec(
        "dashboards-valid",
        "Is there a dashboard definition that parses, with a uid, a title and a panel with a query?",
        REPO,
        "Commit the service dashboard as code (Grafana JSON, provisioning, operator or Terraform).",
    ),
    ProbeSpec(
        "dashboard-golden-signals",
        "Do the dashboards cover latency, traffic, errors and saturation?",
        REPO,
        "Add panels for each golden signal: latency, traffic, errors and saturation.",
        (
            Param(
                "signals",
                L,
                list(GOLDEN_SIGNALS),
                "signals that must be covered",
                choices=GOLDEN_SIGNALS,
                non_empty=True,
            ),
        ),
    ),
    # SLOs
    ProbeSpec(
        "slo-defined",
        "Is there an SLO spec (OpenSLO, Sloth, Pyrra, slo-generator) with a valid target and window?",
        REPO,
        "Define the SLOs as code, with an objective below 100% and a rolling window.",
    ),
    ProbeSpec(
        "error-budget-policy",
        "Is there an error budget policy document saying what happens when the budget is spent?",
        REPO,
        "Write docs/error-budget-policy.md: who decides, what stops, when it resets.",
        (
            Param(
                "paths",
                L,
                ["docs", "ERROR_BUDGET_POLICY.md", "slo"],
                "files or folders searched",
                shape=IN_SERVICE,
                non_empty=True,
            ),
        ),
    ),
    # deployment and rollback
    ProbeSpec(
        "progressive-delivery",
        "Is delivery progressive: Argo Rollouts with analysis or pauses, or Flagger with metrics and a threshold?",
        REPO,
        "Use a canary or blue-green rollout that analyses metrics before promotion.",
    ),
    ProbeSpec(
        "deployment-revision-history",
        "Do Deployments keep old revisions (revisionHistoryLimit > 0) and use a rolling strategy?",
        REPO,
        "Keep revisionHistoryLimit above 0 so `kubectl rollout undo` has somewhere to go.",
    ),
    ProbeSpec(
        "helm-tests",
        "Do Helm charts ship test hooks?",
        REPO,
        "Add templates/tests/ with a helm.sh/hook: test pod that checks the release.",
    ),
    ProbeSpec(
        "migrations-reversible",
        "Can every database migration be reversed (Alembic downgrade, Flyway undo, Django reverse, Rails down)?",
        REPO,
        "Write the down migration, or mark the step irreversible and document the fall-back.",
    ),
    ProbeSpec(
        "feature-flags-defined",
        "Are feature flags defined in code with valid defaults?",
        REPO,
        "Declare flags (OpenFeature, flagd, Unleash, LaunchDarkly export) with a safe default.",
    ),
    # workload health
    ProbeSpec(
        "readiness-probes",
        "Do served workloads declare readiness probes?",
        REPO,
        "Add a readinessProbe to every container that serves traffic.",
    ),
    ProbeSpec(
        "liveness-distinct",
        "Are liveness probes distinct from readiness probes?",
        REPO,
        "Point livenessProbe at a cheap endpoint that only fails when a restart helps.",
    ),
    ProbeSpec(
        "resource-limits",
        "Do containers declare CPU and memory requests and a memory limit?",
        REPO,
        "Set resources.requests (cpu, memory) and resources.limits.memory on every container.",
    ),
    ProbeSpec(
        "disruption-budgets",
        "Do replicated workloads have a PodDisruptionBudget?",
        REPO,
        "Add a PodDisruptionBudget with minAvailable or maxUnavailable for each replicated workload.",
    ),
    ProbeSpec(
        "autoscaler-sane",
        "Are autoscalers sane: minReplicas >= 2, max above min, a utilisation target set?",
        REPO,
        "Configure the HorizontalPodAutoscaler with minReplicas >= 2 and a target metric.",
        (Param("min_replicas", INT, 2, "lowest acceptable minReplicas", minimum=1),),
    ),
    ProbeSpec(
        "mesh-resilience",
        "Are service-mesh timeouts and retries set and consistent (retries fit inside the timeout)?",
        REPO,
        "Set per-route timeouts and bounded retries whose total stays within the timeout.",
    ),
    # capacity
    ProbeSpec(
        "load-tests-present",
        "Is there a load test (k6 with thresholds, Locust, JMeter)?",
        REPO,
        "Commit the load test with pass/fail thresholds next to the service.",
    ),
    # disaster recovery
    ProbeSpec(
        "dr-plan",
        "Is there a backup and disaster-recovery document with RTO, RPO and restore steps?",
        REPO,
        "Write docs/disaster-recovery.md with RTO, RPO and a tested restore procedure.",
        (
            Param(
                "paths", L, ["docs", "DR.md", "runbooks"], "files or folders searched", shape=IN_SERVICE, non_empty=True
            ),
        ),
    ),
    ProbeSpec(
        "backup-schedules",
        "Are backups scheduled as code (Velero schedules, database backup config)?",
        REPO,
        "Declare the backup schedule as code, for example a Velero Schedule.",
    ),
    # security
    ProbeSpec(
        "security-policy",
        "Is there a security policy (SECURITY.md) saying how to report a vulnerability?",
        REPO,
        "Add SECURITY.md with a contact and the disclosure process.",
    ),
    ProbeSpec(
        "no-plain-secrets",
        "Are committed configuration and key files free of plain-text secrets and private keys?",
        REPO,
        "Move secrets to a secret manager and reference them; rotate any that were committed.",
    ),
    # live endpoints
    ProbeSpec(
        "health-endpoint",
        "Does the service answer its health check, with a body that agrees with the status code?",
        LIVE,
        "Serve /healthz (or the configured path) returning 200 and application/health+json.",
        (
            Param("paths", L, ["/healthz", "/readyz", "/livez"], "health paths tried", shape=URL_PATH, non_empty=True),
            Param("latency_budget_ms", INT, 500, "slowest acceptable answer", minimum=1),
        ),
    ),
    ProbeSpec(
        "metrics-endpoint",
        "Does the service expose valid Prometheus or OpenMetrics metrics?",
        LIVE,
        "Expose /metrics in the Prometheus text format with TYPE lines.",
        (Param("path", S, "/metrics", "metrics path", shape=URL_PATH),),
    ),
    ProbeSpec(
        "slo-metrics-exposed",
        "Does the live service expose every metric its SLOs and alerts query?",
        LIVE,
        "Export the metrics named in the SLO and alert expressions, or fix the expressions.",
        (Param("path", S, "/metrics", "metrics path", shape=URL_PATH),),
    ),
    ProbeSpec(
        "tls-valid",
        "Does the TLS certificate chain verify for the host name?",
        LIVE,
        "Serve a certificate for the host name from a trusted chain.",
    ),
    ProbeSpec(
        "tls-expiry",
        "Is the earliest certificate expiry comfortably far away?",
        LIVE,
        "Automate certificate renewal (ACME) and alert before expiry.",
        (
            Param("warn_days", INT, 30, "fewer days left than this is a warning", minimum=0),
            Param("critical_days", INT, 7, "fewer days left than this fails", minimum=0),
        ),
    ),
    ProbeSpec(
        "hsts",
        "Does the HTTPS endpoint send Strict-Transport-Security?",
        LIVE,
        "Send Strict-Transport-Security: max-age=31536000 on HTTPS responses.",
    ),
    ProbeSpec(
        "security-headers",
        "Does the service send nosniff, frame protection, a CSP and a Referrer-Policy?",
        LIVE,
        "Add X-Content-Type-Options, CSP frame-ancestors (or X-Frame-Options), a CSP and Referrer-Policy.",
    ),
    ProbeSpec(
        "security-txt",
        "Is /.well-known/security.txt served with a Contact and a future Expires?",
        LIVE,
        "Publish /.well-known/security.txt (RFC 9116) with Contact and Expires.",
    ),
    ProbeSpec(
        "api-description",
        "Is the API description (OpenAPI 3 or Swagger 2) served with a title and paths?",
        LIVE,
        "Serve the OpenAPI document at the configured path.",
        (Param("path", S, "/openapi.json", "where the API description is served", shape=URL_PATH),),
    ),
    ProbeSpec(
        "links-resolve",
        "Do the runbook and dashboard URLs found in the repository answer 2xx?",
        LIVE,
        "Fix or remove dead runbook and dashboard links.",
    ),
)

PROBES: ProbeCatalog = MappingProxyType({spec.id: spec for spec in _SPECS})
