"""`prr report` and `prr diff`: one record, read the way `prr verify` reads it, gathered into
what a readiness meeting or an auditor needs, so the Markdown, HTML and JSON renderers
(prr.report) only lay it out.

A record is read from the git objects at the ref, like `prr verify`; one not committed
there yet is read from the working tree (never through a symlink) and the report says so.
It is checked by the same `Checker` as `prr verify`. A report must be producible before
anyone has set up trust, so without an allowed_signers file the signatures are shown as
not verified rather than failing: whether each is over the record's bytes is still said,
and only the failures that need trust (who signed, sign-off) are left out."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import posixpath
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import git

from prr.adapters.git_objects import MAX_BLOB_BYTES, FileAt, GitObjects
from prr.adapters.signing.sshsig import NAMESPACE, Check, SignatureError, parse_signature, verify_signature
from prr.adapters.worktree import read_no_follow
from prr.domain.checklist import DEFAULT_TIER_NAMES, Pack
from prr.domain.errors import InputError
from prr.domain.findings import Finding
from prr.domain.record import BlockerRef, Record, RecordItem, WaiverRef
from prr.domain.redaction import redact_url
from prr.domain.status import State
from prr.domain.verification import SignatureResult, Verification, signoff_problem
from prr.format.record_toml import loads
from prr.workflow.record_binding import Packs
from prr.workflow.record_diff import RecordDiff, diff_records
from prr.workflow.record_location import RECORDS, SIGNATURES, RecordLocation, locate
from prr.workflow.trust import Trust, load_trust
from prr.workflow.verifying import MAX_RECORD_BYTES, Checker

NO_TRUST = "no allowed_signers file given"
MAX_SIGNATURE_BYTES = 64 * 1024
SHORT = 12  # characters of a commit id shown where there is no link


@dataclass(frozen=True)
class ReportOptions:
    ref: str = "HEAD"
    allowed_signers: Path | None = None
    revoked: Path | None = None
    repository_signers: str | None = None  # a committed allowed_signers file, trusted only when asked
    checklist: Path | None = None  # the pack file of a record not made with a built-in pack
    now: dt.datetime | None = None  # when the report is made: expiry and waivers are judged then


@dataclass(frozen=True)
class LoadedRecord:
    path: str  # record.toml, relative to the repository top
    record: Record
    committed: bool  # read from git objects at the ref; False: from the working tree
    signed: tuple[str, ...]  # principals with a signature file (verified or not), sorted


@dataclass(frozen=True)
class Pointer:
    """Where a piece of evidence is: `text`, linked to `href` when there is one (always
    http or https), then `detail` as plain text."""

    text: str
    href: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class FindingLine:
    finding: Finding
    pointers: tuple[Pointer, ...]


@dataclass(frozen=True)
class ItemLine:
    item: RecordItem
    title: str  # from the checklist, "" when unknown
    findings: tuple[FindingLine, ...]
    links: tuple[Pointer, ...]  # the owner's evidence


@dataclass(frozen=True)
class SectionBlock:
    id: str
    title: str
    items: tuple[ItemLine, ...]

    def count(self, state: State) -> int:
        return sum(str(line.item.state) == state.value for line in self.items)


@dataclass(frozen=True)
class SignerLine:
    """A declared signer or a signature file, or both."""

    principal: str
    role: str  # the declared role, "" when not declared
    signed: bool  # a signature file is there
    status: str  # valid | invalid | not verified | not signed
    reason: str  # why not valid, "" when valid
    fingerprint: str  # the signing key's, "" when unsigned or unreadable
    command: str  # the `ssh-keygen -Y verify` command that re-checks it, "" when unsigned


@dataclass(frozen=True)
class WaiverLine:
    waiver: WaiverRef
    title: str
    days_left: int  # 0 on the expiry day (a waiver holds through it); negative once lapsed


@dataclass(frozen=True)
class Previous:
    loaded: LoadedRecord
    diff: RecordDiff


@dataclass(frozen=True)
class ReportData:
    loaded: LoadedRecord
    ref: str  # as given
    commit: str  # the ref, resolved
    checked_at: dt.datetime
    status: str  # valid | stale | expired | invalid | unverified (no trust, nothing else wrong)
    signatures_verified: bool  # False when no allowed_signers file was given
    trust: str  # the allowed_signers file trusted, "" when none
    weaker_trust: bool  # that file is inside the repository under review
    failures: tuple[str, ...]
    changed: tuple[str, ...]  # paths changed since the reviewed commit, at the ref
    notes: tuple[str, ...]
    tier_name: str
    sections_from: str  # what the sections come from: the checklist, or item id prefixes
    sections: tuple[SectionBlock, ...]
    blockers: tuple[tuple[BlockerRef, str], ...]  # with the item's title
    waivers: tuple[WaiverLine, ...]
    signers: tuple[SignerLine, ...]
    link_base: str  # the forge repository files are linked at, "" when they are not linked
    commit_href: str  # the reviewed commit on that forge, "" when not linked
    previous: Previous | None  # the previous review of the service with the same checklist

    @property
    def record(self) -> Record:
        return self.loaded.record


def load_record(path: Path, ref: str = "HEAD") -> LoadedRecord:
    """The record PATH names (its folder or record.toml), from git objects at REF, else
    from the working tree."""
    location = locate(path)
    with _RecordObjects.open(location.top) as objects:
        return _read(objects, objects.resolve(ref), location).loaded


def gather(path: Path, options: ReportOptions) -> ReportData:
    """Everything the report shows about the record PATH names."""
    now = (options.now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    location = locate(path)
    with _RecordObjects.open(location.top) as objects, tempfile.TemporaryDirectory(prefix="prr-report-") as scratch:
        commit = objects.resolve(options.ref)
        trust = _trust(objects, commit, options, Path(scratch))
        packs = Packs(given=options.checklist)
        checker = Checker(objects, commit, location.service, trust or _no_trust(Path(scratch)), packs, now)
        opened = _read(objects, commit, location)
        record = opened.loaded.record
        result = checker.check(location.record_id, opened.files)
        pack = packs.pack(record)
        signers, failures, unchecked = _signers(result, opened, trust is not None, pack, objects)
        previous, skipped = _previous(objects, commit, location, opened.loaded)
        forge = forge_base(objects.config("remote.origin.url") or "") or forge_base(record.subject.repository)
    notes = [*opened.notes, *result.notes, *unchecked, *skipped]
    if not opened.loaded.committed:
        notes.insert(0, f"not committed at {options.ref}: read from the working tree")
    titles = {item.id: item.title for item in pack.items} if isinstance(pack, Pack) else {}
    lines = [_item_line(item, titles.get(item.id, ""), record.subject.commit, forge) for item in record.items]
    sections_from, sections = _sections(lines, pack)
    return ReportData(
        loaded=opened.loaded,
        ref=options.ref,
        commit=commit,
        checked_at=now,
        status=_status(failures, result, trust is not None),
        signatures_verified=trust is not None,
        trust=trust.shown if trust else "",
        weaker_trust=bool(trust and trust.weaker),
        failures=tuple(failures),
        changed=result.changed,
        notes=tuple(notes),
        tier_name=(pack.tier_names if isinstance(pack, Pack) else DEFAULT_TIER_NAMES).get(record.service.tier, ""),
        sections_from=sections_from,
        sections=sections,
        blockers=tuple((b, titles.get(b.item, "")) for b in record.verdict.blockers),
        waivers=tuple(WaiverLine(w, titles.get(w.item, ""), (w.expires - now.date()).days) for w in record.waivers),
        signers=signers,
        link_base=forge[0] if forge else "",
        commit_href=f"{forge[0]}/{_FORGE_PATHS[forge[1]]}commit/{record.subject.commit}" if forge else "",
        previous=previous,
    )


# --- reading ------------------------------------------------------------------------------


class _RecordObjects(GitObjects):
    """Git objects, plus the files of a record folder not committed yet: the `Checker`
    reads blobs by id, so each working-tree file is given its own (git's hash of its bytes)."""

    def __init__(self, top: Path, git_dir: Path, prefix: str, g: git.Git) -> None:
        super().__init__(top, git_dir, prefix, g)
        self._working: dict[str, bytes] = {}

    @classmethod
    def open(cls, path: Path) -> _RecordObjects:
        objects = super().open(path)
        assert isinstance(objects, _RecordObjects)
        return objects

    def add(self, data: bytes, sha256: bool) -> str:
        oid = hashlib.new("sha256" if sha256 else "sha1", b"blob %d\0" % len(data) + data).hexdigest()
        self._working[oid] = data
        return oid

    def blob(self, oid: str, shown: str, cap: int = MAX_BLOB_BYTES) -> bytes:
        data = self._working.get(oid)
        if data is None:
            return super().blob(oid, shown, cap)
        if len(data) > cap:
            raise InputError(f"{shown}: {len(data):,} bytes, over the {cap:,}-byte cap")
        return data


@dataclass(frozen=True)
class _Opened:
    loaded: LoadedRecord
    files: list[FileAt]  # record.toml and the signature files, as the Checker takes them
    data: bytes  # the record's bytes
    notes: tuple[str, ...]


def _read(objects: _RecordObjects, commit: str, location: RecordLocation) -> _Opened:
    record_path = location.record_path
    files = list(objects.files(commit, location.folder))
    found = next((f for f in files if f.path == record_path), None)
    working = _working_signatures(location)
    notes: list[str] = []
    if found is not None:
        objects.prefetch([f.oid for f in files], MAX_RECORD_BYTES)
        data = objects.blob(found.oid, record_path, MAX_RECORD_BYTES)
        committed_names = {f.path for f in files}
        fresh = sorted(p.rpartition("/")[2] for p in working if p not in committed_names)
        if fresh:
            notes.append(f"signature files in the working tree but not committed (not counted): {', '.join(fresh)}")
    else:
        read = read_no_follow(location.top, record_path, MAX_RECORD_BYTES)
        if read is None:
            raise InputError(
                f"{record_path}: no record there, committed or in the working tree "
                f"(a regular file of at most {MAX_RECORD_BYTES:,} bytes, reached without symlinks)"
            )
        data = read
        sha256 = len(commit) == 64
        files = [FileAt(record_path, objects.add(data, sha256))]
        files += [FileAt(path, objects.add(content, sha256)) for path, content in working.items()]
    record = loads(data, record_path)
    signed = tuple(
        sorted(f.path.rpartition("/")[2].removesuffix(".sig") for f in files if _signature(f.path, location))
    )
    return _Opened(LoadedRecord(record_path, record, found is not None, signed), files, data, tuple(notes))


def _signature(path: str, location: RecordLocation) -> bool:
    folder, _, name = path.rpartition("/")
    return folder == f"{location.folder}/{SIGNATURES}" and name.endswith(".sig")


def _working_signatures(location: RecordLocation) -> dict[str, bytes]:
    """The signature files of the record folder in the working tree, by path; a file that
    is a symlink, or reached through one, or too big to be a signature is left out."""
    folder = f"{location.folder}/{SIGNATURES}"
    try:
        with os.scandir(location.top / folder) as entries:
            names = sorted(e.name for e in entries if e.name.endswith(".sig") and e.is_file(follow_symlinks=False))
    except (FileNotFoundError, NotADirectoryError):
        return {}  # no signatures yet
    found = {}
    for name in names:
        data = read_no_follow(location.top, f"{folder}/{name}", MAX_SIGNATURE_BYTES)
        if data is not None:
            found[f"{folder}/{name}"] = data
    return found


def _previous(
    objects: _RecordObjects, commit: str, location: RecordLocation, current: LoadedRecord
) -> tuple[Previous | None, list[str]]:
    """The newest record of the same service and checklist created before CURRENT, from
    the ref and the working tree, and a note for each record that could not be read."""
    base = posixpath.join(location.service, RECORDS)
    names = {f.path[len(base) + 1 :].split("/", 1)[0] for f in objects.files(commit, base)}
    try:
        with os.scandir(location.top / base) as entries:
            names |= {e.name for e in entries if e.is_dir(follow_symlinks=False)}
    except (FileNotFoundError, NotADirectoryError):
        pass  # nothing in the working tree: the committed records are all there is
    names.discard(location.record_id)
    candidates, skipped = [], []
    for name in sorted(names):
        other = RecordLocation(location.top, location.service, name)
        try:
            opened = _read(objects, commit, other)
        except InputError as exc:
            skipped.append(f"{other.record_path}: left out of the previous-review search ({exc.lines()[0]})")
            continue
        record = opened.loaded.record
        if record.checklist.id == current.record.checklist.id and record.created < current.record.created:
            candidates.append(opened.loaded)
    newest = max(candidates, key=lambda c: (c.record.created, c.record.id), default=None)
    if newest is None:
        return None, skipped
    return Previous(newest, diff_records(newest.record, current.record, newest.signed, current.signed)), skipped


# --- trust and signatures -----------------------------------------------------------------


def _trust(objects: GitObjects, commit: str, options: ReportOptions, scratch: Path) -> Trust | None:
    """The trust `prr verify` would use, or None when none is configured anywhere."""
    configured = (
        options.allowed_signers is not None
        or options.repository_signers is not None
        or objects.config("gpg.ssh.allowedSignersFile") is not None
    )
    if not configured:
        if options.revoked is not None:
            raise InputError("--revoked needs an allowed_signers file: pass --allowed-signers FILE as well")
        return None
    return load_trust(objects, commit, options.allowed_signers, options.revoked, options.repository_signers, scratch)


def _no_trust(scratch: Path) -> Trust:
    """An allowed_signers file naming nobody, so the Checker still checks everything else."""
    empty = scratch / "no-allowed-signers"
    empty.write_bytes(b"")
    return Trust([], empty, "", "allowed_signers", None, weaker=False)


def _signers(
    result: Verification, opened: _Opened, trusted: bool, pack: Pack | str, objects: GitObjects
) -> tuple[tuple[SignerLine, ...], list[str], list[str]]:
    """One line per declared signer and per signature file; the record's failures; and,
    without trust, a note on what was not checked."""
    record = opened.loaded.record
    failures = list(result.failures)
    unchecked: list[str] = []
    by_principal: dict[str, tuple[str, str, str, str]] = {}  # status, reason, fingerprint, command
    for signature in result.signatures:
        status, reason = ("valid", "") if signature.valid else ("invalid", signature.reason)
        if not trusted:
            status, reason = _untrusted(signature, opened, record, objects)
            if status != "invalid" and f"signature {signature.path}: {signature.reason}" in failures:
                failures.remove(f"signature {signature.path}: {signature.reason}")
        by_principal[signature.principal] = (status, reason, signature.fingerprint, signature.command)
    if not trusted and isinstance(pack, Pack):
        needed = pack.signoff.get(record.service.tier, 1)
        problem = signoff_problem(needed, [], record.service.tier)
        if problem in failures:
            failures.remove(problem)
        unchecked.append(f"sign-off not checked without trust: tier {record.service.tier} needs {needed} distinct "
                         f"signer{'s' if needed != 1 else ''}")  # fmt: skip
    lines = []
    for signer in record.signers:
        status, reason, fingerprint, command = by_principal.pop(signer.principal, ("not signed", "", "", ""))
        lines.append(SignerLine(signer.principal, signer.role, command != "", status, reason, fingerprint, command))
    for principal, (status, reason, fingerprint, command) in by_principal.items():
        lines.append(SignerLine(principal, "", True, status, reason, fingerprint, command))
    return tuple(lines), failures, unchecked


def _untrusted(signature: SignatureResult, opened: _Opened, record: Record, objects: GitObjects) -> tuple[str, str]:
    """Without trust, what can still be said of a signature: whether it is a well-formed
    signature by a declared signer over the record's exact bytes."""
    file = next(f for f in opened.files if f.path == signature.path)
    try:
        parsed = parse_signature(objects.blob(file.oid, file.path, MAX_SIGNATURE_BYTES))
    except SignatureError:
        return "invalid", signature.reason  # the Checker said why, in the same words
    declared = [s.principal for s in record.signers]
    if declared and signature.principal not in declared:
        return "invalid", signature.reason
    checked = verify_signature(parsed, opened.data, NAMESPACE)
    if checked.check is Check.INVALID:
        return "invalid", checked.reason
    if checked.check is Check.DELEGATE:
        return "not verified", NO_TRUST
    return "not verified", f"{NO_TRUST}; the signature is over the record's exact bytes"


def _status(failures: list[str], result: Verification, trusted: bool) -> str:
    if failures:
        return "invalid"
    if result.expired:
        return "expired"
    if result.changed:
        return "stale"
    return "valid" if trusted else "unverified"


# --- sections and evidence ----------------------------------------------------------------


def _sections(lines: list[ItemLine], pack: Pack | str) -> tuple[str, tuple[SectionBlock, ...]]:
    """The record's items in the checklist's sections (in its order); items it does not
    have, or all of them when it is not available, by the id's prefix before the first dot."""
    if isinstance(pack, str):
        return f"item id prefixes ({pack})", _by_prefix(lines)
    by_id = {line.item.id: line for line in lines}
    blocks = []
    for section in pack.sections:
        members = tuple(by_id.pop(item.id) for item in section.items if item.id in by_id)
        if members:
            blocks.append(SectionBlock(section.id, section.title, members))
    rest = [line for line in lines if line.item.id in by_id]
    return f"checklist {pack.id} {pack.version}", (*blocks, *_by_prefix(rest))


def _by_prefix(lines: list[ItemLine]) -> tuple[SectionBlock, ...]:
    groups: dict[str, list[ItemLine]] = {}
    for line in lines:
        groups.setdefault(line.item.id.split(".", 1)[0], []).append(line)
    return tuple(SectionBlock(prefix, prefix, tuple(members)) for prefix, members in groups.items())


def _item_line(item: RecordItem, title: str, commit: str, forge: tuple[str, str] | None) -> ItemLine:
    return ItemLine(
        item=item,
        title=title,
        findings=tuple(FindingLine(f, _pointers(f, commit, forge)) for f in item.findings),
        links=tuple(_owner_link(link) for link in item.links),
    )


def _pointers(finding: Finding, commit: str, forge: tuple[str, str] | None) -> tuple[Pointer, ...]:
    out = []
    located = set()
    for location in finding.locations:
        out.append(file_pointer(location.path, location.line, commit, forge))
        located.add(location.path)
    for evidence in finding.evidence:
        if evidence.url:
            url = redact_url(evidence.url)
            detail = ", ".join(p for p in (f"HTTP {evidence.status}" if evidence.status else "", evidence.digest) if p)
            out.append(Pointer(url, _href(url), detail))
        elif evidence.path and evidence.path not in located:
            pointer = file_pointer(evidence.path, None, commit, forge)
            blob = f"blob {evidence.blob[:SHORT]}" if evidence.blob else ""
            out.append(Pointer(pointer.text, pointer.href, ", ".join(p for p in (pointer.detail, blob) if p)))
    return tuple(out)


def _owner_link(link: str) -> Pointer:
    """An owner's evidence: a URL (linked, secrets redacted) or a repository path (shown as
    written: whether it is relative to the service folder is not recorded)."""
    if "://" in link:
        url = redact_url(link)
        return Pointer(url, _href(url))
    return Pointer(link)


def file_pointer(path: str, line: int | None, commit: str, forge: tuple[str, str] | None) -> Pointer:
    """`path:line` linked at the commit on the forge, else `path:line` at the short commit."""
    text = f"{path}:{line}" if line else path
    if forge is None:
        return Pointer(text, None, f"@ {commit[:SHORT]}")
    base, kind = forge
    return Pointer(text, f"{base}/{_FORGE_PATHS[kind]}blob/{commit}/{quote(path)}" + (f"#L{line}" if line else ""))


_FORGE_PATHS = {"github": "", "gitlab": "-/"}  # what comes between the repository and blob/ or commit/
_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")


_SCP_LIKE = re.compile(r"(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!/)(.+)")  # git@github.com:acme/payments.git


def forge_base(url: str) -> tuple[str, str] | None:
    """(repository web address, "github" | "gitlab") for a GitHub or GitLab remote of a
    repository: an https URL (without user info, query or `.git`), or an SSH one
    (`git@host:owner/name.git`, `ssh://git@host[:port]/owner/name.git`), whose web
    address is https on the same host. None for anything else."""
    url = url.strip()
    scp = _SCP_LIKE.fullmatch(url) if "://" not in url else None
    if scp:
        url = f"https://{scp[1]}/{scp[2]}"
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    if parts.scheme == "ssh":
        host = host.split(":", 1)[0]  # the SSH port, not the web server's
    elif parts.scheme != "https":
        return None
    if not _HOST.fullmatch(host):
        return None
    name = (parts.hostname or "").lower()
    kind = next((k for k in ("github", "gitlab") if name == f"{k}.com" or name.startswith(f"{k}.")), None)
    segments = [s for s in parts.path.removesuffix("/").removesuffix(".git").split("/") if s]
    if kind is None or len(segments) < 2 or any(s in (".", "..") for s in segments):
        return None
    return f"https://{host.lower()}/{'/'.join(quote(s) for s in segments)}", kind


def _web(url: str) -> bool:
    return url.startswith(("https://", "http://"))


def _href(redacted: str) -> str | None:
    """Where a redacted http(s) URL links to: without the masked user info, which would
    otherwise be sent as a user name."""
    if not _web(redacted):
        return None
    parts = urlsplit(redacted)
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))
