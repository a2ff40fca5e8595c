"""Capacity and DR probes on real git repositories: load tests, DR plan, backup schedules."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitrepos import check, make_repo, probe_findings, summary

from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.capacity_dr import PROBES

BY_ID = {probe.id: probe for probe in PROBES}


def test_every_probe_of_the_family_is_declared_in_the_registry() -> None:
    assert set(BY_ID) == {"load-tests-present", "dr-plan", "backup-schedules"}
    assert set(BY_ID) <= set(SPECS)


# ---------------------------------------------------------------------------- load-tests-present

K6 = """\
import http from 'k6/http';
import { check, sleep } from 'k6';

export const options = {
  vus: 50,
  duration: '5m',
  thresholds: {
    http_req_failed: ['rate<0.001'],
    http_req_duration: ['p(99)<300'],
  },
};

export default function () {
  const res = http.get('https://staging.example.com/');
  check(res, { 'status is 200': (r) => r.status === 200 });
  sleep(1);
}
"""

LOCUST = """\
from locust import HttpUser, between, task


class ApiUser(HttpUser):
    wait_time = between(1, 2)

    @task
    def index(self):
        self.client.get("/")
"""

JMX = """\
<?xml version="1.0" encoding="UTF-8"?>
<jmeterTestPlan version="1.2">
  <hashTree>
    <TestPlan guiclass="TestPlanGui" testclass="TestPlan" testname="Plan" enabled="true"/>
    <hashTree>
      <ThreadGroup guiclass="ThreadGroupGui" testclass="ThreadGroup" testname="Users" enabled="true">
        <stringProp name="ThreadGroup.num_threads">100</stringProp>
      </ThreadGroup>
      <hashTree>
        <HTTPSamplerProxy guiclass="HttpTestSampleGui" testclass="HTTPSamplerProxy" testname="GET /"/>
      </hashTree>
    </hashTree>
  </hashTree>
</jmeterTestPlan>
"""


def test_k6_script_with_thresholds_passes_at_the_thresholds(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"loadtest/smoke.js": K6})
    assert check(repo, "load-tests-present") == [("pass", "loadtest/smoke.js:7")]


def test_k6_script_without_thresholds_fails_at_its_import(tmp_path: Path) -> None:
    text = K6.replace("  thresholds: {\n    http_req_failed: ['rate<0.001'],\n", "  tags: {\n    a: ['b'],\n")
    repo = make_repo(tmp_path / "r", {"perf/k6/checkout.ts": text})
    findings = probe_findings(repo, "load-tests-present")
    assert summary(findings) == [("fail", "perf/k6/checkout.ts:1")]
    assert "without thresholds" in findings[0].message


def test_k6_thresholds_only_in_a_comment_do_not_count(tmp_path: Path) -> None:
    text = K6.replace("  thresholds: {", "  // thresholds: { p99 }\n  /* thresholds: {} */\n  tags: {")
    repo = make_repo(tmp_path / "r", {"load/test.js": text})
    assert check(repo, "load-tests-present") == [("fail", "load/test.js:1")]


def test_k6_empty_thresholds_fail(tmp_path: Path) -> None:
    text = "import http from 'k6/http';\nexport const options = { thresholds: { } };\nexport default () => {};\n"
    repo = make_repo(tmp_path / "r", {"load/empty.js": text})
    assert check(repo, "load-tests-present") == [("fail", "load/empty.js:2")]


def test_k6_helper_modules_without_options_or_default_export_are_not_scripts(tmp_path: Path) -> None:
    helper = "import http from 'k6/http';\nexport function login() { return http.post('/login'); }\n"
    repo = make_repo(tmp_path / "r", {"load/lib/auth.js": helper, "load/smoke.js": K6})
    assert check(repo, "load-tests-present") == [("pass", "load/smoke.js:7")]


def test_locust_file_with_a_user_and_tasks_passes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"locustfile.py": LOCUST})
    assert check(repo, "load-tests-present") == [("pass", "locustfile.py:4")]


def test_locust_user_without_tasks_fails(tmp_path: Path) -> None:
    text = LOCUST.replace("    @task\n", "")
    repo = make_repo(tmp_path / "r", {"perf/locustfile.py": text})
    assert check(repo, "load-tests-present") == [("fail", "perf/locustfile.py:4")]


def test_jmeter_plan_with_a_thread_group_and_sampler_passes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"tests/plan.jmx": JMX})
    assert check(repo, "load-tests-present") == [("pass", "tests/plan.jmx:6")]


def test_jmeter_plan_with_only_disabled_thread_groups_fails(tmp_path: Path) -> None:
    text = JMX.replace('testname="Users" enabled="true"', 'testname="Users" enabled="false"')
    repo = make_repo(tmp_path / "r", {"tests/plan.jmx": text})
    assert check(repo, "load-tests-present") == [("fail", "tests/plan.jmx:6")]


def test_each_load_test_is_reported_and_a_bad_one_fails_the_probe(tmp_path: Path) -> None:
    no_thresholds = "import http from 'k6/http';\nexport default function () { http.get('/'); }\n"
    files = {"load/good.js": K6, "load/bad.js": no_thresholds, "load/locustfile.py": LOCUST}
    repo = make_repo(tmp_path / "r", files)
    assert check(repo, "load-tests-present") == [
        ("fail", "load/bad.js:1"),
        ("pass", "load/good.js:7"),
        ("pass", "load/locustfile.py:4"),
    ]


def test_no_load_test_fails(tmp_path: Path) -> None:
    files = {"src/app.js": "import x from 'k6';\nexport default 1;\n", "load/readme.js": "console.log('hi')\n"}
    repo = make_repo(tmp_path / "r", files)
    assert check(repo, "load-tests-present") == [("fail", "")]


def test_load_tests_of_another_service_do_not_count(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"services/web/load/smoke.js": K6, "services/api/main.go": ""})
    assert check(repo / "services" / "api", "load-tests-present") == [("fail", "")]
    assert check(repo / "services" / "web", "load-tests-present") == [("pass", "services/web/load/smoke.js:7")]


def test_an_unreadable_candidate_is_an_error_only_when_no_load_test_was_found(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "a", {"load/bundle.js": b"\x00binary"})
    assert check(repo, "load-tests-present") == [("error", "load/bundle.js")]
    repo = make_repo(tmp_path / "b", {"load/bundle.js": b"\x00binary", "load/smoke.js": K6})
    assert check(repo, "load-tests-present") == [("pass", "load/smoke.js:7")]


def test_hostile_scripts_never_raise(tmp_path: Path) -> None:
    files = {
        "load/a.js": "import 'k6';\nexport default 1;\n" + "/*" * 100_000 + '"' * 100_000 + "`",
        "load/b.js": "import http from 'k6/http';\nexport const options = {thresholds:" + " " * 500_000,
        "load/c.py": "from locust import User\n" + "class X(" * 50_000 + "\n",
        "load/d.jmx": "<" + "aThreadGroup" * 50_000,
    }
    repo = make_repo(tmp_path / "r", files)
    assert check(repo, "load-tests-present") == [
        ("fail", "load/a.js:1"),
        ("pass", "load/b.js:2"),
        ("fail", "load/c.py"),
        ("fail", "load/d.jmx"),
    ]


# ---------------------------------------------------------------------------- dr-plan

DR = """\
# Disaster recovery: payments-api

| Objective | Target |
|-----------|--------|
| RTO       | 4 hours |
| RPO       | 15 minutes |

## Scenarios

Zone loss, region loss, data deleted by mistake.

## Restore procedure

1. Stop writers: `kubectl scale deploy/api --replicas=0`.
2. Restore the latest snapshot with `velero restore create --from-backup daily`.
3. Check row counts against the dashboard, then scale writers back up.
"""


def test_dr_plan_with_rto_rpo_and_restore_steps_passes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"docs/disaster-recovery.md": DR})
    findings = probe_findings(repo, "dr-plan")
    assert summary(findings) == [("pass", "docs/disaster-recovery.md:5")]
    assert [loc.line for loc in findings[0].locations] == [5, 6, 12]


def test_objectives_in_prose_and_a_code_block_under_a_restore_heading_pass(tmp_path: Path) -> None:
    text = (
        "# Backup and recovery\n\nOur RTO is 30m and the RPO: zero data loss (synchronous replica).\n\n"
        "## Restoring from backup\n\n```sh\npg_restore -d app latest.dump\n```\n"
    )
    repo = make_repo(tmp_path / "r", {"runbooks/backup.md": text})
    assert check(repo, "dr-plan") == [("pass", "runbooks/backup.md:3")]


def test_rto_without_a_value_fails_naming_the_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"DR.md": DR.replace("4 hours", "TBD")})
    findings = probe_findings(repo, "dr-plan")
    assert summary(findings) == [("fail", "DR.md:5")]
    assert "RTO named without a duration (line 5)" in findings[0].message


def test_missing_rpo_and_restore_steps_are_listed(tmp_path: Path) -> None:
    text = "# DR\n\nRTO: 2h\n\nWe have backups.\n"
    repo = make_repo(tmp_path / "r", {"docs/dr.md": text})
    findings = probe_findings(repo, "dr-plan")
    assert summary(findings) == [("fail", "docs/dr.md")]
    assert "no RPO" in findings[0].message and "no restore steps" in findings[0].message


def test_a_restore_heading_without_steps_is_not_enough(tmp_path: Path) -> None:
    text = "# DR\n\nRTO: 2h. RPO: 1h.\n\n## Restore\n\nAsk the DBA.\n\n## Contacts\n\n- dba@example.com\n"
    repo = make_repo(tmp_path / "r", {"docs/dr.md": text})
    assert check(repo, "dr-plan") == [("fail", "docs/dr.md")]


def test_no_dr_document_fails(tmp_path: Path) -> None:
    files = {"docs/architecture.md": "RTO: 4h RPO: 1h\n- restore it\n", "docs/address.md": "x", "README.md": DR}
    repo = make_repo(tmp_path / "r", files)
    assert check(repo, "dr-plan") == [("fail", "")]


def test_the_paths_parameter_decides_where_to_look(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"ops/continuity/business-continuity.md": DR})
    assert check(repo, "dr-plan") == [("fail", "")]
    assert check(repo, "dr-plan", {"paths": ["ops"]}) == [("pass", "ops/continuity/business-continuity.md:5")]
    assert check(repo, "dr-plan", {"paths": ["../etc", 3, "docs/../.."]}) == [("fail", "")]


def test_a_monorepo_service_reads_its_own_docs_and_the_root_docs(tmp_path: Path) -> None:
    files = {"services/api/docs/restore.md": DR, "services/web/main.go": "", "docs/backup-policy.md": "# x\n"}
    repo = make_repo(tmp_path / "r", files)
    assert check(repo / "services" / "api", "dr-plan") == [("pass", "services/api/docs/restore.md:5")]
    assert check(repo / "services" / "web", "dr-plan") == [("fail", "docs/backup-policy.md")]


def test_root_folders_other_than_docs_are_not_shared_with_a_service(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"runbooks/dr.md": DR, "DR.md": "# DR\n", "services/api/main.go": ""})
    assert check(repo, "dr-plan") == [("pass", "runbooks/dr.md:5")]
    assert check(repo / "services" / "api", "dr-plan") == [("fail", "DR.md")]


def test_paths_are_matched_case_insensitively_and_dot_means_the_whole_service_folder(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"Docs/Disaster-Recovery.md": DR, "ops/restore.md": DR})
    assert check(repo, "dr-plan", {"paths": ["DOCS"]}) == [("pass", "Docs/Disaster-Recovery.md:5")]
    assert check(repo, "dr-plan", {"paths": ["."]}) == [("pass", "Docs/Disaster-Recovery.md:5")]


def test_an_unreadable_dr_document_is_an_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"docs/dr.md": b"\x00\x00"})
    assert check(repo, "dr-plan") == [("error", "docs/dr.md")]


def test_hostile_dr_documents_never_raise(tmp_path: Path) -> None:
    text = "RTO " + "1" * 300_000 + "\n" + "RPO " + "1 " * 200_000 + "\n" + "```\n" * 1001 + "- restore\n"
    repo = make_repo(tmp_path / "r", {"docs/dr.md": text.encode() + b"\xff\xfe"})
    assert check(repo, "dr-plan") == [("fail", "docs/dr.md:1")]


# ---------------------------------------------------------------------------- backup-schedules

VELERO = """\
apiVersion: velero.io/v1
kind: Schedule
metadata:
  name: payments-daily
  namespace: velero
spec:
  schedule: "0 3 * * *"
  template:
    includedNamespaces: [payments]
    ttl: 720h
"""

CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: job
              image: postgres:16
              command: ["sh", "-c", "pg_dump $DATABASE_URL | gzip > /backups/db.gz"]
          restartPolicy: OnFailure
"""


def test_velero_schedule_passes_at_its_schedule(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"deploy/velero/schedule.yaml": VELERO})
    assert check(repo, "backup-schedules") == [("pass", "deploy/velero/schedule.yaml:7")]


def test_paused_velero_schedule_fails(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"schedule.yaml": VELERO + "  paused: true\n"})
    assert check(repo, "backup-schedules") == [("fail", "schedule.yaml:11")]


def test_velero_schedule_without_a_valid_cron_fails(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "a", {"schedule.yaml": VELERO.replace('"0 3 * * *"', "nightly")})
    assert check(repo, "backup-schedules") == [("fail", "schedule.yaml:7")]
    repo = make_repo(tmp_path / "b", {"schedule.yaml": VELERO.replace('  schedule: "0 3 * * *"\n', "")})
    assert check(repo, "backup-schedules") == [("fail", "schedule.yaml:6")]


def test_cloudnativepg_scheduled_backup_passes_with_a_six_field_cron(tmp_path: Path) -> None:
    text = (
        "apiVersion: postgresql.cnpg.io/v1\nkind: ScheduledBackup\nmetadata:\n  name: db\n"
        "spec:\n  schedule: '0 0 0 * * *'\n  cluster:\n    name: pg\n"
    )
    repo = make_repo(tmp_path / "r", {"db/backup.yml": text})
    assert check(repo, "backup-schedules") == [("pass", "db/backup.yml:6")]


def test_a_cronjob_running_a_dump_tool_counts_as_a_backup(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"k8s/cron.yaml": CRONJOB})
    assert check(repo, "backup-schedules") == [("pass", "k8s/cron.yaml:6")]


def test_a_suspended_backup_cronjob_fails(tmp_path: Path) -> None:
    text = CRONJOB.replace('  schedule: "@daily"\n', '  schedule: "@daily"\n  suspend: true\n')
    repo = make_repo(tmp_path / "r", {"k8s/cron.yaml": text})
    assert check(repo, "backup-schedules") == [("fail", "k8s/cron.yaml:7")]


def test_a_cronjob_unrelated_to_backups_does_not_count(tmp_path: Path) -> None:
    text = CRONJOB.replace("pg_dump $DATABASE_URL | gzip > /backups/db.gz", "curl -X POST http://api/reindex")
    repo = make_repo(tmp_path / "r", {"k8s/cron.yaml": text, "k8s/deploy.yaml": "kind: Deployment\n"})
    assert check(repo, "backup-schedules") == [("fail", "")]


def test_a_multi_document_file_reports_each_schedule(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: velero\n---\n" + VELERO + "---\n" + CRONJOB
    repo = make_repo(tmp_path / "r", {"all.yaml": text})
    assert check(repo, "backup-schedules") == [("pass", "all.yaml:12"), ("pass", "all.yaml:22")]


def test_a_helm_templated_schedule_is_read(tmp_path: Path) -> None:
    text = (
        "{{- if .Values.backup.enabled }}\napiVersion: velero.io/v1\nkind: Schedule\nmetadata:\n"
        '  name: {{ include "app.fullname" . }}-backup\nspec:\n  schedule: {{ .Values.backup.schedule | quote }}\n'
        "  template:\n    includedNamespaces: [{{ .Release.Namespace }}]\n{{- end }}\n"
    )
    repo = make_repo(tmp_path / "r", {"chart/templates/schedule.yaml": text})
    findings = probe_findings(repo, "backup-schedules")
    assert summary(findings) == [("pass", "chart/templates/schedule.yaml:7")]
    assert "template values" in findings[0].message


def test_malformed_yaml_that_may_hold_a_schedule_is_an_error_not_a_failure(tmp_path: Path) -> None:
    text = "apiVersion: velero.io/v1\nkind: Schedule\nspec:\n  schedule: [unclosed\n  template: {}\n"
    repo = make_repo(tmp_path / "r", {"schedule.yaml": text})
    findings = probe_findings(repo, "backup-schedules")
    assert summary(findings) == [("error", "schedule.yaml:5")]
    assert "not valid YAML" in findings[0].message


def test_no_backup_schedule_fails(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"deploy.yaml": "kind: Deployment\n", "broken.yaml": "a: [\n"})
    assert check(repo, "backup-schedules") == [("fail", "")]


def test_schedules_of_another_service_do_not_count(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"services/db/schedule.yaml": VELERO, "services/api/deploy.yaml": "a: b\n"})
    assert check(repo / "services" / "api", "backup-schedules") == [("fail", "")]


@pytest.mark.parametrize(
    "hostile",
    [
        "kind: Schedule\n" + "[" * 100_000,
        "a: &a [" + "*a, " * 5_000 + "]\nkind: CronJob\napiVersion: batch/v1\nspec: *a\n",
        "kind: Schedule\napiVersion: velero.io/v1\nspec:\n  schedule: " + "{{" * 100_000 + "\n",
        "kind: CronJob\n" + "x:\n" + "  " * 10_000 + "y: 1\n",
        "kind: Schedule\n\x01\x02 !!python/object:os.system {}\n",
    ],
    # Short ids: pytest puts the test id in the environment (PYTEST_CURRENT_TEST), and a
    # 200 kB id makes every subprocess the test starts fail with "argument list too long".
    ids=["deep-brackets", "alias-bomb", "deep-braces", "deep-indent", "control-and-tag"],
)
def test_hostile_manifests_never_raise(tmp_path: Path, hostile: str) -> None:
    repo = make_repo(tmp_path / "r", {"x.yaml": hostile})
    assert [outcome for outcome, _ in check(repo, "backup-schedules")] in (["error"], ["fail"])
