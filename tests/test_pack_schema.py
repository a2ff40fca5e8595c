"""The JSON Schema for checklist packs (prr/schemas/checklist.schema.json) agrees with the
built-in packs, the loader's key sets and id shapes, the probe registry and the docs."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO_ROOT
from jsonschema import Draft202012Validator

from prr.adapters.builtin import scorer_names
from prr.format.pack_schema import ID_RE, ITEM_ID_RE, ITEM_KEYS, ITEM_REQUIRED_KEYS, PACK_KEYS, PROBE_KEYS, SECTION_KEYS
from prr.probes.registry import PROBES

SCHEMA_PATH = REPO_ROOT / "prr" / "schemas" / "checklist.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
DEFS: dict[str, Any] = SCHEMA["$defs"]
VALIDATOR = Draft202012Validator(SCHEMA)
BUILTIN_PACKS = sorted((REPO_ROOT / "checklists").glob("*.yaml"))


def as_json(data: Any) -> Any:
    """The JSON data model of a YAML document: tier keys such as 0 become "0"."""
    return json.loads(json.dumps(data))


def load_yaml(path: Path) -> Any:
    return as_json(yaml.safe_load(path.read_text(encoding="utf-8")))


def errors(pack: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in VALIDATOR.iter_errors(pack)]


VALID_ITEM: dict[str, Any] = {
    "id": "ownership.codeowners",
    "title": "Code owners are declared for the service folder",
    "why": "Reviews and pages need a team that answers for the code.",
    "how": "Add a CODEOWNERS rule that matches the service folder.",
    "required": [0, 1, 2],
    "recommended": [3],
    "weight": 2,
    "evidence": "automatic",
    "probes": ["codeowners-present", {"probe": "catalog-entry", "with": {"require_lifecycle": True}}],
    "tags": ["ownership"],
    "level": "bronze",
}

VALID_PACK: dict[str, Any] = {
    "format": 1,
    "id": "acme-launch",
    "version": "1.0.0",
    "title": "ACME launch review",
    "description": "What ACME asks of every service before it takes production traffic.",
    "scorer": "gate",
    "tiers": {"0": "Critical", "3": "Best effort"},
    "signoff": {"0": 2, "1": 2, "2": 1, "3": 1},
    "levels": ["bronze", "silver", "gold"],
    "sections": [{"id": "ownership", "title": "Ownership and on-call", "items": [VALID_ITEM]}],
}

EXTENDING_PACK: dict[str, Any] = {
    "id": "acme-launch",
    "version": "2.0.0",
    "title": "ACME launch review",
    "description": "The built-in launch review, plus ACME's compliance questions.",
    "extends": "launch",
    "remove": ["capacity.game-day", "data"],
    "override": {"slo.error-budget-policy": {"required": [0, 1, 2], "weight": 5}},
    "sections": [
        {
            "id": "ownership",
            "items": [
                {
                    "id": "ownership.acme-service-registry",
                    "title": "The service is registered in the ACME registry",
                    "why": "Finance and security discover services there.",
                    "how": "Run `acme register` and commit the generated file.",
                    "required": [0, 1],
                }
            ],
        },
        {"id": "acme-compliance", "title": "ACME compliance", "items": []},
    ],
}


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_there_are_built_in_packs() -> None:
    assert {path.stem for path in BUILTIN_PACKS} >= {"launch", "migration", "design-review"}


@pytest.mark.parametrize("path", BUILTIN_PACKS, ids=lambda path: path.stem)
def test_built_in_pack_validates(path: Path) -> None:
    assert errors(load_yaml(path)) == []


def test_example_packs_validate() -> None:
    assert errors(VALID_PACK) == []
    assert errors(EXTENDING_PACK) == []


def test_probe_enum_is_exactly_the_registry() -> None:
    enum = DEFS["probeId"]["enum"]
    assert len(enum) == len(set(enum))
    missing, extra = sorted(set(PROBES) - set(enum)), sorted(set(enum) - set(PROBES))
    assert (missing, extra) == ([], []), "update $defs/probeId in prr/schemas/checklist.schema.json"


def test_scorer_enum_is_the_built_in_scorers() -> None:
    assert sorted(SCHEMA["properties"]["scorer"]["enum"]) == scorer_names()


def test_key_sets_match_the_loader() -> None:
    assert set(SCHEMA["properties"]) == set(PACK_KEYS)
    assert set(DEFS["section"]["properties"]) == set(SECTION_KEYS)
    assert set(DEFS["item"]["properties"]) == set(ITEM_KEYS)
    assert set(DEFS["item"]["required"]) == set(ITEM_REQUIRED_KEYS)
    assert set(DEFS["partialItem"]["properties"]) == set(ITEM_KEYS) - {"id"}
    probe_object = next(s for s in DEFS["probeUse"]["oneOf"] if s.get("type") == "object")
    assert set(probe_object["properties"]) == set(PROBE_KEYS)


def test_id_patterns_match_the_loader() -> None:
    # The loader uses re.fullmatch; JSON Schema patterns are unanchored, hence ^...$.
    assert DEFS["word"]["pattern"] == f"^{ID_RE.pattern}$"
    assert DEFS["itemId"]["pattern"] == f"^{ITEM_ID_RE.pattern}$"


def test_every_object_forbids_unknown_keys() -> None:
    def objects(node: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
        found = []
        if isinstance(node, dict):
            if node.get("type") == "object":
                found.append((where, node))
            for key, value in node.items():
                found += objects(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                found += objects(value, f"{where}/{index}")
        return found

    found = objects(SCHEMA, "#")
    assert len(found) >= 6
    assert [where for where, node in found if "additionalProperties" not in node] == []


def pack_with(change: Any) -> dict[str, Any]:
    pack = copy.deepcopy(VALID_PACK)
    change(pack)
    return pack


def item_of(pack: dict[str, Any]) -> dict[str, Any]:
    return pack["sections"][0]["items"][0]


def extending_with(change: Any) -> dict[str, Any]:
    pack = copy.deepcopy(EXTENDING_PACK)
    change(pack)
    return pack


INVALID = {
    "unknown pack key": pack_with(lambda p: p.update(owner="sre")),
    "unknown section key": pack_with(lambda p: p["sections"][0].update(weight=1)),
    "unknown item key": pack_with(lambda p: item_of(p).update(severity="high")),
    "unknown probe entry key": pack_with(lambda p: item_of(p)["probes"].append({"probe": "hsts", "args": {}})),
    "format 2": pack_with(lambda p: p.update(format=2)),
    "pack id with capitals": pack_with(lambda p: p.update(id="ACME")),
    "version not a string": pack_with(lambda p: p.update(version=1.1)),
    "empty title": pack_with(lambda p: p.update(title="")),
    "blank description": pack_with(lambda p: p.update(description="   ")),
    "unknown scorer": pack_with(lambda p: p.update(scorer="scorers/mine.py")),
    "missing id": pack_with(lambda p: p.pop("id")),
    "missing scorer without extends": pack_with(lambda p: p.pop("scorer")),
    "missing sections without extends": pack_with(lambda p: p.pop("sections")),
    "override without extends": pack_with(lambda p: p.update(override={"ownership.codeowners": {"weight": 3}})),
    "remove without extends": pack_with(lambda p: p.update(remove=["ownership"])),
    "section without title without extends": pack_with(lambda p: p["sections"][0].pop("title")),
    "empty section without extends": pack_with(lambda p: p["sections"][0].update(items=[])),
    "tier key 4": pack_with(lambda p: p["tiers"].update({"4": "Experimental"})),
    "signoff 0": pack_with(lambda p: p["signoff"].update({"0": 0})),
    "signoff 21": pack_with(lambda p: p["signoff"].update({"0": 21})),
    "empty levels": pack_with(lambda p: p.update(levels=[])),
    "repeated level": pack_with(lambda p: p.update(levels=["bronze", "bronze"])),
    "required tier 4": pack_with(lambda p: item_of(p).update(required=[0, 4])),
    "recommended tier -1": pack_with(lambda p: item_of(p).update(recommended=[-1])),
    "tier listed twice": pack_with(lambda p: item_of(p).update(required=[0, 0])),
    "tier as a string": pack_with(lambda p: item_of(p).update(required=["0"])),
    "weight 0": pack_with(lambda p: item_of(p).update(weight=0)),
    "negative weight": pack_with(lambda p: item_of(p).update(weight=-1)),
    "evidence sometimes": pack_with(lambda p: item_of(p).update(evidence="sometimes")),
    "item without required or recommended": pack_with(
        lambda p: [item_of(p).pop("required"), item_of(p).pop("recommended")]
    ),
    "item with empty required and recommended": pack_with(lambda p: item_of(p).update(required=[], recommended=[])),
    "item id without a dot": pack_with(lambda p: item_of(p).update(id="codeowners")),
    "item id with capitals": pack_with(lambda p: item_of(p).update(id="Ownership.codeowners")),
    "item without why": pack_with(lambda p: item_of(p).pop("why")),
    "unknown probe": pack_with(lambda p: item_of(p).update(probes=["codeowners-exist"])),
    "automatic item without probes": pack_with(lambda p: item_of(p).pop("probes")),
    "manual item with probes": pack_with(lambda p: item_of(p).update(evidence="manual")),
    "probes on an item without evidence": pack_with(lambda p: item_of(p).pop("evidence")),
    "tag with capitals": pack_with(lambda p: item_of(p).update(tags=["Security"])),
    "override key not an item id": extending_with(lambda p: p["override"].update(slo={"weight": 2})),
    "override changes the id": extending_with(lambda p: p["override"]["slo.error-budget-policy"].update(id="slo.x")),
    "override weight 0": extending_with(lambda p: p["override"]["slo.error-budget-policy"].update(weight=0)),
    "remove entry not an id": extending_with(lambda p: p["remove"].append("Capacity Game Day")),
}


@pytest.mark.parametrize("pack", INVALID.values(), ids=INVALID.keys())
def test_invalid_pack_is_rejected(pack: dict[str, Any]) -> None:
    assert not VALIDATOR.is_valid(pack)


def test_extending_pack_needs_no_scorer_or_sections() -> None:
    minimal = {key: EXTENDING_PACK[key] for key in ("id", "version", "title", "description", "extends")}
    assert errors(minimal) == []
    assert "scorer" not in EXTENDING_PACK and errors(EXTENDING_PACK) == []


def test_override_may_clear_probes_and_manual_item_may_list_none() -> None:
    clear = {"ownership.codeowners": {"evidence": "manual", "probes": []}}
    pack = extending_with(lambda p: p["override"].update(clear))
    assert errors(pack) == []
    manual = pack_with(lambda p: item_of(p).update(evidence="manual", probes=[]))
    assert errors(manual) == []


def test_yaml_tier_keys_validate_once_read_as_json() -> None:
    text = "0: Critical\n3: Best effort\n"
    pack = pack_with(lambda p: p.update(tiers=as_json(yaml.safe_load(text))))
    assert errors(pack) == []


DOC = (REPO_ROOT / "docs" / "checklist-format.md").read_text(encoding="utf-8")


def test_doc_links_to_the_schema() -> None:
    assert "prr/schemas/checklist.schema.json" in DOC


def test_doc_minimal_pack_validates() -> None:
    section = DOC.split("## A minimal pack", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert errors(as_json(yaml.safe_load(example))) == []
