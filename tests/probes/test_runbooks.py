"""runbook-present and rollback-documented, on real git repositories."""

from __future__ import annotations

from pathlib import Path

from gitrepos import make_repo, probe_findings, summary

from prr.domain.findings import Outcome
from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.documents import github_slug, parse_document
from prr.probes.repo.runbooks import PROBES

BY_ID = {probe.id: probe for probe in PROBES}


PROSE = (
    "The checkout service takes payments for the web shop and the mobile apps. When it is slow, "
    "customers abandon their baskets, so treat a sustained rise in latency as an incident. The "
    "service depends on the payments gateway, the orders database and the session cache; most "
    "incidents start in one of those three. Check each in turn before you restart anything, and "
    "write down what you saw in the incident channel so the next responder does not repeat it."
)


def runbook(body: str = "", title: str = "Checkout runbook") -> str:
    return (
        f"# {title}\n\n{PROSE}\n\n## Diagnosis\n\nLook at the latency panel first.\n\n"
        f"## Mitigation\n\nScale the deployment out, then fail over the cache.\n{body}"
    )


# -- runbook-present ----------------------------------------------------------------------


def test_a_runbook_with_prose_diagnosis_and_mitigation_passes(tmp_path: Path) -> None:
    make_repo(tmp_path, {"runbooks/checkout.md": runbook()})
    found = probe_findings(tmp_path, "runbook-present")
    assert summary(found) == [("pass", "runbooks/checkout.md")]
    assert found[0].evidence[0].blob  # evidence names the committed blob


def test_no_runbook_file_fails_without_a_location(tmp_path: Path) -> None:
    make_repo(tmp_path, {"README.md": "# Service\n", "docs/design.md": runbook()})
    found = probe_findings(tmp_path, "runbook-present")
    assert summary(found) == [("fail", "")]
    assert found[0].remediation == SPECS["runbook-present"].remediation


def test_a_runbook_of_links_fails_however_many_links_it_has(tmp_path: Path) -> None:
    links = "".join(
        f"- [Dashboard {i}](https://grafana.example.com/d/{i}?var=checkout&from=now-1h)\n" for i in range(60)
    )
    table = "| Panel | Link |\n|---|---|\n" + "".join(
        f"| Latency {i} | [open](https://grafana.example.com/d/{i}) |\n" for i in range(30)
    )
    text = f"# Checkout\n\n## Diagnosis\n\n{links}\n## Mitigation\n\n{table}\nhttps://wiki.example.com/checkout\n"
    make_repo(tmp_path, {"runbooks/checkout.md": text})
    found = probe_findings(tmp_path, "runbook-present")
    assert summary(found) == [("fail", "runbooks/checkout.md")]
    assert "0 prose words, 80 needed" in found[0].message


def test_headings_and_code_are_not_prose(tmp_path: Path) -> None:
    code = "```\n" + "kubectl get pods --namespace checkout --selector app=checkout\n" * 40 + "```\n"
    text = "# Checkout runbook for the payments team on call\n\n## Diagnosis of latency\n\n" + code
    make_repo(tmp_path, {"runbooks/checkout.md": text + "## Mitigation\n\nRestart.\n"})
    found = probe_findings(tmp_path, "runbook-present")
    assert summary(found) == [("fail", "runbooks/checkout.md")]
    assert "1 prose words" in found[0].message


def test_a_placeholder_fails_the_runbook_at_its_line(tmp_path: Path) -> None:
    make_repo(tmp_path, {"runbooks/checkout.md": runbook("\nTODO: write the failover steps.\n")})
    found = probe_findings(tmp_path, "runbook-present")
    assert summary(found) == [("fail", "runbooks/checkout.md:13")]
    assert "placeholder 'TODO' on line 13" in found[0].message


def test_placeholders_inside_code_blocks_and_inline_code_do_not_count(tmp_path: Path) -> None:
    body = (
        "\n```bash\n# TODO: this is a comment in a script\ngrep -rn FIXME src/\n```\n"
        "\n~~~\nTBD\n~~~\n\nSearch for `TODO` markers.\n"
    )
    make_repo(tmp_path, {"runbooks/checkout.md": runbook(body)})
    assert summary(probe_findings(tmp_path, "runbook-present")) == [("pass", "runbooks/checkout.md")]


def test_lorem_ipsum_and_fill_me_in_are_placeholders_anywhere_in_prose(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "runbooks/a.md": runbook("\nLorem ipsum dolor sit amet.\n"),
            "runbooks/b.md": runbook(title="Fill me in"),
        },
    )
    assert summary(probe_findings(tmp_path, "runbook-present")) == [
        ("fail", "runbooks/a.md:13"),
        ("fail", "runbooks/b.md:1"),
    ]


def test_a_missing_section_is_named(tmp_path: Path) -> None:
    text = f"# Checkout\n\n{PROSE}\n\n## Diagnosis\n\nLook at the dashboards.\n\n## Escalation\n\nPage the lead.\n"
    make_repo(tmp_path, {"runbooks/checkout.md": text})
    found = probe_findings(tmp_path, "runbook-present")
    assert summary(found) == [("fail", "runbooks/checkout.md")]
    assert "no heading containing 'mitigat'" in found[0].message
    assert "diagnos" not in found[0].message


def test_section_stems_match_any_case_and_inflection(tmp_path: Path) -> None:
    text = f"# Checkout\n\n{PROSE}\n\n## DIAGNOSING slowness\n\nLook.\n\n## Mitigations that work\n\nScale out.\n"
    make_repo(tmp_path, {"runbooks/checkout.md": text})
    assert summary(probe_findings(tmp_path, "runbook-present")) == [("pass", "runbooks/checkout.md")]


def test_one_real_runbook_passes_and_the_index_page_is_listed_as_not_counted(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "runbooks/README.md": "# Runbooks\n\n- [Checkout](checkout.md)\n",
            "runbooks/checkout.md": runbook(),
        },
    )
    found = probe_findings(tmp_path, "runbook-present")
    assert summary(found) == [("pass", "runbooks/checkout.md"), ("not_applicable", "runbooks/README.md")]
    assert found[1].message.startswith("not counted: runbooks/README.md is not a real runbook")


def test_every_candidate_fails_when_none_is_real(tmp_path: Path) -> None:
    make_repo(tmp_path, {"runbooks/a.md": "# A\n", "runbooks/b.md": runbook("\nFIXME\n")})
    assert summary(probe_findings(tmp_path, "runbook-present")) == [
        ("fail", "runbooks/a.md"),
        ("fail", "runbooks/b.md:13"),
    ]


def test_a_runbook_named_by_a_file_path_at_the_root_is_found(tmp_path: Path) -> None:
    make_repo(tmp_path, {"RUNBOOK.md": runbook(), "src/RUNBOOK.md": "# not searched\n"})
    assert summary(probe_findings(tmp_path, "runbook-present")) == [("pass", "RUNBOOK.md")]


def test_restructuredtext_and_asciidoc_runbooks_are_read(tmp_path: Path) -> None:
    rst = (
        f"Checkout\n========\n\n{PROSE}\n\nDiagnosis\n---------\n\nLook::\n\n    TODO in a literal block\n\n"
        "Mitigation\n----------\n\nScale.\n"
    )
    adoc = f"= Checkout\n\n{PROSE}\n\n== Diagnosis\n\n[source,bash]\n----\nTODO\n----\n\n== Mitigation\n\nScale.\n"
    make_repo(tmp_path, {"runbooks/a.rst": rst, "runbooks/b.adoc": adoc})
    assert summary(probe_findings(tmp_path, "runbook-present")) == [
        ("pass", "runbooks/a.rst"),
        ("pass", "runbooks/b.adoc"),
    ]


def test_min_words_and_sections_come_from_params(tmp_path: Path) -> None:
    make_repo(tmp_path, {"runbooks/short.md": "# Short\n\n## Triage\n\nRestart the checkout pods.\n"})
    params = {"min_words": 3, "sections": ["triage"]}
    assert summary(probe_findings(tmp_path, "runbook-present", params)) == [("pass", "runbooks/short.md")]
    assert summary(probe_findings(tmp_path, "runbook-present")) == [("fail", "runbooks/short.md")]


def test_an_unreadable_runbook_is_an_error_not_a_fail(tmp_path: Path) -> None:
    make_repo(tmp_path, {"runbooks/checkout.md": b"# Runbook\0binary\n"})
    found = probe_findings(tmp_path, "runbook-present")
    assert summary(found) == [("error", "runbooks/checkout.md")]
    assert "binary" in found[0].message


def test_an_unreadable_runbook_does_not_block_a_real_one(tmp_path: Path) -> None:
    make_repo(tmp_path, {"runbooks/a.md": b"\0", "runbooks/b.md": runbook()})
    assert summary(probe_findings(tmp_path, "runbook-present")) == [
        ("pass", "runbooks/b.md"),
        ("not_applicable", "runbooks/a.md"),
    ]


def test_monorepo_review_looks_only_in_the_service_folder(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "services/checkout/runbooks/checkout.md": runbook(),
            "services/search/README.md": "# Search\n",
        },
    )
    assert summary(probe_findings(tmp_path / "services" / "checkout", "runbook-present")) == [
        ("pass", "services/checkout/runbooks/checkout.md")
    ]
    assert summary(probe_findings(tmp_path / "services" / "search", "runbook-present")) == [("fail", "")]
    assert summary(probe_findings(tmp_path, "runbook-present")) == [
        ("fail", "")
    ]  # paths are relative to the reviewed folder


def test_hostile_content_does_not_raise(tmp_path: Path) -> None:
    hostile = "[" * 200_000 + "\n" + "](" * 100_000 + "\n" + "https://" * 50_000 + "\n# " + "#" * 100_000 + "\n"
    make_repo(
        tmp_path,
        {
            "runbooks/hostile.md": hostile,
            "runbooks/latin1.md": "# Diagnose\n\ncaf\xe9\n".encode("latin-1"),
            "runbooks/fence.md": "```\nnever closed\n",
            "runbooks/\u00e9t\u00e9 \u2028odd.md": runbook(),
        },
    )
    found = probe_findings(tmp_path, "runbook-present")
    assert [f.outcome for f in found] == [Outcome.PASS] + [Outcome.NOT_APPLICABLE] * 3


def test_selects_documents_under_searched_paths_at_any_depth_only() -> None:
    probe = BY_ID["runbook-present"]
    params = {p.name: p.default for p in SPECS["runbook-present"].params}
    assert probe.selects("runbooks/a.md", params)
    assert probe.selects("services/x/docs/runbooks/deep/a.rst", params)
    assert probe.selects("services/x/RUNBOOK.md", params)
    assert not probe.selects("runbooks/diagram.png", params)
    assert not probe.selects("docs/design.md", params)
    assert not probe.selects("src/runbooks.py", params)


def test_github_slugs_follow_githubs_rules() -> None:
    assert github_slug("Mitigation: Fail over the `cache`!") == "mitigation-fail-over-the-cache"
    assert github_slug("Step 2 -- [Roll back](x.md)") == "step-2----roll-back"
    doc = parse_document("Title\n=====\n\n## Heading ##\n", "a.md")
    assert [(h.line, h.level, h.text) for h in doc.headings] == [(1, 1, "Title"), (4, 2, "Heading")]


# -- rollback-documented ----------------------------------------------------------------------


def test_a_rollback_section_with_steps_passes_at_its_heading(tmp_path: Path) -> None:
    text = "# Deploying\n\nShip it.\n\n## Rollback\n\n1. Run `helm rollback checkout`.\n2. Watch the error rate.\n"
    make_repo(tmp_path, {"docs/deploy.md": text})
    found = probe_findings(tmp_path, "rollback-documented")
    assert summary(found) == [("pass", "docs/deploy.md:5")]


def test_a_code_block_or_fifteen_words_are_steps_too(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "docs/a.md": "## How to roll back\n\n```\nkubectl rollout undo deploy/checkout\n```\n",
            "runbooks/b.md": "Reverting a release\n===================\n\n"
            "Open the deploy pipeline, pick the previous green build and press redeploy, then watch the dashboards.\n",
        },
    )
    found = probe_findings(tmp_path, "rollback-documented")
    assert summary(found) == [("pass", "docs/a.md:1")]
    assert [(loc.path, loc.line) for loc in found[0].locations] == [("docs/a.md", 1), ("runbooks/b.md", 1)]


def test_a_rollback_heading_with_nothing_under_it_fails_at_the_heading(tmp_path: Path) -> None:
    text = "# Ops\n\n## Roll-back\n\nAsk the team.\n\n## Scaling\n\n- add replicas\n"
    make_repo(tmp_path, {"docs/ops.md": text})
    found = probe_findings(tmp_path, "rollback-documented")
    assert summary(found) == [("fail", "docs/ops.md:3")]
    assert "without steps" in found[0].message


def test_steps_under_a_deeper_subheading_belong_to_the_rollback_section(tmp_path: Path) -> None:
    make_repo(tmp_path, {"docs/ops.md": "## Rollback\n\n### Steps\n\n- helm rollback checkout\n\n## Next\n"})
    assert summary(probe_findings(tmp_path, "rollback-documented")) == [("pass", "docs/ops.md:1")]


def test_a_rollback_heading_inside_a_code_block_is_not_a_heading(tmp_path: Path) -> None:
    make_repo(tmp_path, {"docs/ops.md": "# Ops\n\n```\n# rollback\n- step\n```\n"})
    found = probe_findings(tmp_path, "rollback-documented")
    assert summary(found) == [("fail", "docs/ops.md")]
    assert "no rollback, roll back or revert heading" in found[0].message


def test_no_documents_at_all_fails_without_a_location(tmp_path: Path) -> None:
    make_repo(tmp_path, {"src/main.py": "print('hi')\n"})
    assert summary(probe_findings(tmp_path, "rollback-documented")) == [("fail", "")]


def test_an_unreadable_document_without_a_rollback_elsewhere_is_an_error(tmp_path: Path) -> None:
    make_repo(tmp_path, {"docs/a.md": b"\0", "docs/b.md": "# Nothing here\n"})
    assert summary(probe_findings(tmp_path, "rollback-documented")) == [("error", "docs/a.md")]


def test_rollback_search_is_scoped_to_the_service_folder(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "services/a/docs/ops.md": "## Rollback\n\n- helm rollback a\n",
            "services/b/docs/ops.md": "## Scaling\n\n- add replicas\n",
        },
    )
    assert summary(probe_findings(tmp_path / "services" / "a", "rollback-documented")) == [
        ("pass", "services/a/docs/ops.md:1")
    ]
    assert summary(probe_findings(tmp_path / "services" / "b", "rollback-documented")) == [
        ("fail", "services/b/docs/ops.md")
    ]
