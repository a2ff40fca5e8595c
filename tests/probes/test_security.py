"""Security probes on real git repositories: SECURITY.md and plain-text secrets."""

from __future__ import annotations

import base64
import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from gitrepos import check, git, make_repo, probe_findings, summary

from prr.domain.findings import Finding
from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.security import PROBES

BY_ID = {probe.id: probe for probe in PROBES}


def test_every_probe_of_the_family_is_declared_in_the_registry() -> None:
    assert set(BY_ID) == {"security-policy", "no-plain-secrets"}
    assert set(BY_ID) <= set(SPECS)


# ---------------------------------------------------------------------------- security-policy

POLICY = """\
# Security Policy

## Supported versions

Only the latest release receives security fixes.

## Reporting a vulnerability

Please do not open a public issue. Email security@example.com with a description
and steps to reproduce. We answer within two working days and publish an advisory
once a fix is released.
"""


def test_a_real_security_policy_passes_at_the_contact_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"SECURITY.md": POLICY})
    assert check(repo, "security-policy") == [("pass", "SECURITY.md:9")]


@pytest.mark.parametrize("where", [".github/SECURITY.md", "docs/security.md", "Security.MD"])
def test_the_policy_is_found_in_github_folders_whatever_its_case(tmp_path: Path, where: str) -> None:
    repo = make_repo(tmp_path / "r", {where: POLICY})
    assert check(repo, "security-policy") == [("pass", f"{where}:9")]


def test_a_link_to_a_reporting_form_is_enough(tmp_path: Path) -> None:
    text = (
        "# Security\n\nWe take vulnerabilities seriously and fix them quickly, with credit to the finder.\n"
        "Use https://example.com/vdp to contact us privately; we respond within a week at most.\n"
    )
    repo = make_repo(tmp_path / "r", {"SECURITY.md": text})
    assert check(repo, "security-policy") == [("pass", "SECURITY.md:4")]


def test_no_security_policy_fails(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"README.md": "# hi\n", "src/SECURITY.md": POLICY})
    assert check(repo, "security-policy") == [("fail", "")]


def test_a_todo_placeholder_fails_at_its_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"SECURITY.md": POLICY + "\nTODO: add PGP key\n"})
    assert check(repo, "security-policy") == [("fail", "SECURITY.md:13")]


def test_githubs_generated_template_is_a_placeholder(tmp_path: Path) -> None:
    text = (
        "# Security Policy\n\n## Reporting a Vulnerability\n\n"
        "Use this section to tell people how to report a vulnerability.\n\n"
        "Tell them where to go, how often they can expect to get an update on a\n"
        "reported vulnerability, what to expect if the vulnerability is accepted or declined, etc.\n"
    )
    repo = make_repo(tmp_path / "r", {"SECURITY.md": text})
    assert check(repo, "security-policy") == [("fail", "SECURITY.md:5")]


def test_a_policy_too_short_to_say_anything_fails(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"SECURITY.md": "# Security\n\nReport to security@example.com\n"})
    findings = probe_findings(repo, "security-policy")
    assert summary(findings) == [("fail", "SECURITY.md")]
    assert "words" in findings[0].message


def test_a_policy_without_any_way_to_report_fails(tmp_path: Path) -> None:
    text = "# Security\n\n" + "We care about the safety of our users and their data very much indeed. " * 3
    repo = make_repo(tmp_path / "r", {"SECURITY.md": text})
    assert check(repo, "security-policy") == [("fail", "SECURITY.md")]


def test_a_good_policy_anywhere_wins_over_a_stub_elsewhere(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"SECURITY.md": "TBD\n", ".github/SECURITY.md": POLICY})
    assert check(repo, "security-policy") == [("pass", ".github/SECURITY.md:9")]


def test_the_service_folder_may_carry_its_own_policy_in_a_monorepo(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"services/api/SECURITY.md": POLICY, "services/web/SECURITY.md": "TBD"})
    assert check(repo / "services" / "api", "security-policy") == [("pass", "services/api/SECURITY.md:9")]
    assert check(repo / "services" / "web", "security-policy") == [("fail", "services/web/SECURITY.md:1")]


def test_a_root_policy_counts_for_every_service_in_a_monorepo(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"SECURITY.md": POLICY, "services/api/main.py": ""})
    assert check(repo / "services" / "api", "security-policy") == [("pass", "SECURITY.md:9")]


def test_an_unreadable_policy_is_an_error_not_a_failure(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"SECURITY.md": b"\x00\x01binary"})
    assert check(repo, "security-policy") == [("error", "SECURITY.md")]


def test_a_policy_symlink_is_never_followed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"README.md": "x"})
    os.symlink("/etc/passwd", root / "SECURITY.md")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "link")
    assert check(root, "security-policy") == [("fail", "")]


def test_a_policy_with_huge_lines_and_invalid_utf8_does_not_raise(tmp_path: Path) -> None:
    text = POLICY.encode() + b"\xff\xfe" + b"a" * 500_000 + b"\n" + b"@" * 100_000 + b"\n"
    repo = make_repo(tmp_path / "r", {"SECURITY.md": text})
    assert check(repo, "security-policy") == [("pass", "SECURITY.md:9")]


# ---------------------------------------------------------------------------- no-plain-secrets

# Secret values are built at run time so this file itself does not trip secret scanners.
AWS_KEY = "AKIA" + "Q3EXAMPLEZZ7RT2PLQ".replace("EXAMPLE", "WJKXNRB")[:16]
GH_TOKEN = "ghp_" + "R8mT2kq9ZxW4vN7pL1sY6cB3dF5gH0jK2aQe"
SLACK_TOKEN = "xoxb-" + "1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUv"
PASSWORD = "Tr0ub4dor-and-3"
KEY_BODY = "MIIEpAIBAAKCAQEA7bq98Q3bLxxY0v3K9nQ2pZ8s1wR4uT6yV0cX2eH5jM8kN1oP"
PRIVATE_KEY = f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n-----END RSA PRIVATE KEY-----\n"
ALL_SECRETS = (AWS_KEY, GH_TOKEN, SLACK_TOKEN, PASSWORD, KEY_BODY)


def assert_never_leaks(findings: list[Finding], *secrets: str) -> None:
    for f in findings:
        blob = repr(f)  # message, locations, evidence and remediation
        for secret in secrets:
            assert secret not in blob
            assert secret[-8:] not in blob


def test_clean_configuration_passes(tmp_path: Path) -> None:
    files = {
        "config/app.yaml": "db:\n  host: db\n  password: ${DB_PASSWORD}\n  user: app\n",
        "deploy/values.yaml": 'auth:\n  existingSecret: api-creds\n  token: "{{ .Values.token }}"\n',
        "main.tf": 'resource "aws_db_instance" "db" {\n  password = var.db_password\n}\n',
        ".env.example": "API_TOKEN=changeme\nDB_PASSWORD=\n",
        "src/app.py": f"PASSWORD = '{PASSWORD}'\n",  # not configuration: out of scope
    }
    repo = make_repo(tmp_path / "r", files)
    assert check(repo, "no-plain-secrets") == [("pass", "")]


def test_no_configuration_files_is_not_applicable(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"main.go": "package main\n", "README.md": "x"})
    assert check(repo, "no-plain-secrets") == [("not_applicable", "")]


def test_each_plain_secret_fails_at_its_line_and_the_value_never_appears(tmp_path: Path) -> None:
    files = {
        "config/app.yaml": f"db:\n  host: db\n  password: {PASSWORD}\n",
        "config/aws.ini": f"[default]\naws_access_key_id = {AWS_KEY}\n",
        "ci/settings.json": f'{{"notify": {{"slack": "{SLACK_TOKEN}"}}, "github": "{GH_TOKEN}"}}\n',
        "certs/tls.yaml": "tls:\n  key: |\n    " + PRIVATE_KEY.replace("\n", "\n    "),
        ".env": f"export API_TOKEN={PASSWORD}\n",
    }
    repo = make_repo(tmp_path / "r", files)
    findings = probe_findings(repo, "no-plain-secrets")
    assert summary(findings) == [
        ("fail", ".env:1"),
        ("fail", "certs/tls.yaml:3"),
        ("fail", "ci/settings.json:1"),
        ("fail", "config/app.yaml:3"),
        ("fail", "config/aws.ini:2"),
    ]
    assert_never_leaks(findings, *ALL_SECRETS)
    assert "password" in findings[3].message and "15 characters" in findings[3].message


def test_kubernetes_secret_data_counts_but_sealed_and_external_secrets_do_not(tmp_path: Path) -> None:
    encoded = base64.b64encode(PASSWORD.encode()).decode()
    manifests = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n"
        f"  username: YXBw\n  password: {encoded}\n"
        "---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n"
        "  encryptedData:\n    password: AgBy3i4OJSWK+PiTySYZZA7Lq0vXQ==\n"
        "---\napiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nspec:\n  data:\n"
        "    - secretKey: db-password\n      remoteRef: {key: prod/db}\n"
    )
    repo = make_repo(tmp_path / "r", {"k8s/secrets.yaml": manifests})
    findings = probe_findings(repo, "no-plain-secrets")
    assert summary(findings) == [("fail", "k8s/secrets.yaml:8")]
    assert "Secret 'db'" in findings[0].message and "data.password" in findings[0].message
    assert_never_leaks(findings, encoded, PASSWORD)


def test_kubernetes_string_data_counts(tmp_path: Path) -> None:
    text = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\nstringData:\n  apiKey: {PASSWORD}\n"
    repo = make_repo(tmp_path / "r", {"secret.yml": text})
    assert check(repo, "no-plain-secrets") == [("fail", "secret.yml:6")]


def test_env_var_name_value_pairs_are_understood(tmp_path: Path) -> None:
    text = (
        "containers:\n  - name: api\n    env:\n"
        f"      - name: DB_PASSWORD\n        value: {PASSWORD}\n"
        "      - name: API_TOKEN\n        valueFrom:\n          secretKeyRef: {name: api, key: token}\n"
        "      - name: LOG_LEVEL\n        value: debug-verbose\n"
    )
    repo = make_repo(tmp_path / "r", {"deploy.yaml": text})
    findings = probe_findings(repo, "no-plain-secrets")
    assert summary(findings) == [("fail", "deploy.yaml:5")]
    assert "DB_PASSWORD" in findings[0].message


def test_dockerfile_and_compose_and_terraform_literals_fail(tmp_path: Path) -> None:
    files = {
        "Dockerfile": f"FROM python:3.12\nENV DB_PASSWORD {PASSWORD}\nARG GITHUB_TOKEN\n",
        "docker-compose.yml": f"services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD={PASSWORD}\n",
        "infra/main.tf": f'resource "x" "y" {{\n  password = "{PASSWORD}"\n  token = var.token\n}}\n',
        "infra/prod.tfvars": 'db_password = "${var.from_vault}"\n',
        "app.properties": f"spring.datasource.password={PASSWORD}\nspring.datasource.username=app\n",
    }
    repo = make_repo(tmp_path / "r", files)
    findings = probe_findings(repo, "no-plain-secrets")
    assert summary(findings) == [
        ("fail", "Dockerfile:2"),
        ("fail", "app.properties:1"),
        ("fail", "docker-compose.yml:4"),
        ("fail", "infra/main.tf:2"),
    ]
    assert_never_leaks(findings, PASSWORD)


def test_passwords_inside_connection_urls_fail(tmp_path: Path) -> None:
    text = f"database_url: postgres://app:{PASSWORD}@db:5432/app\nother: postgres://app:${{PW}}@db/app\n"
    repo = make_repo(tmp_path / "r", {"config.yaml": text})
    findings = probe_findings(repo, "no-plain-secrets")
    assert summary(findings) == [("fail", "config.yaml:1")]
    assert_never_leaks(findings, PASSWORD)


@pytest.mark.parametrize(
    "value",
    ["changeme", "<your-password>", "REDACTED", "xxxxxxxx", "${DB_PASSWORD}", "{{ vault_db_password }}", "''",
     "!vault |", "ENC[AES256_GCM,data:abc]", "example-password", "true", "null", "***"],
)  # fmt: skip
def test_placeholders_templates_and_references_are_not_secrets(tmp_path: Path, value: str) -> None:
    repo = make_repo(tmp_path / "r", {"config.yaml": f"db:\n  password: {value}\n"})
    assert check(repo, "no-plain-secrets") == [("pass", "")]


def test_aws_documentation_example_key_is_not_a_secret(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"aws.ini": "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"})
    assert check(repo, "no-plain-secrets") == [("pass", "")]


def test_commented_out_assignments_are_ignored(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"config.yaml": f"# password: {PASSWORD}\nuser: app\n"})
    assert check(repo, "no-plain-secrets") == [("pass", "")]


def test_keys_that_merely_contain_a_secret_word_are_not_secrets(tmp_path: Path) -> None:
    text = '{"js-tokens": "^4.0.0", "max_tokens": 4096, "token_url": "https://x/oauth", "secretName": "tls"}\n'
    repo = make_repo(tmp_path / "r", {"package.json": text})
    assert check(repo, "no-plain-secrets") == [("pass", "")]


def test_a_private_key_marker_without_key_material_is_not_a_secret(tmp_path: Path) -> None:
    text = "key: |\n  -----BEGIN PRIVATE KEY-----\n  ...\n  -----END PRIVATE KEY-----\n"
    repo = make_repo(tmp_path / "r", {"example.yaml": text})
    assert check(repo, "no-plain-secrets") == [("pass", "")]


def test_a_monorepo_review_scans_the_service_folder_and_the_shared_top_level_files(tmp_path: Path) -> None:
    files = {
        "services/api/config.yaml": "password: ${PW}\n",
        "services/web/config.yaml": f"password: {PASSWORD}\n",
        "deploy/prod.yaml": f"password: {PASSWORD}\n",
        ".github/workflows/ci.yml": f"env:\n  SLACK: {SLACK_TOKEN}\n",
        "docker-compose.yml": f"x:\n  token: {PASSWORD}\n",
    }
    repo = make_repo(tmp_path / "r", files)
    assert check(repo / "services" / "api", "no-plain-secrets") == [
        ("fail", ".github/workflows/ci.yml:2"),
        ("fail", "docker-compose.yml:2"),
    ]


def test_malformed_yaml_is_still_scanned_line_by_line(tmp_path: Path) -> None:
    text = f"db: [unclosed\n  password: {PASSWORD}\n\tbad: {{\n"
    repo = make_repo(tmp_path / "r", {"broken.yaml": text})
    findings = probe_findings(repo, "no-plain-secrets")
    assert summary(findings) == [("fail", "broken.yaml:2")]
    assert_never_leaks(findings, PASSWORD)


def test_an_unreadable_config_file_is_an_error_and_never_a_pass(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"blob.json": b"\x00\x01\x02", "ok.yaml": "a: b\n"})
    assert check(repo, "no-plain-secrets") == [("error", "blob.json")]


def test_lock_files_and_vendored_folders_are_not_scanned(tmp_path: Path) -> None:
    files = {
        "package-lock.json": f'{{"password": "{PASSWORD}"}}\n',
        "node_modules/x/config.json": f'{{"password": "{PASSWORD}"}}\n',
    }
    repo = make_repo(tmp_path / "r", files)
    assert check(repo, "no-plain-secrets") == [("not_applicable", "")]


def test_hostile_configuration_never_raises_and_stays_fast(tmp_path: Path) -> None:
    files = {
        "a.yaml": "a" * 400_000 + ":" + "b" * 400_000 + "\n",
        "b.json": '"' * 300_000 + "\n" + "-----BEGIN " * 50_000 + "\n",
        "c.env": "x://" * 100_000 + "\n" + ("k" * 99 + "=") * 5_000 + "\n",
        "d.yaml": b"password: \xff\xfe\xfd" + b"\x01" * 10 + b"\n" + b"[" * 100_000 + b"\n",
        "e.yaml": "a: &a [" + "*a, " * 1000 + "]\nkind: Secret\ndata: *a\n",
    }
    repo = make_repo(tmp_path / "r", files)
    findings = probe_findings(repo, "no-plain-secrets")
    assert summary(findings) == [("fail", "d.yaml:1")]


def test_odd_file_names_are_located_raw_but_printed_safely(tmp_path: Path) -> None:
    name = "conf/we\nird\udcff.yaml"  # a newline and a byte that is not UTF-8
    repo = make_repo(tmp_path / "r", {name: f"password: {PASSWORD}\r\n"})
    findings = probe_findings(repo, "no-plain-secrets")
    assert summary(findings) == [("fail", f"{name}:1")]
    message = findings[0].message
    assert "\n" not in message and message.encode("utf-8")
    assert message.startswith("conf/we?ird\\xff.yaml:1: password")
    assert_never_leaks(findings, PASSWORD)


def test_a_secret_nested_in_one_line_json_or_flow_yaml_fails_at_its_line(tmp_path: Path) -> None:
    files = {
        "config/app.json": f'{{"database": {{"password": "{PASSWORD}"}}, "host": "db"}}\n',
        "config/clean.json": '{"database": {"password": "${DB_PASSWORD}"}, "tls": ["a", "b"]}\n',
        "config/clients.json": f'{{"clients": [{{"token": "{PASSWORD}"}}]}}\n',
        "config/flow.yaml": f"db: {{password: {PASSWORD}, host: db}}\n",
    }
    repo = make_repo(tmp_path / "r", files)
    findings = probe_findings(repo, "no-plain-secrets")
    assert summary(findings) == [
        ("fail", "config/app.json:1"),
        ("fail", "config/clients.json:1"),
        ("fail", "config/flow.yaml:1"),
    ]
    assert [f.message.split(": ", 1)[1].split(" ")[0] for f in findings] == ["password", "token", "password"]
    assert_never_leaks(findings, PASSWORD)


def _ssh_key(folder: Path, *kind: str) -> tuple[str, str]:
    """A private key and its public key, made by ssh-keygen (KIND: its type and format options)."""
    folder.mkdir()
    key = folder / "key"
    subprocess.run(["ssh-keygen", "-q", "-N", "", "-C", "test", "-f", str(key), *kind], check=True, timeout=60)
    return key.read_text(), key.with_suffix(".pub").read_text()


def _certificate() -> str:
    """A self-signed certificate in PEM: public, however key-like its file name."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "payments.example.test")])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    builder = x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
    builder = builder.serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=90))
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def test_committed_private_key_files_fail_and_their_key_material_never_appears(tmp_path: Path) -> None:
    ed25519, ed25519_pub = _ssh_key(tmp_path / "ed25519", "-t", "ed25519")
    rsa_pem, _ = _ssh_key(tmp_path / "rsa", "-t", "rsa", "-b", "2048", "-m", "PEM")
    pkcs8, _ = _ssh_key(tmp_path / "pkcs8", "-t", "ecdsa", "-m", "PKCS8")
    files = {
        ".ssh/id_rsa": rsa_pem,
        "deploy/deploy_key": ed25519,
        "deploy/deploy_key.pub": ed25519_pub,
        "ops/id_ed25519": ed25519,
        "tls/key.pem": pkcs8,
        "tls/server.key": rsa_pem,
    }
    repo = make_repo(tmp_path / "r", files)
    findings = probe_findings(repo, "no-plain-secrets")
    assert summary(findings) == [
        ("fail", ".ssh/id_rsa:1"),
        ("fail", "deploy/deploy_key:1"),
        ("fail", "ops/id_ed25519:1"),
        ("fail", "tls/key.pem:1"),
        ("fail", "tls/server.key:1"),
    ]
    assert "RSA PRIVATE KEY" in findings[0].message and "OPENSSH PRIVATE KEY" in findings[1].message
    assert_never_leaks(findings, *(key.split("\n")[1] for key in (ed25519, rsa_pem, pkcs8)))


def test_public_keys_and_certificates_in_key_files_pass(tmp_path: Path) -> None:
    _, ed25519_pub = _ssh_key(tmp_path / "ed25519", "-t", "ed25519")
    _ssh_key(tmp_path / "rsa", "-t", "rsa", "-b", "2048")
    pem_public = subprocess.run(
        ["ssh-keygen", "-e", "-m", "PKCS8", "-f", str(tmp_path / "rsa" / "key.pub")],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    files = {"certs/ca.pem": _certificate(), "keys/signing.pem": pem_public, "keys/deploy_key": ed25519_pub}
    repo = make_repo(tmp_path / "r", files)
    findings = probe_findings(repo, "no-plain-secrets")
    assert summary(findings) == [("pass", "")]
    assert findings[0].message == "no plain secrets in 0 configuration file(s) and 3 key file(s)"  # read, not left out


def test_a_binary_file_with_a_key_name_is_not_an_error(tmp_path: Path) -> None:
    files = {
        "keys/server.key": b"0\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01",
        "slides/launch.key": b"PK\x03\x04\x00\x00",
    }
    repo = make_repo(tmp_path / "r", files)  # a DER key and a Keynote deck: no PEM block to find
    assert check(repo, "no-plain-secrets") == [("pass", "")]
