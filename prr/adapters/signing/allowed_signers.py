"""The allowed_signers file (OpenSSH format, `man ssh-keygen`, ALLOWED SIGNERS): who may sign.

Trust comes from this file, named by the auditor or CI, so prr reads it the way
`ssh-keygen -Y verify` does and decides the same: a principal may sign with a key when a
line's principal patterns match it, the key is the line's key (or, on a `cert-authority`
line, a user certificate from that CA naming the principal), the namespace is allowed and
the time is inside valid-after / valid-before (both inclusive, whole seconds). Unlike
ssh-keygen, which only notices a bad line when it reaches it, the whole file is checked up
front and every bad line is reported. Timestamps without a Z are local time, as in OpenSSH."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from prr.adapters.files import read_capped
from prr.adapters.signing.ssh_pubkey import KEY_TYPES, Certificate, PublicKey, parse_public_key
from prr.domain.errors import InputError, Problem

_FILE_LIMIT = 16 * 1024 * 1024
_SPACE = " \t"
_VALUED_OPTIONS = ("namespaces", "valid-after", "valid-before")
_OPTIONS_HELP = 'cert-authority, namespaces="...", valid-after="...", valid-before="..."'
_TIMESTAMP = re.compile(r"([0-9]{8}|[0-9]{12}|[0-9]{14})(z|utc)?", re.IGNORECASE)
_PATTERN_LIMIT = 1023  # OpenSSH fails the whole list on a sub-pattern this long
_LAST_DATETIME = dt.datetime.max.replace(tzinfo=dt.UTC).timestamp()


@dataclass(frozen=True)
class AllowedSigner:
    """One line of an allowed_signers file."""

    principals: str  # the comma-separated pattern list as written
    key: PublicKey
    cert_authority: bool
    namespaces: str | None  # the namespaces= pattern list, None if absent
    valid_after: dt.datetime | None  # timezone-aware
    valid_before: dt.datetime | None
    line: int
    source: str  # the file, for messages: "source:line"


@dataclass(frozen=True)
class Authorization:
    """May this principal sign with this key, in this namespace, at this time; if not, why."""

    allowed: bool
    reason: str  # why not; "" when allowed
    line: int | None  # the deciding line


@dataclass(frozen=True)
class _Options:
    cert_authority: bool = False
    namespaces: str | None = None
    valid_after: dt.datetime | None = None
    valid_before: dt.datetime | None = None


class _Bad(Exception):
    """A problem at a column of the line being parsed."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def read_allowed_signers(path: Path) -> list[AllowedSigner]:
    data = read_capped(path, _FILE_LIMIT)
    if len(data) > _FILE_LIMIT:
        raise InputError(f"{path}: larger than {_FILE_LIMIT // (1024 * 1024)} MiB; is this an allowed_signers file?")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; expected an allowed_signers file") from None
    return parse_allowed_signers(text, str(path))


def parse_allowed_signers(text: str, source: str) -> list[AllowedSigner]:
    """Every line parsed; InputError lists every bad line as source:line:col."""
    signers: list[AllowedSigner] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), 1):
        try:
            signer = _parse_line(line.removesuffix("\r"), number, source)
        except _Bad as bad:
            problems.append(Problem(source, number, bad.column, bad.message))
            continue
        if signer is not None:
            signers.append(signer)
    if problems:
        raise InputError(problems=problems)
    return signers


def match_pattern_list(patterns: str, value: str) -> bool:
    """OpenSSH's match_pattern_list: comma-separated `*`/`?` patterns; a matching `!pattern` vetoes."""
    matched = False
    for pattern in patterns.removesuffix(",").split(",") if patterns else []:
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!")
        if len(pattern) >= _PATTERN_LIMIT:
            return False
        if not _match_pattern(value, pattern):
            continue
        if negated:
            return False
        matched = True
    return matched


def authorize(
    signers: list[AllowedSigner], principal: str, key: PublicKey, namespace: str, at: dt.datetime
) -> Authorization:
    """Whether `principal` may sign in `namespace` with `key` at time `at` (timezone-aware).

    Lines are tried in order and the first that allows wins, as in ssh-keygen. For a
    certificate this checks its CA, type, principals and validity; the CA's signature on
    it is checked by ssh-keygen (sshsig.verify_signature says DELEGATE for certificates)."""
    at = at.replace(microsecond=0)
    refused: tuple[str, int] | None = None
    for signer in signers:
        if not match_pattern_list(signer.principals, principal) or not _same_key(signer, key):
            continue
        refusal = _refusal(signer, principal, key, namespace, at)
        if not refusal:
            return Authorization(True, "", signer.line)
        refused = refused or (refusal, signer.line)
    if refused is not None:
        return Authorization(False, refused[0], refused[1])
    sources = ", ".join(dict.fromkeys(signer.source for signer in signers)) or "no allowed signers"
    return Authorization(False, f"{principal} is not allowed to sign with {key.fingerprint} ({sources})", None)


def principals_for(signers: list[AllowedSigner], key: PublicKey, namespace: str, at: dt.datetime) -> list[str]:
    """Who may sign with `key`, like `ssh-keygen -Y find-principals` but from every line, not
    only the first: each line's pattern list as written; for a `cert-authority` line the
    certificate's principals that the line's patterns allow."""
    at = at.replace(microsecond=0)
    found: list[str] = []
    for signer in signers:
        if not _same_key(signer, key) or _refusal(signer, None, key, namespace, at):
            continue
        if key.certificate is not None and signer.cert_authority:
            found += [name for name in key.certificate.principals if match_pattern_list(signer.principals, name)]
        else:
            found.append(signer.principals)
    return list(dict.fromkeys(found))


def _same_key(signer: AllowedSigner, key: PublicKey) -> bool:
    if signer.cert_authority:
        return key.certificate is not None and key.certificate.signature_key == signer.key
    return key == signer.key


def _refusal(signer: AllowedSigner, principal: str | None, key: PublicKey, namespace: str, at: dt.datetime) -> str:
    """Why this matching line does not allow the signature; "" when it does."""
    where = f"({signer.source}:{signer.line})"
    if key.certificate is not None and signer.cert_authority:
        refusal = _certificate_refusal(key.certificate, principal, at)
        if refusal:
            return f"{refusal} {where}"
    if signer.namespaces is not None and not match_pattern_list(signer.namespaces, namespace):
        return f"namespace {namespace} not allowed for this key {where}"
    if signer.valid_after is not None and at < signer.valid_after:
        return f"key not valid before {_when(signer.valid_after)} {where}"
    if signer.valid_before is not None and at > signer.valid_before:
        return f"key expired at {_when(signer.valid_before)} {where}"
    return ""


def _certificate_refusal(certificate: Certificate, principal: str | None, at: dt.datetime) -> str:
    if not certificate.is_user:
        return f"certificate {certificate.key_id!r} is a host certificate, which cannot sign"
    if not certificate.valid_at(at):
        start, end = _epoch(certificate.valid_after), _epoch(certificate.valid_before)
        return f"certificate {certificate.key_id!r} not valid at {_when(at)} (valid from {start} to {end})"
    if principal is not None and principal not in certificate.principals:
        return f"certificate {certificate.key_id!r} does not name {principal} as a principal"
    return ""


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(seconds: int) -> str:
    if seconds > _LAST_DATETIME:
        return "forever"
    return _when(dt.datetime.fromtimestamp(seconds, dt.UTC))


def _match_pattern(value: str, pattern: str) -> bool:
    """`*` any run, `?` any one character, the rest literal; linear backtracking, no regex."""
    if "*" not in pattern and "?" not in pattern:  # most principals: an address, matched as it is
        return value == pattern
    v = p = 0
    star, mark = -1, 0
    while v < len(value):
        if p < len(pattern) and pattern[p] in ("?", value[v]) and pattern[p] != "*":
            v, p = v + 1, p + 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark, p = p, v, p + 1
        elif star >= 0:
            mark += 1
            v, p = mark, star + 1
        else:
            return False
    return all(char == "*" for char in pattern[p:])


def _parse_line(text: str, number: int, source: str) -> AllowedSigner | None:
    position = _skip_space(text, 0)
    if position == len(text) or text[position] == "#":
        return None
    principals, position = _principals(text, position)
    position = _skip_space(text, position)
    if position == len(text):
        raise _Bad(position + 1, "missing key: expected PRINCIPALS [OPTIONS] KEYTYPE BASE64")
    options = _Options()
    if _looks_like_options(text, position):
        end = _options_end(text, position)
        options = _options(text, position, end)
        position = _skip_space(text, end)
        if position == len(text):
            raise _Bad(position + 1, "missing key after the options")
    try:
        key = parse_public_key(text[position:])
    except ValueError as exc:
        raise _Bad(position + 1, str(exc)) from None
    return AllowedSigner(
        principals,
        key,
        options.cert_authority,
        options.namespaces,
        options.valid_after,
        options.valid_before,
        number,
        source,
    )


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in _SPACE:
        position += 1
    return position


def _word_end(text: str, position: int) -> int:
    while position < len(text) and text[position] not in _SPACE:
        position += 1
    return position


def _principals(text: str, position: int) -> tuple[str, int]:
    if text[position] == '"':
        close = text.find('"', position + 1)
        if close < 0:
            raise _Bad(position + 1, "unterminated quote in the principals")
        value, end = text[position + 1 : close], close + 1
        if end < len(text) and text[end] not in _SPACE:
            raise _Bad(end + 1, "expected a space after the quoted principals")
    else:
        end = _word_end(text, position)
        value = text[position:end]
        if '"' in value:
            raise _Bad(
                position + value.index('"') + 1, "quote inside the principals: quote the whole field or none of it"
            )
    if not value:
        raise _Bad(position + 1, "empty principals")
    return value, end


def _looks_like_options(text: str, position: int) -> bool:
    """The field after the principals is options unless it is a key type (as OpenSSH reads it),
    or it looks like neither: then it is taken as a key type and reported as one."""
    end = _word_end(text, position)
    word = text[position:end]
    if word in KEY_TYPES:
        return False
    following = _skip_space(text, end)
    looks = "=" in word or "," in word or word.lower() == "cert-authority"
    return looks or text[following : _word_end(text, following)] in KEY_TYPES


def _options_end(text: str, position: int) -> int:
    """Where the options field ends: the first space or tab outside double quotes."""
    quoted = False
    start = position
    while position < len(text) and (quoted or text[position] not in _SPACE):
        if text.startswith('\\"', position):
            position += 1
        elif text[position] == '"':
            quoted = not quoted
        position += 1
    if quoted:
        raise _Bad(start + 1, "unterminated quote in the options")
    return position


def _options(text: str, position: int, end: int) -> _Options:
    cert_authority = False
    values: dict[str, tuple[str, int]] = {}
    while True:
        name_end = position
        while name_end < end and text[name_end] not in "=,":
            name_end += 1
        name = text[position:name_end].lower()
        has_value = name_end < end and text[name_end] == "="
        if name == "cert-authority" and not has_value:
            cert_authority, position = True, name_end
        elif name in _VALUED_OPTIONS and has_value:
            if name in values:
                raise _Bad(position + 1, f"{name} given twice")
            values[name] = (_quoted(text, name_end + 1, end, name), position + 1)
            position = _quoted_end(text, name_end + 1)
        elif not name:
            raise _Bad(position + 1, "empty option (a stray comma?)")
        elif name == "cert-authority":
            raise _Bad(position + 1, "cert-authority takes no value")
        else:
            raise _Bad(position + 1, f"unknown option {text[position:name_end]!r}; allowed: {_OPTIONS_HELP}")
        if position == end:
            break
        if text[position] != ",":
            raise _Bad(position + 1, "expected ',' between options")
        position += 1
        if position == end:
            raise _Bad(position, "options end with a comma")
    after = _time_option(values, "valid-after")
    before = _time_option(values, "valid-before")
    if after is not None and before is not None and before <= after:
        raise _Bad(values["valid-before"][1], "valid-before is not after valid-after")
    namespaces = values["namespaces"][0] if "namespaces" in values else None
    return _Options(cert_authority, namespaces, after, before)


def _quoted(text: str, position: int, end: int, name: str) -> str:
    if position >= end or text[position] != '"':
        raise _Bad(position + 1, f'the value of {name} must be in double quotes: {name}="..."')
    close = _quoted_end(text, position) - 1
    return text[position + 1 : close].replace('\\"', '"')


def _quoted_end(text: str, position: int) -> int:
    """Just past the closing quote of the quoted value starting at `position` (\\" is a quote)."""
    position += 1
    while text[position] != '"':
        position += 2 if text.startswith('\\"', position) else 1
    return position + 1


def _time_option(values: dict[str, tuple[str, int]], name: str) -> dt.datetime | None:
    if name not in values:
        return None
    value, column = values[name]
    match = _TIMESTAMP.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        digits, utc = match.groups()
        fields = [int(digits[i : i + 2]) for i in range(4, len(digits), 2)]
        moment = dt.datetime(int(digits[:4]), *fields, tzinfo=dt.UTC if utc else None)
        moment = moment if utc else moment.astimezone()
        if moment.timestamp() <= 0:
            raise ValueError(value)
    except ValueError:
        raise _Bad(column, f"invalid {name} time {value!r}: use YYYYMMDD or YYYYMMDDHHMM[SS], with Z for UTC") from None
    return moment
