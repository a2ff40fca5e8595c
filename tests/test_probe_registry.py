"""The probe registry: every probe is a well-formed yes/no question, documented."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from conftest import REPO_ROOT

from prr.domain.probe_spec import ParamType, ProbeKind
from prr.probes.catalog_doc import render
from prr.probes.registry import IN_SERVICE, PROBES, URL_PATH

_PY_TYPES = {
    ParamType.STR: str,
    ParamType.INT: int,
    ParamType.NUMBER: (int, float),
    ParamType.BOOL: bool,
    ParamType.STR_LIST: list,
}


def test_probe_ids_are_stable_kebab_case_and_questions_end_with_a_question_mark() -> None:
    for probe_id, spec in PROBES.items():
        assert probe_id == spec.id
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", probe_id)
        assert spec.question.endswith("?"), probe_id
        assert spec.remediation, probe_id


def test_parameter_defaults_have_their_declared_type() -> None:
    for spec in PROBES.values():
        for param in spec.params:
            assert isinstance(param.default, _PY_TYPES[param.type]), (spec.id, param.name)
            if param.type is ParamType.STR_LIST:
                assert all(isinstance(v, str) for v in param.default)


def test_parameter_defaults_make_sense_by_their_own_declaration() -> None:
    for spec in PROBES.values():
        for param in spec.params:
            entries = param.default if param.type is ParamType.STR_LIST else [param.default]
            texts = [v for v in entries if isinstance(v, str)]
            assert param.value_problem(param.default) is None, (spec.id, param.name)
            assert [param.entry_problem(v) for v in texts] == [None] * len(texts), (spec.id, param.name)


def test_every_list_parameter_must_be_non_empty_and_every_number_has_a_minimum() -> None:
    """An empty list or a negative count makes a probe fail for ever or pass on nothing."""
    for spec in PROBES.values():
        for param in spec.params:
            if param.type is ParamType.STR_LIST:
                assert param.non_empty, (spec.id, param.name)
            if param.type in (ParamType.INT, ParamType.NUMBER):
                assert param.minimum is not None, (spec.id, param.name)


def test_path_parameters_must_name_a_path_their_probe_can_reach() -> None:
    for spec in PROBES.values():
        for param in spec.params:
            if param.name in ("path", "paths"):
                expected = IN_SERVICE if spec.kind is ProbeKind.REPOSITORY else URL_PATH
                assert param.shape == expected, (spec.id, param.name)


def test_golden_signals_may_only_name_the_signals_the_probe_recognises() -> None:
    signals = PROBES["dashboard-golden-signals"].param("signals")
    assert signals is not None
    assert signals.entry_problem("latency") is None
    assert signals.entry_problem("foo") == "must be one of latency, traffic, errors, saturation, got 'foo'"


def test_the_probe_reference_shows_what_each_parameter_allows() -> None:
    doc = render()
    assert "| `min_words` | integer | `80` | at least 1 |" in doc
    assert "| not empty; each one of `latency`, `traffic`, `errors`, `saturation` |" in doc
    assert "| `path` | string | `\"/metrics\"` | a URL path starting with '/' (no spaces) |" in doc


def test_docs_probes_md_is_generated_from_the_registry() -> None:
    committed = (REPO_ROOT / "docs" / "probes.md").read_text()
    assert committed == render(), "regenerate: python -m prr.probes.catalog_doc > docs/probes.md"


def test_every_declared_repository_probe_is_implemented_and_nothing_else() -> None:
    from prr.probes.repo import REPOSITORY_PROBES

    declared = {probe_id for probe_id, spec in PROBES.items() if spec.kind is ProbeKind.REPOSITORY}
    assert set(REPOSITORY_PROBES) == declared


def test_the_family_table_names_exactly_the_probes_each_family_module_implements() -> None:
    import importlib

    from prr.probes.repo import FAMILIES, REPOSITORY_PROBES

    for family, ids in FAMILIES.items():
        module = importlib.import_module(f"prr.probes.repo.{family}")
        assert tuple(probe.id for probe in module.PROBES) == ids, family
        assert all(REPOSITORY_PROBES[probe.id] is probe for probe in module.PROBES)


def test_probes_over_the_yaml_manifests_share_one_selection_whatever_their_parameters() -> None:
    from prr.probes.repo import REPOSITORY_PROBES
    from prr.probes.repo.k8s import selects_yaml

    over_yaml = [probe for probe in REPOSITORY_PROBES.values() if probe.selects is selects_yaml]
    assert len(over_yaml) >= 9
    assert not [probe.id for probe in over_yaml if probe.selects_by_params]  # made by yaml_probe


def test_a_probe_imports_its_own_family_only() -> None:
    script = (
        "import json, sys; from prr.probes.repo import REPOSITORY_PROBES; REPOSITORY_PROBES['runbook-present']; "
        "print(json.dumps([m.split('.')[3] for m in sys.modules if m.startswith('prr.probes.repo.')]))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    families = set(json.loads(done.stdout))
    assert "runbooks" in families
    assert not families & {"workloads", "dashboards", "delivery", "alerting", "security"}


def test_every_repository_probe_but_the_secrets_scan_declares_candidates_for_the_path_index() -> None:
    from prr.probes.repo import REPOSITORY_PROBES

    assert [p.id for p in REPOSITORY_PROBES.values() if p.candidates is None] == ["no-plain-secrets"]
