"""`extends`: an organisation's pack built on a parent by adding, overriding and removing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from prr.domain.checklist import Requirement
from prr.domain.errors import InputError
from prr.workflow.checklists import open_pack

BASE = """\
id: base
version: "1.0"
title: Base
description: The parent pack.
scorer: weighted
signoff: {0: 3}
sections:
  - id: ops
    title: Operations
    items:
      - id: ops.runbook
        title: A runbook exists
        why: Pages need a plan.
        how: Write one.
        required: [0, 1]
        recommended: [2]
      - id: ops.dashboard
        title: A dashboard exists
        why: You cannot fix what you cannot see.
        how: Commit it.
        required: [0]
  - id: data
    title: Data
    items:
      - id: data.backup
        title: Backups run
        why: Disks die.
        how: Schedule them.
        required: [0, 1, 2, 3]
"""

Write = Callable[[str, str], Path]


def child(body: str) -> str:
    return 'id: acme\nversion: "2"\ntitle: ACME\ndescription: ACME review.\nextends: base.yaml\n' + body


def test_child_inherits_everything_it_does_not_change(write: Write) -> None:
    write("base.yaml", BASE)
    pack = open_pack(str(write("acme.yaml", child(""))))
    assert [i.id for i in pack.items] == ["ops.runbook", "ops.dashboard", "data.backup"]
    assert (pack.id, pack.version, pack.scorer, pack.signoff[0]) == ("acme", "2", "weighted", 3)


def test_child_adds_items_to_an_inherited_section_and_adds_new_sections(write: Write) -> None:
    write("base.yaml", BASE)
    body = """\
sections:
  - id: ops
    items:
      - id: ops.oncall
        title: On-call is staffed
        why: Someone must answer.
        how: Set up a rotation.
        required: [0]
  - id: compliance
    title: Compliance
    items:
      - id: compliance.sox
        title: SOX evidence filed
        why: Auditors ask.
        how: File it.
        recommended: [0, 1]
"""
    pack = open_pack(str(write("acme.yaml", child(body))))
    assert [s.id for s in pack.sections] == ["ops", "data", "compliance"]
    assert [i.id for i in pack.sections[0].items] == ["ops.runbook", "ops.dashboard", "ops.oncall"]
    assert pack.item("compliance.sox").section == "compliance"


def test_override_replaces_whole_fields_and_keeps_the_rest(write: Write) -> None:
    write("base.yaml", BASE)
    pack = open_pack(
        str(write("acme.yaml", child("override:\n  ops.runbook: {required: [0, 1, 2], recommended: [3], weight: 5}\n")))
    )
    item = pack.item("ops.runbook")
    assert [item.requirement(t) for t in (2, 3)] == [Requirement.REQUIRED, Requirement.RECOMMENDED]
    assert (item.weight, item.title) == (5.0, "A runbook exists")


def test_override_that_breaks_a_rule_is_reported(write: Write) -> None:
    write("base.yaml", BASE)
    path = write("acme.yaml", child("override:\n  ops.runbook: {required: [0, 1, 2]}\n"))
    with pytest.raises(InputError) as caught:
        open_pack(str(path))
    assert caught.value.lines() == [f"{path}:7:27: tier 2 is both required and recommended"]


def test_remove_drops_items_and_whole_sections(write: Write) -> None:
    write("base.yaml", BASE)
    pack = open_pack(str(write("acme.yaml", child("remove: [ops.dashboard, data]\n"))))
    assert [i.id for i in pack.items] == ["ops.runbook"]
    assert [s.id for s in pack.sections] == ["ops"]


def test_adding_an_inherited_id_is_a_duplicate_not_a_silent_override(write: Write) -> None:
    write("base.yaml", BASE)
    body = "sections:\n  - id: data\n    items:\n      - id: data.backup\n        title: Mine\n"
    body += "        why: w\n        how: h\n        required: [0]\n"
    path = write("acme.yaml", child(body))
    with pytest.raises(InputError) as caught:
        open_pack(str(path))
    base = path.parent / "base.yaml"
    assert caught.value.lines() == [f"{path}:9:13: duplicate item id 'data.backup' (first at {base}:25)"]


def test_override_and_remove_must_name_what_exists(write: Write) -> None:
    write("base.yaml", BASE)
    path = write("acme.yaml", child("remove: [ops.nothing]\noverride:\n  ops.missing: {weight: 2}\n"))
    with pytest.raises(InputError) as caught:
        open_pack(str(path))
    assert caught.value.lines() == [
        f"{path}:6:10: remove: the parent pack has no item or section 'ops.nothing'",
        f"{path}:8:3: override: the parent pack has no item 'ops.missing'",
    ]


def test_override_and_remove_need_extends(write: Write) -> None:
    path = write("p.yaml", BASE + "remove: [ops.runbook]\n")
    with pytest.raises(InputError) as caught:
        open_pack(str(path))
    assert caught.value.lines() == [f"{path}:30:9: 'remove' is only allowed in a pack that uses 'extends'"]


def test_cycle_is_reported_with_the_chain(write: Write) -> None:
    a = write("a.yaml", 'id: a\nversion: "1"\ntitle: A\ndescription: A.\nextends: b.yaml\n')
    b = write("b.yaml", 'id: b\nversion: "1"\ntitle: B\ndescription: B.\nextends: a.yaml\n')
    with pytest.raises(InputError) as caught:
        open_pack(str(a))
    assert caught.value.lines() == [f"{b}:5:10: extends cycle: {a} -> {b} -> {a}"]


def test_self_extension_is_a_cycle(write: Write) -> None:
    a = write("a.yaml", 'id: a\nversion: "1"\ntitle: A\ndescription: A.\nextends: ./a.yaml\n')
    with pytest.raises(InputError) as caught:
        open_pack(str(a))
    assert caught.value.lines() == [f"{a}:5:10: extends cycle: {a} -> {a}"]


def test_missing_parent_is_reported_at_extends(write: Write) -> None:
    path = write("acme.yaml", child(""))
    with pytest.raises(InputError) as caught:
        open_pack(str(path))
    assert caught.value.lines() == [f"{path}:5:10: extends: no pack file 'base.yaml' next to {path}"]


def test_unknown_builtin_parent_lists_the_builtin_packs(write: Write) -> None:
    path = write("acme.yaml", child("").replace("base.yaml", "lunch"))
    with pytest.raises(InputError) as caught:
        open_pack(str(path))
    [line] = caught.value.lines()
    assert line.startswith(f"{path}:5:10: extends: no built-in pack 'lunch' (built-in packs: design-review, launch")


def test_problems_in_the_parent_are_reported_with_the_parents_name(write: Write) -> None:
    base = write("base.yaml", BASE.replace("title: Base", "title: off"))
    path = write("acme.yaml", child("remove: [nothing.here]\n"))
    with pytest.raises(InputError) as caught:
        open_pack(str(path))
    assert caught.value.lines() == [
        f"{path}:6:10: remove: the parent pack has no item or section 'nothing.here'",
        f"{base}:3:8: title: YAML reads unquoted 'off' as a boolean, not text; quote it: \"off\"",
    ]


def test_extending_a_builtin_pack_records_both_files_by_sha256(write: Write) -> None:
    path = write("acme.yaml", child("remove: [data]\n").replace("base.yaml", "launch"))
    pack = open_pack(str(path))
    assert [s.name for s in pack.sources] == [str(path), "builtin:launch"]
    assert pack.sources[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert not any(item.section == "data" for item in pack.items)
    assert pack.scorer == open_pack("launch").scorer


def test_chains_deeper_than_eight_are_refused(write: Write) -> None:
    write("p0.yaml", BASE)
    for n in range(1, 9):
        write(f"p{n}.yaml", f'id: p{n}\nversion: "1"\ntitle: P\ndescription: P.\nextends: p{n - 1}.yaml\n')
    eight_deep = write("p7.yaml", 'id: p7\nversion: "1"\ntitle: P\ndescription: P.\nextends: p6.yaml\n')
    assert open_pack(str(eight_deep)).id == "p7"
    with pytest.raises(InputError) as caught:
        open_pack(str(eight_deep.parent / "p8.yaml"))
    assert [line.split(": ", 1)[1] for line in caught.value.lines()] == ["extends chain deeper than 8 packs"]
