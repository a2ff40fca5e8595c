"""The first run: what prr suggests for a service from its working tree (nothing need be
committed), where each value came from, and saving what the owner confirms."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitrepos import git, make_repo

from prr.domain.errors import InputError
from prr.format.service_config import ServiceConfig
from prr.workflow.service_setup import save, suggest

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  annotations:
    prr.dev/tier: "0"
    prr.dev/endpoints: "https://pay.example.com/health, https://pay.example.com/api"
spec:
  type: service
  owner: team-payments
  lifecycle: production
"""
CODEOWNERS = "# owners\n* @acme/everyone\n/services/payments/ @acme/payments @acme/sre\n"


def fresh_repo(root: Path, files: dict[str, str]) -> Path:
    """A repository with no commit at all, as on a first run, holding FILES."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


# ---------------------------------------------------------------------------- inference


def test_everything_from_an_uncommitted_catalog_entry(tmp_path: Path) -> None:
    repo = fresh_repo(tmp_path / "svc", {"catalog-info.yaml": CATALOG, "CODEOWNERS": "* @acme/other\n"})
    found = suggest(repo)
    assert found.config == ServiceConfig(
        "payments-api", 0, "team-payments", "launch", ("https://pay.example.com/health", "https://pay.example.com/api")
    )
    assert found.sources == {
        "name": "catalog-info.yaml:4: metadata.name",
        "tier": "catalog-info.yaml:6: annotation prr.dev/tier",
        "owner": "catalog-info.yaml:10: spec.owner",
        "checklist": "default (launch)",
        "endpoints": "catalog-info.yaml:7: annotation prr.dev/endpoints",
    }
    assert not found.existing
    assert found.service_dir == repo.resolve()


def test_without_a_catalog_entry_the_folder_name_codeowners_and_defaults(tmp_path: Path) -> None:
    repo = fresh_repo(tmp_path / "billing", {".github/CODEOWNERS": "* @acme/billing\n"})
    found = suggest(repo)
    assert found.config == ServiceConfig("billing", 1, "@acme/billing", "launch", ())
    assert found.sources == {
        "name": "folder name",
        "tier": "default (1)",
        "owner": ".github/CODEOWNERS line 1 (*)",
        "checklist": "default (launch)",
        "endpoints": "none found",
    }


def test_nothing_to_go_on(tmp_path: Path) -> None:
    found = suggest(fresh_repo(tmp_path / "api", {}))
    assert found.config == ServiceConfig("api", 1, "", "launch", ())
    assert found.sources["owner"].startswith("none found (no catalog-info.yaml spec.owner, no .github/CODEOWNERS")


def test_catalog_owner_wins_over_codeowners(tmp_path: Path) -> None:
    catalog = "kind: Component\nmetadata:\n  name: api\nspec:\n  owner: group:default/payments\n"
    repo = fresh_repo(tmp_path / "r", {"catalog-info.yml": catalog, "CODEOWNERS": "* @acme/other\n"})
    found = suggest(repo)
    assert (found.config.owner, found.sources["owner"]) == ("group:default/payments", "catalog-info.yml:5: spec.owner")


def test_codeowners_in_github_wins_and_the_last_matching_rule_wins(tmp_path: Path) -> None:
    repo = fresh_repo(
        tmp_path / "r",
        {
            ".github/CODEOWNERS": "* @acme/first\n*.md @acme/docs\n* @acme/second\n/other/ @acme/other\n",
            "CODEOWNERS": "* @acme/root\n",
        },
    )
    found = suggest(repo)
    assert (found.config.owner, found.sources["owner"]) == ("@acme/second", ".github/CODEOWNERS line 3 (*)")


def test_a_last_rule_without_owners_leaves_the_owner_empty(tmp_path: Path) -> None:
    repo = fresh_repo(tmp_path / "r", {"services/api/main.py": "", "CODEOWNERS": "* @acme/all\n/services/api/\n"})
    found = suggest(repo / "services" / "api")
    assert found.config.owner == ""
    assert found.sources["owner"] == "none (CODEOWNERS line 2 leaves services/api/ without owners)"


def test_a_service_folder_in_a_monorepo(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "mono",
        {
            "catalog-info.yaml": "kind: Component\nmetadata:\n  name: whole-platform\nspec:\n  owner: platform\n",
            "docs/CODEOWNERS": CODEOWNERS,
            "services/payments/main.py": "",
            "services/search/main.py": "",
        },
    )
    payments = suggest(repo / "services" / "payments")
    assert payments.service_dir == (repo / "services" / "payments").resolve()
    # the top's catalog entry describes something else; the folder's CODEOWNERS rule wins
    assert payments.config == ServiceConfig("payments", 1, "@acme/payments", "launch", ())
    assert payments.sources["name"] == "folder name"
    assert payments.sources["owner"] == "docs/CODEOWNERS line 3 (/services/payments/)"
    assert suggest(repo / "services" / "search" / "main.py").config.owner == "@acme/everyone"
    (repo / "services" / "search" / "catalog-info.yaml").write_text(CATALOG.replace("payments-api", "search"))
    search = suggest(repo / "services" / "search")
    assert (search.config.name, search.sources["name"]) == (
        "search",
        "services/search/catalog-info.yaml:4: metadata.name",
    )


def test_malformed_catalog_entry_is_reported_and_skipped(tmp_path: Path) -> None:
    catalog = "kind: Component\nmetadata:\n  name: [unclosed\nspec:\n  owner: x\n"
    repo = fresh_repo(tmp_path / "orders", {"catalog-info.yaml": catalog, "CODEOWNERS": "* @acme/orders\n"})
    found = suggest(repo)
    assert found.config == ServiceConfig("orders", 1, "@acme/orders", "launch", ())
    assert found.sources["name"].startswith("folder name (catalog-info.yaml:4: not valid YAML: ")
    assert found.sources["name"].endswith("; ignored)")
    assert found.sources["owner"].startswith("CODEOWNERS line 1 (*) (catalog-info.yaml:4: not valid YAML")


def test_placeholders_other_kinds_and_bad_annotations_are_skipped(tmp_path: Path) -> None:
    catalog = (
        "kind: API\nmetadata:\n  name: orders-api\n---\n"
        "kind: Component\nmetadata:\n  name: orders\n  annotations:\n"
        "    prr.dev/tier: high\n    prr.dev/endpoints: https://orders.example.com, ftp://orders.example.com\n"
        "spec:\n  owner: TODO\n"
    )
    repo = fresh_repo(tmp_path / "r", {"catalog-info.yaml": catalog})
    found = suggest(repo)
    assert found.config == ServiceConfig("orders", 1, "", "launch", ("https://orders.example.com",))
    assert found.sources["name"] == "catalog-info.yaml:7: metadata.name"
    assert (
        found.sources["tier"]
        == "default (1) (catalog-info.yaml:9: annotation prr.dev/tier is 'high', not 0, 1, 2 or 3; ignored)"
    )
    assert found.sources["owner"].endswith("(catalog-info.yaml:12: spec.owner 'TODO' is a placeholder; ignored)")
    assert found.sources["endpoints"] == (
        "catalog-info.yaml:10: annotation prr.dev/endpoints (ftp://orders.example.com ignored: not http(s) URLs)"
    )


def test_a_catalog_without_a_component(tmp_path: Path) -> None:
    repo = fresh_repo(tmp_path / "lib", {"catalog-info.yaml": "kind: System\nmetadata:\n  name: sys\n"})
    found = suggest(repo)
    assert found.config.name == "lib"
    assert found.sources["name"] == "folder name (catalog-info.yaml: no entity of kind Component; ignored)"


def test_yaml_tags_never_run(tmp_path: Path) -> None:
    catalog = "kind: Component\nmetadata:\n  name: !!python/object/apply:os.system ['touch pwned']\n"
    repo = fresh_repo(tmp_path / "r", {"catalog-info.yaml": catalog})
    suggest(repo)
    assert not (repo / "pwned").exists() and not Path("pwned").exists()


def test_a_symlinked_catalog_entry_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(CATALOG)
    repo = fresh_repo(tmp_path / "svc", {})
    (repo / "catalog-info.yaml").symlink_to(outside)
    found = suggest(repo)
    assert found.config == ServiceConfig("svc", 1, "", "launch", ())
    assert found.sources["name"] == "folder name (catalog-info.yaml: a symbolic link, not followed; ignored)"


def test_codeowners_in_a_linked_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "CODEOWNERS").write_text("* @evil/owner\n")
    repo = fresh_repo(tmp_path / "svc", {"CODEOWNERS": "* @acme/svc\n"})
    (repo / ".github").symlink_to(outside)
    found = suggest(repo)
    assert found.config.owner == ""  # .github/CODEOWNERS is the one GitHub reads: prr does not fall through
    assert found.sources["owner"].startswith("none (.github/CODEOWNERS: not read (")


def test_a_fifo_never_blocks_the_first_run(tmp_path: Path) -> None:
    repo = fresh_repo(tmp_path / "svc", {})
    os.mkfifo(repo / "catalog-info.yaml")
    assert suggest(repo).sources["name"] == "folder name (catalog-info.yaml: not a regular file; ignored)"


def test_outside_a_repository(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(InputError, match="not inside a git repository"):
        suggest(tmp_path / "plain")


# ---------------------------------------------------------------------------- existing config


def test_an_existing_config_wins(tmp_path: Path) -> None:
    config = '[service]\nname = "pay"\ntier = 0\nowner = "team-pay"\n'
    repo = fresh_repo(
        tmp_path / "r", {"services/pay/.prr/config.toml": config, "services/pay/catalog-info.yaml": CATALOG}
    )
    found = suggest(repo / "services" / "pay")
    assert found.existing
    assert found.config == ServiceConfig("pay", 0, "team-pay", None, ())
    assert found.sources == {
        "name": "services/pay/.prr/config.toml",
        "tier": "services/pay/.prr/config.toml",
        "owner": "services/pay/.prr/config.toml",
        "checklist": "services/pay/.prr/config.toml (not set)",
        "endpoints": "services/pay/.prr/config.toml (not set)",
        "signoff": "services/pay/.prr/config.toml (not set)",
        "max_file_bytes": "services/pay/.prr/config.toml (not set)",
    }


def test_a_broken_existing_config_is_an_input_error(tmp_path: Path) -> None:
    repo = fresh_repo(tmp_path / "r", {".prr/config.toml": "[service]\ntier = 9\n"})
    with pytest.raises(InputError) as caught:
        suggest(repo)
    assert caught.value.lines() == [".prr/config.toml:2:1: service.tier must be 0, 1, 2 or 3, got 9"]


def test_a_symlinked_existing_config_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "config.toml"
    outside.write_text('[service]\nname = "elsewhere"\n')
    repo = fresh_repo(tmp_path / "r", {})
    (repo / ".prr").mkdir()
    (repo / ".prr" / "config.toml").symlink_to(outside)
    with pytest.raises(InputError, match=r"^\.prr/config\.toml: a symbolic link, not followed"):
        suggest(repo)


# ---------------------------------------------------------------------------- save


def test_save_then_read_back(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "mono", {"services/payments/catalog-info.yaml": CATALOG})
    first = suggest(repo / "services" / "payments")
    path = save(first.service_dir, first.config)
    assert path == first.service_dir / ".prr" / "config.toml"
    assert path.read_text().startswith('[service]\nname = "payments-api"\ntier = 0\nowner = "team-payments"\n')
    again = suggest(repo / "services" / "payments")
    assert again.existing and again.config == first.config
    edited = ServiceConfig("payments", 2, "@acme/payments", "migration", ())
    save(again.service_dir, edited)
    assert suggest(repo / "services" / "payments").config == edited
    assert list(path.parent.iterdir()) == [path]  # no temporaries left behind


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (ServiceConfig("api", 5), "service.tier must be 0, 1, 2 or 3, got 5"),
        (ServiceConfig("api", True), "service.tier must be 0, 1, 2 or 3, got True"),  # type: ignore[arg-type]
        (ServiceConfig(" ", 1), "service.name is empty: give the service a name"),
        (ServiceConfig("api\x1b[2J", 1), "service.name holds a control character U+001B"),
        (ServiceConfig("api", 1, endpoints=("pay.example.com",)), "service.endpoints: 'pay.example.com' is not an"),
        (
            ServiceConfig("api", 1, endpoints=("https://user:secret@pay.example.com",)),
            "service.endpoints: 'https://***@pay.example.com' carries credentials",
        ),
        (ServiceConfig("api", 1, checklist="no-such-pack"), "service.checklist: no-such-pack: no built-in pack"),
    ],
)
def test_save_refuses_what_a_review_cannot_use(tmp_path: Path, config: ServiceConfig, problem: str) -> None:
    folder = tmp_path / "svc"
    folder.mkdir()
    with pytest.raises(InputError) as caught:
        save(folder, config)
    assert caught.value.lines()[0].startswith(f"{folder}/.prr/config.toml: {problem}")
    assert "secret" not in str(caught.value)
    assert not (folder / ".prr").exists()


def test_save_never_writes_through_a_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text("# not prr's\n")
    folder = tmp_path / "svc"
    (folder / ".prr").mkdir(parents=True)
    (folder / ".prr" / "config.toml").symlink_to(outside)
    with pytest.raises(InputError, match=r"config\.toml: is a symbolic link; prr never writes through links"):
        save(folder, ServiceConfig("api", 1))
    assert outside.read_text() == "# not prr's\n"

    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / ".prr").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(InputError, match=r"\.prr: is a symbolic link"):
        save(linked, ServiceConfig("api", 1))
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_save_needs_the_service_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        save(tmp_path / "missing", ServiceConfig("api", 1))
    assert not (tmp_path / "missing").exists()
