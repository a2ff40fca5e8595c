"""Revoked keys, as `ssh-keygen -Y verify -r FILE` reads them: a KRL or a list of public keys.

A key stays in allowed_signers history while its revocation is published separately, so
verification must consult both. A plain list is matched in-process, with OpenSSH's rules
(a listed key also revokes its certificates, a listed CA revokes the certificates it
signed); a binary KRL is asked of ssh-keygen, once per key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from prr.adapters.files import read_capped
from prr.adapters.signing import ssh_keygen
from prr.adapters.signing.ssh_pubkey import PublicKey, parse_public_key
from prr.domain.errors import InputError, Problem

KRL_MAGIC = b"SSHKRL\n\0"
_FILE_LIMIT = 16 * 1024 * 1024


@dataclass
class RevokedKeys:
    source: Path
    _listed: frozenset[bytes] | None  # plain key blobs; None for a KRL
    _krl_answers: dict[bytes, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def read(cls, path: Path) -> RevokedKeys:
        data = read_capped(path, _FILE_LIMIT)
        if len(data) > _FILE_LIMIT:
            raise InputError(f"{path}: larger than {_FILE_LIMIT // (1024 * 1024)} MiB; expected revoked keys")
        if data.startswith(KRL_MAGIC):
            ssh_keygen.check_krl(path)
            return cls(path, None)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{path}: neither a KRL nor a text list of public keys") from None
        return cls(path, frozenset(key.plain.blob for key in _listed_keys(text, str(path))))

    def revoked(self, key: PublicKey) -> bool:
        if self._listed is None:
            if key.blob not in self._krl_answers:
                self._krl_answers[key.blob] = ssh_keygen.krl_revokes(self.source, key)
            return self._krl_answers[key.blob]
        authority = key.certificate.signature_key.blob if key.certificate is not None else None
        return key.plain.blob in self._listed or authority in self._listed


def _listed_keys(text: str, source: str) -> list[PublicKey]:
    keys: list[PublicKey] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" \t")
        if not stripped.strip() or stripped.startswith("#"):
            continue
        try:
            keys.append(parse_public_key(stripped))
        except ValueError as exc:
            problems.append(Problem(source, number, len(line) - len(stripped) + 1, str(exc)))
    if problems:
        raise InputError(problems=problems)
    return keys
