"""The domain is pure: importing it must not pull in a UI, CLI, git or HTTP library."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO_ROOT

FORBIDDEN = ("textual", "click", "git", "httpx")
PURE_MODULES = (
    "prr.domain.checklist",
    "prr.domain.answers",
    "prr.domain.findings",
    "prr.domain.status",
    "prr.domain.verdict",
    "prr.domain.scoring",
    "prr.domain.probe_spec",
    "prr.domain.errors",
    "prr.domain.redaction",
    "prr.domain.text",
    "prr.probes.api",
    "prr.probes.endpoint_api",
    "prr.probes.promql_names",
    "prr.format.pack_loader",
    "prr.format.pack_json",
    "prr.format.answers_file",
    "prr.domain.record",
    "prr.format.record_toml",
    "prr.format.answers_template",
    "prr.probes.registry",
    "prr.domain.draft",
    "prr.format.draft_toml",
    "prr.format.toml_document",
    "prr.format.service_config",
    "prr.format.keymap",
    "prr.domain.verification",
    "prr.domain.rescoring",
)


def test_domain_and_formats_import_no_ui_cli_git_or_http() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {PURE_MODULES!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    leaked = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert leaked == []


def test_every_domain_module_is_covered_by_the_purity_check() -> None:
    domain = sorted(f"prr.domain.{p.stem}" for p in (REPO_ROOT / "prr" / "domain").glob("*.py") if p.stem != "__init__")
    assert set(domain) <= set(PURE_MODULES)


def test_built_in_scorers_import_only_the_domain() -> None:
    for path in (REPO_ROOT / "scorers").glob("*.py"):
        imports = [line for line in path.read_text().splitlines() if line.startswith(("import ", "from "))]
        for line in imports:
            module = line.split()[1]
            assert module.split(".")[0] in {"__future__", "datetime", "collections", "typing", "prr"}, line
            assert not module.startswith("prr.") or module.startswith("prr.domain"), line
