"""Every malformed pack is refused with one line per problem, `file:line:col: message`.

Positions are 1-based and point at the offending value (or key), so an editor can jump
there. Lines 1-14 of PACK are a valid pack; cases append lines 15 onwards to its item."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run

from prr.domain.errors import InputError
from prr.workflow.checklists import lint, open_pack

PACK = """\
id: demo
version: "1.0"
title: Demo
description: A demo pack.
scorer: gate
sections:
  - id: ops
    title: Operations
    items:
      - id: ops.runbook
        title: A runbook exists
        why: Pages need a plan.
        how: Write one.
        required: [0, 1]
"""


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        open_pack(str(path))
    return caught.value.lines()


CASES = {
    "duplicate key": ("        title: Again\n", ["p.yaml:15:9: duplicate key 'title' (first at line 11): keep one"]),
    "alias and anchor": (
        "        why: &w text\n        how: *w\n",
        [
            "p.yaml:15:9: duplicate key 'why' (first at line 12): keep one",
            "p.yaml:15:14: YAML anchors are not allowed (&w): write the value out",
            "p.yaml:16:9: duplicate key 'how' (first at line 13): keep one",
            "p.yaml:16:14: YAML aliases are not allowed (*w): write the value out",
        ],
    ),
    "python tag": (
        "        tags: !!python/object/apply:os.system [echo]\n",
        ["p.yaml:15:15: YAML tags are not allowed (!!python/object/apply:os.system): remove the tag"],
    ),
    "unknown key": ("        owner: sre\n", ["p.yaml:15:9: unknown key 'owner' in item"]),
    "misspelt key": ("        wieght: 2\n", ["p.yaml:15:9: unknown key 'wieght' in item (did you mean 'weight'?)"]),
    "wrong type": (
        "        weight: heavy\n        tags: security\n",
        [
            "p.yaml:15:17: weight must be a number, got 'heavy'",
            "p.yaml:16:15: tags must be a list, got 'security'",
        ],
    ),
    "norway": (
        "        level: NO\n",
        ["p.yaml:15:16: level: YAML reads unquoted 'NO' as a boolean, not text; quote it: \"NO\""],
    ),
    "on is a boolean": (
        "        tags: [on]\n",
        ["p.yaml:15:16: tags entry: YAML reads unquoted 'on' as a boolean, not text; quote it: \"on\""],
    ),
    "tier out of range": ("        recommended: [4]\n", ["p.yaml:15:23: recommended tier must be from 0 to 3, got 4"]),
    "negative tier": ("        recommended: [-1]\n", ["p.yaml:15:23: recommended tier must be from 0 to 3, got -1"]),
    "tier as text": (
        '        recommended: ["2"]\n',
        ["p.yaml:15:23: recommended tier must be a whole number written in decimal, got text"],
    ),
    "tier as float": (
        "        recommended: [2.0]\n",
        ["p.yaml:15:23: recommended tier must be a whole number written in decimal, got '2.0'"],
    ),
    "tier twice": ("        recommended: [2, 2]\n", ["p.yaml:15:26: tier 2 is listed twice in recommended"]),
    "tier both required and recommended": (
        "        recommended: [1, 2]\n",
        ["p.yaml:15:22: tier 1 is both required and recommended"],
    ),
    "less critical tier asks more": (
        "        recommended: [3]\n",
        ["p.yaml:15:22: recommended at tier 3 but not asked at tier 2: a more critical tier must ask at least as much"],
    ),
    "unknown probe": (
        "        evidence: automatic\n        probes: [runbook-presnt]\n",
        [
            "p.yaml:16:18: unknown probe 'runbook-presnt': no probe registry declares it "
            "(did you mean 'runbook-present'?)"
        ],
    ),
    "unknown probe parameter": (
        "        evidence: both\n        probes: [{probe: runbook-present, with: {min_wrds: 10}}]\n",
        ["p.yaml:16:50: unknown key 'min_wrds' in parameters of probe 'runbook-present' (did you mean 'min_words'?)"],
    ),
    "probe parameter of the wrong type": (
        "        evidence: both\n        probes: [{probe: runbook-present, with: {min_words: lots}}]\n",
        [
            "p.yaml:16:61: parameter 'min_words' of 'runbook-present' "
            "must be a whole number written in decimal, got 'lots'"
        ],
    ),
    "unknown golden signal": (
        "        evidence: both\n"
        "        probes: [{probe: dashboard-golden-signals, with: {signals: [latency, foo]}}]\n",
        [
            "p.yaml:16:78: parameter 'signals' of 'dashboard-golden-signals': each entry must be one of "
            "latency, traffic, errors, saturation, got 'foo'"
        ],
    ),
    "misspelt golden signal": (
        "        evidence: both\n        probes: [{probe: dashboard-golden-signals, with: {signals: [latncy]}}]\n",
        [
            "p.yaml:16:69: parameter 'signals' of 'dashboard-golden-signals': each entry must be one of "
            "latency, traffic, errors, saturation, got 'latncy' (did you mean 'latency'?)"
        ],
    ),
    "negative word count": (
        "        evidence: both\n        probes: [{probe: runbook-present, with: {min_words: -5}}]\n",
        ["p.yaml:16:61: parameter 'min_words' of 'runbook-present' must be at least 1, got -5"],
    ),
    "no severities": (
        "        evidence: both\n        probes: [{probe: alert-rules-sound, with: {severities: []}}]\n",
        ["p.yaml:16:64: parameter 'severities' of 'alert-rules-sound' must list at least one entry, got an empty list"],
    ),
    "no signals": (
        "        evidence: both\n        probes: [{probe: dashboard-golden-signals, with: {signals: []}}]\n",
        [
            "p.yaml:16:68: parameter 'signals' of 'dashboard-golden-signals' must list at least one of "
            "latency, traffic, errors, saturation, got an empty list"
        ],
    ),
    "no paths to search": (
        "        evidence: both\n        probes: [{probe: runbook-present, with: {paths: []}}]\n",
        ["p.yaml:16:57: parameter 'paths' of 'runbook-present' must list at least one entry, got an empty list"],
    ),
    "path out of the service folder": (
        "        evidence: both\n        probes: [{probe: dr-plan, with: {paths: [docs, ../shared/dr]}}]\n",
        [
            "p.yaml:16:56: parameter 'paths' of 'dr-plan': each entry must be a path inside the service folder "
            "(no '..' step), got '../shared/dr'"
        ],
    ),
    "health path without a slash": (
        "        evidence: both\n        probes: [{probe: health-endpoint, with: {paths: [healthz]}}]\n",
        [
            "p.yaml:16:58: parameter 'paths' of 'health-endpoint': each entry must be a URL path starting with '/' "
            "(no spaces), got 'healthz'"
        ],
    ),
    "metrics path without a slash": (
        "        evidence: both\n        probes: [{probe: metrics-endpoint, with: {path: metrics}}]\n",
        [
            "p.yaml:16:57: parameter 'path' of 'metrics-endpoint' must be a URL path starting with '/' "
            "(no spaces), got 'metrics'"
        ],
    ),
    "zero latency budget": (
        "        evidence: both\n        probes: [{probe: health-endpoint, with: {latency_budget_ms: 0}}]\n",
        ["p.yaml:16:69: parameter 'latency_budget_ms' of 'health-endpoint' must be at least 1, got 0"],
    ),
    "automatic without probes": (
        "        evidence: automatic\n",
        ["p.yaml:15:19: evidence is 'automatic' but the item names no probes"],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_malformed_item_is_refused_with_its_position(case: str, tmp_path: Path) -> None:
    extra, expected = CASES[case]
    path = tmp_path / "p.yaml"
    path.write_text(PACK + extra)
    assert [line.replace(str(path), "p.yaml") for line in problems(path)] == expected


def test_duplicate_item_ids_point_at_the_second(tmp_path: Path) -> None:
    second = PACK.split("    items:\n")[1].replace("A runbook exists", "Another")
    path = tmp_path / "p.yaml"
    path.write_text(PACK + second)
    assert [line.replace(str(path), "p.yaml") for line in problems(path)] == [
        "p.yaml:15:13: duplicate item id 'ops.runbook' (first at line 10)"
    ]


def test_every_problem_in_a_file_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PACK.replace('"1.0"', "1.10").replace("title: Demo", "title: yes") + "        weight: 0\n")
    lines = [line.replace(str(path), "p.yaml") for line in problems(path)]
    assert lines == [
        "p.yaml:2:10: version: YAML reads unquoted '1.10' as a number, not text; quote it: \"1.10\"",
        "p.yaml:3:8: title: YAML reads unquoted 'yes' as a boolean, not text; quote it: \"yes\"",
        "p.yaml:15:17: weight must be greater than 0, got 0",
    ]


def test_missing_keys_are_named_at_the_mapping(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PACK.replace("        why: Pages need a plan.\n", ""))
    assert [line.replace(str(path), "p.yaml") for line in problems(path)] == ["p.yaml:10:9: item is missing 'why'"]


def test_file_over_the_size_cap_is_refused_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PACK + "# " + "x" * (1024 * 1024) + "\n")
    assert [line.replace(str(path), "p.yaml") for line in problems(path)] == [
        "p.yaml:1:1: file is larger than the 1,048,576-byte limit for this kind of file"
    ]


def test_nesting_deep_enough_to_exhaust_a_recursive_parser_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("id: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert [line.replace(str(path), "p.yaml") for line in problems(path)] == [
        "p.yaml:1:1004: nesting deeper than 32 levels"
    ]


def test_alias_bomb_is_refused_before_any_expansion(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    path = tmp_path / "p.yaml"
    path.write_text("\n".join(lines) + "\n")
    found = problems(path)
    assert len(found) > 10
    assert all(
        "YAML anchors" in line or "YAML aliases" in line or "unknown key" in line or "missing" in line for line in found
    )


def test_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("id: demo\ntitle: [unclosed\n")
    [line] = problems(path)
    assert line.startswith(f"{path}:3:1: invalid YAML:")


def test_more_than_one_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PACK + "---\nid: other\n")
    assert problems(path) == [f"{path}:15:1: only one YAML document is allowed per file"]


def test_non_utf8_file_is_refused_at_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(b"id: demo\ntitle: caf\xe9\n")
    assert problems(path) == [f"{path}:2:11: file is not valid UTF-8"]


def test_lint_collects_problems_across_files_and_missing_files(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(PACK)
    bad = tmp_path / "bad.yaml"
    bad.write_text(PACK + "        weight: -1\n")
    assert lint([str(good), str(bad), str(tmp_path / "gone.yaml")]) == [
        f"{bad}:15:17: weight must be greater than 0, got -1",
        f"{tmp_path / 'gone.yaml'}: no such file",
    ]


def test_deep_block_nesting_is_refused_at_the_first_level_too_deep(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("id:\n" + "".join("  " * depth + "- \n" for depth in range(500)))
    assert problems(path) == [f"{path}:33:63: nesting deeper than 32 levels"]


def test_every_senseless_parameter_of_a_probe_use_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        PACK + "        evidence: both\n"
        "        probes: [{probe: runbook-present, with: {min_words: -5, paths: [], sections: []}}]\n"
    )
    assert [line.replace(str(path), "p.yaml") for line in problems(path)] == [
        "p.yaml:16:61: parameter 'min_words' of 'runbook-present' must be at least 1, got -5",
        "p.yaml:16:72: parameter 'paths' of 'runbook-present' must list at least one entry, got an empty list",
        "p.yaml:16:86: parameter 'sections' of 'runbook-present' must list at least one entry, got an empty list",
    ]


def test_parameters_that_make_sense_though_not_the_defaults_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        PACK + "        evidence: both\n        probes:\n"
        "          - {probe: dashboard-golden-signals, with: {signals: [errors, latency]}}\n"
        "          - {probe: runbook-present, with: {min_words: 1, paths: [., ops/runbook.md]}}\n"
        "          - {probe: tls-expiry, with: {warn_days: 0, critical_days: 0}}\n"
        "          - {probe: health-endpoint, with: {paths: [/status?full=1], latency_budget_ms: 1}}\n"
    )
    [item] = open_pack(str(path)).sections[0].items
    assert [(use.probe, dict(use.params)) for use in item.probes] == [
        ("dashboard-golden-signals", {"signals": ["errors", "latency"]}),
        ("runbook-present", {"min_words": 1, "paths": [".", "ops/runbook.md"]}),
        ("tls-expiry", {"warn_days": 0, "critical_days": 0}),
        ("health-endpoint", {"paths": ["/status?full=1"], "latency_budget_ms": 1}),
    ]


def test_an_override_that_breaks_an_inherited_probe_parameter_is_refused_at_the_override(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(
        'id: acme\nversion: "1"\ntitle: ACME\ndescription: ACME.\nextends: launch\noverride:\n'
        "  dashboards.golden-signals:\n"
        "    probes: [{probe: dashboard-golden-signals, with: {signals: [latency, foo]}}]\n"
    )
    assert problems(path) == [
        f"{path}:8:74: parameter 'signals' of 'dashboard-golden-signals': each entry must be one of "
        "latency, traffic, errors, saturation, got 'foo'"
    ]


def test_lint_refuses_a_senseless_probe_parameter_on_one_line_with_exit_2(
    prr: Callable[..., Run], write: Callable[[str, str], Path]
) -> None:
    extra = "        evidence: both\n        probes: [{probe: alert-rules-sound, with: {severities: []}}]\n"
    path = write("p.yaml", PACK + extra)
    result = prr("checklists", "lint", str(path))
    assert (result.code, result.out) == (2, "")
    assert result.err.splitlines() == [
        f"{path}:16:64: parameter 'severities' of 'alert-rules-sound' must list at least one entry, got an empty list"
    ]
