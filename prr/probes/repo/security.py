"""Security probes: a vulnerability disclosure policy, and no plain-text secrets in config
or committed private key files.

Only committed text is read. Every regular expression here starts at a literal or a
token boundary and has bounded repetition, so hostile lines (a megabyte of one
character, minified JSON) cost linear time. A finding never quotes a secret: messages
carry the key name, the kind of secret and its length, nothing of the value."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import yaml

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding, in_service, unreadable
from prr.probes.repo.outcomes import fail
from prr.probes.repo.printable import show, show_path
from prr.probes.repo.yaml_nodes import child, compose_documents, scalar


def _basename(path: str) -> str:
    return path.rpartition("/")[2]


# ---------------------------------------------------------------------------- security-policy

_POLICY_NAMES = frozenset({"security.md", "security.markdown", "security.rst", "security.adoc"})
_POLICY_FOLDERS = ("", ".github", "docs")
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
_URL = re.compile(r"\bhttps?://[^\s<>()\[\]]{3,500}", re.IGNORECASE)
_REPORT = re.compile(r"\breport", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\b(?:TODO|TBD|FIXME|XXX)\b|\[(?:INSERT|YOUR)[^\]\n]{0,80}\]|<your[^>\n]{0,80}>")
_GITHUB_TEMPLATE = "use this section to tell people"  # GitHub's generated SECURITY.md stub
_MIN_WORDS = 20
_MAX_LINE = 2000  # prose lines longer than this are clipped before any pattern is applied


def _policy_selects(path: str, params: Params) -> bool:
    return _basename(path).lower() in _POLICY_NAMES


def _policy_files(repo: Repo) -> list[str]:
    """SECURITY.md at the root, in .github/ or docs/ (what GitHub reads), or in the service folder."""
    folders = {*_POLICY_FOLDERS, repo.prefix}
    return [f.path for f in repo.files() if f.path.rpartition("/")[0] in folders]


@dataclass
class _PolicyVerdict:
    passed: bool
    message: str
    line: int | None


def _check_policy(path: str, text: str) -> _PolicyVerdict:
    lines = [line[:_MAX_LINE] for line in text.split("\n")]
    words = sum(1 for line in lines for token in line.split() if any(ch.isalnum() for ch in token))
    for number, line in enumerate(lines, 1):
        if _PLACEHOLDER.search(line):
            return _PolicyVerdict(
                False, f"{show_path(path)}:{number}: placeholder text ({show(line.strip(), 50)!r})", number
            )
        if _GITHUB_TEMPLATE in line.lower():
            return _PolicyVerdict(False, f"{show_path(path)}:{number}: still GitHub's template text", number)
    if words < _MIN_WORDS:
        return _PolicyVerdict(
            False, f"{show_path(path)}: only {words} words; say how to report and what happens next", None
        )
    for kind, pattern in (("an email address", _EMAIL), ("a link", _URL), ("reporting instructions", _REPORT)):
        for number, line in enumerate(lines, 1):
            if pattern.search(line):
                return _PolicyVerdict(True, f"{show_path(path)}:{number}: {kind} for reporting vulnerabilities", number)
    return _PolicyVerdict(
        False, f"{show_path(path)}: says nowhere how to report a vulnerability (no email, link or 'report')", None
    )


def _policy_run(repo: Repo, params: Params) -> list[Finding]:
    probe = "security-policy"
    failures: list[Finding] = []
    errors: list[Finding] = []
    for path in _policy_files(repo):
        text = repo.text(path)
        if text is None:
            errors.append(unreadable(probe, repo, path))
            continue
        verdict = _check_policy(path, text)
        if verdict.passed:
            return [finding(probe, Outcome.PASS, verdict.message, repo, [(path, verdict.line)])]
        failures.append(fail(probe, verdict.message, repo, [(path, verdict.line)]))
    if errors:
        return errors  # an unread policy may be the good one: no verdict on partial data
    if failures:
        return failures
    return [fail(probe, "no SECURITY.md at the repository root, in .github/ or in docs/", repo)]


# ---------------------------------------------------------------------------- no-plain-secrets

_CONFIG_EXTENSIONS = frozenset(
    {"yaml", "yml", "json", "toml", "ini", "env", "properties", "tf", "tfvars", "hcl", "conf", "cfg"}
)
_HCL_EXTENSIONS = frozenset({"tf", "tfvars", "hcl"})
# Files read for private key blocks alone: PEM and PKCS#8 files, OpenSSH's key names.
_KEY_EXTENSIONS = frozenset({"pem", "key", "p8"})
_KEY_NAME_PREFIXES = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")  # and their `_sk` (security key) kinds
_KEY_NAME_ENDINGS = ("_key", "-key", "_rsa", "_dsa", "_ecdsa", "_ed25519")  # deploy_key, ssh_host_rsa_key
_MAX_FINDINGS = 200

_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----")
_KEY_BODY = re.compile(r"[A-Za-z0-9+/]{24,1000}")
_AWS_KEY = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])")
_GITHUB_TOKEN = re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{30,255})")
_SLACK_TOKEN = re.compile(r"(?<![A-Za-z0-9])xox[baprs]-[A-Za-z0-9-]{10,250}")
_URL_CREDENTIAL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s:/@\"'`]{0,100}:([^\s@/\"'`]{1,200})@")
_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_.\-])(?P<key>[A-Za-z_][A-Za-z0-9_.\-]{0,99})[\"']?[ \t]{0,20}(?P<sep>[:=])[ \t]{0,20}"
    # An unquoted value never starts a nested mapping or list: `{"db": {"password": "x"}}`
    # must leave `{"password":` for the next match rather than take it as db's value.
    r"(?P<value>\"[^\"\n]{0,500}\"?|'[^'\n]{0,500}'?|[^\s,;{}\[\]][^\s,;}\]]{0,499})"
)
_DOCKER_ENV = re.compile(
    r"\s{0,20}(?:ENV|ARG)\s{1,20}(?P<key>[A-Za-z_][A-Za-z0-9_]{0,99})\s{1,20}(?P<value>\S.{0,499})"
)

# a key names a secret when, lower-cased without separators, it ends with one of these
_SECRET_KEY_ENDINGS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "secretkey",
    "privatekey",
    "secretaccesskey",
    "accesstoken",
)
# ...unless it names a secret object rather than holding one (Helm's `existingSecret: db-creds`)
_NOT_SECRET_KEY_PREFIXES = ("existing", "use", "create", "enable", "mount", "sealed", "external")
_PLACEHOLDER_VALUES = frozenset(
    {
        "changeme", "changeit", "example", "sample", "placeholder", "redacted", "dummy", "fake", "none", "null",
        "nil", "todo", "tbd", "xxx", "secret", "password", "token", "true", "false", "yes", "no", "on", "off",
        "required", "optional", "string", "value", "test", "mask", "masked", "hidden", "n/a", "na", "undefined",
        "empty", "default", "unset", "notset", "generated", "random",
    }
)  # fmt: skip
_PLACEHOLDER_PARTS = (
    "example", "changeme", "change_me", "change-me", "placeholder", "redacted", "your_", "your-", "yoursecret",
    "dummy", "xxxx", "****", "....", "…", "<", ">", "fake", "sample", "replace",
)  # fmt: skip
_REFERENCE_PREFIXES = (
    "$", "{{", "%(", "#{", "((", "[[", "!", "enc[", "vault:", "ref+", "arn:aws:secretsmanager", "arn:aws:ssm",
    "secretsmanager:", "sm://", "op://", "azurekeyvault", "keyvault:", "gcp:secretmanager", "projects/",
    "file:", "env:", "secret:", "k8s:", "akv:", "/", "./", "../", "~/", "{", "[", "(",
)  # fmt: skip
_SKIPPED_NAMES = frozenset({"package-lock.json", "npm-shrinkwrap.json", ".terraform.lock.hcl"})
_SKIPPED_FOLDERS = ("node_modules/", ".terraform/")


def _secret_key(key: str) -> bool:
    norm = key.lower().replace("_", "").replace("-", "").replace(".", "")
    last = key.lower().rpartition(".")[2].replace("_", "").replace("-", "")
    return norm.endswith(_SECRET_KEY_ENDINGS) and not last.startswith(_NOT_SECRET_KEY_PREFIXES)


def _literal(value: str, hcl: bool) -> str | None:
    """The literal a value holds, or None for empty values, references, templates and placeholders."""
    value = value.strip()
    quoted = len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'"
    if value[:1] in "\"'":
        value = value[1:-1] if quoted else value[1:]
    elif value.startswith(("|", ">")):
        return None  # a YAML block scalar: the value is on the next lines (private keys are caught there)
    elif hcl:
        return None  # unquoted HCL is an expression (var.x, data.y, func()), not a literal
    low = value.lower()
    if len(value) < 4 or low in _PLACEHOLDER_VALUES or len(set(value)) == 1:
        return None
    if low.startswith(_REFERENCE_PREFIXES) or "${" in value or "{{" in value:
        return None
    if any(part in low for part in _PLACEHOLDER_PARTS):
        return None
    return value


def _redacted(value: str) -> str:
    return f"value redacted, {len(value)} characters"


@dataclass(frozen=True)
class _Hit:
    line: int
    message: str


# Every line a secret could sit on holds one of these; the others are never looked at. The
# lookahead (the words' first letters, matched as case-blind as the words) lets the regex
# engine skip most characters at once (under half the time on a monorepo's files).
_CANDIDATE = re.compile(
    r"(?i)(?=[pstknvbagx:])(?:pass|secret|token|key|name|value|BEGIN|AKIA|ASIA|gh[pousr]_|github_pat_|xox|://)"
)


def _candidate_lines(text: str) -> list[int]:
    """0-based indexes of the lines worth scanning, found in one pass over the whole text:
    once a line holds a word, the search goes on from the end of that line."""
    out: list[int] = []
    line, position = 0, 0
    while (match := _CANDIDATE.search(text, position)) is not None:
        line += text.count("\n", position, match.start())
        out.append(line)
        position = text.find("\n", match.end())
        if position < 0:
            break
    return out


def _private_key(lines: Sequence[str], index: int) -> _Hit | None:
    """A private key block starting on line `index` with key material after its marker
    (a marker alone, as in documentation, is not a key)."""
    line, number = lines[index], index + 1
    match = _PRIVATE_KEY.search(line)
    if match is None:
        return None
    window = line[match.end() : match.end() + 400] + " ".join(lines[number : number + 3])[:400]
    if not _KEY_BODY.search(window.replace("\\n", " ")):
        return None
    return _Hit(number, f"private key block ({match.group(0)}), key material redacted")


def _key_hits(lines: Sequence[str], candidates: Sequence[int]) -> Iterator[_Hit]:
    """Private key blocks alone: what a key file (`server.key`, `id_rsa`) is read for."""
    for index in candidates:
        if (hit := _private_key(lines, index)) is not None:
            yield hit


def _token_hits(lines: Sequence[str], candidates: Sequence[int]) -> Iterator[_Hit]:
    """Private keys and well-known token formats, wherever they appear."""
    for index in candidates:
        line, number = lines[index], index + 1
        if (key := _private_key(lines, index)) is not None:
            yield key
            continue
        for pattern, what in (
            (_AWS_KEY, "AWS access key id"),
            (_GITHUB_TOKEN, "GitHub token"),
            (_SLACK_TOKEN, "Slack token"),
        ):
            found = pattern.search(line)
            if found and not any(part in found.group(0).lower() for part in ("example", "xxxx", "your")):
                yield _Hit(number, f"{what} ({found.group(0)[:4]}…, {_redacted(found.group(0))})")
                break
        else:
            cred = _URL_CREDENTIAL.search(line)
            if cred and _literal(cred.group(1), hcl=False):
                yield _Hit(number, f"password in a URL ({_redacted(cred.group(1))})")


def _assignment_hits(lines: Sequence[str], candidates: Sequence[int], hcl: bool, dockerfile: bool) -> Iterator[_Hit]:
    """`password: literal`, `API_TOKEN=literal`, `ENV DB_PASSWORD literal`, and k8s/ECS name/value pairs."""
    secret_name: tuple[int, str] | None = None  # (line, name) of a recent `name: DB_PASSWORD`
    for index in candidates:
        line, number = lines[index], index + 1
        stripped = line.lstrip()
        if stripped.startswith(("#", "//", ";")) and not (dockerfile and stripped.startswith(("ENV", "ARG"))):
            continue
        if dockerfile:
            docker = _DOCKER_ENV.match(line)
            if docker and "=" not in docker.group("key") and _secret_key(docker.group("key")):
                value = docker.group("value").strip()
                if "=" not in value.split(" ")[0] and (literal := _literal(value, hcl=False)):
                    yield _Hit(number, f"{show(docker.group('key'), 60)} is set to a literal ({_redacted(literal)})")
                    continue
        for match in _ASSIGNMENT.finditer(line):
            key, raw = match.group("key"), match.group("value")
            if key.lower() == "name":
                name = raw.strip().strip("\"'")
                secret_name = (number, name) if _secret_key(name) else None
                continue
            if key.lower() == "value" and secret_name and number - secret_name[0] <= 2:
                key = secret_name[1]
            elif not _secret_key(key):
                continue
            literal = _literal(raw, hcl)
            if literal is not None:
                yield _Hit(number, f"{show(key, 60)} is set to a literal ({_redacted(literal)})")
                break


_ENCRYPTED_KINDS = frozenset(
    {"SealedSecret", "ExternalSecret", "ClusterExternalSecret", "PushSecret", "SecretStore", "ClusterSecretStore",
     "SecretProviderClass"}
)  # fmt: skip


def _manifest_scan(text: str) -> tuple[list[_Hit], list[tuple[int, int]]]:
    """Values under `data:`/`stringData:` of `kind: Secret`, and the line ranges of manifests
    that hold only ciphertext or references (SealedSecret, ExternalSecret, ...), which the
    line scan must not read as literals."""
    hits: list[_Hit] = []
    skip: list[tuple[int, int]] = []
    if "Secret" not in text and "SecretProviderClass" not in text:
        return hits, skip
    for doc in compose_documents(text)[0]:  # what parses; the line scan covers the rest
        kind = scalar(child(doc, "kind"))
        if kind in _ENCRYPTED_KINDS:
            skip.append((doc.start_mark.line + 1, doc.end_mark.line + 1))
            continue
        if kind != "Secret" or scalar(child(doc, "apiVersion")) not in (None, "v1"):
            continue
        name = show(scalar(child(child(doc, "metadata"), "name")) or "(unnamed)", 40)
        for section, encoded in (("data", True), ("stringData", False)):
            block = child(doc, section)
            if not isinstance(block, yaml.MappingNode):
                continue
            for key_node, value_node in block.value:
                value = scalar(value_node)
                if not value or not isinstance(key_node, yaml.ScalarNode) or key_node.value.endswith(".crt"):
                    continue  # certificates are public
                plain = value
                if encoded:
                    try:
                        plain = base64.b64decode(value, validate=False).decode("utf-8", "replace")
                    except (binascii.Error, ValueError):
                        plain = value
                if _literal(plain, hcl=False) is None:
                    continue
                what = "base64 is an encoding, not encryption" if encoded else "in plain text"
                message = f"Secret {name!r} carries {section}.{show(key_node.value, 60)} ({what}; {_redacted(value)})"
                hits.append(_Hit(key_node.start_mark.line + 1, message))
    return hits, skip


def _config_kind(name: str) -> tuple[bool, bool, bool]:
    """(is a config file, is HCL, is a Dockerfile) from the lower-cased file name alone."""
    ext = name.rpartition(".")[2] if "." in name else ""
    dockerfile = name == "dockerfile" or name.startswith("dockerfile.") or name.endswith(".dockerfile")
    config = dockerfile or ext in _CONFIG_EXTENSIONS or name.startswith(".env") or name.startswith("docker-compose")
    return config, ext in _HCL_EXTENSIONS, dockerfile


def _shared(path: str) -> bool:
    """Shared by every service of a monorepo: top-level files and docs/, .github/, .gitlab/."""
    return "/" not in path or path.startswith(("docs/", ".github/", ".gitlab/"))


def _key_name(name: str) -> bool:
    """A lower-cased file name as private keys have (`server.key`, `tls.pem`, `id_ed25519`,
    `deploy_key`); never a `.pub` public key's."""
    if "." in name:
        return name.rpartition(".")[2] in _KEY_EXTENSIONS
    return name.startswith(_KEY_NAME_PREFIXES) or name.endswith(_KEY_NAME_ENDINGS)


def _secrets_selects(path: str, params: Params) -> bool:
    name = _basename(path).lower()
    # Generated lock files and vendored tool caches hold hashes, not secrets.
    if name in _SKIPPED_NAMES or not (_config_kind(name)[0] or _key_name(name)):
        return False
    return not any(folder in path for folder in _SKIPPED_FOLDERS)


def _scan(path: str, text: str) -> list[_Hit]:
    config, hcl, dockerfile = _config_kind(_basename(path).lower())
    lines = text.split("\n")
    candidates = _candidate_lines(text)
    if not config:  # a key file: public keys and certificates sit in the same kind of file
        return list(_key_hits(lines, candidates))
    hits: dict[int, _Hit] = {}
    manifest_hits, skip = _manifest_scan(text) if path.lower().endswith((".yaml", ".yml")) else ([], [])
    for hit in manifest_hits:
        hits.setdefault(hit.line, hit)
    for hit in _assignment_hits(lines, candidates, hcl, dockerfile):
        if not any(first <= hit.line <= last for first, last in skip):
            hits.setdefault(hit.line, hit)
    for hit in _token_hits(lines, candidates):  # well-known token formats count even inside encrypted manifests
        hits.setdefault(hit.line, hit)
    return [hits[line] for line in sorted(hits)]


def _secrets_run(repo: Repo, params: Params) -> list[Finding]:
    probe = "no-plain-secrets"
    paths = [f.path for f in repo.files() if in_service(repo, f.path) or _shared(f.path)]
    if not paths:
        return [finding(probe, Outcome.NOT_APPLICABLE, "no configuration or key files to scan")]
    findings: list[Finding] = []
    hidden = 0
    for path in paths:
        text = repo.text(path)
        if text is None:
            # A binary file under a key's name (a DER key, a Keynote deck) holds no PEM block.
            if not (_key_name(_basename(path).lower()) and repo.skipped(path) == "binary"):
                findings.append(unreadable(probe, repo, path))
            continue
        for hit in _scan(path, text):
            if len(findings) >= _MAX_FINDINGS:
                hidden += 1
                continue
            findings.append(fail(probe, f"{show_path(path)}:{hit.line}: {hit.message}", repo, [(path, hit.line)]))
    if hidden:
        findings.append(fail(probe, f"{hidden} more plain secrets not listed", repo))
    if not findings:
        return [finding(probe, Outcome.PASS, f"no plain secrets in {_counted(paths)}")]
    return findings


def _counted(paths: list[str]) -> str:
    """How many files were read: configuration files, and key files when there were any."""
    keys = sum(1 for path in paths if not _config_kind(_basename(path).lower())[0])
    return f"{len(paths) - keys} configuration file(s)" + (f" and {keys} key file(s)" if keys else "")


PROBES: tuple[RepoProbe, ...] = (
    RepoProbe("security-policy", _policy_selects, _policy_run, _POLICY_NAMES),
    # No candidates: `.env*`, `docker-compose*` and `Dockerfile.*` names cannot be indexed
    # by extension or exact name, so this probe's selection tests every path.
    RepoProbe("no-plain-secrets", _secrets_selects, _secrets_run),
)
