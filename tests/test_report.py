"""`prr report RECORD` and `prr diff OLD NEW` on real, signed, committed review records.

The golden files in tests/golden/ are compared byte for byte. They come from one fixed
scenario: a service reviewed twice, a month apart, with deterministic keys (Ed25519
signatures are deterministic), fixed git dates and a fixed clock, so every id, digest and
fingerprint is the same on every run. When a change to the output is intended, regenerate
them and review the diff:

    PRR_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_report.py
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import Run
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from gitrepos import git, make_repo
from records import NOW, SERVICE_FILES, allowed, commit_all, keys, reviewed_repo, sign_all
from signing.sshkeys import Key
from signing.sshkeys import sign as ssh_sign

import prr.workflow.review as review_module
from prr.domain.errors import InputError
from prr.report.html import render_html
from prr.report.json_report import REPORT_FORMAT, dumps, report_json
from prr.report.markdown import render_markdown
from prr.workflow.reporting import ReportData, ReportOptions, file_pointer, forge_base, gather
from prr.workflow.review import review
from prr.workflow.signing import sign

Prr = Callable[..., Run]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("PRR_UPDATE_GOLDEN") == "1"
REMOTE = "https://deploy:s3cret@github.com/acme/payments.git"
SECRETS = ("s3cret", "deploy:", "hunter2", "abc123")  # user info and a token in the inputs, never in the output
EARLIER = NOW - dt.timedelta(days=30)

FILES = {
    **{name: text.replace("tier = 1", "tier = 3") for name, text in SERVICE_FILES.items()},
    ".github/CODEOWNERS": "# owners\n* @acme/payments\n",
    "catalog-info.yaml": (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\n  annotations:\n"
        "    pagerduty.com/service-id: PXXXXXX\nspec:\n  type: service\n  owner: group:acme/payments\n"
        "  lifecycle: production\n"
    ),
    "docs/runbook.md": "# Payments runbook\n\n## Rollback\n\nRun the deploy pipeline with the previous tag.\n",
}
OLD_ANSWERS = """\
checklist: launch
tier: 3
signers:
  - {principal: alice@example.com, role: owner}
  - {principal: carol@example.com, role: reviewer}
answers:
  ownership.codeowners: {answer: pass}
  ownership.catalog-entry: {answer: pass}
  ownership.oncall-rotation: {answer: fail, note: PagerDuty service not created yet}
  ownership.risk-owner: {answer: pass}
  observability.health-endpoint: {answer: pass}
  deployment.rollback-documented: {answer: fail, note: the runbook has no rollback steps}
  dr.backups-scheduled:
    answer: waived
    reason: stateless until the ledger lands
    approver: cto@example.com
    expires: 2026-12-31
  security.no-plain-secrets: {answer: pass}
"""
NEW_ANSWERS = """\
checklist: launch
tier: 3
signers:
  - {principal: alice@example.com, role: owner}
  - {principal: bob@example.com, role: reviewer}
answers:
  ownership.codeowners: {answer: pass}
  ownership.catalog-entry:
    answer: pass
    evidence: ["https://deploy:hunter2@backstage.example.com/catalog/payments?token=abc123", catalog-info.yaml]
  ownership.oncall-rotation:
    answer: waived
    reason: "PagerDuty | rota <b>starts</b> in December"
    approver: cto@example.com
    expires: 2026-12-15
  ownership.risk-owner:
    answer: pass
    note: "Risk owner: `jane` | *head of payments* [x](javascript:alert(1))\\n<script>alert('x')</script>"
  observability.health-endpoint: {answer: pass}
  deployment.rollback-documented: {answer: pass, note: steps added to the runbook}
  dr.backups-scheduled:
    answer: na
    reason: "stateless: the ledger service keeps the data"
    note: nothing to back up here
  security.no-plain-secrets: {answer: pass}
  slo.defined: {answer: fail, note: "SLOs land in Q1 # not yet"}
"""
RUNBOOK = (
    "# Payments runbook\n\n## Rollback\n\n1. Find the previous tag in the deploy history.\n"
    "2. Run the deploy pipeline with that tag.\n3. Watch the error rate for ten minutes.\n"
)


def fixed_key(folder: Path, name: str) -> Key:
    """An Ed25519 key derived from its name: the same key, fingerprint and signatures on every run."""
    folder.mkdir(parents=True, exist_ok=True)
    private = ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"prr-report-{name}".encode()).digest())
    path = folder / name
    path.write_bytes(private.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption()))
    path.chmod(0o600)
    public = private.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
    path.with_name(f"{name}.pub").write_bytes(public + f" {name}@test\n".encode())
    return Key(path, path.with_name(f"{name}.pub"))


@dataclass(frozen=True)
class Scenario:
    root: Path  # run from here: the allowed_signers file is `allowed_signers`, relative
    repo: Path
    old: Path  # record folders
    new: Path


def reviewed_twice(root: Path, remote: str | None = REMOTE) -> Scenario:
    """A service reviewed a month ago (not ready; alice signed) and now (ready; alice and
    bob signed), with the runbook and CODEOWNERS changed in between; all committed."""
    repo = make_repo(root / "repo", FILES)
    if remote:
        git(repo, "remote", "add", "origin", remote)
    keyring = {p: fixed_key(root / "keys", p.split("@")[0]) for p in ("alice@example.com", "bob@example.com")}
    allowed(root, keyring)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(review_module, "__version__", "0.0.0")  # the goldens outlive prr's version
        (root / "old.yaml").write_text(OLD_ANSWERS)
        old = review(repo, root / "old.yaml", now=EARLIER).path.parent
        sign(old, str(keyring["alice@example.com"].private), "alice@example.com")
        commit_all(repo, "first review")
        make_repo(repo, {"docs/runbook.md": RUNBOOK, ".github/CODEOWNERS": "# owners\n\n* @acme/payments\n"}, "fix")
        (root / "new.yaml").write_text(NEW_ANSWERS)
        new = review(repo, root / "new.yaml", now=NOW).path.parent
    sign_all(new, keyring)
    commit_all(repo, "second review")
    return Scenario(root, repo, old, new)


@pytest.fixture(autouse=True)
def no_global_git_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own gpg.ssh.allowedSignersFile must not turn "no trust" into trust."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return reviewed_twice(tmp_path_factory.mktemp("report"))


@pytest.fixture
def in_root(scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scenario]:
    monkeypatch.chdir(scenario.root)
    yield scenario


def report(path: Path, **options: object) -> ReportData:
    return gather(path, ReportOptions(now=NOW, **options))  # type: ignore[arg-type]


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
    assert actual == path.read_bytes().decode("utf-8"), f"regenerate with PRR_UPDATE_GOLDEN=1 if intended: {name}"


def no_secrets(text: str) -> None:
    assert not [s for s in SECRETS if s in text]


# --- the golden files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "render"),
    [("report.md", render_markdown), ("report.html", render_html), ("report.json", lambda d: dumps(report_json(d)))],
)
def test_the_report_of_a_signed_committed_review_matches_its_golden_file(
    in_root: Scenario, name: str, render: Callable[[ReportData], str]
) -> None:
    text = render(report(in_root.new, allowed_signers=Path("allowed_signers")))
    no_secrets(text)
    # The printed ssh-keygen commands name allowed_signers absolutely (they run from the repository top).
    assert_golden(name, text.replace(str(in_root.root.resolve()), "/path/to"))


@pytest.mark.parametrize(("name", "args"), [("diff.txt", ()), ("diff.json", ("--format", "json"))])
def test_prr_diff_of_the_two_reviews_matches_its_golden_file(
    scenario: Scenario, prr: Prr, name: str, args: tuple[str, ...]
) -> None:
    result = prr("diff", str(scenario.old), str(scenario.new), *args)
    assert result.code == 0, result.err
    no_secrets(result.out)
    assert_golden(name, result.out)


# --- what the report says --------------------------------------------------------------------


def test_the_report_names_the_verdict_the_signers_and_the_previous_review(in_root: Scenario) -> None:
    data = report(in_root.new, allowed_signers=Path("allowed_signers"))
    assert data.status == "valid" and data.signatures_verified and data.loaded.committed
    assert data.record.verdict.ready
    assert [(s.principal, s.role, s.status) for s in data.signers] == [
        ("alice@example.com", "owner", "valid"),
        ("bob@example.com", "reviewer", "valid"),
    ]
    assert data.previous is not None and data.previous.loaded.path.endswith(f"{in_root.old.name}/record.toml")
    assert data.previous.diff.verdict.blockers_removed == ("deployment.rollback-documented",)
    assert [w.days_left for w in data.waivers] == [44]


def test_evidence_links_to_the_file_and_line_at_the_reviewed_commit_without_user_info(in_root: Scenario) -> None:
    data = report(in_root.new)
    commit = data.record.subject.commit
    codeowners = next(b for b in data.sections if b.id == "ownership").items[0].findings[0].pointers[0]
    assert codeowners.text == ".github/CODEOWNERS:3"
    assert codeowners.href == f"https://github.com/acme/payments/blob/{commit}/.github/CODEOWNERS#L3"
    assert data.commit_href == f"https://github.com/acme/payments/commit/{commit}"
    for text in (render_markdown(data), render_html(data), dumps(report_json(data))):
        no_secrets(text)


def test_an_ssh_remote_links_evidence_to_the_forges_web_pages(tmp_path: Path) -> None:
    data = report(reviewed_twice(tmp_path, remote="git@github.com:acme/payments.git").new)
    commit = data.record.subject.commit
    pointer = next(b for b in data.sections if b.id == "ownership").items[0].findings[0].pointers[0]
    assert pointer.href == f"https://github.com/acme/payments/blob/{commit}/.github/CODEOWNERS#L3"


def test_without_a_forge_remote_evidence_is_shown_as_path_line_at_the_short_commit(tmp_path: Path) -> None:
    scenario = reviewed_twice(tmp_path, remote=None)
    data = report(scenario.new)
    commit = data.record.subject.commit
    pointer = next(b for b in data.sections if b.id == "ownership").items[0].findings[0].pointers[0]
    assert (pointer.text, pointer.href, pointer.detail) == (".github/CODEOWNERS:3", None, f"@ {commit[:12]}")
    assert data.link_base == "" and "https://github.com" not in render_markdown(data)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/acme/payments.git", ("https://github.com/acme/payments", "github")),
        ("https://user:token@github.com/acme/payments/", ("https://github.com/acme/payments", "github")),
        ("https://gitlab.com/acme/group/payments.git", ("https://gitlab.com/acme/group/payments", "gitlab")),
        ("https://gitlab.example.com:8443/acme/payments", ("https://gitlab.example.com:8443/acme/payments", "gitlab")),
        ("https://github.example.com/acme/payments", ("https://github.example.com/acme/payments", "github")),
        ("git@github.com:acme/payments.git", ("https://github.com/acme/payments", "github")),
        (
            "ssh://git@gitlab.example.com:2222/acme/group/payments.git",
            ("https://gitlab.example.com/acme/group/payments", "gitlab"),
        ),
        ("github.com:acme/payments", ("https://github.com/acme/payments", "github")),
        ("git@github.com:/etc/passwd", None),  # an absolute path, not owner/name
        ("git@github.com:acme", None),
        ("git@bitbucket.org:acme/payments.git", None),
        ("ext::ssh -o ProxyCommand=x github.com:acme/payments", None),
        ("file:///srv/git/payments.git", None),
        ("http://github.com/acme/payments", None),
        ("https://bitbucket.org/acme/payments", None),
        ("https://github.com/acme", None),  # not a repository
        ("repo", None),
    ],
)
def test_files_are_linked_only_on_github_and_gitlab_remotes(url: str, expected: object) -> None:
    assert forge_base(url) == expected


def test_gitlab_links_use_its_blob_path() -> None:
    forge = forge_base("https://gitlab.com/acme/payments.git")
    pointer = file_pointer("docs/run book.md", 7, "ab" * 20, forge)
    assert pointer.href == f"https://gitlab.com/acme/payments/-/blob/{'ab' * 20}/docs/run%20book.md#L7"


def test_record_text_is_escaped_in_html_and_the_file_is_self_contained(in_root: Scenario) -> None:
    page = render_html(report(in_root.new))
    assert "<script" not in page.lower() and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<b>" not in page and "&lt;b&gt;starts&lt;/b&gt;" in page
    assert "javascript:alert(1)" in page and 'href="javascript' not in page  # text, never a link
    assert re.findall(r"<(link|img|iframe|object|embed|script)\b", page) == []
    assert " src=" not in page and "@import" not in page and "url(" not in page
    assert "@media print" in page and "Content-Security-Policy" in page


def test_the_html_is_well_formed(in_root: Scenario) -> None:
    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open: list[str] = []
            self.mismatched: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag not in ("meta", "br"):
                self.open.append(tag)

        def handle_endtag(self, tag: str) -> None:
            if self.open and self.open[-1] == tag:
                self.open.pop()
            else:
                self.mismatched.append(tag)

    tags = Tags()
    tags.feed(render_html(report(in_root.new)))
    assert (tags.open, tags.mismatched) == ([], [])


def test_record_text_is_escaped_in_markdown_table_cells(in_root: Scenario) -> None:
    page = render_markdown(report(in_root.new))
    row = next(line for line in page.splitlines() if line.startswith("| **ownership.risk-owner**"))
    assert row.count(" | ") == 5  # the note's | did not add a column
    assert r"Risk owner: \`jane\` \| \*head of payments\* \[x\](javascript:alert(1))" in row
    assert r"<br>\<script>alert('x')\</script>" in row
    prose = "\n".join(line for line in page.splitlines() if not line.startswith("ssh-keygen "))
    assert re.findall(r"(?<!\\)<(?!br>)", prose) == []  # no HTML but the <br> the renderer puts in
    waiver = next(line for line in page.splitlines() if line.startswith("| **ownership.oncall-rotation**"))
    assert r"PagerDuty \| rota \<b>starts\</b> in December" in waiver


def test_the_json_report_is_a_documented_prr_report_1_object(in_root: Scenario) -> None:
    document = json.loads(dumps(report_json(report(in_root.new, allowed_signers=Path("allowed_signers")))))
    assert document["format"] == REPORT_FORMAT == "prr.report/1"
    assert set(document) == {"format", "record", "service", "subject", "checklist", "verdict", "verification",
                             "signers", "sections", "waivers", "previous"}  # fmt: skip
    assert document["verification"]["status"] == "valid"
    assert document["previous"]["diff"]["verdict"]["changed"] == ["ready", "score"]
    documented = (Path(__file__).parent.parent / "docs" / "reports.md").read_text()
    for key in document:
        assert f"`{key}`" in documented


# --- trust -------------------------------------------------------------------------------------


def test_without_trust_signatures_show_as_not_verified_and_the_report_is_still_made(
    scenario: Scenario, prr: Prr, tmp_path: Path
) -> None:
    data = report(scenario.new)
    assert not data.signatures_verified and data.status == "unverified" and data.failures == ()
    assert {s.status for s in data.signers} == {"not verified"}
    assert all(s.reason.startswith("no allowed_signers file given") for s in data.signers)
    assert all("over the record's exact bytes" in s.reason for s in data.signers)
    result = prr("report", str(scenario.new), "--format", "md", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "| not verified (no allowed\\_signers file given; the signature is over" in result.out


def test_without_trust_a_signature_over_other_bytes_is_still_invalid(tmp_path: Path) -> None:
    _repo, record = reviewed_repo(tmp_path, tier=3)
    keyring = keys(tmp_path, "alice@example.com")
    sign_all(record, keyring)
    signature = record.parent / "signatures" / "alice@example.com.sig"
    other = record.read_bytes().replace(b"payments", b"paymentz")  # a signature of other bytes, put in place
    signature.write_bytes(ssh_sign(keyring["alice@example.com"], other, "prr-record-v1@prr"))
    data = report(record)
    assert [(s.principal, s.status) for s in data.signers] == [("alice@example.com", "invalid")]
    assert data.status == "invalid"


def test_revoked_keys_without_an_allowed_signers_file_are_refused(scenario: Scenario, prr: Prr, tmp_path: Path) -> None:
    revoked = tmp_path / "revoked"
    revoked.write_text("")
    result = prr("report", str(scenario.new), "--revoked", str(revoked), cwd=tmp_path)
    assert result.code == 2
    assert result.err.strip() == "prr: --revoked needs an allowed_signers file: pass --allowed-signers FILE as well"


# --- where the record comes from -----------------------------------------------------------------


def test_a_record_not_committed_yet_is_read_from_the_working_tree_and_says_so(tmp_path: Path) -> None:
    _repo, record = reviewed_repo(tmp_path, tier=3)
    keyring = keys(tmp_path, "alice@example.com")
    sign_all(record, keyring)
    data = report(record, allowed_signers=allowed(tmp_path, keyring))
    assert not data.loaded.committed
    assert data.notes[0] == "not committed at HEAD: read from the working tree"
    assert [(s.principal, s.status) for s in data.signers] == [("alice@example.com", "valid")]
    assert data.status == "valid"
    assert "not committed at HEAD" in render_markdown(data)


def test_a_signature_added_after_the_commit_is_noted_but_not_counted(tmp_path: Path) -> None:
    repo, record = reviewed_repo(tmp_path, tier=3)
    keyring = keys(tmp_path, "alice@example.com", "bob@example.com")
    sign(record, str(keyring["alice@example.com"].private), "alice@example.com")
    commit_all(repo)
    sign(record, str(keyring["bob@example.com"].private), "bob@example.com")
    data = report(record, allowed_signers=allowed(tmp_path, keyring))
    assert [s.principal for s in data.signers] == ["alice@example.com"]
    assert "not committed (not counted): bob@example.com.sig" in " ".join(data.notes)


def test_a_record_of_a_service_folder_in_a_monorepo(tmp_path: Path) -> None:
    repo, record = reviewed_repo(tmp_path, tier=3, service="services/payments")
    keyring = keys(tmp_path, "alice@example.com")
    sign_all(record, keyring)
    commit_all(repo)
    data = report(record.parent, allowed_signers=allowed(tmp_path, keyring))
    assert data.loaded.path.startswith("services/payments/.prr/records/")
    assert data.status == "valid" and data.record.subject.service_folder == "services/payments"


def test_the_previous_review_is_the_newest_earlier_one_with_the_same_checklist(scenario: Scenario) -> None:
    assert report(scenario.old).previous is None
    data = report(scenario.new)
    assert data.previous is not None and data.previous.loaded.record.created == EARLIER


def test_sections_fall_back_to_id_prefixes_when_the_checklist_cannot_be_loaded(tmp_path: Path) -> None:
    pack = tmp_path / "acme.yaml"
    pack.write_text('id: acme\nversion: "1.0.0"\ntitle: ACME\ndescription: ACME launch.\nextends: launch\n')
    repo = make_repo(tmp_path / "repo", {k: v.replace("tier = 1", "tier = 3") for k, v in SERVICE_FILES.items()})
    (tmp_path / "answers.yaml").write_text("checklist: acme\ntier: 3\nanswers: {}\n")
    record = review(repo, tmp_path / "answers.yaml", pack_ref=str(pack), now=NOW).path
    data = report(record)
    assert data.sections_from.startswith("item id prefixes (checklist '")
    assert data.sections_from.endswith("is not built in: name its file with --checklist FILE)")
    assert [b.id for b in data.sections][:3] == ["ownership", "slo", "dashboards"]
    assert data.sections[0].title == "ownership"
    with_pack = report(record, checklist=pack)
    assert with_pack.sections_from == "checklist acme 1.0.0"
    assert with_pack.sections[0].title == "Ownership and on-call"


# --- the commands -------------------------------------------------------------------------------


def test_prr_report_writes_html_to_a_file(scenario: Scenario, prr: Prr, tmp_path: Path) -> None:
    out = tmp_path / "out" / "review.html"
    result = prr("report", str(scenario.new / "record.toml"), "--format", "html", "-o", str(out))
    assert result.code == 0, result.err
    assert result.out.strip() == str(out)
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_an_output_file_that_cannot_be_written_is_one_line_and_exit_2(
    scenario: Scenario, prr: Prr, tmp_path: Path
) -> None:
    (tmp_path / "afile.txt").write_text("")
    out = tmp_path / "afile.txt" / "review.md"
    result = prr("report", str(scenario.new / "record.toml"), "-o", str(out))
    assert result.code == 2
    assert result.err.splitlines() == [f"prr: {out}: cannot write it: File exists"]


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_prr_report_prints_each_format(scenario: Scenario, prr: Prr, fmt: str) -> None:
    result = prr(
        "report", str(scenario.new), "--format", fmt, "--allowed-signers", str(scenario.root / "allowed_signers")
    )
    assert result.code == 0, result.err
    assert scenario.new.name in result.out
    no_secrets(result.out)


@pytest.mark.parametrize("command", ["report", "diff"])
def test_a_path_that_is_not_a_record_is_one_line_and_exit_2(scenario: Scenario, prr: Prr, command: str) -> None:
    args = [str(scenario.repo)] if command == "report" else [str(scenario.old), str(scenario.repo)]
    result = prr(command, *args)
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert "not a review record folder" in result.err


def test_an_unreadable_record_is_reported_at_its_line(tmp_path: Path, prr: Prr) -> None:
    _repo, record = reviewed_repo(tmp_path, tier=3)
    record.write_text(record.read_text().replace('format = "prr.record/1"', 'format = "prr.record/9"'))
    result = prr("report", str(record))
    assert result.code == 2
    assert re.match(r"\.prr/records/[^:]+/record\.toml:\d+:\d+: format: ", result.err)


def test_prr_diff_of_a_record_with_itself_says_no_differences(scenario: Scenario, prr: Prr) -> None:
    result = prr("diff", str(scenario.new), str(scenario.new))
    assert result.code == 0
    assert result.out.rstrip().endswith("No differences.")


def test_load_record_refuses_a_record_folder_without_a_record(tmp_path: Path) -> None:
    from prr.workflow.reporting import load_record

    repo = make_repo(tmp_path / "repo", {"src/app.py": "x\n"})
    (repo / ".prr" / "records" / "20260101-x-00000000").mkdir(parents=True)
    with pytest.raises(InputError, match="no record there"):
        load_record(repo / ".prr" / "records" / "20260101-x-00000000")
