"""`prr verify`: every review record at a ref, checked offline from git objects.

For each record folder (`<service>/.prr/records/<id>/`): the record parses; every
`signatures/<principal>.sig` is a valid signature by an allowed signer; the record is
bound to what it claims (its folder and service, the reviewed commit's source tree, the
checklist's bytes, the items asked, the verdict its scorer gives); enough distinct
people signed for the tier; and it has not expired. What changed since the review at
the ref is reported too (stale). Nothing is read from the working tree: PATH names a
place in the repository, found in the tree at the ref when the working tree lacks it."""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from prr.adapters.git_objects import TREE, FileAt, GitObjects
from prr.adapters.signing.sshsig import NAMESPACE, Check, SignatureError, parse_signature, verify_signature
from prr.adapters.source_tree import PRR_FOLDER, source_tree_of
from prr.domain.errors import InputError
from prr.domain.record import Record, RecordHead
from prr.domain.text import printable
from prr.domain.verification import SignatureResult, Verification, signoff_problem
from prr.format.record_toml import loads
from prr.format.service_config import CONFIG_PATH, ServiceConfig, parse_config
from prr.workflow.record_binding import Packs, binding_failures
from prr.workflow.record_location import RECORD_FILE, RECORDS, SIGNATURES, scope
from prr.workflow.signature_checks import check_signature
from prr.workflow.trust import IN_REPOSITORY_NOTE, Trust, load_trust
from prr.workflow.verify_parallel import examine_all

MAX_RECORD_BYTES = 4 * 1024 * 1024
MAX_SIGNATURE_BYTES = 64 * 1024
UNTIMED = "signer checked at verification time: an unreadable record has no trusted time"


@dataclass(frozen=True)
class VerifyOptions:
    ref: str = "HEAD"
    allowed_signers: Path | None = None
    revoked: Path | None = None
    repository_signers: str | None = None  # a committed allowed_signers file, trusted only when asked
    checklist: Path | None = None  # the pack file for records not made with a built-in pack
    now: dt.datetime | None = None


@dataclass(frozen=True)
class VerifyReport:
    commit: str  # the ref, resolved
    service_folder: str
    trust: str  # which allowed_signers file was trusted
    weaker_trust: bool
    results: list[Verification]

    @property
    def all_valid(self) -> bool:
        return bool(self.results) and all(not r.failures and not r.expired for r in self.results)


@dataclass(frozen=True)
class Examined:
    """One record folder as far as it can be checked without git (`Checker.examine`).
    Worker processes return it pickled, without the whole record: the process that
    asked reads that again from the blob, if and when it is wanted."""

    path: str  # repository-relative path of record.toml
    blob: str  # its blob id
    head: RecordHead | None  # None when it could not be read as a record
    record: Record | None = None  # the whole record, in the process that read it
    unreadable: tuple[str, ...] = ()  # why not
    placement: tuple[str, ...] = ()  # failures: the record's folder and service
    binding: tuple[str, ...] = ()  # failures: checklist, items, verdict
    signatures: tuple[SignatureResult, ...] = ()
    signoff: int | None = None  # distinct signers the pack asks at the tier; None when the pack is unusable
    notes: tuple[str, ...] = ()

    def __getstate__(self) -> dict[str, object]:
        return self.__dict__ | {"record": None}


def verify(path: Path, options: VerifyOptions) -> VerifyReport:
    """Verify the records of the service at PATH (or the one record PATH names)."""
    with session(path, options) as opened:
        folders = opened.listed()  # check_all reads their files
        if opened.only is not None and opened.only not in folders:
            where = posixpath.join(opened.service, RECORDS, opened.only)
            raise InputError(f"{where}: no record committed there at {options.ref}")
        results = opened.checker.check_all(folders)
    return VerifyReport(opened.commit, opened.service, opened.trust.shown, opened.trust.weaker, results)


@dataclass(frozen=True)
class Session:
    """An open repository with the trust and packs one verification run uses."""

    objects: GitObjects
    commit: str  # the ref verified at
    service: str
    only: str | None  # a record id when PATH named one record
    trust: Trust
    checker: Checker

    def folders(self, commit: str | None = None) -> dict[str, list[FileAt]]:
        """The record folders committed at COMMIT (default: the ref), by record id, their
        files' contents fetched in one batch."""
        found = self.listed(commit)
        self.objects.prefetch([file.oid for files in found.values() for file in files], MAX_RECORD_BYTES)
        return found

    def listed(self, commit: str | None = None) -> dict[str, list[FileAt]]:
        """The record folders committed at COMMIT (default: the ref), by record id."""
        return _record_folders(self.objects, commit or self.commit, self.service, self.only)


@contextmanager
def session(path: Path, options: VerifyOptions) -> Iterator[Session]:
    now = (options.now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    existing, missing = _existing_folder(path)
    with _open(existing, path, missing) as objects, tempfile.TemporaryDirectory(prefix="prr-verify-") as scratch:
        commit = objects.resolve(options.ref)
        service, only = scope(_prefix_at(objects, commit, options.ref, path, missing))
        trust = load_trust(
            objects, commit, options.allowed_signers, options.revoked, options.repository_signers, Path(scratch)
        )
        checker = Checker(objects, commit, service, trust, Packs(given=options.checklist), now)
        yield Session(objects, commit, service, only, trust, checker)


def _open(existing: Path, path: Path, missing: tuple[str, ...]) -> GitObjects:
    """The repository at EXISTING; when PATH itself is missing and no repository holds its
    nearest folder either, the error is about PATH, not that folder."""
    try:
        return GitObjects.open(existing)
    except InputError:
        if missing:
            raise InputError(f"{path}: no such file or folder") from None
        raise


def _existing_folder(path: Path) -> tuple[Path, tuple[str, ...]]:
    """PATH itself when it exists; else its nearest existing folder, and the names below it
    that are missing from the working tree (PATH may name a place only the ref has)."""
    if path.exists():
        return path, ()
    absolute = Path(os.path.abspath(path))  # ".." taken lexically: the missing part has no symlinks
    folder = next(parent for parent in absolute.parents if parent.is_dir())
    return folder, absolute.relative_to(folder).parts


def _prefix_at(objects: GitObjects, commit: str, ref: str, path: Path, missing: tuple[str, ...]) -> str:
    """PATH's folder inside the repository, from the tree at the ref where the working
    tree does not have it (a record folder removed since, say)."""
    if not missing:
        return objects.prefix
    inside = posixpath.join(objects.prefix, *missing)
    found = objects.lookup(commit, inside)
    if found is None:
        raise InputError(f"{path}: no such file or folder, in the working tree or at {ref} ({commit[:12]})")
    return inside if found[0] == TREE else posixpath.dirname(inside)


def _record_folders(objects: GitObjects, commit: str, service: str, only: str | None) -> dict[str, list[FileAt]]:
    base = posixpath.join(service, RECORDS) if service else RECORDS
    folders: dict[str, list[FileAt]] = defaultdict(list)
    for file in objects.files(commit, base if only is None else posixpath.join(base, only)):
        name = file.path[len(base) + 1 :].split("/", 1)[0]
        folders[name].append(file)
    return {name: files for name, files in folders.items() if any(f.path.endswith(f"/{RECORD_FILE}") for f in files)}


class Checker:
    """Checks one record folder; staleness is judged against the ref."""

    def __init__(self, objects: GitObjects, commit: str, service: str, trust: Trust, packs: Packs, now: dt.datetime):
        self.objects, self.commit, self.service = objects, commit, service
        self.trust, self.packs, self.now = trust, packs, now
        self._current_tree: str | None = None
        self._signoffs: dict[tuple[str, str], tuple[int, str]] = {}
        self._source_trees: dict[tuple[str, str], str] = {}  # a thousand records of one commit: one tree

    def check(self, name: str, files: list[FileAt]) -> Verification:
        return self.finish(self.examine(name, files))

    def check_all(self, folders: dict[str, list[FileAt]]) -> list[Verification]:
        """Every record folder, in name order; examined on every core when there are many.
        The first is examined while git reads the others' files in one batch (it loads the
        pack, scorer and keys the others likely share, which forked workers then inherit).
        A folder whose files are not all in memory is examined here: only this process may
        ask git."""
        names = sorted(folders)
        if not names:
            return []
        rest = [file.oid for name in names[1:] for file in folders[name]]
        finish_reading = self.objects.start_prefetch(rest, MAX_RECORD_BYTES)
        try:
            first = self.examine(names[0], folders[names[0]])
        finally:
            finish_reading()
        others = examine_all(lambda name: self.examine(name, folders[name]), names[1:], self._in_memory(folders))
        return [self.finish(one) for one in [first, *others]]

    def _in_memory(self, folders: dict[str, list[FileAt]]) -> Callable[[str], bool]:
        """Whether `examine` reads a folder without asking git: every file it reads was
        prefetched, within its cap (or else git is asked, to say what is wrong)."""

        def ready(name: str) -> bool:
            base = posixpath.join(self.service, RECORDS, name)
            record_path = f"{base}/{RECORD_FILE}"
            caps = [(f, MAX_RECORD_BYTES if f.path == record_path else MAX_SIGNATURE_BYTES) for f in folders[name]]
            return all(self.objects.in_memory(f.oid, cap) for f, cap in caps if not _stray(f.path, base, record_path))

        return ready

    def examine(self, name: str, files: list[FileAt]) -> Examined:
        """All that one record folder shows on its own: the record parses, sits in its own
        folder, matches its checklist and verdict, and who validly signed it."""
        base = posixpath.join(self.service, RECORDS, name)
        record_path = f"{base}/{RECORD_FILE}"
        by_path = {f.path: f for f in files}
        blob = by_path[record_path].oid
        data = self.objects.blob(blob, record_path, MAX_RECORD_BYTES)
        try:
            record = loads(data, record_path)
        except InputError as exc:
            return self._unreadable(record_path, blob, data, files, tuple(exc.lines()))
        pack, bound = binding_failures(record, self.packs)
        notes = self._notes(files, base, record_path)
        return Examined(
            record_path,
            blob,
            record.head(),
            record,
            placement=tuple(self._placement(record, name)),
            binding=tuple(bound),
            signatures=tuple(self._signatures(record, data, base, files, record_path)),
            signoff=pack.signoff.get(record.service.tier, 1) if pack is not None else None,
            notes=tuple(notes),
        )

    def _notes(self, files: list[FileAt], base: str, record_path: str) -> list[str]:
        notes = [IN_REPOSITORY_NOTE] if self.trust.weaker else []
        return notes + [f"{f.path}: not a signature file (ignored)" for f in files if _stray(f.path, base, record_path)]

    def _unreadable(
        self, record_path: str, blob: str, data: bytes, files: list[FileAt], why: tuple[str, ...]
    ) -> Examined:
        """A record that does not parse is invalid, but its signatures still tell the auditor
        whether these are the bytes that were signed (a change since signing, or a record
        signed broken). With no trusted time or declared signers, each signer is judged at
        verification time, and the result says so; no signature makes the record valid."""
        base = record_path.rpartition("/")[0]
        notes = self._notes(files, base, record_path)
        signatures = []
        for file in sorted(files, key=lambda f: f.path):
            if not _stray(file.path, base, record_path) and file.path != record_path:
                armored = self.objects.blob(file.oid, file.path, MAX_SIGNATURE_BYTES)
                signatures.append(self._unreadable_signature(data, armored, file.path, record_path))
        return Examined(record_path, blob, None, unreadable=why, signatures=tuple(signatures), notes=tuple(notes))

    def _unreadable_signature(self, data: bytes, armored: bytes, path: str, record_path: str) -> SignatureResult:
        principal = path.rpartition("/")[2].removesuffix(".sig")
        checked = check_signature(data, armored, principal, path, record_path, self.trust, self.now, ())
        crypto = _crypto_check(data, armored)
        if crypto is None or crypto is Check.INVALID:  # not a signature, or not over these bytes: no time involved
            return replace(checked, valid=False)
        signed = f"{principal} signed exactly these bytes with {checked.fingerprint}"
        if crypto is Check.DELEGATE:  # ssh-keygen judged the bytes and the signer together
            said = f"ssh-keygen accepts them as signed by {principal}" if checked.valid else checked.reason
            reason = f"{said} ({UNTIMED})"
        elif checked.valid:
            reason = f"{signed}, a key allowed_signers lets them use ({UNTIMED})"
        else:
            reason = f"{signed}, but {checked.reason} ({UNTIMED})"
        return replace(checked, valid=False, reason=reason)

    def finish(self, examined: Examined) -> Verification:
        """The verification, adding what git must be asked: the reviewed commit and its
        tree, the service config's sign-off, what changed since."""
        head = examined.head
        if head is None:
            refused = [f"signature {s.path}: {s.reason}" for s in examined.signatures]
            return Verification(
                examined.path, None, examined.signatures, (*examined.unreadable, *refused), notes=examined.notes
            )
        unbound = self._subject(head)
        signatures = examined.signatures
        failures = [*examined.placement, *unbound, *examined.binding]
        failures += [f"signature {s.path}: {s.reason}" for s in signatures if not s.valid]
        notes = examined.notes
        if examined.signoff is not None:
            configured, unread = self._configured_signoff(head)
            required = max(examined.signoff, configured)
            problem = signoff_problem(
                required, [(s.principal, s.fingerprint) for s in signatures if s.valid], head.service.tier
            )
            if problem:
                failures.append(problem)
            if unread and not unbound:  # (a reviewed commit that is not there is a failure already)
                notes = (*notes, unread)
        return Verification(
            examined.path,
            head,
            signatures,
            tuple(failures),
            expired=self.now >= head.expires,
            changed=() if unbound else tuple(self._changed(head)),
            notes=notes,
            read=self._reader(examined),
        )

    def _reader(self, examined: Examined) -> Callable[[], Record]:
        whole = examined.record
        if whole is not None:
            return lambda: whole
        data = self.objects.blob(examined.blob, examined.path, MAX_RECORD_BYTES)  # read now: git closes after
        return lambda: loads(data, examined.path)

    def _configured_signoff(self, head: RecordHead) -> tuple[int, str]:
        """The service config's `signoff` at the reviewed commit: it may raise the pack's
        number, never lower it (the repository is not trusted to relax its own policy);
        and a note when that config could not be read, so only the pack's number applied."""
        key = (head.subject.commit, head.subject.service_folder)
        if key not in self._signoffs:  # a thousand records of one commit read its config once
            self._signoffs[key] = self._read_signoff(*key)
        return self._signoffs[key]

    def _read_signoff(self, commit: str, folder: str) -> tuple[int, str]:
        try:
            return committed_config(self.objects, commit, folder).signoff or 0, ""
        except InputError as exc:  # an unreadable config sets no policy, and the auditor is told
            why = exc.lines()[0]
            return 0, f"the service config at the reviewed commit is unreadable ({why}): the pack's sign-off applies"

    def _placement(self, record: Record, name: str) -> list[str]:
        """A record copied into another folder or service is a replay, not a review."""
        failures = []
        if record.id != name:
            failures.append(f"record id {record.id!r} does not match its folder {name!r}")
        if record.subject.service_folder != self.service:
            where = self.service or "the repository top"
            failures.append(f"record is for service folder {record.subject.service_folder!r} but is kept in {where}")
        return failures

    def _subject(self, head: RecordHead) -> list[str]:
        subject = head.subject
        if len(subject.commit) != len(self.commit):
            return [f"subject.object_format is {subject.object_format}, but this repository uses another"]
        try:
            self.objects.commit(subject.commit)
        except InputError:
            return [f"reviewed commit {subject.commit} is not in this repository"]
        key = (subject.commit, subject.service_folder)
        if key not in self._source_trees:
            self._source_trees[key] = source_tree_of(self.objects, *key)
        tree = self._source_trees[key]
        if tree != subject.source_tree:
            return [f"source tree {subject.source_tree} is not the tree of commit {subject.commit[:12]} ({tree})"]
        return []

    def _signatures(
        self, record: Record, data: bytes, base: str, files: list[FileAt], record_path: str
    ) -> list[SignatureResult]:
        declared = tuple(s.principal for s in record.signers)
        results = []
        for file in sorted(files, key=lambda f: f.path):
            folder, _, filename = file.path.rpartition("/")
            if folder != f"{base}/{SIGNATURES}" or not filename.endswith(".sig"):
                continue
            armored = self.objects.blob(file.oid, file.path, MAX_SIGNATURE_BYTES)
            principal = filename.removesuffix(".sig")
            results.append(
                check_signature(data, armored, principal, file.path, record_path, self.trust, record.created, declared)
            )
        return results

    def _changed(self, head: RecordHead) -> list[str]:
        """What changed since the review that the review depends on: for the whole
        repository every path outside `.prr/`; for a service folder of a monorepo, the
        paths inside that folder (outside its `.prr/`) and every file the review used as
        evidence — so another team's commit does not make this service's review stale."""
        if self._current_tree is None:
            self._current_tree = source_tree_of(self.objects, self.commit, self.service)
        if head.subject.source_tree == self._current_tree:
            return []
        folder = head.subject.service_folder
        own = posixpath.join(folder, PRR_FOLDER) + "/"
        changed = [printable(p) for p in self.objects.changed_paths(head.subject.commit, self.commit)]
        inside = [p for p in changed if not p.startswith(own) and (not folder or p.startswith(folder + "/"))]
        return inside + [p for p in changed if p in head.cited and p not in inside]  # records cite printable paths


def committed_config(objects: GitObjects, commit: str, folder: str) -> ServiceConfig:
    """The service's `.prr/config.toml` as committed at COMMIT (empty when there is none)."""
    path = posixpath.join(folder, CONFIG_PATH)
    found = objects.lookup(commit, path)
    if found is None or found[0] not in ("100644", "100755"):
        return ServiceConfig()
    return parse_config(path, objects.blob(found[1], path))


def _crypto_check(data: bytes, armored: bytes) -> Check | None:
    """Whether ARMORED is a signature over exactly DATA, in-process (DELEGATE: ssh-keygen's
    to say); None when it is not a usable signature at all."""
    try:
        return verify_signature(parse_signature(armored), data, NAMESPACE).check
    except SignatureError:
        return None


def _stray(path: str, base: str, record_path: str) -> bool:
    folder, _, filename = path.rpartition("/")
    return path != record_path and not (folder == f"{base}/{SIGNATURES}" and filename.endswith(".sig"))
