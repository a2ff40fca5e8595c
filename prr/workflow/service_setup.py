"""The service a review opens on: its `.prr/config.toml`, or on a first run a suggestion
inferred from what the repository already says (catalog-info.yaml, CODEOWNERS, the
folder's name) for the owner to confirm and `save`. See docs/service-config.md.

Used by the review app's first screen and by scripts alike. Inference reads the working
tree, not a commit: on a first run nothing may be committed yet. Files are read without
following symbolic links (a link may point anywhere on the machine), and YAML is only
composed into nodes, never constructed: nothing in the repository can run."""

from __future__ import annotations

import dataclasses
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from prr.adapters import worktree
from prr.adapters.atomic import write_atomic
from prr.adapters.git_objects import GitObjects
from prr.adapters.source_tree import PRR_FOLDER
from prr.domain.errors import InputError
from prr.domain.redaction import redact_url
from prr.domain.text import printable
from prr.format.record_toml import text_problem
from prr.format.service_config import CONFIG_PATH, ServiceConfig, dumps, parse_config, problems
from prr.probes.repo.ownership import CODEOWNERS_PATHS, effective_rules, is_placeholder, parse_codeowners
from prr.probes.repo.printable import show
from prr.probes.repo.yaml_nodes import child, compose_documents, entry, scalar
from prr.workflow.checklists import open_pack
from prr.workflow.probing import DEFAULT_PACK, DEFAULT_TIER

CATALOG_NAMES = ("catalog-info.yaml", "catalog-info.yml")
TIER_ANNOTATION = "prr.dev/tier"
ENDPOINTS_ANNOTATION = "prr.dev/endpoints"
MAX_BYTES = 1024 * 1024  # what prr reads of any one file here


@dataclass(frozen=True)
class Suggestion:
    config: ServiceConfig  # what to propose
    sources: dict[str, str]  # field -> where it came from ("owner": ".github/CODEOWNERS line 3 (...)")
    existing: bool  # True when .prr/config.toml exists: `config` is read from it, and `sources` say so
    service_dir: Path  # the service folder: the repository top, or a service folder in a monorepo


def suggest(path: Path) -> Suggestion:
    """The service PATH's folder belongs to: its config when there is one, else what the
    repository suggests. InputError when the config exists but cannot be used."""
    with GitObjects.open(path) as objects:  # asks git where the top is; reads no objects
        top, prefix = objects.top, objects.prefix
    service_dir = top / prefix if prefix else top
    shown = _join(prefix, CONFIG_PATH)
    found = _read(top, shown)
    if found.why:
        raise InputError(f"{printable(shown)}: {found.why}; prr reads only a regular file here")
    if found.data is None:
        return _inferred(top, prefix, service_dir)
    config = parse_config(printable(shown), found.data)
    sources = {
        key: printable(shown) + (" (not set)" if value in (None, "", ()) else "")
        for key, value in dataclasses.asdict(config).items()
    }
    return Suggestion(config, sources, True, service_dir)


def save(service_dir: Path, config: ServiceConfig) -> Path:
    """Check `config` and write it to the service's `.prr/config.toml` atomically; its path.

    Refuses what the reader would refuse, and what would break a later run: an empty
    name, control characters, endpoints that are not http(s) URLs, an unknown checklist.
    Never writes through a symbolic link."""
    path = service_dir / CONFIG_PATH
    found = problems(config) or _unusable(config)
    if found:
        raise InputError("\n".join(f"{path}: {problem}" for problem in found))
    if not service_dir.is_dir():
        raise InputError(f"{service_dir}: no such folder")
    for target in (path.parent, path):
        if target.is_symlink():
            raise InputError(f"{target}: is a symbolic link; prr never writes through links in {PRR_FOLDER}/")
    write_atomic(path, dumps(config))
    return path


def _unusable(config: ServiceConfig) -> list[str]:
    """Values the reader accepts but a review cannot use (checked once the types are right)."""
    found = [] if config.name.strip() else ["service.name is empty: give the service a name"]
    texts = [("name", config.name), ("owner", config.owner), ("checklist", config.checklist or "")]
    texts += [("endpoints", url) for url in config.endpoints]
    found += [f"service.{key} holds a {why}" for key, text in texts if (why := text_problem(text))]
    for url in config.endpoints:
        if not _http_url(url):
            found.append(f"service.endpoints: {redact_url(url)!r} is not an http:// or https:// URL")
        elif "@" in urlsplit(url).netloc:
            found.append(
                f"service.endpoints: {redact_url(url)!r} carries credentials; the config is committed, keep them out"
            )
    if config.checklist is not None and not found:
        try:
            open_pack(config.checklist)
        except InputError as exc:
            found += [f"service.checklist: {line}" for line in exc.lines()]
    return found


# ---------------------------------------------------------------------------- inference


@dataclass(frozen=True)
class _Read:
    data: bytes | None  # the content; None when absent or not read
    why: str = ""  # why a file that is there was not read


@dataclass(frozen=True)
class _Catalog:
    """The first Component entity of the service folder's catalog-info.yaml, if any."""

    path: str
    component: yaml.Node | None
    problem: str  # why nothing is taken from the file ("" when the component was found or there is no file)


def _inferred(top: Path, prefix: str, service_dir: Path) -> Suggestion:
    catalog = _catalog(top, prefix)
    ignored = f" ({catalog.problem}; ignored)" if catalog.problem else ""
    name, name_source = _catalog_text(catalog, "metadata", "name")
    if not name:
        name, name_source = service_dir.name, f"folder name{_note(name_source) or ignored}"
    owner, owner_source = _catalog_text(catalog, "spec", "owner")
    if not owner:
        owner, from_codeowners = _codeowners_owner(top, prefix)
        owner_source = from_codeowners + (_note(owner_source) or ignored)
    tier, tier_source = _tier(catalog)
    endpoints, endpoints_source = _endpoints(catalog)
    sources = {
        "name": name_source,
        "tier": tier_source,
        "owner": owner_source,
        "checklist": f"default ({DEFAULT_PACK})",
        "endpoints": endpoints_source,
    }
    return Suggestion(ServiceConfig(name, tier, owner, DEFAULT_PACK, endpoints), sources, False, service_dir)


def _note(problem: str) -> str:
    return f" ({problem}; ignored)" if problem else ""


def _catalog(top: Path, prefix: str) -> _Catalog:
    """Only the service folder's own file: in a monorepo the top's describes something else."""
    for name in CATALOG_NAMES:
        path = _join(prefix, name)
        found = _read(top, path)
        shown = printable(path)
        if found.why:
            return _Catalog(shown, None, f"{shown}: {found.why}")
        if found.data is None:
            continue
        docs, problem = compose_documents(found.data.decode("utf-8", "replace"))
        if problem:
            return _Catalog(shown, None, f"{shown}:{problem.line}: not valid YAML: {problem.message}")
        for doc in docs:
            kind = scalar(child(doc, "kind"))
            if kind is not None and kind.lower() == "component":
                return _Catalog(shown, doc, "")
        return _Catalog(shown, None, f"{shown}: no entity of kind Component")
    return _Catalog("", None, "")


def _catalog_text(catalog: _Catalog, section: str, key: str) -> tuple[str, str]:
    """(value, where) for a usable `section.key`; ("", why not) when it is there but
    unusable; ("", "") when it is not there."""
    node, line = entry(child(catalog.component, section), key)
    value = scalar(node)
    where = f"{catalog.path}:{line}: {section}.{key}"
    if not value:
        return "", ""
    if is_placeholder(value):
        return "", f"{where} {show(value, 30)!r} is a placeholder"
    why = text_problem(value)
    return ("", f"{where} holds a {why}") if why else (value, where)


def _annotation(catalog: _Catalog, key: str) -> tuple[str | None, str]:
    """A `metadata.annotations` value and where it is."""
    node, line = entry(child(child(catalog.component, "metadata"), "annotations"), key)
    return scalar(node), f"{catalog.path}:{line}: annotation {key}"


def _tier(catalog: _Catalog) -> tuple[int, str]:
    value, where = _annotation(catalog, TIER_ANNOTATION)
    default = f"default ({DEFAULT_TIER})"
    if value is None:
        return DEFAULT_TIER, default
    if value in ("0", "1", "2", "3"):
        return int(value), where
    return DEFAULT_TIER, f"{default} ({where} is {show(value, 20)!r}, not 0, 1, 2 or 3; ignored)"


def _endpoints(catalog: _Catalog) -> tuple[tuple[str, ...], str]:
    value, where = _annotation(catalog, ENDPOINTS_ANNOTATION)
    if value is None:
        return (), "none found"
    urls = [url.strip() for url in value.split(",") if url.strip()]
    good = tuple(url for url in urls if _http_url(url) and not text_problem(url))
    bad = [show(redact_url(url), 60) for url in urls if url not in good]
    return good, where + (f" ({', '.join(bad)} ignored: not http(s) URLs)" if bad else "")


def _codeowners_owner(top: Path, prefix: str) -> tuple[str, str]:
    """The first owner of the last rule covering the service folder, in the CODEOWNERS
    file the platform reads (the first one present), and where it came from."""
    scope = f"{printable(prefix)}/" if prefix else "the repository"
    for path in CODEOWNERS_PATHS:
        found = _read(top, path)
        if found.why:
            return "", f"none ({path}: {found.why})"
        if found.data is None:
            continue
        rules = parse_codeowners(found.data.decode("utf-8", "replace")).rules
        effective = effective_rules(rules, prefix)
        owned = [rule for rule in effective if rule.owners]
        if owned:
            rule = owned[0]
            return rule.owners[0], f"{path} line {rule.line} ({show(rule.pattern)})"
        if effective:
            return "", f"none ({path} line {effective[-1].line} leaves {scope} without owners)"
        return "", f"none ({path} has no rule covering {scope})"
    return "", f"none found (no catalog-info.yaml spec.owner, no {', '.join(CODEOWNERS_PATHS)})"


# ---------------------------------------------------------------------------- files


def _read(top: Path, path: str) -> _Read:
    """A regular file of the working tree, reached without following any symbolic link.
    Checked before opening, so a FIFO or device can never block or feed the read."""
    try:
        mode = os.lstat(top / path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return _Read(None)
    except OSError as exc:
        return _Read(None, f"cannot be read ({exc.strerror or exc})")
    if stat.S_ISLNK(mode):
        return _Read(None, "a symbolic link, not followed")
    if not stat.S_ISREG(mode):
        return _Read(None, "not a regular file")
    data = worktree.read_no_follow(top, path, MAX_BYTES)
    if data is None:
        return _Read(None, f"not read (over {MAX_BYTES:,} bytes, unreadable, or inside a linked folder)")
    return _Read(data)


def _http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)


def _join(prefix: str, path: str) -> str:
    return f"{prefix}/{path}" if prefix else path
