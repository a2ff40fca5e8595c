"""Delivery probes on real git repositories: progressive rollouts, Helm test hooks,
reversible migrations and feature flag definitions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitrepos import check, probe_findings, repo_with, summary

from prr.domain.findings import Outcome
from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.delivery import PROBES

BY_ID = {probe.id: probe for probe in PROBES}


def test_every_probe_of_the_family_is_declared_in_the_registry() -> None:
    assert set(BY_ID) == {"progressive-delivery", "helm-tests", "migrations-reversible", "feature-flags-defined"}
    assert set(BY_ID) <= set(SPECS)


@pytest.mark.parametrize(
    ("probe_id", "path", "selected"),
    [
        ("migrations-reversible", "alembic/versions/1a2b_add_users.py", True),
        ("migrations-reversible", "shop/migrations/0002_backfill.py", True),
        ("migrations-reversible", "shop/migrations/__init__.py", False),
        ("migrations-reversible", "db/migration/V1_2__add_index.sql", True),
        ("migrations-reversible", "db/migration/R__views.sql", False),
        ("migrations-reversible", "migrations/000001_init.up.sql", True),
        ("migrations-reversible", "db/migrate/20240101000000_add_users.rb", True),
        ("migrations-reversible", "app/models/user.rb", False),
        ("migrations-reversible", "node_modules/x/migrations/0001_x.py", False),
        ("feature-flags-defined", "config/flags.flagd.json", True),
        ("feature-flags-defined", "features/unleash-export.json", True),
        ("feature-flags-defined", "package.json", False),
        ("feature-flags-defined", "flags.toml", False),
        ("helm-tests", "charts/web/templates/tests/test-connection.yaml", True),
        ("progressive-delivery", "deploy/rollout.yml", True),
        ("progressive-delivery", "deploy/rollout.json", False),
    ],
)
def test_selection_is_by_name_only(probe_id: str, path: str, selected: bool) -> None:
    assert BY_ID[probe_id].selects(path, {}) is selected


# ---------------------------------------------------------------------------- progressive-delivery


def rollout(strategy: str, name: str = "web") -> str:
    """An Argo Rollout whose `strategy:` key is on line 12."""
    return (
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: Rollout\n"
        "metadata:\n"
        f"  name: {name}\n"
        "spec:\n"
        "  replicas: 3\n"
        "  selector: {matchLabels: {app: web}}\n"
        "  template:\n"
        "    metadata: {labels: {app: web}}\n"
        "    spec:\n"
        "      containers: [{name: app, image: web:1}]\n"
        "  strategy:\n"
        f"{strategy}"
    )


CANARY = """\
    canary:
      steps:
        - setWeight: 20
        - pause: {duration: 10m}
        - analysis:
            templates: [{templateName: success-rate}]
        - setWeight: 100
"""
ANALYSIS_TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: success-rate}
spec:
  metrics:
    - name: success-rate
      successCondition: result[0] >= 0.99
      provider: {prometheus: {query: 'sum(rate(ok[5m])) / sum(rate(all[5m]))'}}
"""


def test_a_canary_with_pauses_and_analysis_passes_at_its_strategy(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"rollout.yaml": rollout(CANARY), "analysis.yaml": ANALYSIS_TEMPLATE})
    findings = probe_findings(repo, "progressive-delivery")
    assert summary(findings) == [("pass", "rollout.yaml:12")]
    assert findings[0].message == "Rollout/web promotes progressively (pause step 2, analysis step 3)"


def test_a_canary_that_only_sets_weights_fails_at_the_canary(tmp_path: Path) -> None:
    canary = "    canary:\n      steps:\n        - setWeight: 50\n        - setWeight: 100\n"
    repo = repo_with(tmp_path, {"rollout.yaml": rollout(canary)})
    assert check(repo, "progressive-delivery") == [("fail", "rollout.yaml:13")]


def test_a_canary_analysing_with_a_template_not_in_the_repository_fails_there(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"rollout.yaml": rollout(CANARY)})
    findings = probe_findings(repo, "progressive-delivery")
    assert summary(findings) == [("fail", "rollout.yaml:18")]
    assert "AnalysisTemplate 'success-rate' is not in the repository" in findings[0].message


def test_a_cluster_analysis_template_may_live_elsewhere(tmp_path: Path) -> None:
    canary = CANARY.replace("{templateName: success-rate}", "{templateName: slo, clusterScope: true}")
    repo = repo_with(tmp_path, {"rollout.yaml": rollout(canary)})
    assert check(repo, "progressive-delivery") == [("pass", "rollout.yaml:12")]


def test_blue_green_needs_pre_promotion_analysis_or_manual_promotion(tmp_path: Path) -> None:
    automatic = "    blueGreen:\n      activeService: web\n      previewService: web-preview\n"
    manual = automatic + "      autoPromotionEnabled: false\n"
    files = {"a/rollout.yaml": rollout(automatic), "b/rollout.yaml": rollout(manual, name="b")}
    assert check(repo_with(tmp_path, files), "progressive-delivery") == [
        ("fail", "a/rollout.yaml:13"),
        ("pass", "b/rollout.yaml:12"),
    ]


FLAGGER = """\
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: web
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  analysis:
    interval: 1m
    threshold: 5
    stepWeight: 10
    metrics:
      - name: request-success-rate
        thresholdRange: {min: 99}
      - name: request-duration
        thresholdRange: {max: 500}
"""


def test_a_flagger_canary_with_metric_ranges_and_a_threshold_passes(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"canary.yaml": FLAGGER})
    assert check(repo, "progressive-delivery") == [("pass", "canary.yaml:7")]


def test_a_flagger_metric_without_a_threshold_range_fails_at_the_metric(tmp_path: Path) -> None:
    canary = FLAGGER.replace("        thresholdRange: {max: 500}\n", "        interval: 1m\n")
    findings = probe_findings(repo_with(tmp_path, {"canary.yaml": canary}), "progressive-delivery")
    assert summary(findings) == [("fail", "canary.yaml:14")]
    assert "metric request-duration has no thresholdRange" in findings[0].message


def test_a_flagger_canary_without_a_threshold_fails(tmp_path: Path) -> None:
    canary = FLAGGER.replace("    threshold: 5\n", "")
    assert check(repo_with(tmp_path, {"canary.yaml": canary}), "progressive-delivery") == [("fail", "canary.yaml:7")]


def test_no_progressive_delivery_at_all_fails_without_a_location(tmp_path: Path) -> None:
    deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n"
    repo = repo_with(tmp_path, {"deploy.yaml": deployment})
    assert check(repo, "progressive-delivery") == [("fail", "")]


def test_a_rollout_in_a_helm_template_off_by_default_is_not_evidence(tmp_path: Path) -> None:
    files = {
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
        "charts/web/values.yaml": "rollout:\n  enabled: false\n",
        "charts/web/templates/rollout.yaml": "{{- if .Values.rollout.enabled }}\n" + rollout(CANARY) + "{{- end }}\n",
        "charts/web/templates/analysis.yaml": ANALYSIS_TEMPLATE,
    }
    assert check(repo_with(tmp_path, files), "progressive-delivery") == [("fail", "")]
    files["charts/web/values.yaml"] = "rollout:\n  enabled: true\n"
    assert check(repo_with(tmp_path, files), "progressive-delivery") == [
        ("pass", "charts/web/templates/rollout.yaml:13")
    ]


def test_an_unreadable_manifest_leaves_progressive_delivery_undecided(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"rollout.yaml": "kind: Rollout\napiVersion: argoproj.io/v1alpha1\nspec: [\n"})
    assert check(repo, "progressive-delivery") == [("error", "rollout.yaml:4")]


# ---------------------------------------------------------------------------- helm-tests

CHART = "apiVersion: v2\nname: web\nversion: 0.1.0\n"
TEST_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: "{{ include "web.fullname" . }}-test-connection"
  annotations:
    "helm.sh/hook": test
spec:
  containers:
    - name: wget
      image: busybox
      command: ['wget']
      args: ['{{ include "web.fullname" . }}:{{ .Values.service.port }}']
  restartPolicy: Never
"""


def test_a_chart_with_a_test_hook_passes_at_the_annotation(tmp_path: Path) -> None:
    files = {
        "charts/web/Chart.yaml": CHART,
        "charts/web/values.yaml": "service: {port: 80}\n",
        "charts/web/templates/tests/test-connection.yaml": TEST_POD,
    }
    assert check(repo_with(tmp_path, files), "helm-tests") == [
        ("pass", "charts/web/templates/tests/test-connection.yaml:6")
    ]


def test_a_chart_without_test_hooks_fails_at_its_name(tmp_path: Path) -> None:
    files = {"charts/web/Chart.yaml": CHART, "charts/web/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\n"}
    findings = probe_findings(repo_with(tmp_path, files), "helm-tests")
    assert summary(findings) == [("fail", "charts/web/Chart.yaml:2")]
    assert "chart web has no template annotated helm.sh/hook: test" in findings[0].message


def test_a_test_hook_that_is_off_by_default_does_not_count(tmp_path: Path) -> None:
    files = {
        "Chart.yaml": CHART,
        "values.yaml": "tests:\n  enabled: false\n",
        "templates/tests/test.yaml": "{{- if .Values.tests.enabled }}\n" + TEST_POD + "{{- end }}\n",
    }
    assert check(repo_with(tmp_path, files), "helm-tests") == [("fail", "Chart.yaml:2")]


def test_an_umbrella_chart_is_tested_by_its_subcharts_hooks(tmp_path: Path) -> None:
    files = {
        "deploy/Chart.yaml": CHART,
        "deploy/values.yaml": "api:\n  service: {port: 8080}\n",
        "deploy/charts/api/Chart.yaml": CHART.replace("web", "api"),
        "deploy/charts/api/templates/tests/test.yaml": TEST_POD,
    }
    assert check(repo_with(tmp_path, files), "helm-tests") == [
        ("pass", "deploy/charts/api/templates/tests/test.yaml:6")
    ]


def test_a_hook_in_a_template_prr_cannot_parse_is_still_found_by_its_annotation(tmp_path: Path) -> None:
    pod = TEST_POD.replace("  restartPolicy: Never\n", '  x: {{ include "a" . }}: {{ include "b" . }}: c\n')
    files = {"c/Chart.yaml": CHART, "c/templates/tests/t.yaml": pod.replace("test\n", "test-success\n")}
    assert check(repo_with(tmp_path, files), "helm-tests") == [("pass", "c/templates/tests/t.yaml:6")]


def test_library_charts_and_repositories_without_charts_are_not_applicable(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"lib/Chart.yaml": CHART + "type: library\n", "k8s/x.yaml": "kind: A\n"})
    assert check(repo, "helm-tests") == [("not_applicable", "")]


def test_a_malformed_chart_file_is_an_error_at_its_line(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"Chart.yaml": "apiVersion: v2\nname: [web\n"})
    assert check(repo, "helm-tests") == [("error", "Chart.yaml:3")]


# ---------------------------------------------------------------------------- migrations-reversible

ALEMBIC = '''\
"""add users"""
from alembic import op
import sqlalchemy as sa

revision = "1a2b"
down_revision = None


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("users")
'''


def test_alembic_migrations_with_a_downgrade_pass_together(tmp_path: Path) -> None:
    files = {"alembic/versions/1a2b_users.py": ALEMBIC, "alembic/versions/3c4d_more.py": ALEMBIC}
    findings = probe_findings(repo_with(tmp_path, files), "migrations-reversible")
    assert summary(findings) == [("pass", "alembic/versions/1a2b_users.py:13")]
    assert findings[0].message == "2 Alembic migrations can be reversed"
    assert [loc.path for loc in findings[0].locations] == list(files)


def test_an_alembic_downgrade_that_only_passes_fails_at_its_def(tmp_path: Path) -> None:
    noop = ALEMBIC.replace('    op.drop_table("users")\n', '    """Nothing to undo."""\n    pass\n')
    findings = probe_findings(repo_with(tmp_path, {"alembic/versions/1a2b_users.py": noop}), "migrations-reversible")
    assert summary(findings) == [("fail", "alembic/versions/1a2b_users.py:13")]
    assert findings[0].message == "alembic/versions/1a2b_users.py: downgrade() does nothing"


def test_an_alembic_migration_without_downgrade_fails_at_upgrade(tmp_path: Path) -> None:
    missing = ALEMBIC.split("\n\ndef downgrade")[0] + "\n"
    assert check(repo_with(tmp_path, {"m/versions/a.py": missing}), "migrations-reversible") == [
        ("fail", "m/versions/a.py:9")
    ]


def test_an_alembic_downgrade_that_raises_is_an_explicit_decision(tmp_path: Path) -> None:
    raising = ALEMBIC.replace('    op.drop_table("users")', '    raise NotImplementedError("data is gone")')
    findings = probe_findings(repo_with(tmp_path, {"m/versions/a.py": raising}), "migrations-reversible")
    assert summary(findings) == [("pass", "m/versions/a.py:13")]
    assert "marked irreversible on purpose" in findings[0].message


def test_flyway_versions_need_a_matching_undo_script(tmp_path: Path) -> None:
    files = {
        "db/migration/V1__create_users.sql": "CREATE TABLE users (id int);\n",
        "db/migration/U1__create_users.sql": "DROP TABLE users;\n",
        "db/migration/V2__add_email.sql": "ALTER TABLE users ADD email text;\n",
        "db/migration/V1_1__index.sql": "CREATE INDEX i ON users (id);\n",
        "db/undo/U1.1__index.sql": "-- nothing yet\n/* really */\n",
    }
    findings = probe_findings(repo_with(tmp_path, files), "migrations-reversible")
    assert summary(findings) == [
        ("fail", "db/undo/U1.1__index.sql:1"),
        ("fail", "db/migration/V2__add_email.sql:1"),
        ("pass", "db/migration/U1__create_users.sql:1"),
    ]
    assert findings[1].message == "db/migration/V2__add_email.sql: V2 has no U2__ undo script"


def test_golang_migrate_up_files_need_a_down_file(tmp_path: Path) -> None:
    files = {"sql/000001_init.up.sql": "CREATE TABLE t (id int);\n", "sql/000001_init.down.sql": "DROP TABLE t;\n"}
    files["sql/000002_more.up.sql"] = "ALTER TABLE t ADD c int;\n"
    assert check(repo_with(tmp_path, files), "migrations-reversible") == [
        ("fail", "sql/000002_more.up.sql:1"),
        ("pass", "sql/000001_init.down.sql:1"),
    ]


DJANGO = """\
from django.db import migrations


def backfill(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField("order", "paid", models.BooleanField(default=False)),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunSQL("UPDATE x SET y = 1", reverse_sql="UPDATE x SET y = 0"),
    ]
"""


def test_django_data_migrations_with_reverse_code_pass(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"shop/migrations/0002_paid.py": DJANGO})
    assert check(repo, "migrations-reversible") == [("pass", "shop/migrations/0002_paid.py:8")]


def test_django_run_python_without_reverse_code_fails_at_the_operation(tmp_path: Path) -> None:
    broken = DJANGO.replace("RunPython(backfill, migrations.RunPython.noop)", "RunPython(backfill)")
    broken = broken.replace(', reverse_sql="UPDATE x SET y = 0"', ", reverse_sql=None")
    findings = probe_findings(repo_with(tmp_path, {"shop/migrations/0002_paid.py": broken}), "migrations-reversible")
    assert summary(findings) == [("fail", "shop/migrations/0002_paid.py:13")]
    assert findings[0].message == (
        "shop/migrations/0002_paid.py: RunPython without reverse_code (line 13); RunSQL without reverse_sql (line 14)"
    )


RAILS = """\
class AddEmailToUsers < ActiveRecord::Migration[7.1]
  def change
    add_column :users, :email, :string
    remove_column :users, :legacy_id, :integer
    reversible do |dir|
      dir.up { execute "UPDATE users SET email = ''" }
      dir.down { execute "UPDATE users SET email = NULL" }
    end
  end
end
"""


def test_rails_change_migrations_of_reversible_operations_pass(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"db/migrate/20240101_add_email.rb": RAILS})
    assert check(repo, "migrations-reversible") == [("pass", "db/migrate/20240101_add_email.rb:2")]


def test_rails_irreversible_operations_in_change_fail_at_the_first(tmp_path: Path) -> None:
    broken = RAILS.replace(":legacy_id, :integer", ":legacy_id").replace(
        "    reversible do", "    execute 'DROP VIEW x'\n    reversible do"
    )
    findings = probe_findings(repo_with(tmp_path, {"db/migrate/1_x.rb": broken}), "migrations-reversible")
    assert summary(findings) == [("fail", "db/migrate/1_x.rb:4")]
    assert "remove_column without a column type (line 4); execute" in findings[0].message


def test_rails_up_without_down_fails_and_an_irreversible_down_is_a_decision(tmp_path: Path) -> None:
    up_only = "class X < ActiveRecord::Migration[7.1]\n  def up\n    drop_table :old\n  end\nend\n"
    decided = up_only.replace(
        "  end\nend", "  end\n\n  def down\n    raise ActiveRecord::IrreversibleMigration\n  end\nend"
    )
    files = {"db/migrate/1_up.rb": up_only, "db/migrate/2_decided.rb": decided}
    findings = probe_findings(repo_with(tmp_path, files), "migrations-reversible")
    assert summary(findings) == [("fail", "db/migrate/1_up.rb:2"), ("pass", "db/migrate/2_decided.rb:7")]
    assert "marked irreversible on purpose" in findings[1].message


def test_a_migration_that_does_not_parse_is_an_error_at_its_line(tmp_path: Path) -> None:
    broken = ALEMBIC.replace("def downgrade():", "def downgrade(:")
    assert check(repo_with(tmp_path, {"a/versions/x.py": broken}), "migrations-reversible") == [
        ("error", "a/versions/x.py:13")
    ]


def test_no_migrations_is_not_applicable(tmp_path: Path) -> None:
    files = {"app/versions/notes.py": "print('hi')\n", "README.md": "hi\n"}
    assert check(repo_with(tmp_path, files), "migrations-reversible") == [("not_applicable", "")]


def test_migrations_outside_the_service_folder_are_not_read(tmp_path: Path) -> None:
    noop = ALEMBIC.replace('    op.drop_table("users")\n', "    ...\n")
    files = {"svc/a/alembic/versions/1.py": ALEMBIC, "svc/b/alembic/versions/1.py": noop}
    assert check(repo_with(tmp_path, files) / "svc" / "a", "migrations-reversible") == [
        ("pass", "svc/a/alembic/versions/1.py:13")
    ]


# ---------------------------------------------------------------------------- feature-flags-defined

FLAGD = {
    "$schema": "https://flagd.dev/schema/v0/flags.json",
    "flags": {
        "new-checkout": {"state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "off"},
        "banner-color": {
            "state": "DISABLED",
            "variants": {"red": "#f00", "blue": "#00f"},
            "defaultVariant": "blue",
        },
    },
}


def test_flagd_flags_whose_defaults_name_a_variant_pass_at_the_flags_key(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"config/flags.flagd.json": json.dumps(FLAGD, indent=2)})
    findings = probe_findings(repo, "feature-flags-defined")
    assert summary(findings) == [("pass", "config/flags.flagd.json:3")]
    assert findings[0].message == "config/flags.flagd.json: 2 flagd flags, each with a valid default"


def test_a_flagd_default_naming_a_missing_variant_fails_at_the_flag(tmp_path: Path) -> None:
    flags = json.loads(json.dumps(FLAGD))
    flags["flags"]["banner-color"]["defaultVariant"] = "green"
    findings = probe_findings(repo_with(tmp_path, {"flags.json": json.dumps(flags, indent=2)}), "feature-flags-defined")
    assert summary(findings) == [("fail", "flags.json:12")]
    assert "defaultVariant 'green' is not one of its variants (red, blue)" in findings[0].message


def test_flagd_yaml_with_mixed_variant_types_and_a_bad_state_fails(tmp_path: Path) -> None:
    flags = "flags:\n  limit:\n    state: enabled\n    variants: {low: 10, high: 'many'}\n    defaultVariant: low\n"
    findings = probe_findings(repo_with(tmp_path, {"flagd/flags.yaml": flags}), "feature-flags-defined")
    assert summary(findings) == [("fail", "flagd/flags.yaml:2")]
    assert "state 'enabled' is not ENABLED or DISABLED; variants mix types (number, string)" in findings[0].message


def test_an_unleash_export_needs_names_and_strategies(tmp_path: Path) -> None:
    export = {
        "version": 1,
        "features": [
            {"name": "search-v2", "enabled": True, "strategies": [{"name": "default"}]},
            {"name": "beta", "enabled": False},
        ],
    }
    findings = probe_findings(
        repo_with(tmp_path, {"unleash/export.json": json.dumps(export, indent=2)}), "feature-flags-defined"
    )
    assert summary(findings) == [("fail", "unleash/export.json:13")]
    assert findings[0].message == "unleash/export.json: feature 'beta' has no strategies"


def test_a_launchdarkly_export_needs_variations_it_can_fall_back_to(tmp_path: Path) -> None:
    good = {"variations": [{"value": True}, {"value": False}], "offVariation": 1, "fallthrough": {"variation": 0}}
    bad = {"variations": [True, False], "offVariation": 2}
    export = {"flags": {"dark-mode": good, "old-nav": bad}}
    files = {
        "launchdarkly/a.json": json.dumps({"flags": {"dark-mode": good}}),
        "launchdarkly/b.yaml": json.dumps(export),
    }
    findings = probe_findings(repo_with(tmp_path, files), "feature-flags-defined")
    assert summary(findings) == [("pass", "launchdarkly/a.json:1"), ("fail", "launchdarkly/b.yaml:1")]
    assert "offVariation 2 is not one of its 2 variations" in findings[1].message


def test_malformed_flag_json_is_an_error_at_its_line(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"flags.json": '{\n  "flags": {\n    "a": {"state": "ENABLED",}\n'})
    findings = probe_findings(repo, "feature-flags-defined")
    assert [f.outcome for f in findings] == [Outcome.ERROR]
    assert summary(findings)[0][1].startswith("flags.json:")
    assert findings[0].message.startswith("flags.json:")


def test_files_that_merely_mention_features_and_no_flags_at_all_are_not_applicable(tmp_path: Path) -> None:
    files = {".github/ISSUE_TEMPLATE/feature_request.yml": "name: Feature\nbody: []\n", "app.py": ""}
    assert check(repo_with(tmp_path, files), "feature-flags-defined") == [("not_applicable", "")]


# ---------------------------------------------------------------------------- hostile input

HOSTILE = {
    "flags.json": "[" * 3000 + "]" * 3000,
    "flags.yaml": "flags: &a\n  x: *a\n",
    "feature-flags.yml": "flags: {a: 1, b: [], c: {variants: 3, defaultVariant: {x: 1}}}\n",
    "m/versions/x.py": "\x00\x00def upgrade(): pass",
    "m/versions/deep.py": "x = " + "(" * 500 + ")" * 500 + "\nrevision = 1\ndef upgrade(): pass\n",
    "db/migrate/1.rb": "def change\n  remove_column(\n" + "end\n" * 3,
    "sql/V1__x.sql": "SELECT 1;",
    "Chart.yaml": "!!python/object/apply:os.system ['true']\n",
    "templates/x.yaml": "{{ define }}{{ end }}{{ if }}\n{{ range $a, $b, $c := . }}{{ end }}",
}


@pytest.mark.parametrize("probe_id", sorted(BY_ID))
def test_hostile_input_never_raises(tmp_path: Path, probe_id: str) -> None:
    findings = probe_findings(repo_with(tmp_path, HOSTILE), probe_id)
    assert findings
    assert all(isinstance(f.outcome, Outcome) and f.message for f in findings)
