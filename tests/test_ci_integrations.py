"""prr in CI: the pre-commit hooks, the composite GitHub Action and the GitLab CI template,
each run here the way its CI system would run it, on fixture repositories with fresh and
stale signed reviews. Nothing is installed from the network: a `prr` command on PATH
stands in for `pip install`, the one step these tests leave out."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ci_fixtures import (
    FAILING,
    PASSING,
    assert_code_scanning_ready,
    make_stale,
    signed_repo,
    validated_sarif,
    write_pack,
)
from conftest import REPO_ROOT
from gitrepos import make_repo
from pre_commit.clientlib import load_config, load_manifest
from ruamel.yaml import YAML

ACTION = REPO_ROOT / "action.yml"
ACTION_SCRIPT = REPO_ROOT / "ci" / "github-action.sh"
GITLAB = REPO_ROOT / "ci" / "gitlab-ci.yml"
HOOKS = REPO_ROOT / ".pre-commit-hooks.yaml"
DOCS = REPO_ROOT / "docs" / "ci.md"


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def load_yaml(text: str) -> Any:
    """YAML 1.2, as GitHub and GitLab read it (`on:` stays a string)."""
    return YAML(typ="safe", pure=True).load(text)


def schema_errors(document: Any, name: str) -> list[str]:
    """`document` checked against a CI system's JSON schema, as vendored by check-jsonschema."""
    schema = json.loads((files("check_jsonschema.builtin_schemas.vendor") / f"{name}.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture
def ci_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a CI job that installed prr: `prr` on PATH, no developer cache."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "prr"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m prr "$@"\n')
    shim.chmod(0o755)
    return dict(
        os.environ,
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        PYTHONPATH=str(REPO_ROOT),
        PRR_CACHE_DIR=str(tmp_path / "prr-cache"),
        NO_COLOR="1",
    )


def run(argv: list[str], cwd: Path, env: Mapping[str, str]) -> Ran:
    done = subprocess.run(argv, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=120)
    return Ran(done.returncode, done.stdout, done.stderr)


# --- pre-commit -----------------------------------------------------------------------


def hooks() -> dict[str, dict[str, Any]]:
    """The manifest as pre-commit itself loads it: its own schema check, its defaults."""
    return {hook["id"]: hook for hook in load_manifest(str(HOOKS))}


def run_hook(hook: dict[str, Any], repo: Path, args: list[str], env: Mapping[str, str]) -> Ran:
    """What pre-commit runs: the entry, the hook's and the user's args, at the top of the
    repository; no file names, since the hooks read commits."""
    assert hook["pass_filenames"] is False
    return run([*shlex.split(hook["entry"]), *hook["args"], *args], repo, env)


def test_the_hooks_manifest_declares_prr_check_and_prr_probe() -> None:
    found = hooks()
    assert {name: hook["entry"] for name, hook in found.items()} == {
        "prr-check": "prr check",
        "prr-probe": "prr probe",
    }
    for hook in found.values():
        assert (hook["language"], hook["always_run"]) == ("python", True)
        assert "pre-push" in hook["stages"]


def test_the_prr_check_hook_passes_a_fresh_review_and_fails_a_stale_one(tmp_path: Path, ci_env: dict[str, str]) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path)
    args = [f"--allowed-signers={allowed_signers}"]  # as docs/ci.md puts it in .pre-commit-config.yaml
    fresh = run_hook(hooks()["prr-check"], repo, args, ci_env)
    assert fresh.code == 0, fresh.out + fresh.err
    assert fresh.out.startswith("PASS ready: ")
    make_stale(repo)
    stale = run_hook(hooks()["prr-check"], repo, args, ci_env)
    assert stale.code == 1
    assert stale.out.startswith("FAIL stale: 1 file changed since the review of 2026-11-01")


def test_the_prr_probe_hook_fails_when_a_probe_fails(tmp_path: Path, ci_env: dict[str, str]) -> None:
    repo = make_repo(tmp_path / "svc", PASSING)
    args = ["--checklist", write_pack(tmp_path)]
    assert run_hook(hooks()["prr-probe"], repo, args, ci_env).code == 0
    make_repo(repo, {"alerts/payments.rules.yaml": FAILING["alerts/payments.rules.yaml"]})
    failed = run_hook(hooks()["prr-probe"], repo, args, ci_env)
    assert failed.code == 1
    assert "FAIL  alerting.runbook-links" in failed.out


# --- GitHub Action --------------------------------------------------------------------

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass(frozen=True)
class ActionRun:
    code: int
    log: str  # what the job log shows: stdout and stderr of the steps
    outputs: dict[str, str]  # the action's outputs, as a workflow reads them
    summary: str
    skipped: list[str]  # steps left to GitHub: `uses:` steps and the pip install


def run_action(workspace: Path, inputs: Mapping[str, str], env: Mapping[str, str], tmp_path: Path) -> ActionRun:
    """Run action.yml's shell steps as a GitHub runner does: `bash -e -o pipefail` in the
    workspace, `${{ inputs.* }}` filled from the inputs and their defaults,
    GITHUB_ACTION_PATH at the action's folder, outputs through GITHUB_OUTPUT. Any other
    expression fails the test, so what runs here is what runs on GitHub."""
    action = load_yaml(ACTION.read_text())
    given = {name: spec.get("default", "") for name, spec in action["inputs"].items()} | dict(inputs)
    assert set(inputs) <= set(action["inputs"]), "an input the action does not declare"
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    output_file, summary_file = tmp_path / "github-output", tmp_path / "step-summary"
    step_outputs: dict[str, dict[str, str]] = {}
    log, skipped, code = "", [], 0
    for step in action["runs"]["steps"]:
        if "uses" in step or "pip install" in step.get("run", ""):
            skipped.append(step["name"])
            continue
        assert step["shell"] == "bash"
        output_file.write_text("")
        step_env = {name: fill(value, given) for name, value in step.get("env", {}).items()}
        script = fill(step["run"], given)
        ran = run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            workspace,
            dict(
                env,
                **step_env,
                GITHUB_ACTION_PATH=str(REPO_ROOT),
                GITHUB_WORKSPACE=str(workspace),
                GITHUB_OUTPUT=str(output_file),
                GITHUB_STEP_SUMMARY=str(summary_file),
                RUNNER_TEMP=str(temp),
            ),
        )
        log += ran.out + ran.err
        step_outputs[step.get("id", "")] = dict(
            line.split("=", 1) for line in output_file.read_text().splitlines() if line
        )
        if ran.code != 0:
            code = ran.code
            break
    outputs = {}
    for name, spec in action["outputs"].items():
        [expression] = EXPRESSION.findall(spec["value"])
        step_id, _, key = expression.removeprefix("steps.").partition(".outputs.")
        outputs[name] = step_outputs.get(step_id, {}).get(key, "")
    summary = summary_file.read_text() if summary_file.exists() else ""
    return ActionRun(code, log, outputs, summary, skipped)


def fill(text: str, inputs: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match[1].removeprefix("inputs.")
        assert match[1].startswith("inputs.") and name in inputs, f"cannot evaluate here: {match[0]}"
        return inputs[name]

    return EXPRESSION.sub(value, text)


def test_action_yml_is_a_valid_composite_action_that_runs_the_script() -> None:
    action = load_yaml(ACTION.read_text())
    assert schema_errors(action, "github-actions") == []
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert '"$GITHUB_ACTION_PATH"' in install["run"]  # prr comes from the action's own folder
    # into a virtual environment of its own (a runner's python3 refuses pip: PEP 668), on PATH for the gate
    assert install["run"].startswith('python3 -m venv "$RUNNER_TEMP/prr-venv"\n')
    assert 'echo "$RUNNER_TEMP/prr-venv/bin" >> "$GITHUB_PATH"' in install["run"]
    gate = next(s for s in steps if "ci/github-action.sh" in s.get("run", ""))
    assert gate["id"] == "gate"
    assert set(gate["env"]) == {f"INPUT_{name.upper().replace('-', '_')}" for name in action["inputs"]} - {
        "INPUT_PYTHON_VERSION"  # used by setup-python, not the script
    }
    for name in gate["env"]:
        assert f"${{{name}:-" in ACTION_SCRIPT.read_text(), f"the script never reads {name}"
    assert action["inputs"]["allowed-signers"]["required"] is True


def test_the_action_passes_on_a_fresh_review(tmp_path: Path, ci_env: dict[str, str]) -> None:
    repo, record, allowed_signers = signed_repo(tmp_path)
    done = run_action(repo, {"allowed-signers": str(allowed_signers)}, ci_env, tmp_path)
    assert done.code == 0, done.log
    assert done.skipped == ["Set up Python", "Install prr from this action", "Upload SARIF to code scanning"]
    assert done.outputs["passed"] == "true"
    assert done.outputs["exit-code"] == "0"
    assert done.outputs["reason"].startswith(f"ready: {record.parent.name} of 2026-11-01, signed by ")
    assert Path(done.outputs["report"]).read_text().startswith("PASS ready: ")
    assert Path(done.outputs["repository"]) == repo.resolve()  # where the SARIF's paths start
    assert "::notice title=prr check::ready: " in done.log
    assert done.summary.startswith("### prr check: PASS\n")


def test_the_action_fails_on_a_stale_review(tmp_path: Path, ci_env: dict[str, str]) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path)
    make_stale(repo)
    done = run_action(repo, {"allowed-signers": str(allowed_signers)}, ci_env, tmp_path)
    assert done.code == 1
    assert done.outputs["passed"] == "false"
    assert done.outputs["reason"] == "stale: 1 file changed since the review of 2026-11-01"
    assert "::error title=prr check::stale: 1 file changed" in done.log
    quoted = re.search(r"::stop-commands::(\w+)\n(.*?)::\1::\n", done.log, re.S)
    assert quoted is not None and quoted[2].startswith("FAIL stale: ")  # prr's output never runs as a command
    assert done.summary.startswith("### prr check: FAIL\n")


def test_the_action_writes_junit_and_sarif_that_validate(tmp_path: Path, ci_env: dict[str, str]) -> None:
    repo, record, allowed_signers = signed_repo(tmp_path)
    make_stale(repo)
    inputs = {"allowed-signers": str(allowed_signers), "format": "junit", "probe": "true", "upload-sarif": "true"}
    done = run_action(repo, inputs, ci_env, tmp_path)
    assert done.code == 1  # the probes never change the gate's result
    report = ET.parse(done.outputs["report"]).getroot()
    failure = report.find("testsuite/testcase/failure")
    assert failure is not None and failure.get("message", "").startswith("stale: ")
    sarif_dir = Path(done.outputs["sarif-dir"])
    assert sorted(p.name for p in sarif_dir.iterdir()) == ["prr-check.sarif", "prr-probe.sarif"]
    check = validated_sarif((sarif_dir / "prr-check.sarif").read_text())
    probe = validated_sarif((sarif_dir / "prr-probe.sarif").read_text())
    for log in (check, probe):
        assert_code_scanning_ready(log)
    [stale] = check["runs"][0]["results"]
    assert stale["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == str(
        record.relative_to(repo).as_posix()
    )
    assert done.outputs["probe-exit-code"] == "1"  # the launch pack's probes fail on this tiny service
    assert probe["runs"][0]["results"]


def test_the_action_pins_the_tier_from_its_tier_input(tmp_path: Path, ci_env: dict[str, str]) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path)  # a tier-1 review of a tier-1 service
    stricter = run_action(repo, {"allowed-signers": str(allowed_signers), "tier": "0"}, ci_env, tmp_path)
    assert stricter.code == 1
    assert stricter.outputs["reason"] == (
        "no review record of this repository for checklist launch at tier 0: run prr review"
    )
    assert run_action(repo, {"allowed-signers": str(allowed_signers), "tier": "2"}, ci_env, tmp_path).code == 0
    wrong = run_action(repo, {"allowed-signers": str(allowed_signers), "tier": "high"}, ci_env, tmp_path)
    assert wrong.code == 2
    assert "::error title=prr::tier must be 0, 1, 2 or 3" in wrong.log


def test_the_action_pins_the_pack_from_its_checklist_input(tmp_path: Path, ci_env: dict[str, str]) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path)  # a review made with the launch pack
    other = run_action(repo, {"allowed-signers": str(allowed_signers), "checklist": "migration"}, ci_env, tmp_path)
    assert other.code == 1
    assert other.outputs["reason"] == (
        "no review record of this repository for checklist migration at tier 1: run prr review"
    )
    assert (
        run_action(repo, {"allowed-signers": str(allowed_signers), "checklist": "launch"}, ci_env, tmp_path).code == 0
    )


def test_the_action_refuses_to_run_without_trust(tmp_path: Path, ci_env: dict[str, str]) -> None:
    repo, _, _ = signed_repo(tmp_path)
    done = run_action(repo, {"allowed-signers": ""}, ci_env, tmp_path)
    assert done.code == 2
    assert "::error title=prr::allowed-signers is required" in done.log
    assert done.outputs["exit-code"] == "2"


def test_the_action_says_a_shallow_clone_needs_fetch_depth_0(tmp_path: Path, ci_env: dict[str, str]) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path)
    shallow = tmp_path / "shallow"
    run(["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow)], tmp_path, ci_env)
    done = run_action(shallow, {"allowed-signers": str(allowed_signers)}, ci_env, tmp_path)
    assert done.code == 1  # the reviewed commit is not in the clone
    assert "::warning title=prr::shallow clone" in done.log
    assert "fetch-depth: 0" in done.log


def test_the_script_runs_alone_with_the_variables_the_action_sets(tmp_path: Path, ci_env: dict[str, str]) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path)
    env = dict(ci_env, INPUT_ALLOWED_SIGNERS=str(allowed_signers), INPUT_FORMAT="yaml", RUNNER_TEMP=str(tmp_path))
    assert run(["bash", str(ACTION_SCRIPT)], repo, env).code == 2  # no such format
    env["INPUT_FORMAT"] = "json"
    done = run(["bash", str(ACTION_SCRIPT)], repo, env)
    assert done.code == 0, done.out + done.err
    assert json.loads((tmp_path / "prr" / "prr-check.json").read_text())["passed"] is True


# --- GitLab CI ------------------------------------------------------------------------


def test_the_gitlab_template_is_valid_and_reports_junit() -> None:
    template = load_yaml(GITLAB.read_text())
    assert schema_errors(template, "gitlab-ci") == []
    job = template["prr-check"]
    assert job["variables"]["GIT_DEPTH"] == "0"
    assert job["artifacts"]["reports"]["junit"] == "$PRR_REPORT"
    assert job["artifacts"]["when"] == "always"
    assert any("prr check" in line and "--format junit" in line for line in job["script"])


def run_gitlab_job(repo: Path, allowed_signers: str, env: Mapping[str, str], tier: str = "") -> Ran:
    """The job's lines as GitLab's shell runs them (one script, stopping at the first
    failure), with its variables (PRR_TIER set to TIER when given); the pip install is
    the line left out."""
    template = load_yaml(GITLAB.read_text())
    job = template["prr-check"]
    lines = [line for line in job["before_script"] + job["script"] if "pip install" not in line]
    variables = template["variables"] | job["variables"]
    variables |= {"PRR_ALLOWED_SIGNERS": allowed_signers, "PRR_PIP_SPEC": "prr"} | ({"PRR_TIER": tier} if tier else {})
    return run(["bash", "-eo", "pipefail", "-c", "\n".join(lines)], repo, dict(env, **variables))


def test_the_gitlab_job_passes_a_fresh_review_and_fails_a_stale_one(tmp_path: Path, ci_env: dict[str, str]) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path)
    fresh = run_gitlab_job(repo, str(allowed_signers), ci_env)
    assert fresh.code == 0, fresh.out + fresh.err
    assert ET.parse(repo / "prr-check.xml").getroot().find("testsuite/testcase/failure") is None
    (repo / "prr-check.xml").unlink()
    make_stale(repo)
    stale = run_gitlab_job(repo, str(allowed_signers), ci_env)
    assert stale.code == 1
    assert stale.out.startswith("FAIL stale: ")  # the reason, in the job log
    failure = ET.parse(repo / "prr-check.xml").getroot().find("testsuite/testcase/failure")
    assert failure is not None and failure.get("message", "").startswith("stale: ")


def test_the_gitlab_job_pins_the_tier_from_prr_tier(tmp_path: Path, ci_env: dict[str, str]) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path)  # a tier-1 review of a tier-1 service
    pinned = run_gitlab_job(repo, str(allowed_signers), ci_env, tier="0")
    assert pinned.code == 1
    assert pinned.out.startswith("FAIL no review record of this repository for checklist launch at tier 0")
    failure = ET.parse(repo / "prr-check.xml").getroot().find("testsuite/testcase/failure")
    assert failure is not None and "at tier 0" in failure.get("message", "")


def test_the_gitlab_job_says_what_is_missing(tmp_path: Path, ci_env: dict[str, str]) -> None:
    repo, _, _ = signed_repo(tmp_path)
    missing = run_gitlab_job(repo, "", ci_env)
    assert missing.code == 2
    assert missing.err == "prr: add PRR_ALLOWED_SIGNERS as a File-type CI/CD variable\n"


# --- docs/ci.md -----------------------------------------------------------------------


def yaml_blocks() -> list[Any]:
    return [load_yaml(block) for block in re.findall(r"```yaml\n(.*?)```", DOCS.read_text(), re.S)]


def test_the_documented_workflow_is_valid_and_uses_the_actions_inputs() -> None:
    workflow = yaml_blocks()[0]
    assert schema_errors(workflow, "github-workflows") == []
    steps = workflow["jobs"]["prr"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    [gate] = [s for s in steps if s.get("uses", "").startswith("your-org/prr@")]
    declared = load_yaml(ACTION.read_text())["inputs"]
    assert set(gate["with"]) <= set(declared)
    assert workflow["permissions"]["security-events"] == "write"


def test_the_documented_gitlab_include_and_pre_commit_config_are_valid(tmp_path: Path) -> None:
    blocks = yaml_blocks()
    [gitlab] = [b for b in blocks if "include" in b]
    assert schema_errors(gitlab, "gitlab-ci") == []
    assert gitlab["include"][0]["file"] == "ci/gitlab-ci.yml"
    [pre_commit] = [b for b in blocks if "repos" in b]
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(json.dumps(pre_commit))  # JSON is YAML
    loaded = load_config(str(config))  # pre-commit's own schema check
    assert {hook["id"] for hook in loaded["repos"][0]["hooks"]} == set(hooks())
