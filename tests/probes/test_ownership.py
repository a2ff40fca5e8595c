"""Ownership probes on real git repositories: CODEOWNERS, catalog entry, on-call."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitrepos import check, git, make_repo, probe_findings, summary

from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.ownership import PROBES

BY_ID = {probe.id: probe for probe in PROBES}


def test_every_probe_of_the_family_is_declared_in_the_registry() -> None:
    assert set(BY_ID) == {"codeowners-present", "catalog-entry", "oncall-declared"}
    assert set(BY_ID) <= set(SPECS)


# ---------------------------------------------------------------------------- codeowners-present


def test_codeowners_with_a_catch_all_rule_passes_at_that_rule(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"CODEOWNERS": "# owners\n\n* @acme/platform\n", "app.py": "x"})
    assert check(repo, "codeowners-present") == [("pass", "CODEOWNERS:3")]


@pytest.mark.parametrize("where", [".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"])
def test_codeowners_is_found_where_github_and_gitlab_read_it(tmp_path: Path, where: str) -> None:
    repo = make_repo(tmp_path / "r", {where: "* owner@example.com\n"})
    assert check(repo, "codeowners-present") == [("pass", f"{where}:1")]


def test_no_codeowners_file_fails_without_location(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"README.md": "hi", "services/api/CODEOWNERS": "* @x\n"})
    assert check(repo, "codeowners-present") == [("fail", "")]


def test_codeowners_in_a_service_folder_is_not_read_because_github_ignores_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"services/api/CODEOWNERS": "* @acme/api\n", "services/api/main.py": ""})
    assert check(repo / "services" / "api", "codeowners-present") == [("fail", "")]


def test_github_folder_takes_precedence_over_the_root_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {".github/CODEOWNERS": "*\n", "CODEOWNERS": "* @acme/team\n"})
    findings = probe_findings(repo, "codeowners-present")
    assert summary(findings) == [("fail", ".github/CODEOWNERS:1")]
    assert "CODEOWNERS ignored" in findings[0].message


def test_only_comments_and_blank_lines_fail_as_no_rules(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"CODEOWNERS": "# * @acme/platform\n\n   # /api/ @x\n"})
    assert check(repo, "codeowners-present") == [("fail", "CODEOWNERS")]


def test_a_commented_out_rule_for_the_service_does_not_cover_it(tmp_path: Path) -> None:
    files = {"CODEOWNERS": "/services/web/ @acme/web\n# /services/api/ @acme/api\n", "services/api/a.py": ""}
    repo = make_repo(tmp_path / "r", files)
    assert check(repo / "services" / "api", "codeowners-present") == [("fail", "CODEOWNERS")]


def test_monorepo_service_folder_covered_by_an_anchored_directory_rule(tmp_path: Path) -> None:
    files = {
        "CODEOWNERS": "/services/web/ @acme/web\n/services/api/ @acme/api @alice\n",
        "services/api/main.py": "",
        "services/web/main.py": "",
    }
    repo = make_repo(tmp_path / "r", files)
    findings = probe_findings(repo / "services" / "api", "codeowners-present")
    assert summary(findings) == [("pass", "CODEOWNERS:2")]
    assert "@acme/api" in findings[0].message


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("/services/api/ @acme/api", "pass"),
        ("/services/api @acme/api", "pass"),
        ("services/api/ @acme/api", "pass"),
        ("api/ @acme/api", "pass"),  # no leading or middle slash: matches at any depth
        ("/services/ @acme/api", "pass"),  # a parent folder owns everything below
        ("/services/api/** @acme/api", "pass"),
        ("/services/**/api/ @acme/api", "pass"),
        ("/services/*/ @acme/api", "pass"),
        ("/services/ap?/ @acme/api", "pass"),
        ("** @acme/api", "pass"),
        ("/services/api/* @acme/api", "fail"),  # GitHub: direct files only, not nested folders
        ("/services/api/src/ @acme/api", "fail"),  # only part of the service
        ("*.py @acme/api", "fail"),
        ("/api/ @acme/api", "fail"),  # anchored at the root: a different folder
        ("/services/apiv2/ @acme/api", "fail"),
        ("!/services/api/ @acme/api", "fail"),  # negation is not CODEOWNERS syntax
    ],
)
def test_gitignore_style_patterns_cover_the_service_folder_or_not(tmp_path: Path, rule: str, expected: str) -> None:
    repo = make_repo(tmp_path / "r", {"CODEOWNERS": rule + "\n", "services/api/main.py": ""})
    line = "CODEOWNERS:1" if expected == "pass" else "CODEOWNERS"
    assert check(repo / "services" / "api", "codeowners-present") == [(expected, line)]


def test_a_later_rule_without_owners_un_assigns_the_service(tmp_path: Path) -> None:
    files = {"CODEOWNERS": "* @acme/platform\n/services/api/\n", "services/api/main.py": ""}
    repo = make_repo(tmp_path / "r", files)
    findings = probe_findings(repo / "services" / "api", "codeowners-present")
    assert summary(findings) == [("fail", "CODEOWNERS:2")]
    assert "un-assigns" in findings[0].message


def test_the_last_matching_rule_wins_so_owners_after_an_unassign_restore_ownership(tmp_path: Path) -> None:
    files = {"CODEOWNERS": "/services/\n/services/api/ @acme/api\n", "services/api/main.py": ""}
    repo = make_repo(tmp_path / "r", files)
    assert check(repo / "services" / "api", "codeowners-present") == [("pass", "CODEOWNERS:2")]


def test_a_catch_all_without_owners_at_the_end_fails_the_whole_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"CODEOWNERS": "* @acme/platform\n/docs/ @acme/docs\n*\n"})
    assert check(repo, "codeowners-present") == [("fail", "CODEOWNERS:3")]


def test_whole_repository_without_catch_all_passes_when_some_rule_names_owners(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"CODEOWNERS": "/src/\n/docs/ @acme/docs\n"})
    assert check(repo, "codeowners-present") == [("pass", "CODEOWNERS:2")]


def test_whole_repository_where_no_rule_names_owners_fails(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"CODEOWNERS": "/src/\n/docs/\n"})
    assert check(repo, "codeowners-present") == [("fail", "CODEOWNERS")]


def test_a_rule_with_an_invalid_owner_is_skipped_like_github_does(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"CODEOWNERS": "* platform-team\n", "a.py": ""})
    findings = probe_findings(repo, "codeowners-present")
    assert summary(findings) == [("fail", "CODEOWNERS")]
    assert "line 1 skipped" in findings[0].message


def test_owners_may_be_users_teams_and_emails_and_inline_comments_are_ignored(tmp_path: Path) -> None:
    files = {"CODEOWNERS": "/services/api/ @alice @acme/api-team ops@example.com # primary\n", "services/api/x": ""}
    repo = make_repo(tmp_path / "r", files)
    findings = probe_findings(repo / "services" / "api", "codeowners-present")
    assert summary(findings) == [("pass", "CODEOWNERS:1")]
    assert "ops@example.com" in findings[0].message
    assert "primary" not in findings[0].message


def test_gitlab_sections_inherit_default_owners_and_combine(tmp_path: Path) -> None:
    text = "[Backend] @acme/backend\n/services/api/\n\n^[Docs][2] @acme/docs\n/services/api/\n"
    repo = make_repo(tmp_path / "r", {".gitlab/CODEOWNERS": text, "services/api/x.py": ""})
    findings = probe_findings(repo / "services" / "api", "codeowners-present")
    assert summary(findings) == [("pass", ".gitlab/CODEOWNERS:2")]
    assert "@acme/backend" in findings[0].message


def test_an_empty_rule_in_one_gitlab_section_does_not_unassign_another_section(tmp_path: Path) -> None:
    text = "[Backend]\n/services/api/ @acme/api\n[Docs]\n/services/\n"
    repo = make_repo(tmp_path / "r", {"CODEOWNERS": text, "services/api/x.py": ""})
    assert check(repo / "services" / "api", "codeowners-present") == [("pass", "CODEOWNERS:2")]


def test_a_symlink_named_codeowners_pointing_outside_is_never_read(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"README.md": "hi"})
    os.symlink("/etc/passwd", root / "CODEOWNERS")
    (root / ".github").mkdir()
    os.symlink("../README.md", root / ".github" / "CODEOWNERS")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "links")
    assert check(root, "codeowners-present") == [("fail", "")]


def test_a_binary_codeowners_is_an_error_not_a_verdict(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"CODEOWNERS": b"* @acme\x00\x01\x02\n"})
    findings = probe_findings(repo, "codeowners-present")
    assert summary(findings) == [("error", "CODEOWNERS")]
    assert "binary" in findings[0].message


def test_hostile_codeowners_content_never_raises(tmp_path: Path) -> None:
    hostile = (
        "*" * 5000
        + "a @x\n"
        + "/" + "**/" * 300 + "x @y\n"
        + "\\ \\#\\\n"
        + "[unterminated section\n"
        + "[" * 1000 + "\n"
        + "@@@ @@@\n"
        + ("a*" * 400 + "b @z\n")
        + "/services/api/ @ok\n"
    ).encode() + b"\xff\xfe invalid utf-8 @bad\n"  # fmt: skip
    repo = make_repo(tmp_path / "r", {"CODEOWNERS": hostile, "services/api/x": ""})
    assert check(repo / "services" / "api", "codeowners-present") == [("pass", "CODEOWNERS:8")]


# ---------------------------------------------------------------------------- catalog-entry

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  annotations:
    pagerduty.com/service-id: P1ABCDE
spec:
  type: service
  owner: group:default/payments
  lifecycle: production
"""


def test_backstage_component_with_owner_and_lifecycle_passes_at_the_owner_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": CATALOG})
    assert check(repo, "catalog-entry") == [("pass", "catalog-info.yaml:9")]


def test_no_catalog_entry_fails(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"README.md": "x"})
    assert check(repo, "catalog-entry") == [("fail", "")]


def test_missing_lifecycle_fails_at_the_spec_key_unless_not_required(tmp_path: Path) -> None:
    text = CATALOG.replace("  lifecycle: production\n", "")
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": text})
    findings = probe_findings(repo, "catalog-entry")
    assert summary(findings) == [("fail", "catalog-info.yaml:7")]
    assert "no spec.lifecycle (line 7)" in findings[0].message
    assert check(repo, "catalog-entry", {"require_lifecycle": False}) == [("pass", "catalog-info.yaml:9")]


def test_missing_owner_and_lifecycle_are_both_named(tmp_path: Path) -> None:
    text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n  type: service\n"
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": text})
    findings = probe_findings(repo, "catalog-entry")
    assert summary(findings) == [("fail", "catalog-info.yaml:5")]
    assert "no spec.owner" in findings[0].message and "no spec.lifecycle" in findings[0].message


def test_a_placeholder_owner_does_not_count(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": CATALOG.replace("group:default/payments", "TODO")})
    findings = probe_findings(repo, "catalog-entry")
    assert summary(findings) == [("fail", "catalog-info.yaml:9")]
    assert "placeholder" in findings[0].message


def test_a_component_among_several_documents_is_found(tmp_path: Path) -> None:
    text = "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: s\n---\n" + CATALOG
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": text})
    assert check(repo, "catalog-entry") == [("pass", "catalog-info.yaml:14")]


def test_a_catalog_file_without_a_component_fails(tmp_path: Path) -> None:
    text = "apiVersion: backstage.io/v1alpha1\nkind: Location\nspec:\n  targets: [./a.yaml]\n"
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": text})
    findings = probe_findings(repo, "catalog-entry")
    assert summary(findings) == [("fail", "catalog-info.yaml:1")]
    assert "Location" in findings[0].message


def test_malformed_catalog_yaml_fails_naming_the_line(tmp_path: Path) -> None:
    text = "kind: Component\nspec:\n  owner: [unclosed\n  lifecycle: production\n"
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": text})
    findings = probe_findings(repo, "catalog-entry")
    assert summary(findings) == [("fail", "catalog-info.yaml:4")]
    assert "not valid YAML" in findings[0].message


def test_yaml_tags_are_never_constructed(tmp_path: Path) -> None:
    text = CATALOG + "extra: !!python/object/apply:os.system ['touch pwned']\nref: !Ref Other\n"
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": text})
    assert check(repo, "catalog-entry") == [("pass", "catalog-info.yaml:9")]
    assert not (Path.cwd() / "pwned").exists()


def test_monorepo_prefers_the_service_folder_entry_and_falls_back_to_the_root(tmp_path: Path) -> None:
    other = CATALOG.replace("payments-api", "root").replace("production", "experimental")
    files = {"catalog-info.yaml": other, "services/api/catalog-info.yaml": CATALOG, "services/web/x": ""}
    repo = make_repo(tmp_path / "r", files)
    assert check(repo / "services" / "api", "catalog-entry") == [("pass", "services/api/catalog-info.yaml:9")]
    assert check(repo / "services" / "web", "catalog-entry") == [("pass", "catalog-info.yaml:9")]


def test_an_entry_of_another_service_folder_does_not_count(tmp_path: Path) -> None:
    files = {"services/web/catalog-info.yaml": CATALOG, "services/api/main.py": ""}
    repo = make_repo(tmp_path / "r", files)
    assert check(repo / "services" / "api", "catalog-entry") == [("fail", "")]


def test_opslevel_and_cortex_descriptors_with_an_owner_pass(tmp_path: Path) -> None:
    ops = "version: 1\nservice:\n  name: api\n  owner: payments\n  lifecycle: generally_available\n"
    repo = make_repo(tmp_path / "a", {"opslevel.yml": ops})
    assert check(repo, "catalog-entry") == [("pass", "opslevel.yml:4")]
    cortex = "openapi: 3.0.1\ninfo:\n  title: api\n  x-cortex-owners:\n    - type: group\n      name: payments\n"
    repo = make_repo(tmp_path / "b", {"cortex.yaml": cortex})
    assert check(repo, "catalog-entry") == [("pass", "cortex.yaml:5")]


def test_opslevel_without_lifecycle_fails_when_lifecycle_is_required(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"opslevel.yml": "version: 1\nservice:\n  name: api\n  owner: payments\n"})
    assert check(repo, "catalog-entry") == [("fail", "opslevel.yml:2")]


def test_a_broken_backstage_file_does_not_hide_a_good_opslevel_file(tmp_path: Path) -> None:
    ops = "version: 1\nservice:\n  owner: payments\n  lifecycle: beta\n"
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": "kind: [\n", "opslevel.yml": ops})
    assert check(repo, "catalog-entry") == [("pass", "opslevel.yml:3")]


def test_an_unreadable_catalog_file_gives_an_error_when_nothing_else_passes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": b"kind: Component\x00\n", "cortex.yaml": "info: {}\n"})
    assert check(repo, "catalog-entry") == [("error", "catalog-info.yaml")]


# ---------------------------------------------------------------------------- oncall-declared


def test_pagerduty_annotation_passes_at_its_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": CATALOG})
    assert check(repo, "oncall-declared") == [("pass", "catalog-info.yaml:6")]


@pytest.mark.parametrize(
    "annotation", ["pagerduty.com/integration-key", "opsgenie.com/team", "opsgenie.com/component-selector"]
)
def test_other_oncall_annotations_pass(tmp_path: Path, annotation: str) -> None:
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": CATALOG.replace("pagerduty.com/service-id", annotation)})
    assert check(repo, "oncall-declared") == [("pass", "catalog-info.yaml:6")]


def test_no_oncall_annotation_fails_at_the_annotations(tmp_path: Path) -> None:
    text = CATALOG.replace("pagerduty.com/service-id: P1ABCDE", "backstage.io/techdocs-ref: dir:.")
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": text})
    assert check(repo, "oncall-declared") == [("fail", "catalog-info.yaml:5")]


def test_no_annotations_at_all_fails_at_the_metadata(tmp_path: Path) -> None:
    text = CATALOG.replace("  annotations:\n    pagerduty.com/service-id: P1ABCDE\n", "")
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": text})
    assert check(repo, "oncall-declared") == [("fail", "catalog-info.yaml:3")]


def test_a_placeholder_service_id_fails(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": CATALOG.replace("P1ABCDE", "PXXXXXX")})
    assert check(repo, "oncall-declared") == [("fail", "catalog-info.yaml:6")]


def test_no_catalog_entry_fails_the_oncall_probe(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"opslevel.yml": "service:\n  owner: x\n"})
    assert check(repo, "oncall-declared") == [("fail", "")]


def test_malformed_catalog_fails_the_oncall_probe_naming_the_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": "kind: Component\nmetadata:\n\tname: x\n"})
    assert check(repo, "oncall-declared") == [("fail", "catalog-info.yaml:3")]


def test_cortex_oncall_block_passes(tmp_path: Path) -> None:
    cortex = "info:\n  x-cortex-oncall:\n    pagerduty:\n      id: P1ABCDE\n      type: SERVICE\n"
    repo = make_repo(tmp_path / "r", {"cortex.yaml": cortex})
    assert check(repo, "oncall-declared") == [("pass", "cortex.yaml:4")]


def test_oncall_in_a_monorepo_reads_the_service_entry(tmp_path: Path) -> None:
    no_oncall = CATALOG.replace("pagerduty.com/service-id: P1ABCDE", "a: b")
    files = {"catalog-info.yaml": no_oncall, "services/api/catalog-info.yaml": CATALOG}
    repo = make_repo(tmp_path / "r", files)
    assert check(repo / "services" / "api", "oncall-declared") == [("pass", "services/api/catalog-info.yaml:6")]
    assert check(repo, "oncall-declared") == [("fail", "catalog-info.yaml:5")]


def test_windows_line_endings_keep_line_numbers(tmp_path: Path) -> None:
    files = {"CODEOWNERS": "# owners\r\n\r\n/services/api/ @acme/api\r\n", "services/api/x": ""}
    repo = make_repo(tmp_path / "r", files)
    assert check(repo / "services" / "api", "codeowners-present") == [("pass", "CODEOWNERS:3")]


def test_an_empty_owner_string_is_named_as_empty(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"catalog-info.yaml": CATALOG.replace("group:default/payments", '""')})
    findings = probe_findings(repo, "catalog-entry")
    assert summary(findings) == [("fail", "catalog-info.yaml:9")]
    assert "empty spec.owner" in findings[0].message


def test_a_service_folder_with_an_odd_name_is_printed_safely(tmp_path: Path) -> None:
    folder = "svc\udcff"
    repo = make_repo(tmp_path / "r", {"CODEOWNERS": "/other/ @x\n", f"{folder}/main.py": ""})
    findings = probe_findings(repo / folder, "codeowners-present")
    assert summary(findings) == [("fail", "CODEOWNERS")]
    assert findings[0].message.encode("utf-8")
