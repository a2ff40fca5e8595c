"""The built-in packs are complete enough to adopt as they stand, and lint clean."""

from __future__ import annotations

import pytest

from prr.adapters import builtin
from prr.domain.checklist import Requirement
from prr.workflow.checklists import lint, open_pack

PACKS = ["design-review", "launch", "migration"]


def test_the_three_builtin_packs_ship() -> None:
    assert builtin.pack_names() == PACKS


@pytest.mark.parametrize("name", PACKS)
def test_builtin_pack_lints_clean(name: str) -> None:
    assert lint([name]) == []


@pytest.mark.parametrize("name", PACKS)
def test_item_ids_start_with_their_section_and_say_why_and_how(name: str) -> None:
    pack = open_pack(name)
    for item in pack.items:
        assert item.id.split(".")[0] == item.section, item.id
        assert len(item.why) >= 30 and len(item.how) >= 30, item.id


@pytest.mark.parametrize("name", PACKS)
def test_tier_0_asks_far_more_than_tier_3(name: str) -> None:
    pack = open_pack(name)
    required = [sum(1 for item in pack.items if item.requirement(t) is Requirement.REQUIRED) for t in range(4)]
    assert required == sorted(required, reverse=True)
    assert required[0] >= 3 * required[3]


def test_launch_covers_the_topics_of_a_production_readiness_review() -> None:
    pack = open_pack("launch")
    assert len(pack.items) >= 50
    assert len(pack.sections) >= 10
    sections = {s.id for s in pack.sections}
    assert {
        "ownership", "slo", "dashboards", "observability", "alerting", "runbooks", "deployment",
        "capacity", "resilience", "dependencies", "dr", "security", "incidents", "data",
    } <= sections  # fmt: skip
    text = " ".join(f"{i.id.replace('-', ' ')} {i.title} {i.how}".lower() for i in pack.items)
    for topic in (
        "error budget", "runbook", "rollback", "feature flag", "migration", "load test", "timeout",
        "jitter", "circuit breaker", "rate limit", "backpressure", "disruptionbudget", "autoscal",
        "restore", "rto", "rpo", "secret", "least privilege", "audit log", "tls", "severity",
        "escalat", "retention",
    ):  # fmt: skip
        assert topic in text, topic


def test_launch_names_probes_for_what_a_machine_can_prove() -> None:
    pack = open_pack("launch")
    probed = {use.probe for item in pack.items for use in item.probes}
    assert {"codeowners-present", "runbook-present", "alerts-have-runbooks", "slo-defined", "health-endpoint"} <= probed


def test_migration_and_design_review_are_smaller_and_focused() -> None:
    migration, design = open_pack("migration"), open_pack("design-review")
    launch = open_pack("launch")
    assert len(migration.items) < len(launch.items) and len(design.items) < len(launch.items)
    assert {"cutover", "fallback", "data"} <= {s.id for s in migration.sections}
    assert {"resilience", "deps", "capacity"} <= {s.id for s in design.sections}
