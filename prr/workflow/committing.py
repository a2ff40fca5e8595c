"""`prr commit RECORD`: commit a review record's folder, and nothing else.

Only the record, its signatures and prr's own `.prr/.gitattributes` and `.gitignore` go in,
through a temporary index (`prr.adapters.git_commit`): the user's staged changes stay
staged and out of the commit, and no hooks run. A record whose bytes changed since it was
signed or committed is refused first (`sealed_record.require_unchanged`)."""

from __future__ import annotations

from pathlib import Path

from prr.adapters.git_commit import Committed, commit_paths
from prr.adapters.source_tree import PRR_FOLDER
from prr.adapters.worktree import read_no_follow
from prr.domain.errors import InputError
from prr.format.record_toml import loads
from prr.workflow.record_location import locate
from prr.workflow.sealed_record import require_unchanged, signature_files
from prr.workflow.verifying import MAX_RECORD_BYTES

OWN_FILES = (".gitattributes", ".gitignore")


def commit_record(record: Path) -> Committed:
    where = locate(record)
    data = read_no_follow(where.top, where.record_path, MAX_RECORD_BYTES)
    if data is None:
        raise InputError(f"{where.top / where.record_path}: not a regular file; nothing to commit")
    require_unchanged(where, data)
    parsed = loads(data, where.record_path)
    paths = [where.record_path, *signature_files(where.top, where.folder)]
    prr_folder = f"{where.service}/{PRR_FOLDER}" if where.service else PRR_FOLDER
    paths += [f"{prr_folder}/{name}" for name in OWN_FILES if (where.top / prr_folder / name).is_file()]
    signers = [Path(p).stem for p in paths if p.endswith(".sig")]
    verdict = "ready" if parsed.verdict.ready else "not ready"
    message = (
        f"prr: review record {parsed.id}\n\n"
        f"Service {parsed.service.name}, tier {parsed.service.tier}: {verdict} "
        f"({parsed.verdict.scorer} {parsed.verdict.scorer_version}, score {parsed.verdict.score}).\n"
        f"Signed by: {', '.join(signers) or 'nobody yet'}.\n"
    )
    return commit_paths(where.top, paths, message)
